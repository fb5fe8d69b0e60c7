"""The research workspace in the running app, second part: the log written once per search,
list and saved-search management from the pickers, empty facet sections hidden, the log cap.
Real store and workspace files under ARCHIVE_TUI_HOME, the real app under the pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import make_records, ready, settle, write_store
from textual.widgets import Footer, Input

from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.confirm import ConfirmScreen
from archive_tui.ui.screens.pickers import ListPicker, PickerList, SavedSearchPicker
from archive_tui.ui.screens.prompt import PromptScreen
from archive_tui.workspace import Workspace

SIZE = (100, 30)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return write_store(tmp_path / "records.json", make_records(30))


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for char in text:
        await pilot.press("space" if char == " " else char)


def searches_logged() -> list[str]:
    return [str(e.get("query")) for e in Workspace.open().log() if e["event"] == "search"]


async def test_a_search_committed_with_enter_is_logged_once_even_after_quitting(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_text(pilot, "harvest")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert searches_logged() == ["harvest"]


async def test_a_restored_search_is_not_logged_again_after_a_restart(db: Path) -> None:
    """The session brings the last search back: leaving the box then is not a new search."""
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_text(pilot, "harvest")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("slash", "ctrl+q")
        await pilot.pause()
    assert searches_logged() == ["harvest"]
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await settle(app, pilot)
        assert screen.search_input.value == "harvest"
        await pilot.press("escape", "q")
        await pilot.pause()
    assert searches_logged() == ["harvest"]
    assert Workspace.open().history() == ["harvest"]


def picker_lines(app: ArchiveApp) -> list[str]:
    options = app.screen.query_one(PickerList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def footer_text(app: ArchiveApp) -> str:
    footer = app.screen.query_one(Footer)
    return " ".join(str(key.render()) for key in footer.children)


async def test_a_list_is_renamed_and_deleted_from_the_lists_picker(db: Path) -> None:
    ws = Workspace.open()
    ws.add_to_list("Chapter 3", ["rec-00001", "rec-00002"])
    ws.add_to_list("Drafts", ["rec-00003"])
    ws.add_tags(["rec-00001"], ["berlin"])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        screen.search_input.value = 'list:"chapter 3"'
        await settle(app, pilot)
        assert screen.result.total == 2
        await pilot.press("escape", "O")
        await pilot.pause()
        assert isinstance(app.screen, ListPicker)
        lines = picker_lines(app)
        assert "Chapter 3" in lines[0] and "2 records" in lines[0]
        assert "Drafts" in lines[1] and "1 record" in lines[1]
        assert "Rename" in footer_text(app) and "Delete" in footer_text(app)

        await pilot.press("r")  # rename: the old name is there to edit
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        box = app.screen.query_one("#rename-list-input", Input)
        assert box.value == "Chapter 3"
        box.value = ""
        await type_text(pilot, "Chapter III")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ListPicker)
        assert "Chapter III" in picker_lines(app)[0]
        lists = Workspace.open().lists()  # renamed in place: still the first list
        assert list(lists.items()) == [
            ("Chapter III", ["rec-00001", "rec-00002"]),
            ("Drafts", ["rec-00003"]),
        ]
        # the search in the box follows the rename: the same two records
        assert screen.search_input.value == 'list:"Chapter III"'
        assert screen.result.total == 2

        await pilot.press("down", "d")  # delete Drafts: asked first; n keeps it
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause()
        assert "Drafts" in Workspace.open().lists()
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("enter")  # enter is not yes
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ListPicker)
        assert [line.split()[0] for line in picker_lines(app)] == ["Chapter"]
        assert set(Workspace.open().lists()) == {"Chapter III"}
        assert Workspace.open().tags("rec-00001") == ["berlin"]  # records keep their tags

        await pilot.press("enter")  # show the list: its records, as a Lists filter
        await settle(app, pilot)
        assert not isinstance(app.screen, ListPicker)
        assert dict(screen.filters.facets) == {"lists": ("Chapter III",)}
        assert screen.result.total == 2


async def test_a_saved_search_is_deleted_from_its_picker_after_a_yes(db: Path) -> None:
    ws = Workspace.open()
    ws.save_search("Missiles", "missile")
    ws.save_search("Harvest", "harvest")
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("escape", "o")
        await pilot.pause()
        assert isinstance(app.screen, SavedSearchPicker)
        assert "Delete" in footer_text(app)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert [s.name for s in Workspace.open().saved_searches()] == ["Missiles", "Harvest"]
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, SavedSearchPicker)
        assert [s.name for s in Workspace.open().saved_searches()] == ["Harvest"]
        assert len(picker_lines(app)) == 1 and "Harvest" in picker_lines(app)[0]


async def test_list_and_saved_search_management_is_in_help_and_the_palette(db: Path) -> None:
    from archive_tui.ui.commands import ArchiveCommands
    from archive_tui.ui.screens.help import help_sections

    ws = Workspace.open()
    ws.add_to_list("Chapter 3", ["rec-00001"])
    ws.save_search("Missiles", "missile")
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        sections = dict(help_sections(app))
        assert ("r", "Rename the highlighted list") in sections["Your lists"]
        saved_rows = sections["Saved searches"]
        assert any("Delete the highlighted saved search" in d for _k, d in saved_rows)
        assert any(k.startswith("O") for k, d in sections["Main"] if "lists" in d.lower())
        labels = [label for label, _h, _a in ArchiveCommands(app.screen)._commands()]
        for label in ("Lists…", "Rename list: Chapter 3", "Delete list: Chapter 3",
                      "Delete saved search: Missiles"):  # fmt: skip
            assert label in labels, label
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Delete list: Chapter 3")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
    assert Workspace.open().lists() == {}


async def test_tags_and_lists_sections_show_only_once_the_user_has_some(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        names = [name for name, _label in screen.panel.fields]
        assert "tags" not in names and "lists" not in names
        assert "collection" in names
        await pilot.press("escape", "t")
        await pilot.pause()
        await type_text(pilot, "berlin")
        await pilot.press("enter")
        await settle(app, pilot)
        names = [name for name, _label in screen.panel.fields]
        assert "tags" in names and "lists" not in names
        await pilot.press("f")  # the panel: right arrows reach Tags, with its value
        await pilot.pause()
        for _ in range(len(names) - 1):
            await pilot.press("right")
        await pilot.pause()
        assert screen.panel.field == "tags"
        assert [v.value for v in screen.panel.values_list.values] == ["berlin"]


async def _tag_a_marked_record_under_a_tag_search(app: ArchiveApp, pilot) -> tuple:  # type: ignore[no-untyped-def]
    screen = await ready(app, pilot)
    screen.search_input.value = 'tag:"to read"'
    await settle(app, pilot)
    assert screen.result.total == 1
    record = app.archive.get("rec-00007")
    app.marks["rec-00007"] = record  # as if marked in another search
    await pilot.press("escape", "t")
    await pilot.pause()
    await type_text(pilot, "to read")
    await pilot.press("enter")
    await pilot.pause()
    return screen


async def test_a_tag_shows_under_its_tag_search_at_once_on_the_ui_thread(db: Path) -> None:
    Workspace.open().add_tags(["rec-00002"], ["To read"])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _tag_a_marked_record_under_a_tag_search(app, pilot)
        # no worker waited for: the search ran with the key (the fast path, counted)
        assert "rec-00007" in screen.result.ids()
        assert screen.result.total == 2
        assert (screen.inline_searches, screen.inline_fallbacks) == (1, 0)


async def test_a_slow_search_after_a_tag_goes_to_the_worker(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive_tui.ui.screens.main_search as main_search

    monkeypatch.setattr(main_search, "INLINE_BUDGET_S", -1.0)  # every inline search is over budget
    Workspace.open().add_tags(["rec-00002"], ["To read"])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _tag_a_marked_record_under_a_tag_search(app, pilot)
        assert (screen.inline_searches, screen.inline_fallbacks) == (0, 1)
        await settle(app, pilot)
        assert "rec-00007" in screen.result.ids() and screen.result.total == 2
