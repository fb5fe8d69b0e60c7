"""Facet counts over many matching records, counted with numpy per database generation.

Counting in SQL (unnest every matching record's value ids, group) costs ~10 µs a record:
half a second for a common word at 100k records. Instead each process reads every
record's value ids once per database generation (``archive_stats.generation`` grows with
every write) and counts the matching records' values with numpy. The matching itself
stays in PostgreSQL: the search statement returns the matching ``seq``s and the
generation it saw; when that is not the cached one the cache is read again, and if the
database moved on meanwhile, the counts are made in SQL (``PgSearchResult.facet_path``
says which ran).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..facets import FACET_FIELDS

_LOAD = (
    "SELECT g.generation, "
    "coalesce(array_to_string(array_agg(r.seq ORDER BY r.seq), ','), ''), "
    "coalesce(array_to_string(array_agg(cardinality(r.fv) ORDER BY r.seq), ','), ''), "
    "coalesce(string_agg(array_to_string(r.fv, ','), ',' ORDER BY r.seq) "
    "FILTER (WHERE cardinality(r.fv) > 0), '') "
    "FROM archive_stats g LEFT JOIN archive_records r ON true GROUP BY g.generation"
)


def _ints(text: str) -> np.ndarray:
    return np.array(text.split(","), np.int64) if text else np.zeros(0, np.int64)


@dataclass
class FacetArrays:
    """Every record's facet value ids (a CSR by ``seq``), of one database generation."""

    generation: int
    seqs: np.ndarray  # ascending
    ptr: np.ndarray
    values: np.ndarray

    @classmethod
    def load(cls, archive: Any) -> FacetArrays:
        """Read in one statement (one snapshot: the generation matches the rows)."""
        gen, seqs, sizes, values = archive._query(_LOAD)[0]
        ptr = np.zeros(len(_ints(sizes)) + 1, np.int64)
        np.cumsum(_ints(sizes), out=ptr[1:])
        return cls(int(gen), _ints(seqs), ptr, _ints(values))

    def counts(
        self, seqs: np.ndarray, multi_raw: list[int], multi_canon: list[int]
    ) -> tuple[np.ndarray, dict[int, int]] | None:
        """(count per value id as an array, count per person named several ways) over the
        records ``seqs``; None if one of them is not in these arrays."""
        rows = np.searchsorted(self.seqs, seqs)
        if len(rows) and (rows.max() >= len(self.seqs) or (self.seqs[rows] != seqs).any()):
            return None
        starts, ends = self.ptr[rows], self.ptr[rows + 1]
        lengths = ends - starts
        owner = np.repeat(np.arange(len(rows)), lengths)
        offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        vals = self.values[np.repeat(starts, lengths) + offsets]
        raw = np.bincount(vals) if len(vals) else np.zeros(0, np.int64)
        multi: dict[int, int] = {}
        if multi_raw and len(vals):
            canon_of = np.full(int(max(int(vals.max()), max(multi_raw))) + 1, -1, np.int64)
            canon_of[np.asarray(multi_raw)] = np.asarray(multi_canon)
            c = canon_of[vals]
            keep = c >= 0
            if keep.any():
                ncanon = int(c.max()) + 1
                pairs = np.unique(owner[keep] * ncanon + c[keep])  # a record once a person
                per = np.bincount(pairs % ncanon, minlength=ncanon)
                nz = np.flatnonzero(per)
                multi = dict(zip(nz.tolist(), per[nz].tolist(), strict=True))
        return raw, multi


def by_field(archive: Any, raw: np.ndarray, multi: dict[int, int]) -> dict[str, dict[str, int]]:
    """FacetLookups.facet_counts from a count per value id (an array): most frequent first,
    then by value, with numpy (a common word's matches hold ~100,000 distinct values)."""
    table = archive._facet_table()
    out: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
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
    """The arrays of ``generation`` (cached on the archive), None if the database has
    already moved past it."""
    cached = archive._facet_arrays if hasattr(archive, "_facet_arrays") else None
    if cached is None or cached.generation != generation:
        cached = FacetArrays.load(archive)
        archive._facet_arrays = cached
    return cached if cached.generation == generation else None
