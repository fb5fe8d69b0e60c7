"""How a bad query was read is on screen in full at 80 columns; the chips keep their label."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from test_app import make_records, ready, settle, write_store

from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.widgets.chips import Chip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return write_store(tmp_path / "records.json", make_records(30))


def screen_text(app: ArchiveApp) -> str:
    """What the terminal shows, lines joined by spaces (a wrapped note reads as one)."""
    svg = app.export_screenshot()
    text = "".join(html.unescape(t) for t in re.findall(r">([^<>]*)</text>", svg))
    return " ".join(text.replace("\xa0", " ").split())


@pytest.mark.parametrize(
    ("query", "note"),
    [
        ("date:1962-13", "date:1962-13 is not a date range (month 13 out of range): ignored."),
        (
            'title:"United Secretary of State',
            'Unbalanced quote: read as title:"United Secretary of State".',
        ),
        ("(berlin OR vienna date:1962-13", "Unbalanced parenthesis: closed at the end."),
    ],
)
async def test_reading_notes_are_shown_in_full_at_80_columns(
    db: Path, query: str, note: str
) -> None:
    from archive_tui.query import parse_query

    assert note in parse_query(query).notes or any(note in n for n in parse_query(query).notes), (
        parse_query(query).notes
    )
    app = ArchiveApp(db, show_timing=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press(*query)
        await settle(app, pilot)
        await pilot.pause()
        shown = screen_text(app)
        for each in parse_query(query).notes:
            assert each in shown, f"{each!r} not on screen:\n{shown}"
        # and the first result card is still on screen under the notes
        assert "Telegram" in shown or "No documents match" in shown


async def test_notes_go_away_with_the_bad_query(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press(*"date:1962-13")
        await settle(app, pilot)
        assert screen.status.size.height >= 2
        for _ in "date:1962-13":
            await pilot.press("backspace")
        await settle(app, pilot)
        await pilot.pause()
        assert screen.status.size.height == 1
        assert "Query note" not in screen_text(app)


async def test_the_chips_row_keeps_its_label_when_it_scrolls(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        filters = screen.filters
        for value in ("Alpha Papers", "Beta Files", "Gamma Collection"):
            filters = filters.with_value("collection", value)
        for value in ("Moscow", "Paris", "Berlin", "Beijing"):
            filters = filters.with_value("places", value)
        screen.filters = filters  # as seven enters in the filter panel would leave them
        screen._show_filters()
        await pilot.pause()
        chips = list(screen.query(Chip))
        assert len(chips) == 7
        chips[-1].focus()
        await pilot.pause()
        await pilot.pause()
        shown = screen_text(app)
        assert "Filters:" in shown
        assert chips[-1].spec.value in shown
