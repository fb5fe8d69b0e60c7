"""Per-record metadata the index keeps beside its postings: facets, date and title orders.

A facet field is a CSR-like pair of arrays (which record holds which value) so counting
the values of a result set is one ``bincount``; dates are kept as covered intervals and
a precomputed order, so date filters and date sorts never look at a record.

This runs on every cold open, so it touches each record field once through C-level
loops (``map``, ``dict.fromkeys``, ``itertools.chain``) and does the rest per distinct
value or in numpy: a date string is parsed once however many records carry it, and a
facet value is looked up once per occurrence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, count

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
    """Facets (FACET_FIELDS) and date/title orders of ``records``, in archive order.

    A record without a valid date gets zeros (it sorts first and has no year or decade);
    its title is ``str()`` of the stored value, folded. Facet values are the non-blank
    strings of a field, or of the field's list, each counted once per record.
    """
    n = len(records)
    date_col, title_col, *facet_cols = _fields(records)
    # Dates: one parse per distinct date string, then spread to records by numpy indexing.
    dates, firsts = _first_seen(date_col, n)
    table = np.zeros((n, 4), np.int64)  # at a date's first record: start, end, sort key, year
    for value, at in firsts.items():
        try:
            d = parse_date(value)
        except DateError:  # the store validates dates; an odd one sorts first
            continue
        table[at] = d.start, d.end, d.sort_key, d.year
    per_record = table[dates]
    starts = per_record[:, 0].astype(np.int32)
    ends = per_record[:, 1].astype(np.int32)
    date_order = np.argsort(per_record[:, 2], kind="stable").astype(np.int32)
    date_rank = np.empty(n, np.int32)
    date_rank[date_order] = np.arange(n, dtype=np.int32)
    # Titles: a stable sort by folded title of the records in date order is the order
    # by (title, date) without building a tuple per record.
    titles = list(map(fold, map(str, title_col)))
    title_order = np.array(sorted(date_order.tolist(), key=titles.__getitem__), np.int32)
    facets = {name: _facet(col) for name, col in zip(RECORD_FACETS, facet_cols, strict=True)}
    facets["year"], facets["decade"] = _year_facets(per_record[:, 3])
    return RecordMeta(starts, ends, date_order, date_rank, title_order, facets)


def _fields(records: Sequence[dict]) -> tuple[list, ...]:
    """Date, title (default "") and RECORD_FACETS of every record, as columns.

    One pass: with real records (long texts between the small values) fetching a record
    from memory costs more than reading eight fields of it, so each is visited once.
    """
    cols = tuple([] for _ in range(2 + len(RECORD_FACETS)))
    date, title, *facet_appends = (col.append for col in cols)
    f1, f2, f3, f4, f5, f6 = facet_appends
    k1, k2, k3, k4, k5, k6 = RECORD_FACETS
    for record in records:
        get = record.get
        date(get("date"))
        title(get("title", ""))
        f1(get(k1))
        f2(get(k2))
        f3(get(k3))
        f4(get(k4))
        f5(get(k5))
        f6(get(k6))
    return cols


def _first_seen(column: list, size: int, *, nested: bool = False) -> tuple[np.ndarray, dict]:
    """Where each of the ``size`` items first occurs, and item -> that place.

    The items are ``column``'s, or with ``nested`` those of its lists, one hash lookup
    each. An unhashable item (a list where a string belongs) is never a valid value or
    date, so it is looked up as None.
    """
    firsts: dict = {}
    items = chain.from_iterable(column) if nested else column
    try:
        return np.fromiter(map(firsts.setdefault, items, count()), np.intp, size), firsts
    except TypeError:
        firsts = {}
        items = chain.from_iterable(column) if nested else column
        hashable = (x if isinstance(x, str) else None for x in items)
        return np.fromiter(map(firsts.setdefault, hashable, count()), np.intp, size), firsts


def _facet(column: list) -> Facet:
    """CSR pairs of one record field: a string, a list of them, or anything else (none)."""
    n = len(column)
    types = set(map(type, column))
    nested = any(issubclass(t, list) for t in types)
    if nested:  # a list per record; a lone string (or anything else) counts as a list of one
        if types != {list}:
            column = [v if isinstance(v, list) else (v,) for v in column]
        lens = np.fromiter(map(len, column), np.intp, n)
        total = int(lens.sum())
        docs = np.repeat(np.arange(n, dtype=np.int32), lens)
        repeats = bool(n) and int(lens.max()) > 1
    else:
        total, repeats = n, False
        docs = np.arange(n, dtype=np.int32)
    at, firsts = _first_seen(column, total, nested=nested)
    values = sorted(k for k in firsts if isinstance(k, str) and k.strip())
    rank = np.full(total, -1, np.int32)  # at an item's first place: its value id, or -1
    rank[[firsts[v] for v in values]] = np.arange(len(values), dtype=np.int32)
    codes = rank[at]
    keep = codes >= 0
    entry_doc, entry_value = docs[keep], codes[keep]
    if repeats:  # a value listed twice in one record counts once (its first place is kept)
        key = entry_doc.astype(np.int64) * (len(values) + 1) + entry_value
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        again = order[1:][ordered[1:] == ordered[:-1]]
        if len(again):
            keep = np.ones(len(key), bool)
            keep[again] = False
            entry_doc, entry_value = entry_doc[keep], entry_value[keep]
    return Facet(values, entry_doc, entry_value)


def _year_facets(years: np.ndarray) -> tuple[Facet, Facet]:
    """Year and decade facets from each record's year (0: no date)."""
    known = np.unique(years[years > 0]).tolist()
    year_vals = sorted(str(y) for y in known)
    decade_vals = sorted({f"{y // 10 * 10}s" for y in known})
    has = np.flatnonzero(years > 0).astype(np.int32)
    if not known:
        return Facet(year_vals, has, np.zeros(0, np.int32)), Facet(
            decade_vals, has, np.zeros(0, np.int32)
        )
    low = known[0]
    year_ids = np.full(known[-1] - low + 1, -1, np.int32)
    decade_ids = np.full(known[-1] - low + 1, -1, np.int32)
    decade_of = {int(v[:-1]): i for i, v in enumerate(decade_vals)}
    for i, v in enumerate(year_vals):
        year_ids[int(v) - low] = i
        decade_ids[int(v) - low] = decade_of[int(v) // 10 * 10]
    offsets = years[has] - low
    return Facet(year_vals, has, year_ids[offsets]), Facet(decade_vals, has, decade_ids[offsets])
