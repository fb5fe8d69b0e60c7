"""The results histogram: exact counts by year or month, and bars that fit the line."""

from __future__ import annotations

import numpy as np
import pytest
from shipped_records import shipped_records

from archive_tui.dates import parse_date
from archive_tui.timeline import (
    Histogram,
    axis_labels,
    column_buckets,
    histogram,
    render_bars,
    render_text_chart,
)


def arrays(*dates: str | None) -> tuple[np.ndarray, np.ndarray]:
    """The index's int32 day arrays for these dates (None: a record without a valid date)."""
    parsed = [parse_date(d) if d else None for d in dates]
    starts = np.array([d.start if d else 0 for d in parsed], np.int32)
    ends = np.array([d.end if d else 0 for d in parsed], np.int32)
    return starts, ends


def test_years_when_results_span_more_than_three_years_with_empty_years_kept():
    starts, ends = arrays("1958-11-10", "1958-12-01", "1961-08-13", "1962", "1962-06")
    h = histogram(starts, ends)
    assert h.unit == "year"
    assert h.buckets == [("1958", 2), ("1959", 0), ("1960", 0), ("1961", 1), ("1962", 2)]
    assert h.total == 5 and h.undated == 0


def test_months_when_results_span_three_calendar_years_or_less():
    starts, ends = arrays("1962-10-16", "1962-10-28", "1962-12", "1963-01-05")
    h = histogram(starts, ends)
    assert h.unit == "month"
    assert h.buckets == [("1962-10", 2), ("1962-11", 0), ("1962-12", 1), ("1963-01", 1)]
    starts, ends = arrays("1961-01-01", "1963-12-31")  # three calendar years: 36 months
    h = histogram(starts, ends)
    assert h.unit == "month" and len(h.buckets) == 36
    assert h.buckets[0] == ("1961-01", 1) and h.buckets[-1] == ("1963-12", 1)
    starts, ends = arrays("1961-12-31", "1964-01-01")  # four calendar years
    assert histogram(starts, ends).unit == "year"


def test_a_year_or_month_date_counts_once_in_the_bucket_of_its_start():
    starts, ends = arrays("1962", "1962-10-20", "1962-10", "1963-02")
    h = histogram(starts, ends)
    assert h.unit == "month"
    assert dict(h.buckets)["1962-01"] == 1  # "1962" counts in its first month, once
    assert dict(h.buckets)["1962-10"] == 2
    assert dict(h.buckets)["1963-02"] == 1
    assert h.total == 4


def test_docs_select_the_results_and_undated_records_keep_the_sum_exact():
    starts, ends = arrays("1950-01-01", None, "1955-05-05", "1970-01-01", None)
    h = histogram(starts, ends, np.array([0, 1, 2]))
    assert h.buckets[0] == ("1950", 1) and h.buckets[-1] == ("1955", 1)
    assert len(h.buckets) == 6 and h.undated == 1 and h.total == 3
    empty = histogram(starts, ends, np.array([], np.int32))
    assert empty.buckets == [] and empty.total == 0
    only_undated = histogram(starts, ends, np.array([1, 4]))
    assert only_undated.buckets == [] and only_undated.undated == 2


def test_one_day_gives_one_month():
    starts, ends = arrays("1944-11-09")
    assert histogram(starts, ends).buckets == [("1944-11", 1)]


def test_very_wide_ranges_count_the_same_way():
    starts, ends = arrays("0100-06-01", "1962-10-27", "9999-12-31", "1962-01-01")
    h = histogram(starts, ends)
    assert h.unit == "year" and len(h.buckets) == 9999 - 100 + 1
    counts = dict(h.buckets)
    assert counts["0100"] == 1 and counts["1962"] == 2 and counts["9999"] == 1 and h.total == 4


def test_buckets_are_date_filters_and_json():
    starts, ends = arrays("1958-11-10", "1962-06-01")
    h = histogram(starts, ends)
    assert h.date_range(3, 1) == ("1959", "1961")
    assert h.to_json()[:2] == [{"bucket": "1958", "count": 1}, {"bucket": "1959", "count": 0}]


def test_random_counts_add_up_and_match_a_plain_count():
    rng = np.random.default_rng(7)
    low, high = parse_date("1945-01-01").start, parse_date("1991-12-31").start
    starts = rng.integers(low, high, 5000).astype(np.int32)
    starts[::97] = 0
    docs = rng.choice(5000, 3000, replace=False)
    h = histogram(starts, starts, docs)
    assert h.total == 3000
    from datetime import date

    expected: dict[str, int] = {}
    for s in starts[docs].tolist():
        if s:
            key = f"{date.fromordinal(s).year:04d}"
            expected[key] = expected.get(key, 0) + 1
    assert {k: v for k, v in h.buckets if v} == expected


def test_bars_fit_the_width_and_scale_to_the_tallest():
    h = Histogram("year", [("1958", 8), ("1959", 0), ("1960", 1), ("1961", 4)])
    lines = render_bars(h, 80, height=1)
    assert len(lines) == 1 and len(lines[0]) <= 80
    # 4 buckets in 80 cells: bars of 6 cells (5 drawn + a blank)
    assert lines[0] == "█████ " + "      " + "▁▁▁▁▁ " + "▄▄▄▄▄ "
    two = render_bars(h, 80, height=2)
    assert two[0].startswith("█████ ") and two[1].startswith("█████ ")
    assert two[0][12:17] == "     " and two[1][12:17] == "▂▂▂▂▂"  # 1/8 of 16 eighths
    assert two[0][18:23] == "     " and two[1][18:23] == "█████"  # 4/8 of 2 cells: the bottom one


def test_more_buckets_than_cells_are_grouped_and_the_counts_added():
    buckets = [(f"{1900 + i}", 1) for i in range(200)]
    h = Histogram("year", buckets)
    lines = render_bars(h, 80, height=3)
    assert all(len(line) <= 80 for line in lines) and len(lines) == 3
    groups = column_buckets(h, 80)
    assert len(groups) == 67 and groups[0] == range(0, 3) and groups[-1] == range(198, 200)
    assert sum(len(g) for g in groups) == 200
    assert lines[0][0] == "█" and lines[0][-1] == " " and lines[1][-1] == "█"
    assert render_bars(h, 80, height=1)[0][-1] == "▅"  # the last bar holds 2 of 3: 5.3 eighths


def test_axis_labels_and_empty_histograms():
    h = Histogram("month", [(f"1962-{m:02d}", m) for m in range(1, 13)])
    line = axis_labels(h, 80)
    assert len(line) == 72 and line == "1962-01" + " " * 58 + "1962-12"
    h = Histogram("month", [("1962-10", 3), ("1962-11", 1)])
    assert axis_labels(h, 80) == "1962-10"  # two bars of 6 cells: room for one label
    line = axis_labels(h, 80)
    assert render_bars(Histogram("year"), 80, height=2) == ["", ""]
    assert axis_labels(Histogram("year"), 80) == ""


@pytest.mark.parametrize("width", [20, 40, 80, 120])
def test_text_chart_lines_fit_the_width(width):
    h = Histogram("year", [("1958", 120), ("1959", 0), ("1960", 3), ("1961", 61)], undated=2)
    lines = render_text_chart(h, width)
    assert len(lines) == 5 and all(len(line) <= width for line in lines)
    assert lines[0].startswith("1958    █") and lines[0].endswith(" 120")  # "undated" is wider
    assert lines[1].startswith("1959     ") and lines[1].endswith("   0")
    assert lines[2][8] in "▏▎▍▌▋▊▉█"  # 3 of 120 still shows
    assert lines[-1].startswith("undated  ") and lines[-1].endswith("   2")
    assert len({len(line) for line in lines}) == 1  # columns aligned


def test_text_chart_exact_line():
    h = Histogram("month", [("1962-10", 8), ("1962-11", 3)])
    assert render_text_chart(h, 20) == ["1962-10 ██████████ 8", "1962-11 ███▊       3"]


def test_the_shipped_archive_by_year_adds_up():
    records = list(shipped_records().values())
    starts, ends = arrays(*(r["date"] for r in records))
    h = histogram(starts, ends)
    assert h.unit == "year" and h.total == len(records) == 12415
    counts = dict(h.buckets)
    assert counts["1944"] == 5 and counts["1945"] == 1 and counts["1962"] > 0
    assert h.buckets[-1][0] == "2007"  # the Wilson Center's June 2007 record


def test_axis_labels_are_never_cut():
    """All results in one month: one bar of 6 cells, a label of 7 ("1961-0" was shown)."""
    one_month = Histogram("month", [("1961-08", 5)])
    assert axis_labels(one_month, 80) == "1961-08"  # the whole label, past the bar
    assert axis_labels(one_month, 6) == "1961"  # no room: the year, whole
    assert axis_labels(one_month, 3) == ""  # no room for any: none
    assert axis_labels(Histogram("year", [("1961", 5)]), 80) == "1961"
    for width in range(1, 40):
        for hist in (one_month, Histogram("month", [("1962-10", 3), ("1962-11", 1)])):
            line = axis_labels(hist, width)
            words = line.split()
            assert len(line) <= width and all(
                w in ("1961-08", "1961", "1962-10", "1962-11", "1962") for w in words
            ), (width, line)
