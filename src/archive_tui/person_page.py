"""What a person's (or a place's) page shows: their documents over time, first and last
appearance, and who and where turns up most often in the same documents.

No Textual here: the page screen (ui/screens/person.py) shows an :class:`EntityPage` and
the CLI or a test can make one too. A person is looked up as the People filter does
(every name variant of the person, people_facet), so Gromyko's page counts the documents
naming "Gromyko, Andrei A.", "… Andreevich" and "… Andreivich" alike. Co-occurrence is
counted with the search's own facet counting over the person's documents (numpy over the
index, nothing per record in Python), so it costs what a filtered search costs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .archive import Archive
from .search import Filters, facet_counts
from .timeline import Histogram

Kind = Literal["people", "places"]
KINDS: tuple[Kind, ...] = ("people", "places")
TOP = 10  # co-occurring people and places listed


@dataclass(frozen=True)
class EntityPage:
    """One person's or place's documents and company (``name``: the canonical name)."""

    kind: Kind
    name: str
    record_ids: list[str] = field(default_factory=list)  # oldest first, undated last
    # the dates, as the documents give them, of the first and the last dated document in
    # date order (by the day each date starts, as the histogram counts)
    first: str | None = None
    last: str | None = None
    histogram: Histogram = field(default_factory=lambda: Histogram("year"))
    people: list[tuple[str, int]] = field(default_factory=list)  # most shared documents first
    places: list[tuple[str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.record_ids)


def canonical_name(archive: Archive, kind: Kind, name: str) -> str:
    """The name a page is titled with: a person's canonical name, a place as given."""
    if kind != "people":
        return name
    from .people_facet import people_facet

    return people_facet(archive.index).resolver.canonical(name)


def entity_page(archive: Archive, kind: Kind, name: str, *, top: int = TOP) -> EntityPage:
    """The page of ``name`` (any variant of a person's name, or a place) in ``archive``.

    ValueError for an unknown ``kind``. A name no document holds gives an empty page.
    """
    if not isinstance(archive, Archive):  # PostgreSQL: counted in SQL
        from .pg.person_page import entity_page as in_database

        return in_database(archive, kind, name, top=top)
    if kind not in KINDS:
        raise ValueError(f"unknown page kind {kind!r}; use one of: {', '.join(KINDS)}")
    shown = canonical_name(archive, kind, name)
    result = archive.search("", Filters({kind: (name,)}), sort="date", limit=0)
    ids = result.ids()
    if not ids:
        return EntityPage(kind, shown)
    idx = archive.index
    by_id = archive.by_id
    docs = np.fromiter((by_id[i] for i in ids), np.int64, len(ids))
    starts = np.asarray(idx.date_start)[docs]
    dated = np.flatnonzero(starts > 0)  # date order: the first and last dated are the ends
    first = last = None
    if len(dated):
        first = _date_of(archive, ids[int(dated[0])])
        last = _date_of(archive, ids[int(dated[-1])])
    mask = np.zeros(idx.n, bool)
    mask[docs] = True
    counts = facet_counts(idx, mask, len(ids))
    return EntityPage(
        kind,
        shown,
        _undated_last(ids, starts),
        first,
        last,
        result.histogram(),
        _top(counts.get("people", {}), shown if kind == "people" else None, top),
        _top(counts.get("places", {}), shown if kind == "places" else None, top),
    )


def documents(archive: Archive, page: EntityPage) -> list[dict]:
    """The page's records, in its order (for a bibliography); records gone since are skipped."""
    found = (archive.get(i) for i in page.record_ids)
    return [r for r in found if r is not None]


def _date_of(archive: Archive, record_id: str) -> str | None:
    record = archive.get(record_id)
    return str(record.get("date") or "") or None if record else None


def _undated_last(ids: list[str], starts: np.ndarray) -> list[str]:
    """``ids`` (date order) with the undated ones moved to the end, order kept otherwise."""
    keep = starts > 0
    return [i for i, k in zip(ids, keep.tolist(), strict=True) if k] + [
        i for i, k in zip(ids, keep.tolist(), strict=True) if not k
    ]


def _top(counts: dict[str, int], itself: str | None, top: int) -> list[tuple[str, int]]:
    """The ``top`` most frequent values (counts come most frequent first), less ``itself``."""
    out = [(value, n) for value, n in counts.items() if value != itself]
    return out[:top]
