"""The research workspace in the app, as a historian uses it: real store and workspace
files under ARCHIVE_TUI_HOME, the real app under the pilot, restarts as second runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import make_records, ready, settle, status_text, visible_text, write_store
from textual.widgets import Input, Static, TextArea

from archive_tui.paths import workspace_path
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.note_editor import NoteEditor
from archive_tui.ui.screens.pickers import PickerList, ResearchLogScreen, SavedSearchPicker
from archive_tui.ui.screens.prompt import PromptScreen
from archive_tui.ui.widgets.chips import Chip
from archive_tui.workspace import Workspace

SIZE = (100, 30)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return write_store(tmp_path / "records.json", make_records(30))


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for char in text:
        await pilot.press("space" if char == " " else char)


async def wait_for(app: ArchiveApp, pilot, condition, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(100):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError(f"never happened: {what}")


def annotations_text(app: ArchiveApp) -> str:
    widget = app.screen.query_one("#doc-annotations", Static)
    return "" if widget.has_class("-empty") else str(widget.render())


async def test_tag_from_the_document_view_shows_on_the_card(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        record_id = screen.results.selected.record["id"]
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        assert annotations_text(app) == ""
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await type_text(pilot, "Berlin 1961, wall")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        assert "Berlin 1961, wall" in annotations_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert "#Berlin 1961  #wall" in visible_text(screen.results)
    assert Workspace.open().tags(record_id) == ["Berlin 1961", "wall"]


async def test_tag_completion_offers_existing_tags(db: Path) -> None:
    Workspace.open().add_tags(["rec-00003"], ["Checkpoint Charlie"])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("escape", "t")
        await pilot.pause()
        await type_text(pilot, "berlin, check")
        await pilot.pause(0.2)
        box = app.screen.query_one("#tag-input", Input)
        assert box._suggestion == "berlin, Checkpoint Charlie"
        await pilot.press("right", "enter")
        await pilot.pause()
        record_id = screen.results.selected.record["id"]
    assert Workspace.open().tags(record_id) == ["berlin", "Checkpoint Charlie"]


async def test_a_note_typed_and_saved_survives_a_restart(db: Path) -> None:
    text = "Compare with the Kennedy papers.\nSecond line: Manac’h, Piné."
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        record_id = screen.results.selected.record["id"]
        await pilot.press("escape", "a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        app.screen.query_one(TextArea).insert(text)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
        await pilot.press("q")
    assert Workspace.open().note(record_id) == text

    again = ArchiveApp(db, show_timing=False)
    async with again.run_test(size=SIZE) as pilot:
        screen = await ready(again, pilot)
        assert "✎ note" in visible_text(screen.results)
        await pilot.press("escape", "enter")
        await pilot.pause()
        shown = annotations_text(again)
        assert "Compare with the Kennedy papers." in shown and "Manac’h, Piné." in shown


async def test_escape_in_the_note_editor_never_loses_typed_text_at_once(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        record_id = screen.results.selected.record["id"]
        await pilot.press("escape", "a")
        await pilot.pause()
        await type_text(pilot, "draft")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor), "one escape closed an edited note"
        assert app.screen.query_one(TextArea).text == "draft"
        assert "Not saved" in str(app.screen.query_one("#note-keys", Static).render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
    assert Workspace.open().note(record_id) == "draft"


async def test_marks_survive_a_restart(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("escape", "space", "down", "down", "space")
        await pilot.pause()
        marked = list(app.marks)
        assert len(marked) == 2
    assert Workspace.open().marks() == marked

    again = ArchiveApp(db, show_timing=False)
    async with again.run_test(size=SIZE) as pilot:
        screen = await ready(again, pilot)
        assert list(again.marks) == marked
        assert again.marks[marked[0]].get("title")  # the records themselves, to cite
        assert "2 marked" in status_text(screen)


async def test_save_the_marks_as_a_list(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("escape", "space", "down", "space", "l")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await type_text(pilot, "Chapter 3")
        await pilot.press("enter")
        await pilot.pause()
        marked = list(app.marks)
    assert Workspace.open().lists() == {"Chapter 3": marked}


async def test_save_a_search_and_open_it_from_the_picker_and_the_palette(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "missile")
        await settle(app, pilot)
        await pilot.press("enter", "s")  # to the results; next sort order
        await settle(app, pilot)
        sort, total = screen.sort, screen.result.total
        await pilot.press("S")
        await pilot.pause()
        await type_text(pilot, "Missiles")
        await pilot.press("enter")
        await pilot.pause()
        saved = Workspace.open().saved_search("missiles")
        assert saved is not None and (saved.query, saved.sort) == ("missile", sort)

        screen.search_input.value = ""
        await settle(app, pilot)
        assert screen.result.total == 30
        await pilot.press("escape", "o")
        await pilot.pause()
        assert isinstance(app.screen, SavedSearchPicker)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.search_input.value == "missile"
        assert (screen.sort, screen.result.total) == (sort, total)

        screen.search_input.value = ""
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "Saved search: Missiles")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.search_input.value == "missile"


async def test_up_recalls_the_previous_committed_search(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        box = screen.search_input
        await type_text(pilot, "treaty")
        await pilot.press("enter")  # committed: into the history
        await settle(app, pilot)
        await pilot.press("slash")
        box.value = ""
        await type_text(pilot, "harv")  # typed, not committed: not history
        await settle(app, pilot)
        box.value = ""
        await type_text(pilot, "embassy")
        await settle(app, pilot)
        await pilot.press("escape")  # leaving the box commits too
        await settle(app, pilot)
        assert Workspace.open().history() == ["treaty", "embassy"]
        await pilot.press("slash", "up")
        await settle(app, pilot)
        assert box.value == "treaty"  # "embassy" is in the box already: skipped
        assert screen.result.query == "treaty"
        await pilot.press("down")
        assert box.value == "embassy"  # back to what was typed
        assert box.has_focus
        await pilot.press("down")
        await pilot.pause()
        assert screen.results.has_focus  # down past the walk goes to the results


async def test_the_session_is_restored(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "embassy")
        await settle(app, pilot)
        await pilot.press("enter", "s")
        await settle(app, pilot)
        screen.filters = screen.filters.with_value("collection", "Alpha Papers")
        screen._show_filters()
        screen._request_search(immediate=True)
        await settle(app, pilot)
        await pilot.press("down", "down")
        selected = screen.results.selected.record["id"]
        sort, filters, total = screen.sort, screen.filters, screen.result.total
        app.theme = "nord"
        await pilot.press("q")

    again = ArchiveApp(db, show_timing=False)
    async with again.run_test(size=SIZE) as pilot:
        screen = await ready(again, pilot)
        assert screen.search_input.value == "embassy"
        assert (screen.sort, screen.filters, screen.result.total) == (sort, filters, total)
        assert screen.results.selected.record["id"] == selected
        assert again.theme == "nord"
        assert [c.spec.value for c in screen.chips.query(Chip)] == ["Alpha Papers"]


async def test_the_log_lists_events_and_reruns_a_search(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "harvest")
        await pilot.press("enter")
        await settle(app, pilot)
        harvest_total = screen.result.total
        await pilot.press("enter")  # open a document: logged
        await pilot.pause()
        await pilot.press("escape", "slash")
        screen.search_input.value = "treaty"
        await settle(app, pilot)
        await pilot.press("escape", "L")
        await pilot.pause()
        assert isinstance(app.screen, ResearchLogScreen)
        options = app.screen.query_one(PickerList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        kinds = [line.split("  ", 1)[1].split()[0] for line in lines]
        # newest first: treaty (committed on escape), the opened document, harvest
        assert kinds[:3] == ["search", "open", "search"], lines
        assert "treaty" in lines[0] and "harvest" in lines[2] and "results" in lines[2]
        index = 2
        options.highlighted = index
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ResearchLogScreen)
        assert screen.search_input.value == "harvest"
        assert screen.result.total == harvest_total
    events = [e["event"] for e in Workspace.open().log()]
    assert events[:3] == ["search", "open", "search"], events


async def test_logging_off_records_nothing(db: Path) -> None:
    Workspace.open().set_logging(False)
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_text(pilot, "harvest")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
    assert Workspace.open().log() == []
    assert Workspace.open().history() == ["harvest"]


async def test_a_corrupt_workspace_opens_read_only_and_is_left_untouched(db: Path) -> None:
    path = workspace_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b'{"_default": {}, "tags": {"1": {"id": "rec-1", "tags": [')
    before = path.read_bytes()
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        assert screen.result.total == 30  # the archive works
        assert "workspace read-only" in status_text(screen)
        shown = [str(n.message) for n in app._notifications]
        assert any(str(path) in m and "read-only" in m for m in shown), shown
        await pilot.press("escape", "space", "t")  # a mark is kept for the session only
        await pilot.pause()
        await type_text(pilot, "wall")
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running
        shown = [str(n.message) for n in app._notifications]
        assert any("read-only this session" in m and "nothing was changed" in m for m in shown)
        await pilot.press("q")
    assert path.read_bytes() == before


async def test_another_process_tagging_shows_in_the_running_app(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        record_id = screen.results.selected.record["id"]
        Workspace.open().add_tags([record_id], ["from the CLI"])  # a second SSH session
        await wait_for(
            app,
            pilot,
            lambda: "#from the CLI" in visible_text(screen.results),
            "the other process's tag on the card",
        )
        assert app.research.reloads >= 1
        assert app.research.tags_of(record_id) == ("from the CLI",)


async def test_research_keys_are_in_help_and_the_palette(db: Path) -> None:
    from archive_tui.ui.commands import COMMANDS
    from archive_tui.ui.screens.help import help_sections

    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        rows = {d for _title, section in help_sections(app) for _k, d in section}
        for needle in ("Tag the marked", "selected record's note", "Open a saved search"):
            assert any(needle in d for d in rows), needle
        assert any("Save the note" in d for d in rows)
    actions = {action for _l, _h, action in COMMANDS}
    assert {"tag", "note", "add_to_list", "save_search", "saved_searches", "research_log"} <= (
        actions
    )


@pytest.mark.parametrize("key", ["enter", "tab", "shift+tab", "escape"])
async def test_keys_in_the_note_editor_keep_the_app_and_the_text(db: Path, key: str) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("escape", "a")
        await pilot.pause()
        await type_text(pilot, "1961")
        await pilot.press(key)
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, NoteEditor), f"{key} closed an edited note"
        assert "1961" in app.screen.query_one(TextArea).text
        await pilot.press("escape", "escape")  # asked, then dropped on purpose
        await pilot.pause()
        assert not isinstance(app.screen, NoteEditor)
    assert Workspace.open().notes() == {}


async def test_the_marks_exported_as_markdown_carry_tags_and_note_and_are_logged(
    db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "chapter.md"
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        title = screen.results.selected.record["title"]
        await pilot.press("escape", "space", "t")
        await pilot.pause()
        await type_text(pilot, "Berlin 1961")
        await pilot.press("enter", "a")
        await pilot.pause()
        app.screen.query_one(TextArea).insert("Seen at the archive.")
        await pilot.press("ctrl+s", "e")
        await pilot.pause()
        formats = app.screen.formats
        for _ in range(formats.index("markdown")):
            await pilot.press("down")
        await pilot.pause()
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("tab")
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
    text = target.read_text()
    assert title in text and "Berlin 1961" in text and "Seen at the archive." in text
    exports = [e for e in Workspace.open().log() if e["event"] == "export"]
    assert exports and exports[-1]["format"] == "markdown" and exports[-1]["count"] == 1
