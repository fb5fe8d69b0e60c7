"""Keys on the main screen: navigation never wipes the query, q quits from the list, help is
reachable from the first focus (F1), and the footer says how to get help and the results."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import make_records, ready, settle, write_store

from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.help import HelpScreen

QUERY = 'title:"Telegram 1"'


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return write_store(tmp_path / "records.json", make_records(30))


async def test_escape_twice_from_a_document_then_q_quits_and_keeps_the_query(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press(*QUERY)
        await settle(app, pilot)
        total = screen.result.total
        await pilot.press("enter", "enter")  # to the results, open the document
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.results.has_focus
        await pilot.press("escape")  # nothing further back: stays on the list
        await settle(app, pilot)
        assert screen.search_input.value == QUERY
        assert screen.result.total == total
        await pilot.press("q")
        await pilot.pause()
        assert screen.search_input.value == QUERY
        assert not app.is_running


@pytest.mark.parametrize(
    "keys",
    [["escape"], ["slash"], ["tab"], ["shift+tab"], ["f", "escape"], ["f", "f"], ["escape"] * 3],
)
async def test_no_navigation_key_wipes_the_query(db: Path, keys: list[str]) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press(*QUERY, "enter")  # typed, then to the results
        await settle(app, pilot)
        await pilot.press(*keys, "x")  # a navigation, then a letter
        await settle(app, pilot)
        typed = screen.search_input.value
        assert typed.startswith(QUERY), f"after {keys}: the query became {typed!r}"


async def test_f1_opens_help_from_the_search_box_and_question_mark_stays_text(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        assert screen.search_input.has_focus
        await pilot.press("question_mark")
        await pilot.pause()
        assert screen.search_input.value == "?"  # a wildcard in a query: it stays text
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize(
    "opener",
    [
        [],
        ["escape"],
        ["escape", "f"],
        ["escape", "f", "shift+tab"],
        ["escape", "enter"],
        ["escape", "e"],  # the export dialog
        ["escape", "C"],  # the citation picker
        ["ctrl+p"],  # the command palette
    ],
)
async def test_f1_works_from_every_focus(db: Path, opener: list[str]) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press(*opener)
        await pilot.pause()
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen), f"F1 after {opener} showed {app.screen}"
        await pilot.press("f1")  # closes it again
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_first_screen_says_how_to_get_help_and_reach_the_results(
    db: Path, size: tuple[int, int]
) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=size) as pilot:
        await ready(app, pilot)
        await pilot.pause()
        shown = app.export_screenshot()
        text = "".join(_svg_text(shown))
        assert "F1" in text and "Help" in text, text
        assert "Results" in text


def _svg_text(svg: str) -> list[str]:
    import html
    import re

    return [html.unescape(t) for t in re.findall(r">([^<>]+)</text>", svg)]


async def test_help_covers_the_filter_narrowing_box_and_date_fields(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await ready(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        text = " ".join(str(s.render()) for s in app.screen.query(".help-section"))
        assert "narrow" in text.lower()
        assert "Dates from" in text or "date fields" in text.lower()
        assert "1961-06" in text or "YYYY" in text


@pytest.mark.parametrize("size", [(80, 24), (160, 50)])
async def test_typing_in_the_value_list_narrows_it_and_q_is_text(
    db: Path, size: tuple[int, int]
) -> None:
    from textual.widgets import Input

    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=size) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("escape", "f")
        await pilot.pause()
        values = screen.panel.values_list
        assert values.has_focus
        everything = len(values.values)
        await pilot.press("g", "a", "m", "q")  # Gamma Collection; q is a letter here
        await pilot.pause()
        narrow = screen.query_one("#facet-narrow", Input)
        assert app.is_running
        assert narrow.value == "gamq"
        assert values.values == []
        await pilot.press("backspace")
        await pilot.pause()
        assert [v.value for v in values.values] == ["Gamma Collection"]
        await pilot.press("escape")  # back to the results: the narrowing does not linger
        await settle(app, pilot)
        assert screen.results.has_focus
        assert narrow.value == ""
        assert len(values.values) == everything


async def test_help_lists_no_letter_keys_for_the_value_list_where_letters_narrow(
    db: Path,
) -> None:
    from archive_tui.ui.screens.help import key_rows
    from archive_tui.ui.widgets.facet_list import FacetValueList

    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        keys = " / ".join(k for k, _ in key_rows(app, FacetValueList)).split(" / ")
        assert not {"j", "k", "g", "G"} & set(keys), keys
        await pilot.press("escape", "f", "down", "down", "end", "home", "j")
        await pilot.pause()
        assert screen.query_one("#facet-narrow").value == "j"
