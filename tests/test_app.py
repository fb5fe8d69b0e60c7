"""The terminal app driven as a user would: real TinyDB files, the real index, App.run_test."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from archive_tui.store import RecordStore
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.error import ErrorScreen
from archive_tui.ui.screens.main import MainScreen
from archive_tui.ui.widgets.chips import Chip
from archive_tui.ui.widgets.results import CARD_HEIGHT, ResultList

COLLECTIONS = ("Alpha Papers", "Beta Files", "Gamma Collection")
PLACES = ("Moscow", "Paris", "Berlin", "Beijing")
TOPICS = ("treaty", "embassy", "harvest", "missile", "conference")


def make_records(count: int) -> list[dict]:
    """Deterministic records with varied collections, places, dates and words."""
    records = []
    for i in range(count):
        year = 1945 + i % 46
        month = 1 + i % 12
        topic = TOPICS[i % len(TOPICS)]
        records.append(
            {
                "id": f"rec-{i:05d}",
                "date": f"{year}-{month:02d}-{1 + i % 28:02d}",
                "title": f"Telegram {i} about the {topic} question",
                "summary": f"A report on the {topic} by the embassy, number {i}.",
                "collection": COLLECTIONS[i % len(COLLECTIONS)],
                "document_type": "Telegram" if i % 2 else "Memorandum",
                "places": [PLACES[i % len(PLACES)]],
                "people": [f"Person {i % 7}"],
            }
        )
    return records


def write_store(path: Path, records: list[dict]) -> Path:
    RecordStore.open(path, create=True).upsert(records)
    return path


@pytest.fixture
def small_db(tmp_path: Path) -> Path:
    return write_store(tmp_path / "records.json", make_records(30))


async def ready(app: ArchiveApp, pilot) -> MainScreen:  # type: ignore[no-untyped-def]
    """Wait until the archive is open and the first search is on screen."""
    for _ in range(200):
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.main_screen
        if screen.result is not None and not screen._searching and not screen._dirty:
            return screen
    raise AssertionError("the first results never arrived")


async def settle(app: ArchiveApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let debounce timers fire and searches finish."""
    screen = app.main_screen
    for _ in range(200):
        await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        await pilot.pause()
        if screen.is_idle:
            return
    raise AssertionError("searching never settled")


async def error_screen(app: ArchiveApp, pilot) -> ErrorScreen:  # type: ignore[no-untyped-def]
    """Wait until the error screen is up; fail if it never comes."""
    for _ in range(100):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if isinstance(app.screen, ErrorScreen):
            return app.screen
    raise AssertionError(f"no error screen; showing {app.screen!r}")


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for char in text:
        await pilot.press("space" if char == " " else char)


def status_text(screen: MainScreen) -> str:
    return str(screen.status.render())


def visible_text(results: ResultList) -> str:
    """The text of the result list as drawn on screen, line by line."""
    lines = []
    for y in range(results.scrollable_content_region.height):
        lines.append(results.render_line(y).text)
    return "\n".join(lines)


async def test_typing_narrows_the_count(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        assert screen.result.total == 30
        assert "30 documents" in status_text(screen)
        await type_text(pilot, "missile")
        await settle(app, pilot)
        assert screen.result.total == 6
        assert "6 results" in status_text(screen)
        assert screen.results.total == 6
        assert "missile" in visible_text(screen.results)


async def test_malformed_query_shows_how_it_was_read(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, '"embassy report')
        await settle(app, pilot)
        notes = screen.result.parsed.notes
        assert notes, "an unbalanced quote should be reported by the parser"
        assert notes[0][:30] in status_text(screen)
        assert screen.status.has_class("-notes")


async def test_filter_chip_added_and_removed_by_keyboard(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("enter")  # search box -> results
        assert screen.results.has_focus
        await pilot.press("f")  # the panel opens over the results
        await pilot.pause()
        assert screen.has_class("-filters-open")
        assert screen.panel.values_list.has_focus
        first = screen.panel.values_list.highlighted
        assert first is not None and first.value in COLLECTIONS and first.count == 10
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.result.total == 10
        chips = list(screen.query(Chip))
        assert [chip.spec.value for chip in chips] == [first.value]
        assert chips[0].region.height == 1  # shown
        # escape closes the panel; shift+tab from the results reaches the timeline, then the chip
        await pilot.press("escape")
        assert not screen.has_class("-filters-open")
        assert screen.results.has_focus
        await pilot.press("shift+tab")
        assert app.focused is screen.query_one("#timeline")
        await pilot.press("shift+tab")
        assert isinstance(app.focused, Chip)
        await pilot.press("delete")
        await settle(app, pilot)
        assert screen.result.total == 30
        assert not list(screen.query(Chip))
        assert screen.results.has_focus


async def test_the_filter_panel_opens_on_the_most_frequent_value(tmp_path: Path) -> None:
    """Searches made while the panel is not in use start its highlight again at the top:
    a value the highlight sat on when it was the only one (here a rare collection)
    does not keep it at the bottom of a long list, where Enter would choose it."""
    rare = {**make_records(1)[0], "id": "rare", "summary": "zeppelinoid", "collection": "Zeta"}
    db = write_store(tmp_path / "records.json", [*make_records(30), rare])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "zeppelinoid")
        await settle(app, pilot)
        assert screen.result.total == 1
        await pilot.press("ctrl+u")  # the whole query deleted at once
        await settle(app, pilot)
        assert screen.result.total == 31
        await pilot.press("enter", "f")
        await pilot.pause()
        first = screen.panel.values_list.highlighted
        assert first is not None and first.value in COLLECTIONS and first.count == 10


async def test_clear_filters_key_removes_every_chip(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        assert screen.panel.display  # wide: the panel stands beside the results
        await pilot.press("enter", "f")
        assert screen.panel.values_list.has_focus
        await pilot.press("enter")  # the most frequent collection
        await settle(app, pilot)
        await pilot.press("right")  # next field: document type
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
        assert len(list(screen.query(Chip))) == 2
        assert screen.result.total < 30
        await pilot.press("escape", "x")
        await settle(app, pilot)
        assert not list(screen.query(Chip))
        assert screen.result.total == 30


async def test_date_bounds_filter_and_show_as_chips(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        screen.query_one("#date-from", Input).focus()
        await type_text(pilot, "1960")
        await settle(app, pilot)
        expected = sum(1 for r in make_records(30) if r["date"] >= "1960")
        assert screen.result.total == expected
        assert [c.spec.label for c in screen.query(Chip)] == ["From: 1960"]


async def test_no_results_says_so_and_suggests_loosening(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "zzyzx")
        await settle(app, pilot)
        assert screen.result.total == 0
        assert "0 results" in status_text(screen)
        assert "No documents match “zzyzx”" in visible_text(screen.results)


async def test_q_typed_in_the_search_box_stays_there(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("q", "j", "k", "f", "c", "question_mark")
        await pilot.pause()
        assert screen.search_input.value == "qjkfc?"
        assert app.is_running and app.screen is screen
        assert not screen.has_class("-filters-open")
        await pilot.press("escape", "q")  # from the results, q quits
        await pilot.pause()
        assert not app.is_running


async def test_c_copies_the_selected_citation(small_db: Path) -> None:
    from archive_tui.citations import cite
    from archive_tui.settings import default_style

    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("down", "j")
        selected = screen.results.selected
        assert screen.results.cursor == 1
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == cite(selected.record, default_style())


async def test_marks_make_a_bibliography_and_survive_new_searches(small_db: Path) -> None:
    from archive_tui.citations import bibliography
    from archive_tui.settings import default_style

    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("down", "space", "j", "j", "space")
        marked = [screen.results.hit(0).record, screen.results.hit(2).record]
        assert list(app.marks) == [r["id"] for r in marked]
        assert "2 marked" in status_text(screen)
        assert "✓" in visible_text(screen.results)
        # a new search keeps the marks
        await pilot.press("slash")
        await type_text(pilot, "harvest")
        await settle(app, pilot)
        assert len(app.marks) == 2
        await pilot.press("enter", "c")
        await pilot.pause()
        assert app.clipboard == bibliography(marked, default_style())
        await pilot.press("M")
        assert not app.marks
        assert "marked" not in status_text(screen)


async def test_open_next_previous_and_back_keeps_the_position(small_db: Path) -> None:
    document = pytest.importorskip("archive_tui.ui.screens.document")
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("down", "j", "j")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, document.DocumentScreen)
        await pilot.press("n", "n", "p")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.results.cursor == 3
        assert screen.results.has_focus


async def test_corrupt_store_gives_an_error_screen_and_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_bytes(b'{"records": {"1": {"id": "a", ')
    before = path.read_bytes()
    app = ArchiveApp(path)
    async with app.run_test(size=(80, 24)) as pilot:
        await error_screen(app, pilot)
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "could not be opened" in shown
        assert path.name in shown
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 1
    assert path.read_bytes() == before


async def test_missing_store_gives_an_error_screen(tmp_path: Path) -> None:
    app = ArchiveApp(tmp_path / "nope.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await error_screen(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 1
    assert not (tmp_path / "nope.json").exists()


async def test_markup_and_control_characters_are_shown_literally(tmp_path: Path) -> None:
    hostile = {
        "id": "hostile",
        "date": "1962-10",
        "title": "[b]Not bold[/b] \x1b[31mred\x1b[0m [link=http://x.test]link[/link] bell\x07",
        "summary": "An OSC \x1b]0;pwned\x07 title and a [/] closing tag, \u202eevil.",
        "collection": "[i]Markup Collection[/i]",
    }
    db = write_store(tmp_path / "records.json", [hostile, *make_records(3)])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "bold")
        await settle(app, pilot)
        assert screen.result.total == 1
        text = visible_text(screen.results)
        assert "[b]Not bold[/b] ␛[31mred␛[0m [link=http://x.test]link[/link] bell␇" in text
        assert "␛]0;pwned␇ title and a [/] closing tag" in text
        assert "[i]Markup Collection[/i]" in text
        for raw in ("\x1b", "\x07", "\u202e"):
            assert raw not in text
        assert "October, 1962" in text  # month precision, no invented day


async def test_resize_to_40_by_12_still_draws(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("enter", "f")
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        await pilot.press("escape", "j", "j")
        await pilot.pause()
        assert screen.results.cursor == 2
        assert screen.results.region.height > 0
        assert visible_text(screen.results).strip()
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert screen.has_class("-wide") and screen.panel.display


async def test_long_result_list_jumps_to_the_last_record(tmp_path: Path) -> None:
    db = write_store(tmp_path / "records.json", make_records(2000))
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        results = screen.results
        assert results.total == 2000
        assert results.virtual_size.height == 2000 * CARD_HEIGHT
        # only one block of hits was fetched, not 2,000 records
        assert len(results._blocks) <= 1
        await pilot.press("enter", "G")
        await pilot.pause()
        assert results.cursor == 1999
        last = results.hit(1999).record
        assert last["title"] in visible_text(results)
        assert results.scroll_offset.y >= 1999 * CARD_HEIGHT - results.size.height
        await pilot.press("g")
        await pilot.pause()
        assert results.cursor == 0 and results.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert results.cursor == results.cards_per_page


async def test_sort_key_cycles_the_order(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        first_sort = screen.result.sort
        await pilot.press("enter", "s")
        await settle(app, pilot)
        assert screen.result.sort != first_sort
        assert "sorted by" in status_text(screen)


async def test_command_palette_offers_the_actions(small_db: Path) -> None:
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("enter", "space")
        assert len(app.marks) == 1
        await pilot.press("ctrl+p")
        await pilot.pause()
        await type_text(pilot, "clear marks")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert app.screen is screen
        assert not app.marks


@pytest.mark.parametrize("theme", ["ansi-dark", "textual-light"])
async def test_no_color_and_other_themes_draw_every_state(
    small_db: Path, theme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(160, 40)) as pilot:
        app.theme = theme
        screen = await ready(app, pilot)
        await pilot.press("enter", "space", "f")
        app.export_screenshot()  # every widget drawn, through the NO_COLOR filter
        await pilot.press("escape", "slash")
        await type_text(pilot, "zzyzx")
        await settle(app, pilot)
        svg = app.export_screenshot()
        assert "No&#160;documents&#160;match" in svg
        assert screen.result.total == 0


async def test_type_to_narrow_a_long_value_list(tmp_path: Path) -> None:
    records = make_records(40)
    for i, record in enumerate(records):
        record["people"] = [f"Person {i:03d}", "Громыко, Андрей"]
    db = write_store(tmp_path / "records.json", records)
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("enter", "f", "right", "right", "right")  # collection -> people
        values = screen.panel.values_list
        assert len(values.values) == 41
        assert values.highlighted.value == "Громыко, Андрей"
        await pilot.press("shift+tab")  # the narrow box above the list
        await type_text(pilot, "person 01")
        await pilot.pause()
        assert [v.value for v in values.values] == [f"Person {i:03d}" for i in range(10, 20)]
        await type_text(pilot, "7")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.result.total == 1
        assert [c.spec.label for c in screen.query(Chip)] == ["Person: Person 017"]
        # folding: Latin letters find the Cyrillic name
        narrow = screen.query_one("#facet-narrow", Input)
        narrow.value = "gromyko"
        await pilot.pause()
        assert [v.value for v in values.values] == ["Громыко, Андрей"]


async def test_frus_collections_are_shown_short_and_found_by_frus(tmp_path: Path) -> None:
    full = "Foreign Relations of the United States, 1961–1963, Volume XV, Berlin Crisis, 1962–1963"
    records = make_records(6)
    for record in records[:3]:
        record["collection"] = full
    db = write_store(tmp_path / "records.json", records)
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        # the card's faint line names the volume the way historians write it
        assert "FRUS, 1961–1963, Volume XV, Berlin Crisis" in visible_text(screen.results)
        await pilot.press("enter", "f", "shift+tab")  # collection list, its narrow box
        await type_text(pilot, "frus")
        await pilot.pause()
        values = screen.panel.values_list
        assert [(v.value, v.count) for v in values.values] == [(full, 3)]
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.result.total == 3  # the filter holds the full name
        chips = [c.spec.label for c in screen.query(Chip)]
        assert len(chips) == 1 and chips[0].startswith("Collection: FRUS, 1961")


async def test_export_from_the_results_writes_the_file_and_says_so_once(
    small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = ArchiveApp(small_db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "harvest")
        await settle(app, pilot)
        total = screen.result.total
        assert 0 < total < 30
        await pilot.press("enter", "e")  # results, then the export dialog (BibTeX first)
        await pilot.pause()
        await pilot.press("enter", "enter")  # choose the format, then export to the default name
        for _ in range(100):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if app.screen is screen:
                break
        target = tmp_path / "archive-export.bib"
        assert target.read_text(encoding="utf-8").count("@misc{") == total
        said = [n.message for n in app._notifications if "Exported" in n.message]
        assert said == [f"Exported {total} records as BibTeX to {target}."]


async def test_archive_broken_on_disk_while_open_gives_the_error_screen(tmp_path: Path) -> None:
    from archive_tui.archive import Archive

    db = write_store(tmp_path / "records.json", make_records(2000))
    Archive.open(db)  # builds the index cache, so the app reads records on demand
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        assert app.archive is not None and app.archive.lazy
        # another program overwrites the file in place with something that is not an archive
        data = db.read_bytes()
        with db.open("r+b") as handle:
            handle.write(b"#" * len(data))
        await pilot.press("enter", "G")  # the last card needs records not read yet
        await error_screen(app, pilot)
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        assert "changed on disk" in shown and db.name in shown
        assert screen.results.cursor == 1999
