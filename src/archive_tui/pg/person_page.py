"""A person's (or a place's) page over a PostgreSQL archive (person_page.entity_page's
twin): the same EntityPage, its documents, dates and company counted in SQL.

The local page reads the index's arrays; here the person's documents are the search
with the People (or Places) filter, and who and where turns up with them is counted over
those rows by facet value id, as a search's facets are (pg/result.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..search import Filters
from .result import _MULTI

if TYPE_CHECKING:
    from ..person_page import EntityPage, Kind
    from .archive import PgArchive


def entity_page(archive: PgArchive, kind: Kind, name: str, *, top: int = 10) -> EntityPage:
    """The page of ``name`` in ``archive`` (ValueError for an unknown ``kind``)."""
    from ..person_page import KINDS, EntityPage, _top

    if kind not in KINDS:
        raise ValueError(f"unknown page kind {kind!r}; use one of: {', '.join(KINDS)}")
    shown = archive.people().resolver.canonical(name) if kind == "people" else name
    result = archive.search("", Filters({kind: (name,)}), sort="date", limit=0)
    where = result._where()
    rows = result._rows(
        f"SELECT r.id, r.date_start FROM archive_records r WHERE {where} ORDER BY {result._order}"
    )
    if not rows:
        return EntityPage(kind, shown)
    dated = [record_id for record_id, start in rows if start and start > 0]
    ids = dated + [record_id for record_id, start in rows if not (start and start > 0)]
    first = _date_of(archive, dated[0]) if dated else None
    last = _date_of(archive, dated[-1]) if dated else None
    multi_raw, multi_canon = archive.people_multi()
    raw: dict[int, int] = {}
    multi: dict[int, int] = {}
    for kind_no, value, count in result._rows(
        f"WITH m AS MATERIALIZED (SELECT r.seq, r.fv FROM archive_records r WHERE {where}) "
        "SELECT 2, v, count(*) FROM m, unnest(m.fv) AS v GROUP BY v "
        + _MULTI.format(src="m", extra=""),
        {"_mraw": multi_raw, "_mcanon": multi_canon},
    ):
        (raw if kind_no == 2 else multi)[int(value)] = int(count)
    counts = archive.facet_counts(raw, multi)
    return EntityPage(
        kind,
        shown,
        ids,
        first,
        last,
        result.histogram(),
        _top(counts.get("people", {}), shown if kind == "people" else None, top),
        _top(counts.get("places", {}), shown if kind == "places" else None, top),
    )


def _date_of(archive: PgArchive, record_id: str) -> str | None:
    record = archive.get(record_id)
    return str(record.get("date") or "") or None if record else None


__all__ = ["entity_page"]
