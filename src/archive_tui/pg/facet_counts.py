"""Facet counts over many matching records, counted with numpy per database generation.

Counting in SQL (unnest every matching record's value ids, group) costs ~10 µs a record:
half a second for a common word at 100k records. Instead each process keeps every
record's value ids (read whole once, then only what each write changed: see
:class:`FacetArrays`) and counts the matching records' values with numpy. The matching
itself stays in PostgreSQL: the search statement returns the matching ``seq``s and the
generation it saw; when that is not the cached one the arrays are brought up to date, and
if the database moved on meanwhile, the counts are made in SQL
(``PgSearchResult.facet_path`` says which ran).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..facets import FACET_FIELDS
from .binary import ints_of

log = logging.getLogger(__name__)

# Records whose version is newer than ``since`` (an import or an update gives a record a new
# ``doc`` from the archive_doc sequence; writers take turns, so a later write's docs are
# all larger), with their facet value ids; the live count; and, when asked, every live seq
# (to find removed records). One statement: one snapshot, the generation matches the rows.
# The value ids come as each record's count and all of them in a row, in the records' order
# (both read from the one materialized CTE, in seq order): not an owner per value (13
# million at 1M records, a second array as long) to sort by.
_DELTA = (
    "WITH a AS MATERIALIZED (SELECT seq, doc, fv, date_start, date_end FROM archive_records "
    "WHERE doc > %(since)s ORDER BY seq) "
    "SELECT g.generation, g.records, s.seqs, s.starts, s.ends, s.top, s.lens, v.vals, "
    "CASE WHEN %(live)s THEN (SELECT array_send(array_agg(seq)) FROM archive_records) END, "
    "s.docs FROM archive_stats g, "
    "LATERAL (SELECT array_send(array_agg(seq)) AS seqs, max(doc) AS top, "
    "array_send(array_agg(doc)) AS docs, array_send(array_agg(cardinality(fv))) AS lens, "
    "array_send(array_agg(date_start)) AS starts, array_send(array_agg(date_end)) AS ends "
    "FROM a) s, "
    "LATERAL (SELECT array_send(array(SELECT unnest(a.fv) FROM a)) AS vals) v"
)


@dataclass
class FacetArrays:
    """Every record's facet value ids (a CSR by ``seq``), of one database generation.

    Read whole once; after a write only the records with a newer ``doc`` than seen are
    read and merged in, and removed records dropped (``facet_loads(archive)`` counts which
    ran: "full", "same", "appended", "merged", "…+removed")."""

    generation: int
    seqs: np.ndarray  # ascending
    ptr: np.ndarray
    values: np.ndarray
    dates: np.ndarray  # per record: (first day, last day) covered, int32 (filters.py)
    top_doc: int = 0  # the largest doc read
    docs: np.ndarray | None = None  # per record: its version's doc (chunk searches give docs)

    @classmethod
    def load(cls, archive: Any) -> FacetArrays:
        """Everything, read in one statement."""
        count_load(archive, "full")
        gen, _n, seqs, starts, ends, top, lens, vals, _live, docs = archive._query(
            _DELTA, {"since": -1, "live": False}
        )[0]
        seqs, dates = ints_of(seqs), _dates(starts, ends)
        owners = _owners(seqs, lens)
        return cls._of(int(gen), seqs, dates, owners, ints_of(vals), top, ints_of(docs))

    @classmethod
    def _of(
        cls,
        gen: int,
        seqs: np.ndarray,
        dates: np.ndarray,
        owners: np.ndarray,
        vals: np.ndarray,
        top: Any,
        docs: np.ndarray,
    ) -> FacetArrays:
        order = np.argsort(owners, kind="stable")
        by_seq = np.argsort(seqs, kind="stable")
        seqs, dates, docs = seqs[by_seq], dates[by_seq], docs[by_seq]
        ptr = np.searchsorted(owners[order], seqs, side="right")
        # int32 value ids (half the memory: 13M of them at 1M records, in every process)
        values = vals[order].astype(np.int32)
        return cls(gen, seqs, np.concatenate(([0], ptr)), values, dates, int(top or 0), docs)

    def counts(
        self, seqs: np.ndarray, multi_raw: list[int], multi_canon: list[int]
    ) -> tuple[np.ndarray, dict[int, int]] | None:
        """(count per value id as an array, count per person named several ways) over the
        records ``seqs`` (distinct); None if one of them is not in these arrays. More than
        half the records: the others are counted and taken from the totals."""
        chosen = self.rows_of_seqs(seqs)
        return None if chosen is None else self.counts_rows(chosen, multi_raw, multi_canon)

    def rows_of_seqs(self, seqs: np.ndarray) -> np.ndarray | None:
        """The records (by row) ``seqs``; None if one of them is not in these arrays."""
        seqs = np.asarray(seqs, np.int64)
        rows = np.searchsorted(self.seqs, seqs)
        if len(rows) and (rows.max() >= len(self.seqs) or (self.seqs[rows] != seqs).any()):
            return None
        chosen = np.zeros(len(self.seqs), bool)
        chosen[rows] = True
        return chosen

    def rows_of_docs(self, docs: np.ndarray) -> np.ndarray | None:
        """The records (by row) whose live versions are ``docs``; None if one of them is
        not a live version in these arrays (another generation's)."""
        if self.docs is None or len(self.docs) != len(self.seqs):
            return None
        if self._row_of_doc is None:  # doc -> row, -1 for no live record (one gather a doc)
            top = int(self.docs.max()) + 1 if len(self.docs) else 1
            self._row_of_doc = np.full(top, -1, np.int32)
            self._row_of_doc[self.docs] = np.arange(len(self.docs), dtype=np.int32)
        table = self._row_of_doc
        docs = np.asarray(docs, np.int64)
        if len(docs) and (int(docs.min()) < 0 or int(docs.max()) >= len(table)):
            return None
        rows = table[docs]
        if (rows < 0).any():
            return None
        chosen = np.zeros(len(self.seqs), bool)
        chosen[rows] = True
        return chosen

    def counts_rows(
        self, chosen: np.ndarray, multi_raw: list[int], multi_canon: list[int]
    ) -> tuple[np.ndarray, dict[int, int]]:
        """As :meth:`counts`, over the records where ``chosen`` (by row) is true."""
        raw = _csr_counts(self.ptr, self.values, self.totals, chosen)
        return raw, self._multi(chosen, multi_raw, multi_canon)

    def field_counts(self, name: str, ids: list[int], chosen: np.ndarray) -> np.ndarray:
        """Count per value id over the records ``chosen`` of one field's values only (its
        value ids ``ids``; not people, whose names are counted once a person): a
        filtered field's own counts need no other field's. The field's values are kept
        apart once a generation."""
        if name not in self._fields:
            keep = np.isin(self.values, np.asarray(ids, np.int32))
            per_row = np.bincount(self.owner_rows[keep], minlength=len(self.seqs))
            values = self.values[keep]
            self._fields[name] = (
                np.concatenate(([0], np.cumsum(per_row))),
                values,
                np.bincount(values, minlength=len(self.totals)),
            )
        return _csr_counts(*self._fields[name], chosen)

    def _multi(
        self, chosen: np.ndarray, multi_raw: list[int], multi_canon: list[int]
    ) -> dict[int, int]:
        """Per person named more than one way: the chosen records naming them (once each)."""
        if not multi_raw or not len(self.values):
            return {}
        key = (tuple(multi_raw), tuple(multi_canon))
        if self._multi_key != key:  # where those names are, their person, and (once)
            canon_of = np.full(int(max(int(self.values.max()), max(multi_raw))) + 1, -1)
            canon_of[np.asarray(multi_raw)] = np.asarray(multi_canon)
            canon = canon_of[self.values]
            at = np.flatnonzero(canon >= 0)
            owner, canon = self.owner_rows[at], canon[at]
            ncanon = int(canon.max()) + 1 if len(canon) else 1
            # the records naming one person more than one way: counted once, not n times
            pairs, times = np.unique(owner.astype(np.int64) * ncanon + canon, return_counts=True)
            twice = times > 1
            extra = (pairs[twice] // ncanon, pairs[twice] % ncanon, times[twice] - 1)
            self._multi_at = (owner, canon, ncanon, extra)
            self._multi_key = key
        owner, canon, ncanon, (dup_row, dup_canon, dup_extra) = self._multi_at
        keep = chosen[owner]
        if not keep.any():
            return {}
        per = np.bincount(canon[keep], minlength=ncanon)
        chosen_dup = chosen[dup_row] if len(dup_row) else np.zeros(0, bool)
        if chosen_dup.any():
            per -= np.bincount(
                dup_canon[chosen_dup], weights=dup_extra[chosen_dup], minlength=ncanon
            ).astype(per.dtype)
        nz = np.flatnonzero(per)
        return dict(zip(nz.tolist(), per[nz].tolist(), strict=True))

    def __post_init__(self) -> None:
        rows = np.arange(len(self.seqs), dtype=np.int32)
        self.owner_rows = np.repeat(rows, np.diff(self.ptr))
        self.totals = np.bincount(self.values) if len(self.values) else np.zeros(0, np.int64)
        self._multi_key: tuple | None = None
        self._multi_at: tuple = ()
        self._row_of_doc: np.ndarray | None = None
        self._by_value: tuple[np.ndarray, np.ndarray] | None = None
        self._fields: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def filter_rows(
        self, values: dict[str, list[int]], dates: tuple[int | None, int | None] | None
    ) -> dict[str, np.ndarray]:
        """Per filter, the records (by row) it keeps: a facet filter those holding one of
        its value ids (compile.values_in), the date filter those whose days overlap the
        range (compile.date_sql)."""
        out: dict[str, np.ndarray] = {}
        for name, ids in values.items():
            keep = np.zeros(len(self.seqs), bool)
            for rows in map(self.rows_holding, set(ids)):
                keep[rows] = True
            out[name] = keep
        if dates is not None:
            start, end = dates
            keep = np.ones(len(self.seqs), bool)
            if start is not None:
                keep &= self.dates[:, 1] >= start
            if end is not None:
                keep &= self.dates[:, 0] <= end
            out["date"] = keep
        return out

    def rows_holding(self, value: int) -> np.ndarray:
        """The records (rows) holding the value id ``value``: a slice of the arrays
        inverted (by value, made once a generation, when a filter first asks), not a
        pass over every record's values for each filter."""
        if self._by_value is None:
            order = np.argsort(self.values)  # (not stable: a stable one takes 4x as long)
            starts = np.searchsorted(self.values[order], np.arange(len(self.totals) + 1))
            self._by_value = (self.owner_rows[order], starts)
        rows, starts = self._by_value
        if not 0 <= value < len(self.totals):
            return rows[:0]
        return rows[starts[value] : starts[value + 1]]

    def refreshed(self, archive: Any) -> FacetArrays:
        """The arrays of the database as it is now: the changed records read and merged."""
        row = archive._query(_DELTA, {"since": self.top_doc, "live": False})[0]
        found = self._merged(*row)
        if found is None:  # some record was removed: every live seq too (a new snapshot)
            row = archive._query(_DELTA, {"since": self.top_doc, "live": True})[0]
            found = self._merged(*row)
        if found is None:  # pragma: no cover - a broken invariant, never silent
            log.warning("facet arrays: a write did not follow the doc order; read again whole")
            return FacetArrays.load(archive)
        kind, merged = found
        count_load(archive, kind)
        return merged

    def _merged(
        self,
        gen: int,
        live_count: int,
        seqs: Any,
        starts: Any,
        ends: Any,
        top: Any,
        lens: Any,
        vals: Any,
        live: Any,
        new_docs: Any,
    ) -> tuple[str, FacetArrays] | None:
        """(how, the arrays) with the newer versions merged in; None if the live count says
        records are missing (removed) and ``live`` was not read."""
        new, vals = ints_of(seqs), ints_of(vals)
        owners = _owners(new, lens)
        dates, new_docs = _dates(starts, ends), ints_of(new_docs)
        docs = self.docs if self.docs is not None else np.zeros(len(self.seqs), np.int64)
        sizes = np.diff(self.ptr)
        keep = ~np.isin(self.seqs, new)
        if live is not None:
            keep &= np.isin(self.seqs, ints_of(live))
        if len(new) == 0 and keep.all():
            kind = "same"
            out = FacetArrays(int(gen), self.seqs, self.ptr, self.values, self.dates, 0, docs)
        elif keep.all() and (len(self.seqs) == 0 or new.min() > self.seqs[-1]):
            kind = "appended"  # only new records, after every one read: no sort of the old
            tail = FacetArrays._of(int(gen), new, dates, owners, vals, top, new_docs)
            out = FacetArrays(
                int(gen),
                np.concatenate((self.seqs, tail.seqs)),
                np.concatenate((self.ptr, tail.ptr[1:] + self.ptr[-1])),
                np.concatenate((self.values, tail.values)),
                np.concatenate((self.dates, tail.dates)),
                0,
                np.concatenate((docs, tail.docs)),  # type: ignore[arg-type]
            )
        else:
            kind = "merged"
            old_owner = np.repeat(self.seqs, sizes)
            kept = np.repeat(keep, sizes)
            out = FacetArrays._of(
                int(gen),
                np.concatenate((self.seqs[keep], new)),
                np.concatenate((self.dates[keep], dates)),
                np.concatenate((old_owner[kept], owners)),
                np.concatenate((self.values[kept], vals)),
                top,
                np.concatenate((docs[keep], new_docs)),
            )
        if len(out.seqs) != int(live_count):
            return None
        out.top_doc = max(self.top_doc, int(top or 0))
        return (kind + "+removed" if live is not None else kind), out


def _csr_counts(
    ptr: np.ndarray, values: np.ndarray, totals: np.ndarray, chosen: np.ndarray
) -> np.ndarray:
    """Count per value id over the rows ``chosen`` of the CSR (``ptr``, ``values``):
    their values gathered by their ranges (work in proportion to those rows' values; a
    mask over every value costs a pass over all of them, 2-3 ms at 100k); more than
    half the rows: the others counted and taken from the ``totals``."""
    if 2 * int(np.count_nonzero(chosen)) > len(chosen):
        return totals - _csr_counts(ptr, values, totals, ~chosen)
    rows = np.flatnonzero(chosen)
    starts = ptr[rows]
    lens = ptr[rows + 1] - starts
    ends = np.cumsum(lens)
    # a value's place: its row's start plus its rank among the row's values
    at = np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - lens - starts, lens)
    return np.bincount(values[at], minlength=len(totals))


def _owners(seqs: np.ndarray, lens: Any) -> np.ndarray:
    """Each value id's record (seq), from each record's count of them (:data:`_DELTA`)."""
    return np.repeat(seqs, ints_of(lens))


def _dates(starts: Any, ends: Any) -> np.ndarray:
    return np.stack((ints_of(starts), ints_of(ends)), axis=1).astype(np.int32)


def by_field(
    archive: Any, raw: np.ndarray, multi: dict[int, int], only: str | None = None
) -> dict[str, dict[str, int]]:
    """FacetLookups.facet_counts from a count per value id (an array): most frequent first,
    then by value, with numpy (a common word's matches hold ~100,000 distinct values).
    ``only``: that field's counts alone (a filtered field's own)."""
    table = archive._facet_table()
    out: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS if only is None else [only]:
        values, ids, _df = table[name]
        key = f"np:{name}"
        if key not in archive._cache:
            archive._cache[key] = (np.array(values, dtype=object), np.asarray(ids, np.int64))
        names, vids = archive._cache[key]
        inside = vids < len(raw)
        c = np.zeros(len(vids), np.int64)
        c[inside] = raw[vids[inside]]
        if name == "people":
            out[name] = _people(archive, c, multi)
            continue
        nz = np.flatnonzero(c)
        order = nz[np.argsort(-c[nz], kind="stable")]  # values are sorted: ties by value
        out[name] = dict(zip(names[order].tolist(), c[order].tolist(), strict=True))
    return out


def _people(archive: Any, c: np.ndarray, multi: dict[int, int]) -> dict[str, int]:
    """People one a person: the counts of a person's names added, or the distinct count
    where a record names one person two ways (``multi``)."""
    if not c.any() and not multi:
        return {}
    people = archive.people()
    if "np:people:rank" not in archive._cache:
        names = people.facet.values
        rank = np.empty(len(names), np.int64)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
        archive._cache["np:people:rank"] = (np.array(names, dtype=object), rank)
    names, rank = archive._cache["np:people:rank"]
    canon = np.asarray(people.canonical_id, np.int64)
    sums = np.bincount(canon, weights=c, minlength=len(names)).astype(np.int64)
    touched = np.bincount(canon, weights=(c > 0), minlength=len(names)) > 0
    for person, count in multi.items():
        sums[person] = count
        touched[person] = True
    nz = np.flatnonzero(touched & (sums != 0))
    order = nz[np.lexsort((rank[nz], -sums[nz]))]
    return dict(zip(names[order].tolist(), sums[order].tolist(), strict=True))


def facet_arrays(archive: Any, generation: int) -> FacetArrays | None:
    """The arrays of ``generation`` (cached on the archive, brought up to date when the
    database has moved on), None if the database has already moved past it."""
    cached = archive._facet_arrays if hasattr(archive, "_facet_arrays") else None
    if cached is None:
        cached = FacetArrays.load(archive)
    elif cached.generation != generation:
        cached = cached.refreshed(archive)
    archive._facet_arrays = cached
    return cached if cached.generation == generation else None


def count_load(archive: Any, kind: str) -> None:
    loads = facet_loads(archive)
    loads[kind] = loads.get(kind, 0) + 1


def facet_loads(archive: Any) -> dict[str, int]:
    """How the archive's facet arrays were read, by kind (a debug stat)."""
    if not hasattr(archive, "_facet_loads"):
        archive._facet_loads = {}
    return archive._facet_loads
