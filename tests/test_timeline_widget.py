"""The timeline widget under a real Textual app: bars drawn, the cursor moves, marks and
Enter post the dates the filters accept, escape clears (and else goes on to the screen)."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

import numpy as np
import pytest
from conftest import SHIPPED_PATH
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType

from archive_tui.search import Filters
from archive_tui.timeline import Histogram, histogram
from archive_tui.ui.widgets.timeline import Timeline

YEARS = Histogram("year", [("1958", 2), ("1959", 0), ("1960", 5), ("1961", 1), ("1962", 8)])


class Host(App[None]):
    """One timeline, full width; records what it posts and escapes that reach the app."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "escaped")]

    def __init__(self, hist: Histogram) -> None:
        super().__init__()
        self.hist = hist
        self.chosen: list[tuple[str, str]] = []
        self.escapes = 0

    def compose(self) -> ComposeResult:
        yield Timeline(self.hist)

    def on_mount(self) -> None:
        self.query_one(Timeline).focus()

    def on_timeline_range_chosen(self, message: Timeline.RangeChosen) -> None:
        self.chosen.append((message.date_from, message.date_to))

    def action_escaped(self) -> None:
        self.escapes += 1


def lines(app: Host) -> list[str]:
    return app.query_one(Timeline).render().plain.split("\n")


async def test_bars_fill_80_columns_with_axis_and_cursor_info() -> None:
    app = Host(YEARS)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        shown = lines(app)
        assert len(shown) == 5 and all(len(line) <= 80 for line in shown)
        bars = shown[:3]
        assert bars[0].count("█") == 5  # 1962, the tallest: a full top row (5 cells of 6)
        assert "█" not in bars[0][:24]  # 1958-1961 (6 cells each) are lower
        assert set(bars[2][6:12]) == {" "}  # 1959: nothing
        assert shown[3].startswith("1958") and shown[3].rstrip().endswith("1962")
        assert shown[4].startswith("1962: 8")  # the cursor starts on the latest


async def test_cursor_marks_and_enter_post_the_range() -> None:
    app = Host(YEARS)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.press("left", "left")
        assert lines(app)[4].startswith("1960: 5")
        await pilot.press("enter")  # nothing marked: the bar under the cursor
        await pilot.press("home", "space", "right", "right", "space", "enter")
        await pilot.pause()
        assert app.chosen == [("1960", "1960"), ("1958", "1960")]
        assert "1958–1960" in lines(app)[4]
        # marks in either order; [ and ] mark directly
        await pilot.press("end", "left_square_bracket", "left", "right_square_bracket", "enter")
        await pilot.pause()
        assert app.chosen[-1] == ("1961", "1962")
        Filters().with_dates(*app.chosen[-1])  # the filters accept them as they are
        await pilot.press("escape")
        assert app.escapes == 0 and "–" not in lines(app)[4]  # marks cleared
        await pilot.press("escape")  # nothing marked: the key goes on to the app
        assert app.escapes == 1


def _days(*iso: str) -> np.ndarray:
    return np.array([date.fromisoformat(d).toordinal() for d in iso], np.int32)


async def test_months_and_grouped_bars_post_whole_periods() -> None:
    days = _days("1962-01-15", "1962-10-16", "1962-10-28", "1963-02-01")
    months = histogram(days, days)
    assert months.unit == "month"
    app = Host(months)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.press("home", *["right"] * 9, "enter")
        await pilot.pause()
        assert app.chosen == [("1962-10", "1962-10")]
        assert lines(app)[4].startswith("1962-10: 2")
    # a century of years in 40 columns: each bar stands for 3 years, a range covers them all
    century = Histogram("year", [(str(1900 + i), i % 7) for i in range(100)])
    app = Host(century)
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.press("home", "space", "right", "space", "enter")
        await pilot.pause()
        assert app.chosen == [("1900", "1905")]
        assert lines(app)[4].startswith("1903–1905: ")


@pytest.mark.skipif(not SHIPPED_PATH.exists(), reason="data/records.json is not built")
async def test_show_draws_a_real_search_and_keeps_marks_on_the_same_periods(tmp_path) -> None:
    from archive_tui.archive import Archive

    archive = Archive.open(SHIPPED_PATH, read_only=True)
    berlin = archive.search("Berlin", Filters().with_dates("1958", "1962"), limit=0).histogram()
    assert [b for b, _ in berlin.buckets] == ["1958", "1959", "1960", "1961", "1962"]
    app = Host(YEARS)
    async with app.run_test(size=(80, 10)) as pilot:
        timeline = app.query_one(Timeline)
        await pilot.press("home", "space")
        timeline.show(berlin)  # same periods: the mark stays
        await pilot.press("right", "space", "enter")
        await pilot.pause()
        assert app.chosen == [("1958", "1959")]
        count_1959 = dict(berlin.buckets)["1959"]
        assert lines(app)[4].startswith(f"1959: {count_1959:,}")
        timeline.show(archive.search("Gromyko", limit=0).histogram())  # new periods: reset
        await pilot.pause()
        assert timeline.start is None and lines(app)[4].startswith("1980: ")


async def test_one_month_of_results_has_a_whole_label_at_80_columns() -> None:
    """Every result in August 1961: one bar, labelled 1961-08 in full (was "1961-0")."""
    days = np.array([date(1961, 8, d).toordinal() for d in (1, 13, 13, 20, 31)], np.int32)
    hist = histogram(days, days)
    assert hist.buckets == [("1961-08", 5)]
    app = Host(hist)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        shown = lines(app)
        assert shown[3].strip() == "1961-08"
        assert shown[4].startswith("1961-08: 5")


async def test_the_app_at_80_columns_labels_one_month_in_full(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from test_app import make_records, ready

    from archive_tui.archive import add_to_store
    from archive_tui.ui.app import ArchiveApp

    records = make_records(6)
    for i, record in enumerate(records):
        record["date"] = f"1961-08-{1 + i:02d}"
    db = tmp_path / "archive.json"
    add_to_store(db, records)
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        timeline = screen.query_one(Timeline)
        assert timeline.display and timeline.histogram.buckets == [("1961-08", 6)]
        assert timeline.render_line(3).text.strip() == "1961-08"  # the axis, on screen
