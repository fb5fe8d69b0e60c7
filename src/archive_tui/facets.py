"""Per-record metadata the index keeps beside its postings: facets, date and title orders.

A facet field is a CSR-like pair of arrays (which record holds which value) so counting
the values of a result set is one ``bincount``; dates are kept as covered intervals and
a precomputed order, so date filters and date sorts never look at a record.

This runs on every cold open, and with large records most of its time goes to fetching
values from memory, so each record is read once and each value is looked up once (in a
dict of first occurrences, through C-level ``map`` and ``itertools.chain`` where it can).
The rest is done per distinct value (a date string is parsed once however many records
carry it) or in numpy. Records whose values are not the usual strings and lists get
exactly the same results through a slower general path.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain, count

import numpy as np

from .administrations import admin_facet_arrays
from .dates import DateError, parse_date
from .provenance import STORED_KEYS, provenance_facet_values
from .text import fold

_ONE_VALUE = ("collection", "document_type", "language")  # one string a record, as stored
_LISTS = ("people", "places", "subjects")  # a list of strings a record, as stored
RECORD_FACETS = (*_ONE_VALUE, *_LISTS)
#: Facets derived from a record: its administration(s) by date, and its provenance (the
#: fields ``provenance.derived_fields`` stores at import, parsed here when a record lacks them).
PROVENANCE_FACETS = ("classification", "handling", "repository")
FACET_FIELDS = (*RECORD_FACETS, "decade", "year", "admin", *PROVENANCE_FACETS)


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
    # what the orders were made from, so segments' orders can be combined
    date_key: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    titles: list[str] = field(default_factory=list)


def build_record_meta(records: Sequence[dict]) -> RecordMeta:
    """Facets (FACET_FIELDS) and date/title orders of ``records``, in archive order.

    A record without a valid date gets zeros (it sorts first and has no year or decade);
    its title is ``str()`` of the stored value, folded. Facet values are the non-blank
    strings of a field, or of the field's list, each counted once per record.
    """
    n = len(records)
    try:
        dates, title_col, items = _scan(records)
    except TypeError:  # an unhashable value where one string belongs: the general path
        dates, title_col, items = _scan_general(records)
    # Dates: one parse per distinct date string, then spread to records by numpy indexing.
    table = np.zeros((n, 4), np.int64)  # at a date's first record: start, end, sort key, year
    years: set[int] = set()
    for value, at in dates.firsts.items():
        try:
            d = parse_date(value)
        except DateError:  # the store validates dates; an odd one sorts first
            continue
        table[at] = d.start, d.end, d.sort_key, d.year
        years.add(d.year)
    per_record = table[dates.at]
    starts = per_record[:, 0].astype(np.int32)
    ends = per_record[:, 1].astype(np.int32)
    date_order = np.argsort(per_record[:, 2], kind="stable").astype(np.int32)
    date_rank = np.empty(n, np.int32)
    date_rank[date_order] = np.arange(n, dtype=np.int32)
    # Titles: a stable sort by folded title of the records in date order is the order
    # by (title, date) without building a tuple per record.
    titles = list(map(fold, map(str, title_col)))
    title_order = np.array(sorted(date_order.tolist(), key=titles.__getitem__), np.int32)
    facets = {name: _csr(items[name]) for name in RECORD_FACETS}
    facets["year"], facets["decade"] = _year_facets(per_record[:, 3], sorted(years))
    facets["admin"] = _sorted_facet(*admin_facet_arrays(starts, ends))
    facets.update(provenance_facets(records))
    date_key = per_record[:, 2].copy()
    return RecordMeta(starts, ends, date_order, date_rank, title_order, facets, date_key, titles)


@dataclass
class _Items:
    """The items of a field, record after record: who holds each and where it first occurs."""

    docs: np.ndarray  # int32: the record of each item
    at: np.ndarray  # the place of each item's first occurrence (of an equal item)
    firsts: dict  # item -> the place of its first occurrence
    repeats: bool = False  # whether a record can hold more than one item


def _scan(records: Sequence[dict]) -> tuple[_Items, list, dict[str, _Items]]:
    """Dates, titles (default "") and the facet fields' items of ``records`` in one pass.

    With real records (long texts between the small values) fetching values from memory
    costs more than the Python around it, so each record is visited once, and a date or
    a one-string field is looked up (where did it first occur?) as it is read. Raises
    TypeError at an unhashable value there (a list where one string belongs).
    """
    n = len(records)
    at = tuple(array("q") for _ in range(4))  # date, then the _ONE_VALUE fields
    firsts: tuple[dict, ...] = tuple({} for _ in at)
    date_at, at1, at2, at3 = (a.append for a in at)
    date_first, first1, first2, first3 = (f.setdefault for f in firsts)
    k1, k2, k3 = _ONE_VALUE
    cols: tuple[list, ...] = tuple([] for _ in range(4))  # title, then the _LISTS fields
    title, list1, list2, list3 = (c.append for c in cols)
    k4, k5, k6 = _LISTS
    for i, record in enumerate(records):
        get = record.get
        date_at(date_first(get("date"), i))
        title(get("title", ""))
        at1(first1(get(k1), i))
        at2(first2(get(k2), i))
        at3(first3(get(k3), i))
        list1(get(k4))
        list2(get(k5))
        list3(get(k6))
    docs = np.arange(n, dtype=np.int32)
    date, *single = (
        _Items(docs, np.frombuffer(a, np.int64), f) for a, f in zip(at, firsts, strict=True)
    )
    items = dict(zip(_ONE_VALUE, single, strict=True))
    items.update((name, _items(col)) for name, col in zip(_LISTS, cols[1:], strict=True))
    return date, cols[0], items


def _scan_general(records: Sequence[dict]) -> tuple[_Items, list, dict[str, _Items]]:
    """What _scan gives, for records with any kind of value anywhere (one pass per field)."""
    dates = [r.get("date") for r in records]
    at, firsts = _first_seen(dates, len(dates))
    titles = [r.get("title", "") for r in records]
    items = {name: _items([r.get(name) for r in records]) for name in RECORD_FACETS}
    return _Items(np.arange(len(dates), dtype=np.int32), at, firsts), titles, items


def _first_seen(column: list, size: int, *, nested: bool = False) -> tuple[np.ndarray, dict]:
    """Where each of the ``size`` items first occurs, and item -> that place.

    The items are ``column``'s, or with ``nested`` those of its lists, one hash lookup
    each. If one is unhashable (a list where a string belongs), every item that is not a
    string is looked up as None: none of them is a valid value or date.
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


def _items(column: list) -> _Items:
    """The items of one field: a string per record, a list of them, or anything else."""
    n = len(column)
    types = set(map(type, column))
    if not any(issubclass(t, list) for t in types):
        at, firsts = _first_seen(column, n)
        return _Items(np.arange(n, dtype=np.int32), at, firsts)
    # A list per record; a lone string (or anything else) counts as a list of one.
    if types != {list}:
        column = [v if isinstance(v, list) else (v,) for v in column]
    lens = np.fromiter(map(len, column), np.intp, n)
    at, firsts = _first_seen(column, int(lens.sum()), nested=True)
    docs = np.repeat(np.arange(n, dtype=np.int32), lens)
    return _Items(docs, at, firsts, repeats=bool(n) and int(lens.max()) > 1)


def _csr(items: _Items) -> Facet:
    """The facet of a field's items: its non-blank strings, sorted, once per record."""
    values = sorted(k for k in items.firsts if isinstance(k, str) and k.strip())
    rank = np.full(len(items.at), -1, np.int32)  # at an item's first place: its value id, or -1
    rank[[items.firsts[v] for v in values]] = np.arange(len(values), dtype=np.int32)
    codes = rank[items.at]
    keep = codes >= 0
    entry_doc, entry_value = items.docs[keep], codes[keep]
    if items.repeats:  # a value listed twice in one record counts once (its first place kept)
        key = entry_doc.astype(np.int64) * (len(values) + 1) + entry_value
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        again = order[1:][ordered[1:] == ordered[:-1]]
        if len(again):
            keep = np.ones(len(key), bool)
            keep[again] = False
            entry_doc, entry_value = entry_doc[keep], entry_value[keep]
    return Facet(values, entry_doc, entry_value)


def _year_facets(years: np.ndarray, known: list[int]) -> tuple[Facet, Facet]:
    """Year and decade facets from each record's year (0: no date) and the years (sorted)."""
    year_vals = sorted(str(y) for y in known)  # as strings: "999" after "1944"
    decade_vals = sorted({f"{y // 10 * 10}s" for y in known})
    has = np.flatnonzero(years > 0).astype(np.int32)
    low = known[0] if known else 0
    year_ids = np.zeros(known[-1] - low + 1 if known else 0, np.int32)  # year - low -> id
    decade_ids = np.zeros(len(year_ids), np.int32)
    decade_of = {v: i for i, v in enumerate(decade_vals)}
    for i, v in enumerate(year_vals):
        year_ids[int(v) - low] = i
        decade_ids[int(v) - low] = decade_of[f"{int(v) // 10 * 10}s"]
    offsets = years[has] - low
    return Facet(year_vals, has, year_ids[offsets]), Facet(decade_vals, has, decade_ids[offsets])


def _sorted_facet(values: list[str], entry_doc: np.ndarray, entry_value: np.ndarray) -> Facet:
    """A Facet whose values are sorted (as every facet's are), its entries renumbered."""
    order = sorted(range(len(values)), key=values.__getitem__)
    rank = np.empty(len(values), np.int32)
    rank[order] = np.arange(len(values), dtype=np.int32)
    return Facet(
        [values[i] for i in order], entry_doc, rank[entry_value] if len(values) else entry_value
    )


def provenance_facets(records: Sequence[dict]) -> dict[str, Facet]:
    """The classification, handling and repository facets (see PROVENANCE_FACETS).

    Stored derived fields are read as they are, in one visit a record; a record without
    any (imported before they existed) is parsed here, as ``import`` would have.
    """
    classes: list = []
    handling: list = []
    repos: list = []
    add_class, add_handling, add_repo = classes.append, handling.append, repos.append
    missing = []
    for i, record in enumerate(records):
        get = record.get
        add_class(get("classification"))
        h = get("handling")
        add_handling(() if h is None else h)
        r = get("repository")
        add_repo(r)
        if r is None and h is None and "record_group" not in record:
            missing.append(i)
    for i in missing:
        if not any(k in records[i] for k in STORED_KEYS):
            classes[i], handling[i], repos[i] = provenance_facet_values(records[i])
    columns = (classes, handling, repos)
    return {
        name: _csr(_items(column)) for name, column in zip(PROVENANCE_FACETS, columns, strict=True)
    }
