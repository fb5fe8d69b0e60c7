"""Document dates that keep their precision.

Archives date documents to the day, the month or only the year. A record dated
``June, 2007`` must stay month-precise: it is shown as ``June, 2007``, sorts with
June 2007, and falls inside a filter for 2007 or for June 2007, but is never
given an invented day.  Every date therefore carries the interval of days it
covers (as proleptic Gregorian ordinals) next to its display forms.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

Precision = Literal["day", "month", "year"]

# fmt: off
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
# fmt: on
_MONTH_NUMBER = {name.lower(): i for i, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBER.update({name[:3].lower(): i for i, name in enumerate(MONTHS, start=1)})
_MONTH_NUMBER["sept"] = 9

_PRECISION_RANK = {"year": 0, "month": 1, "day": 2}
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

_ISO = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_MONTH_DAY_YEAR = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:,\s*|\s+)(\d{4})$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?(?:,\s*|\s+)(\d{4})$")
_MONTH_YEAR = re.compile(r"^([A-Za-z]+)\.?(?:,\s*|\s+)(\d{4})$")


class DateError(ValueError):
    """A date string that is not one of the accepted forms."""

    def __init__(self, value: object, reason: str = "") -> None:
        self.value = value
        self.reason = reason or (
            "not a date; use YYYY, YYYY-MM, YYYY-MM-DD, 'Month D, YYYY' or 'Month, YYYY'"
        )
        super().__init__(f"{value!r}: {self.reason}")


@dataclass(frozen=True, slots=True)
class DocDate:
    """A parsed document date with its precision and the days it covers."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> Precision:
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    @property
    def start(self) -> int:
        """Ordinal of the first day the date covers."""
        return date(self.year, self.month or 1, self.day or 1).toordinal()

    @property
    def end(self) -> int:
        """Ordinal of the last day the date covers."""
        if self.day is not None:
            return self.start
        month = self.month or 12
        last = calendar.monthrange(self.year, month)[1]
        return date(self.year, month, last).toordinal()

    @property
    def sort_key(self) -> int:
        """Sorts by first covered day; a coarser date sorts before a finer one that day."""
        return self.start * 4 + _PRECISION_RANK[self.precision]

    @property
    def iso(self) -> str:
        """``1944-11-09``, ``2007-06`` or ``1944``."""
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}"

    @property
    def display(self) -> str:
        """The form the Wilson Center's result pages use: ``November 09, 1944``, ``June, 2007``."""
        if self.day is not None:
            return f"{MONTHS[self.month - 1]} {self.day:02d}, {self.year}"
        if self.month is not None:
            return f"{MONTHS[self.month - 1]}, {self.year}"
        return str(self.year)

    @property
    def long(self) -> str:
        """The form citations use: ``November 9, 1944``, ``June 2007``, ``1944``."""
        if self.day is not None:
            return f"{MONTHS[self.month - 1]} {self.day}, {self.year}"
        if self.month is not None:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return str(self.year)

    @property
    def decade(self) -> str:
        """``1940s``: the facet value for the date's decade."""
        return f"{self.year // 10 * 10}s"


def _month_number(name: str, value: object) -> int:
    number = _MONTH_NUMBER.get(name.lower())
    if number is None:
        raise DateError(value, f"unknown month name {name!r}")
    return number


def _build(value: object, year: int, month: int | None, day: int | None) -> DocDate:
    if not 1 <= year <= 9999:
        raise DateError(value, "year out of range")
    if month is not None and not 1 <= month <= 12:
        raise DateError(value, f"month {month} out of range")
    if day is not None:
        assert month is not None
        last = _DAYS_IN_MONTH[month - 1] + (month == 2 and calendar.isleap(year))
        if not 1 <= day <= last:
            raise DateError(value, f"day {day} out of range for {MONTHS[month - 1]} {year}")
    return DocDate(year, month, day)


# Parsed dates by their exact text. Archives repeat dates a lot (100,000 records have
# some 17,000 distinct ones) and a DocDate is immutable, so one can be shared. Only
# successes are kept; the memo starts over when full.
_MEMO: dict[str, DocDate] = {}
_MEMO_SIZE = 65536


def _parse(text: str) -> DocDate:
    s = " ".join(text.split())
    if m := _ISO.match(s):
        year, month, day = m.groups()
        return _build(text, int(year), int(month) if month else None, int(day) if day else None)
    if m := _MONTH_DAY_YEAR.match(s):
        name, day, year = m.groups()
        return _build(text, int(year), _month_number(name, text), int(day))
    if m := _DAY_MONTH_YEAR.match(s):
        day, name, year = m.groups()
        return _build(text, int(year), _month_number(name, text), int(day))
    if m := _MONTH_YEAR.match(s):
        name, year = m.groups()
        return _build(text, int(year), _month_number(name, text), None)
    raise DateError(text)


def parse_date(value: object) -> DocDate:
    """Parse ``1944-11-09``, ``1944-11``, ``1944``, ``November 9, 1944``, ``June, 2007``...

    Raises :class:`DateError` naming the value when it is none of these.
    """
    if type(value) is str:
        parsed = _MEMO.get(value)
        if parsed is not None:
            return parsed
    elif not isinstance(value, str):
        raise DateError(value, "a date must be a string")
    if not value.strip():
        raise DateError(value, "the date is empty")
    parsed = _parse(value)
    if type(value) is str:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.clear()
        _MEMO[value] = parsed
    return parsed


def parse_date_range(text: str) -> tuple[int | None, int | None]:
    """Read a query or filter range into inclusive day ordinals.

    ``1944`` covers the year, ``1944-11`` the month, ``1944..1955`` both ends'
    periods, and ``..1950`` / ``1989..`` are open at one end (None).
    Raises :class:`DateError` for anything else.
    """
    s = text.strip()
    if ".." in s:
        low, _, high = s.partition("..")
        start = parse_date(low).start if low.strip() else None
        end = parse_date(high).end if high.strip() else None
        if start is None and end is None:
            raise DateError(text, "a date range needs at least one end")
        if start is not None and end is not None and start > end:
            raise DateError(text, "the range ends before it starts")
        return start, end
    parsed = parse_date(s)
    return parsed.start, parsed.end


def ordinal_to_iso(ordinal: int) -> str:
    """``712345`` -> ``1951-03-02``; for messages that echo a range back."""
    return date.fromordinal(ordinal).isoformat()
