"""U.S. presidential administrations, derived from a document's exact dates.

Historians (and the Office of the Historian's own search) slice the diplomatic record by
administration, so the facet and the ``admin:`` field are computed from the days a date
covers, never typed by hand.

The handover rule: an administration runs from its first day to its last day, both
inclusive, and the day of a handover belongs to both the outgoing and the incoming one
(a document of 1963-11-22 is Kennedy's and Johnson's; of 1963-11-21 Kennedy's only; of
1963-11-23 Johnson's only). Documents are dated to the day, not the hour, so the day an
oath is taken (noon on inauguration day, or the afternoon of a death or resignation)
cannot be split. A month- or year-precise date covers every day of its period and belongs
to every administration it overlaps (``1963-11`` and ``1963`` are both Kennedy's and
Johnson's). Dates before 1933-03-04 belong to none. Franklin Roosevelt's four terms are
one administration; Trump's two non-consecutive terms are one facet value, ``Trump``,
with two spans.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .dates import DocDate, parse_date
from .text import fold


@dataclass(frozen=True, slots=True)
class Administration:
    """One facet value: a name, the president's full name, and its spans of days."""

    name: str  # the facet value and what ``admin:`` matches: "Kennedy"
    president: str  # "John F. Kennedy"
    spans: tuple[tuple[int, int | None], ...]  # (first day, last day or None: today on) ordinals
    aliases: tuple[str, ...] = ()  # folded extra words admin: accepts ("jfk")

    def covers(self, start: int, end: int) -> bool:
        """Whether any day of ``start..end`` (inclusive ordinals) falls in the administration."""
        return any(start <= (hi if hi is not None else end) and end >= lo for lo, hi in self.spans)


def _d(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


def _admin(name: str, president: str, *spans: tuple[str, str | None], aliases=()) -> Administration:
    return Administration(
        name, president, tuple((_d(a), _d(b) if b else None) for a, b in spans), tuple(aliases)
    )


# Inauguration days (January 20 since 1937) and the days of death or resignation.
ADMINISTRATIONS: tuple[Administration, ...] = (
    _admin("Roosevelt", "Franklin D. Roosevelt", ("1933-03-04", "1945-04-12"), aliases=("fdr",)),
    _admin("Truman", "Harry S. Truman", ("1945-04-12", "1953-01-20"), aliases=("hst",)),
    _admin("Eisenhower", "Dwight D. Eisenhower", ("1953-01-20", "1961-01-20"), aliases=("ike",)),
    _admin("Kennedy", "John F. Kennedy", ("1961-01-20", "1963-11-22"), aliases=("jfk",)),
    _admin("Johnson", "Lyndon B. Johnson", ("1963-11-22", "1969-01-20"), aliases=("lbj",)),
    _admin("Nixon", "Richard Nixon", ("1969-01-20", "1974-08-09")),
    _admin("Ford", "Gerald R. Ford", ("1974-08-09", "1977-01-20")),
    _admin("Carter", "Jimmy Carter", ("1977-01-20", "1981-01-20")),
    _admin("Reagan", "Ronald Reagan", ("1981-01-20", "1989-01-20")),
    _admin(
        "Bush (G. H. W.)", "George H. W. Bush", ("1989-01-20", "1993-01-20"), aliases=("bush41",)
    ),
    _admin("Clinton", "Bill Clinton", ("1993-01-20", "2001-01-20")),
    _admin("Bush (G. W.)", "George W. Bush", ("2001-01-20", "2009-01-20"), aliases=("bush43",)),
    _admin("Obama", "Barack Obama", ("2009-01-20", "2017-01-20")),
    _admin("Trump", "Donald J. Trump", ("2017-01-20", "2021-01-20"), ("2025-01-20", None)),
    _admin("Biden", "Joseph R. Biden", ("2021-01-20", "2025-01-20")),
)
NAMES: tuple[str, ...] = tuple(a.name for a in ADMINISTRATIONS)  # chronological by first term
_BY_NAME = {a.name: a for a in ADMINISTRATIONS}


def administrations_for(start: int, end: int) -> tuple[str, ...]:
    """Names of the administrations the inclusive day ordinals ``start..end`` overlap.

    A day date gives one name, or two on a handover day; a month or a year can give more.
    ``start <= 0`` (no valid date, as the index keeps it) gives none.
    """
    if start <= 0 or end < start:
        return ()
    return tuple(a.name for a in ADMINISTRATIONS if a.covers(start, end))


def administrations_of(value: DocDate | str) -> tuple[str, ...]:
    """Administrations of a record's date (a DocDate or a date string); raises DateError."""
    d = value if isinstance(value, DocDate) else parse_date(value)
    return administrations_for(d.start, d.end)


def match_admin(text: str) -> tuple[str, ...]:
    """The administrations an ``admin:`` value names, case- and accent-blind.

    ``kennedy``, ``jfk``, ``John F. Kennedy`` name Kennedy; ``bush`` names both Bushes;
    ``roosevelt`` Franklin Roosevelt. A value naming none gives () so the caller can say so.
    """
    want = _words(text)
    if not want:
        return ()
    found = []
    for a in ADMINISTRATIONS:
        surnames = (w for w in _words(a.president).split() if len(w) > 2)  # not "b", "jr"
        accepted = {_words(a.name), _words(a.president), *a.aliases, *surnames}
        if want in accepted or want.replace(" ", "") in a.aliases:
            found.append(a.name)
    return tuple(found)


def _words(text: str) -> str:
    """Folded words without dots or brackets: "Bush (G. H. W.)" -> "bush g h w"."""
    return " ".join(fold(text).replace(".", " ").replace("(", " ").replace(")", " ").split())


def admin_facet_arrays(
    date_start: np.ndarray, date_end: np.ndarray
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The ``admin`` facet of an archive in the index's CSR form: values, entry_doc, entry_value.

    ``date_start``/``date_end`` are the index's int32 day ordinals (0: no date). Entries are
    sorted by doc; values are the names in chronological order (a facet value the archive
    never reaches is left out). ``facets.Facet(*admin_facet_arrays(s, e))`` is the facet.
    """
    starts = np.asarray(date_start, np.int64)
    ends = np.asarray(date_end, np.int64)
    dated = starts > 0
    docs_parts, value_parts, names = [], [], []
    for a in ADMINISTRATIONS:
        mask = np.zeros(len(starts), bool)
        for lo, hi in a.spans:
            inside = dated & (ends >= lo)
            if hi is not None:
                inside &= starts <= hi
            mask |= inside
        hit = np.flatnonzero(mask)
        if len(hit):
            docs_parts.append(hit)
            value_parts.append(np.full(len(hit), len(names), np.int32))
            names.append(a.name)
    if not names:
        return [], np.zeros(0, np.int32), np.zeros(0, np.int32)
    docs = np.concatenate(docs_parts)
    values = np.concatenate(value_parts)
    order = np.argsort(docs, kind="stable")
    return names, docs[order].astype(np.int32), values[order]


def administration(name: str) -> Administration:
    """The administration of a facet value; KeyError for an unknown name."""
    return _BY_NAME[name]
