"""Per-record metadata the index keeps beside its postings: facets, date and title orders.

A facet field is a CSR-like pair of arrays (which record holds which value) so counting
the values of a result set is one ``bincount``; dates are kept as covered intervals and
a precomputed order, so date filters and date sorts never look at a record.
"""

from __future__ import annotations

import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .dates import DateError, parse_date
from .text import fold

RECORD_FACETS = ("collection", "document_type", "language", "people", "places", "subjects")
FACET_FIELDS = (*RECORD_FACETS, "decade", "year")


@dataclass
class Facet:
    """One facet field: value strings (sorted) and CSR pairs."""

    values: list[str]
    entry_doc: np.ndarray  # int32, sorted by doc
    entry_value: np.ndarray  # int32


@dataclass
class RecordMeta:
    """Date intervals, date and title orders and every facet of an archive's records."""

    date_start: np.ndarray  # int32 per record: first day covered
    date_end: np.ndarray  # int32 per record: last day covered
    date_order: np.ndarray  # records by date (sort key, then position)
    date_rank: np.ndarray  # inverse of date_order
    title_order: np.ndarray  # records by folded title, then date
    facets: dict[str, Facet]


def build_record_meta(records: Sequence[dict]) -> RecordMeta:
    """Facets (FACET_FIELDS) and date/title orders of ``records``, in archive order."""
    n = len(records)
    starts = np.zeros(n, np.int32)
    ends = np.zeros(n, np.int32)
    sort_keys = np.zeros(n, np.int64)
    years = np.zeros(n, np.int32)
    for i, record in enumerate(records):
        try:
            d = parse_date(record.get("date"))
        except DateError:  # the store validates dates; an odd one sorts first
            continue
        starts[i], ends[i], sort_keys[i], years[i] = d.start, d.end, d.sort_key, d.year
    date_order = np.argsort(sort_keys, kind="stable").astype(np.int32)
    date_rank = np.empty(n, np.int32)
    date_rank[date_order] = np.arange(n, dtype=np.int32)
    titles = [fold(str(r.get("title", ""))) for r in records]
    by_title = sorted(range(n), key=lambda i: (titles[i], date_rank[i]))
    facets = {name: _facet(records, name) for name in RECORD_FACETS}
    decade_vals = sorted({f"{y // 10 * 10}s" for y in years.tolist() if y})
    year_vals = sorted({str(y) for y in years.tolist() if y})
    has = np.flatnonzero(years > 0).astype(np.int32)
    year_ids = {int(v): i for i, v in enumerate(year_vals)}
    decade_ids = {int(v[:-1]): i for i, v in enumerate(decade_vals)}
    facets["year"] = Facet(
        year_vals, has, np.array([year_ids[int(y)] for y in years[has]], np.int32)
    )
    facets["decade"] = Facet(
        decade_vals,
        has,
        np.array([decade_ids[int(y) // 10 * 10] for y in years[has]], np.int32),
    )
    return RecordMeta(starts, ends, date_order, date_rank, np.array(by_title, np.int32), facets)


def _facet(records: Sequence[dict], name: str) -> Facet:
    ids: dict[str, int] = {}
    docs = array.array("i")
    vals = array.array("i")
    for i, record in enumerate(records):
        value = record.get(name)
        if not value:
            continue
        items = value if isinstance(value, list) else [value]
        seen = set()
        for item in items:
            if not isinstance(item, str) or not item.strip() or item in seen:
                continue
            seen.add(item)
            vid = ids.get(item)
            if vid is None:
                vid = ids[item] = len(ids)
            docs.append(i)
            vals.append(vid)
    values = sorted(ids)
    remap = np.empty(max(len(ids), 1), np.int32)
    for new, v in enumerate(values):
        remap[ids[v]] = new
    entry_value = remap[np.frombuffer(vals, np.int32)] if len(vals) else np.zeros(0, np.int32)
    entry_doc = np.frombuffer(docs, np.int32).copy() if len(docs) else np.zeros(0, np.int32)
    return Facet(values, entry_doc, entry_value.astype(np.int32))
