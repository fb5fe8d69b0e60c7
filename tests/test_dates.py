"""Dates keep the precision the archive gave them: no invented days, correct filters and order."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from archive_tui import dates
from archive_tui.dates import DateError, parse_date, parse_date_range


def ordinal(year: int, month: int, day: int) -> int:
    return date(year, month, day).toordinal()


@pytest.mark.parametrize(
    ("text", "precision", "iso", "display"),
    [
        ("1944-11-09", "day", "1944-11-09", "November 09, 1944"),
        ("1944-11", "month", "1944-11", "November, 1944"),
        ("1944", "year", "1944", "1944"),
        ("November 09, 1944", "day", "1944-11-09", "November 09, 1944"),
        ("November 9, 1944", "day", "1944-11-09", "November 09, 1944"),
        ("Nov. 9, 1944", "day", "1944-11-09", "November 09, 1944"),
        ("November 09,1944", "day", "1944-11-09", "November 09, 1944"),
        ("9 November 1944", "day", "1944-11-09", "November 09, 1944"),
        ("June, 2007", "month", "2007-06", "June, 2007"),
        ("June 2007", "month", "2007-06", "June, 2007"),
        ("june,2007", "month", "2007-06", "June, 2007"),
        ("  June   2007 ", "month", "2007-06", "June, 2007"),
    ],
)
def test_accepted_forms_keep_their_precision(
    text: str, precision: str, iso: str, display: str
) -> None:
    parsed = parse_date(text)
    assert parsed.precision == precision
    assert parsed.iso == iso
    assert parsed.display == display


def test_month_date_is_never_given_a_day() -> None:
    june = parse_date("June, 2007")
    assert june.day is None
    assert june.long == "June 2007"
    assert june.start == ordinal(2007, 6, 1)
    assert june.end == ordinal(2007, 6, 30)
    assert june.decade == "2000s"


def test_year_covers_the_whole_year_and_leap_february_its_29_days() -> None:
    year = parse_date("1944")
    assert (year.start, year.end) == (ordinal(1944, 1, 1), ordinal(1944, 12, 31))
    february = parse_date("1944-02")
    assert february.end == ordinal(1944, 2, 29)


def overlaps(text: str, filter_text: str) -> bool:
    parsed = parse_date(text)
    low, high = parse_date_range(filter_text)
    return (low is None or parsed.end >= low) and (high is None or parsed.start <= high)


@pytest.mark.parametrize(
    ("record_date", "filter_text", "inside"),
    [
        ("June, 2007", "2007", True),
        ("June, 2007", "2007-06", True),
        ("June, 2007", "2007-07", False),
        ("June, 2007", "2006", False),
        ("June, 2007", "2007-06-15..2007-12", True),  # overlaps part of June
        ("June, 2007", "..2007-05", False),
        ("June, 2007", "2007-06..", True),
        ("1944-11-09", "1944", True),
        ("1944-11-09", "1944-11-10..", False),
        ("1944", "1944-06", True),
        ("1955-12-31", "1950..1955", True),
        ("1956-01-01", "1950..1955", False),
    ],
)
def test_a_date_falls_inside_the_filters_it_overlaps(
    record_date: str, filter_text: str, inside: bool
) -> None:
    assert overlaps(record_date, filter_text) is inside


def test_sort_order_puts_coarser_dates_first_on_the_same_day() -> None:
    dates = ["1944-11-09", "1944-11", "1945", "1943-12-31", "1944", "November 1, 1944"]
    ordered = sorted(dates, key=lambda text: parse_date(text).sort_key)
    assert ordered == ["1943-12-31", "1944", "1944-11", "November 1, 1944", "1944-11-09", "1945"]


@pytest.mark.parametrize(
    "bad",
    ["Foo 1944", "1944-13", "1944-02-30", "sometime in 1944", "0000", "44", "1944/11/09"],
)
def test_an_unparseable_date_is_an_error_naming_the_value(bad: str) -> None:
    with pytest.raises(DateError) as caught:
        parse_date(bad)
    assert repr(bad) in str(caught.value)
    assert caught.value.value == bad


@pytest.mark.parametrize("bad", [None, 1944, "", "   "])
def test_non_string_and_empty_dates_are_errors(bad: object) -> None:
    with pytest.raises(DateError):
        parse_date(bad)


@pytest.mark.parametrize("bad", ["..", "1950..1940", "1950..then"])
def test_bad_ranges_are_errors(bad: str) -> None:
    with pytest.raises(DateError):
        parse_date_range(bad)


@pytest.mark.parametrize(
    ("text", "valid"),
    [("1944-02-29", True), ("2000-02-29", True), ("1900-02-29", False), ("1945-02-29", False)],
)
def test_february_29_only_in_leap_years(text: str, valid: bool) -> None:
    if valid:
        assert parse_date(text).iso == text
    else:
        with pytest.raises(DateError, match="day 29 out of range for February"):
            parse_date(text)


def test_a_repeated_date_gives_equal_results_that_cannot_be_changed() -> None:
    first = parse_date("June, 2007")
    again = parse_date("June, 2007")
    assert again == first
    assert hash(again) == hash(first)
    with pytest.raises(FrozenInstanceError):
        again.month = 1  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del again.day  # type: ignore[misc]
    third = parse_date("June, 2007")
    assert (third.year, third.month, third.day) == (2007, 6, None)
    assert third.display == "June, 2007"
    assert third.start == ordinal(2007, 6, 1)
    assert third.end == ordinal(2007, 6, 30)


def test_a_bad_date_stays_an_error_when_repeated() -> None:
    for _ in range(3):
        with pytest.raises(DateError, match="day 30 out of range"):
            parse_date("1944-02-30")


def test_many_distinct_dates_parse_right_past_the_memo_size(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dates, "_MEMO", {})
    monkeypatch.setattr(dates, "_MEMO_SIZE", 8)
    days = [date(1950, 1, 1).toordinal() + n for n in range(40)]
    for _ in range(2):
        for day in days:
            text = date.fromordinal(day).isoformat()
            assert parse_date(text).start == day
            assert len(dates._MEMO) <= 8
