"""Searching a TokenIndex: filters, ranking, paging, facet counts, highlights.

``execute`` turns a parsed query into a boolean mask over all records plus a dense
score array, ANDs in the filters, counts facets over what is left, and orders
only as much as the requested page needs. :class:`SearchResult` keeps the mask so
the UI's virtual list can ask for any other page cheaply.
"""

from __future__ import annotations

import contextlib
import re
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .annotation_search import (
    ANNOTATION_FACETS,
    ANNOTATION_FILTER_NAMES,
    AnnotationSearch,
    uses_annotations,
)
from .annotations import AnnotationIndex
from .dates import DateError, DocDate, parse_date
from .deadline import SEARCH_BUDGET_S, Deadline
from .facet_fields import facet_value_mask, person_term_mask, value_ids
from .facets import FACET_FIELDS, RECORD_FACETS
from .index import FIELD_BIT, TokenIndex
from .index.view import IndexView, view_of
from .query import (
    And,
    AnnotationMatch,
    DateRange,
    FacetValue,
    IdMatch,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Term,
    parse_query,
    positive_nodes,
)
from .text import fold_aligned, iter_token_spans
from .timeline import Histogram, histogram
from .values import close_values, no_value_note
from .wildcard import collapse, expand_terms, glob_word_spans

SORTS = ("relevance", "date", "-date", "title")
QUERY_FIELD_NAMES = {
    "type": "document_type",
    "lang": "language",
    "person": "people",
    "place": "places",
    "subject": "subjects",
    "class": "classification",
    "repo": "repository",
}
MAX_EXPANSIONS = 300  # words a wildcard may stand for
MAX_SUGGESTIONS = 5
_TOP = "\U0010ffff"


# ----------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    """Facet values (ORed within a field, ANDed across fields) and a date interval."""

    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: str | None = None
    date_to: str | None = None

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any] | None) -> Filters:
        """Build from ``{"type": "Telegram", "people": [...], "date_from": "1944"}``.

        Accepts the query aliases (type, lang, person, place, subject) and ``date``
        as a range (``1944..1955``). ValueError names an unknown field or a bad date.
        """
        if not m:
            return cls()
        facets: dict[str, tuple[str, ...]] = {}
        date_from = date_to = None
        for key, value in m.items():
            name = str(key).strip().lower()
            if name in ("date_from", "from"):
                date_from = _check_date(value, "date_from")
                continue
            if name in ("date_to", "to"):
                date_to = _check_date(value, "date_to")
                continue
            if name == "date":
                if value:
                    low, _, high = str(value).partition("..")
                    date_from = _check_date(low or None, "date")
                    date_to = _check_date((high if ".." in str(value) else low) or None, "date")
                continue
            name = ANNOTATION_FILTER_NAMES.get(name, QUERY_FIELD_NAMES.get(name, name))
            if name not in FACET_FIELDS and name not in ANNOTATION_FACETS:
                known = ", ".join(
                    (*FACET_FIELDS, *QUERY_FIELD_NAMES, *ANNOTATION_FACETS, "date_from", "date_to")
                )
                raise ValueError(f"unknown filter field {key!r}; use one of: {known}")
            if value is None:
                continue
            values = (value,) if isinstance(value, str) else tuple(str(v) for v in value)
            values = tuple(dict.fromkeys(v for v in values if v))
            if values:
                facets[name] = tuple(dict.fromkeys((*facets.get(name, ()), *values)))
        return cls(facets, date_from, date_to)

    def with_value(self, field: str, value: str) -> Filters:
        field = QUERY_FIELD_NAMES.get(field, field)
        values = self.facets.get(field, ())
        if value in values:
            return self
        facets = dict(self.facets)
        facets[field] = (*values, value)
        return Filters(facets, self.date_from, self.date_to)

    def without_value(self, field: str, value: str) -> Filters:
        field = QUERY_FIELD_NAMES.get(field, field)
        values = tuple(v for v in self.facets.get(field, ()) if v != value)
        facets = {k: v for k, v in self.facets.items() if k != field}
        if values:
            facets[field] = values
        return Filters(facets, self.date_from, self.date_to)

    def with_dates(self, date_from: str | None, date_to: str | None) -> Filters:
        return Filters(dict(self.facets), date_from, date_to)

    def is_empty(self) -> bool:
        return not any(self.facets.values()) and not self.date_from and not self.date_to


def _check_date(value: object, name: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    try:
        parse_date(text)
    except DateError as exc:
        raise ValueError(f"{name} {text!r}: {exc.reason}") from None
    return text


# ----------------------------------------------------------------------------- results


@dataclass
class Hit:
    """One matching record with its score and where the query words are in it."""

    record: dict
    score: float
    highlights: dict[str, list[tuple[int, int]]]

    @property
    def id(self) -> str:
        return self.record["id"]

    @property
    def date(self) -> DocDate:
        return parse_date(self.record["date"])


class SearchResult:
    """One search: total, the requested page, facet counts, and any other page on demand."""

    def __init__(
        self,
        *,
        query: str,
        parsed: ParsedQuery,
        filters: Filters,
        sort: str,
        offset: int,
        limit: int,
        index: TokenIndex,
        records: Sequence[dict],
        mask: np.ndarray,
        score: np.ndarray | None,
    ) -> None:
        self.query = query
        self.parsed = parsed
        self.filters = filters
        self.sort = sort
        self.offset = offset
        self.limit = limit
        self._index = index
        self._records = records
        self._mask = mask
        self._score = score
        self._order: np.ndarray | None = None  # full order, when computed
        self._top: np.ndarray | None = None  # first docs of the order
        self._cand: np.ndarray | None = None
        self._keys: np.ndarray | None = None
        self.total = int(np.count_nonzero(mask))
        self.hits: list[Hit] = []
        self.facets: dict[str, dict[str, int]] = {}
        self.suggestions: list[str] = []
        self.elapsed_ms = 0.0
        self.cut_short = False  # the search ran out of time or was cancelled

    # -- ordering

    def _prepare(self, need: int) -> np.ndarray:
        """Docs in result order, at least the first ``need`` of them."""
        if self._order is not None:
            return self._order
        idx = self._index
        if self.sort == "relevance" and self._score is not None:
            if self._cand is None:
                cand = np.flatnonzero(self._mask)
                bits = self._score[cand].astype(np.float32).view(np.int32).astype(np.int64)
                # higher score first; ties: earlier date first
                self._keys = -((bits << 31) | (2**31 - 1 - idx.date_rank[cand].astype(np.int64)))
                self._cand = cand
            cand, keys = self._cand, self._keys
            assert keys is not None
            if need < len(cand) // 4:
                if self._top is not None and len(self._top) >= need:
                    return self._top
                k = min(max(need, 64), len(cand))
                part = np.argpartition(keys, k - 1)[:k]
                self._top = cand[part[np.argsort(keys[part], kind="stable")]]
                return self._top
            self._order = cand[np.argsort(keys, kind="stable")]
            return self._order
        if self.sort == "title":
            base = idx.title_order
        elif self.sort == "-date":
            base = idx.date_order[::-1]
        else:
            base = idx.date_order
        self._order = base if self.total == idx.n else base[self._mask[base]]
        return self._order

    def page(self, offset: int, limit: int) -> list[Hit]:
        """Hits ``offset`` .. ``offset + limit`` of this result, in order."""
        offset = max(0, int(offset))
        limit = max(0, int(limit))
        if limit == 0 or offset >= self.total:
            return []
        order = self._prepare(offset + limit)
        docs = order[offset : offset + limit]
        return [self._hit(int(d)) for d in docs]

    def histogram(self) -> Histogram:
        """The results over time, made on first call (timeline.histogram: exact, its
        buckets and ``undated`` add up to ``total``)."""
        found = self.__dict__.get("_histogram")
        if found is None:
            idx = self._index
            found = self._histogram = histogram(idx.date_start, idx.date_end, self._mask)
        return found

    def ids(self) -> list[str]:
        """Every matching id, in result order (for export)."""
        order = self._prepare(self.total)
        ids = record_ids(self._records)
        return [ids[d] for d in order.tolist()]

    def _hit(self, doc: int) -> Hit:
        record = self._records[doc]
        score = float(self._score[doc]) if self._score is not None else 0.0
        highlights: dict[str, list[tuple[int, int]]] = {}
        if self.parsed.has_words:
            for name in ("title", "summary"):
                value = record.get(name)
                highlights[name] = (
                    highlight_spans(value, self.parsed, field=name)
                    if isinstance(value, str)
                    else []
                )
        else:
            highlights = {"title": [], "summary": []}
        return Hit(record, score, highlights)


# ----------------------------------------------------------------------------- evaluation


class _Evaluator:
    def __init__(
        self,
        index: TokenIndex,
        records: Sequence[dict],
        notes: list[str],
        deadline: Deadline | None = None,
        annotations: AnnotationSearch | None = None,
    ) -> None:
        self.idx = index
        self.records = records
        self.notes = notes
        self.n = index.n
        self.deadline = deadline
        self.annotations = annotations  # tag:, note:...; None: no workspace (they match nothing)

    def empty(self) -> tuple[np.ndarray, np.ndarray | None]:
        return np.zeros(self.n, bool), None

    def eval(self, node: Node) -> tuple[np.ndarray, np.ndarray | None]:
        leaf = not isinstance(node, And | Or | Not)
        if leaf and self.deadline is not None and self.deadline.expired():
            # out of time: the words not yet looked up match nothing
            return np.zeros(self.n, bool), np.zeros(self.n, np.float32)
        if isinstance(node, Term | Phrase) and node.field == "people":
            return self.person(node)
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, FacetValue):
            return facet_value_mask(self.idx, node, self.notes), None
        if isinstance(node, DateRange):
            return date_mask(self.idx, node.start, node.end), None
        if isinstance(node, IdMatch):
            return self.id_match(node), None
        if isinstance(node, AnnotationMatch):
            if self.annotations is None:
                return np.zeros(self.n, bool), None
            return self.annotations.mask(node), None
        if isinstance(node, Not):
            mask, _ = self.eval(node.child)
            return ~mask, None
        if isinstance(node, And):
            mask: np.ndarray | None = None
            score: np.ndarray | None = None
            # cheap, selective children first would matter little: each is one vector op
            for child in node.children:
                m, s = self.eval(child)
                mask = m if mask is None else (mask & m)
                if s is not None:
                    score = s if score is None else score + s
            assert mask is not None
            return mask, score
        if isinstance(node, Or):
            mask = None
            score = None
            for child in node.children:
                m, s = self.eval(child)
                mask = m if mask is None else (mask | m)
                if s is not None:
                    score = s if score is None else score + s
            assert mask is not None
            return mask, score
        return self.empty()  # pragma: no cover

    def person(self, node: Term | Phrase) -> tuple[np.ndarray, np.ndarray | None]:
        """``person:`` words: their matches, and every record of the people they name."""
        mask, score = self.term(node) if isinstance(node, Term) else self.phrase(node)
        people = person_term_mask(self.idx, node)
        return (mask if people is None else mask | people), score

    def _field_bit(self, name: str | None) -> int:
        return 0 if name is None else (1 << FIELD_BIT[name])

    def _postings(self, tids: Iterable[int], field: str | None):
        idx = self.idx
        bit = self._field_bit(field)
        docs_l, imps_l = [], []
        for tid in tids:
            docs, imps, fields = idx.postings(tid)
            if bit:
                sel = (fields & bit) != 0
                docs, imps = docs[sel], imps[sel]
            docs_l.append(docs)
            imps_l.append(imps)
        return docs_l, imps_l

    def term(self, node: Term) -> tuple[np.ndarray, np.ndarray | None]:
        mask, score = self.record_term(node)
        if node.field is None and self.annotations is not None:  # a bare word: notes too
            self.annotations.add_note_matches(node, mask, score)
        return mask, score

    def record_term(self, node: Term) -> tuple[np.ndarray, np.ndarray]:
        if node.kind == "word":
            tid = self.idx.term_id(node.text)
            tids = [] if tid < 0 else [tid]
        else:
            tids = self.expand(node)
        if not tids:
            return np.zeros(self.n, bool), np.zeros(self.n, np.float32)
        docs_l, imps_l = self._postings(tids, node.field)
        mask = np.zeros(self.n, bool)
        if len(docs_l) == 1:
            score = np.zeros(self.n, np.float32)
            mask[docs_l[0]] = True
            score[docs_l[0]] = imps_l[0]
            return mask, score
        docs = np.concatenate(docs_l)
        mask[docs] = True
        score = np.bincount(docs, weights=np.concatenate(imps_l), minlength=self.n)
        return mask, score.astype(np.float32)

    def expand(self, node: Term) -> list[int]:
        """Vocabulary rows a prefix or wildcard term stands for (the most frequent, capped).

        Remembered per index (the app searches again at every keystroke); a scan the
        deadline cut short is not.
        """
        idx = self.idx
        cache = _expansion_cache(idx)
        key = (node.kind, node.text)
        known = cache.get(key)
        if known is not None:
            tids, notes = known
        else:
            notes = []
            tids = expand_terms(
                idx.vocab,
                lambda rows: idx.df_of(idx.handles(rows)),
                node.text,
                node.kind,
                notes,
                MAX_EXPANSIONS,
                self.deadline.expired if self.deadline is not None else None,
            )
            tids = [int(t) for t in idx.handles(np.asarray(tids, np.int64))]  # the view's
            if self.deadline is None or not self.deadline.cut_short:
                cache[key] = (tids, notes)
                while len(cache) > _EXPANSIONS_KEPT:  # searches may run on two threads
                    with contextlib.suppress(KeyError, StopIteration):
                        del cache[next(iter(cache))]
        self.notes.extend(note for note in notes if note not in self.notes)
        return tids

    def phrase(self, node: Phrase) -> tuple[np.ndarray, np.ndarray | None]:
        idx = self.idx
        tids = [idx.term_id(t) for t in node.tokens]
        if any(t < 0 for t in tids):
            return np.zeros(self.n, bool), np.zeros(self.n, np.float32)
        mask = idx.phrase_mask(node.tokens, node.field)  # per segment, on its own positions
        score = np.zeros(self.n, np.float32)
        for docs, imps in zip(*self._postings(tids, node.field), strict=True):
            score[docs] += imps
        score[~mask] = 0
        return mask, score

    def id_match(self, node: IdMatch) -> np.ndarray:
        mask = np.zeros(self.n, bool)
        ids = _doc_ids(self.idx, self.records)
        if node.prefix:
            sorted_ids, docs = _sorted_ids(self.idx, self.records)
            lo = bisect_left(sorted_ids, node.value)
            hi = bisect_left(sorted_ids, node.value + _TOP, lo)
            mask[docs[lo:hi]] = True
            return mask
        doc = ids.get(node.value)
        if doc is None:
            folded = node.value.casefold()
            doc = next((d for i, d in ids.items() if i.casefold() == folded), None)
        if doc is not None:
            mask[doc] = True
        return mask


_EXPANSIONS_KEPT = 256


def _expansion_cache(index: TokenIndex) -> dict[tuple[str, str], tuple[list[int], list[str]]]:
    """Expansions already worked out on ``index``, oldest first (dicts keep order)."""
    cache = getattr(index, "_expansions", None)
    if cache is None:
        cache = index._expansions = {}  # type: ignore[attr-defined]
    return cache


def record_ids(records: Sequence[dict]) -> Sequence[str]:
    """Every record's id in doc order; lazily read records carry them (``.ids``)."""
    ids = getattr(records, "ids", None)
    return ids if ids is not None else [r["id"] for r in records]


def _doc_ids(index: TokenIndex, records: Sequence[dict]) -> dict[str, int]:
    cached = getattr(index, "_doc_ids", None)
    if cached is None:
        cached = {record_id: i for i, record_id in enumerate(record_ids(records))}
        index._doc_ids = cached  # type: ignore[attr-defined]
    return cached


def _sorted_ids(index: TokenIndex, records: Sequence[dict]) -> tuple[list[str], np.ndarray]:
    cached = getattr(index, "_sorted_ids", None)
    if cached is None:
        ids = record_ids(records)
        order = sorted(range(len(ids)), key=ids.__getitem__)
        cached = ([ids[i] for i in order], np.array(order, np.int64))
        index._sorted_ids = cached  # type: ignore[attr-defined]
    return cached


def date_mask(index: TokenIndex, start: int | None, end: int | None) -> np.ndarray:
    """Records whose covered days overlap [start, end] (None: open end)."""
    mask = np.ones(index.n, bool)
    if start is not None:
        mask &= index.date_end >= start
    if end is not None:
        mask &= index.date_start <= end
    return mask


def filter_masks(index: TokenIndex, filters: Filters, notes: list[str]) -> dict[str, np.ndarray]:
    """One mask per active filter, keyed by facet field (``"date"`` for the date range).

    Kept apart so that each facet can be counted without its own filter: choosing one
    collection must still show the other collections, which a user may add as OR.
    Bad dates are noted and skipped.
    """
    index = view_of(index)
    masks: dict[str, np.ndarray] = {}
    for name, values in filters.facets.items():
        name = QUERY_FIELD_NAMES.get(name, name)
        if name not in index.facets or not values:
            continue
        facet = index.facets[name]
        wanted = np.zeros(len(facet.values) + 1, bool)
        for value in values:
            found = value_ids(index, name, value)  # admin: and people: know more
            wanted[found] = True
            if not found:
                notes.append(no_value_note(name, value, close_values(facet.values, value)))
        m = np.zeros(index.n, bool)
        m[facet.entry_doc[wanted[facet.entry_value]]] = True
        masks[name] = m if name not in masks else (masks[name] | m)
    start, end = filter_date_range(filters, notes)
    if start is not None or end is not None:
        masks["date"] = date_mask(index, start, end)
    return masks


def filter_date_range(filters: Filters, notes: list[str]) -> tuple[int | None, int | None]:
    """The From/To filters as day numbers (From's first day, To's last); a date that does
    not parse is ignored with a note. Both engines (local and PostgreSQL) use this."""
    start = end = None
    for value, attr in ((filters.date_from, "start"), (filters.date_to, "end")):
        if not value:
            continue
        try:
            d = parse_date(value)
        except DateError as exc:
            notes.append(f"Date filter {value!r} ignored: {exc.reason}.")
            continue
        if attr == "start":
            start = d.start
        else:
            end = d.end
    return start, end


def _all_of(masks: Iterable[np.ndarray]) -> np.ndarray | None:
    combined: np.ndarray | None = None
    for m in masks:
        combined = m if combined is None else (combined & m)
    return combined


def filter_mask(index: TokenIndex, filters: Filters, notes: list[str]) -> np.ndarray | None:
    """The filters as a mask (None when there are none); bad dates are noted and skipped."""
    return _all_of(filter_masks(index, filters, notes).values())


class _FacetTable:
    """Facet entries arranged for fast counting (built once per index).

    Fields with few values (collection, type, language, decade, year) keep one bitset
    of records per value: counting is an AND and a popcount. The others keep all their
    entries in one CSR by record: counting is one bincount over the entries of the
    matching records, or of the non-matching ones subtracted from the totals.
    """

    def __init__(self, index: TokenIndex) -> None:
        n = self.n = index.n
        words = (n + 63) // 64
        self.offsets = [0]
        self.values: list[np.ndarray] = []
        bit_rows: list[np.ndarray] = []
        bit_codes: list[np.ndarray] = []
        docs, codes = [], []
        for name in FACET_FIELDS:
            facet = index.facets[name]
            base = self.offsets[-1]
            nvals = len(facet.values)
            self.offsets.append(base + nvals)
            values = np.empty(nvals, dtype=object)
            values[:] = facet.values
            self.values.append(values)
            if nvals and nvals * words <= 2 * len(facet.entry_doc):
                rows = np.zeros((nvals, words * 64), bool)
                rows[facet.entry_value, facet.entry_doc] = True
                bit_rows.append(np.packbits(rows, axis=1, bitorder="little").view(np.uint64))
                bit_codes.append(np.arange(base, base + nvals))
            else:
                docs.append(facet.entry_doc)
                codes.append(facet.entry_value.astype(np.int32) + base)
        self.size = self.offsets[-1]
        self.bits = np.concatenate(bit_rows) if bit_rows else np.zeros((0, words), np.uint64)
        self.bit_codes = np.concatenate(bit_codes) if bit_codes else np.zeros(0, np.int64)
        all_doc = np.concatenate(docs) if docs else np.zeros(0, np.int32)
        all_code = np.concatenate(codes) if codes else np.zeros(0, np.int32)
        order = np.argsort(all_doc, kind="stable")
        self.doc = all_doc[order]
        self.code = all_code[order]
        self.doc_ptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(self.doc, minlength=n), out=self.doc_ptr[1:])
        self.totals = np.bincount(self.code, minlength=self.size).astype(np.int64)
        if len(self.bit_codes):
            self.totals[self.bit_codes] = np.bitwise_count(self.bits).sum(axis=1, dtype=np.int64)
        self.all_counts: dict[str, dict[str, int]] | None = None  # the whole archive's

    def _codes_of(self, docs: np.ndarray) -> np.ndarray:
        starts = self.doc_ptr[docs]
        lens = self.doc_ptr[docs + 1] - starts
        total = int(lens.sum())
        if total == 0:
            return np.zeros(0, np.int32)
        shift = np.repeat(starts - (np.cumsum(lens) - lens), lens)
        return self.code[shift + np.arange(total)]

    def counts(self, mask: np.ndarray | None, selected: int) -> np.ndarray:
        n = self.n
        if mask is None or selected == n:
            return self.totals
        if selected == 0:
            return np.zeros(self.size, np.int64)
        if selected <= n // 4:
            out = np.bincount(self._codes_of(np.flatnonzero(mask)), minlength=self.size)
        elif n - selected <= n // 4:
            missing = np.bincount(self._codes_of(np.flatnonzero(~mask)), minlength=self.size)
            out = self.totals - missing
        else:
            out = np.bincount(self.code[mask[self.doc]], minlength=self.size)
        out = out.astype(np.int64)
        if len(self.bit_codes):
            packed = np.zeros(self.bits.shape[1] * 8, np.uint8)
            bits = np.packbits(mask, bitorder="little")
            packed[: len(bits)] = bits
            hits = np.bitwise_count(self.bits & packed.view(np.uint64))
            out[self.bit_codes] = hits.sum(axis=1, dtype=np.int64)
        return out


def _facet_table(index: TokenIndex) -> _FacetTable:
    table = getattr(index, "_facet_table", None)
    if table is None:
        table = index._facet_table = _FacetTable(index)  # type: ignore[attr-defined]
    return table


def prepare(index: TokenIndex | IndexView) -> None:
    """Build the lookup tables searches use (term dict, facet table) ahead of the first one.

    Suggestions' tables are left to the first search that finds nothing.
    """
    index = view_of(index)
    index.term_id("")
    _facet_table(index)


def facet_counts(
    index: TokenIndex, mask: np.ndarray | None, selected: int | None = None
) -> dict[str, dict[str, int]]:
    """Value counts per facet over the records in ``mask``, most frequent first."""
    index = view_of(index)
    table = _facet_table(index)
    if selected is None:
        selected = index.n if mask is None else int(np.count_nonzero(mask))
    everything = mask is None or selected == index.n
    if everything and table.all_counts is not None:
        return {name: dict(counts) for name, counts in table.all_counts.items()}
    counts = table.counts(mask, selected)
    out: dict[str, dict[str, int]] = {}
    for i, name in enumerate(FACET_FIELDS):
        lo, hi = table.offsets[i], table.offsets[i + 1]
        c = counts[lo:hi]
        nz = np.flatnonzero(c)
        order = nz[np.argsort(-c[nz], kind="stable")]
        out[name] = dict(zip(table.values[i][order].tolist(), c[order].tolist(), strict=True))
    if everything:
        table.all_counts = {name: dict(counts) for name, counts in out.items()}
    return out


# ----------------------------------------------------------------------------- suggestions


def _levenshtein(a: str, b: str, limit: int) -> int:
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        best = i
        for j, cb in enumerate(b, 1):
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            cur.append(v)
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev = cur
    return prev[-1]


def near_by_letters(word: str, lengths: np.ndarray, hist: np.ndarray) -> np.ndarray:
    """Positions, in suggestion arrays sorted by length (``lengths``, letter counts
    ``hist``), of the words that may be within edit distance 2 of ``word``: their bag
    distance (a lower bound of the edit distance, from the L1 distance of letter counts:
    (L1 + |length difference|) / 2) is at most 2. Both engines' suggestions use it."""
    h = np.zeros(27, np.int8)
    for c in word:
        h[ord(c) - 97 if "a" <= c <= "z" else 26] += 1  # at most 40: no overflow
    lo, hi = np.searchsorted(lengths, [len(word) - 2, len(word) + 3])
    l1 = np.abs(hist[lo:hi] - h).sum(axis=1, dtype=np.int32)
    bag = (l1 + np.abs(lengths[lo:hi] - len(word))) // 2
    return np.flatnonzero(bag <= 2) + lo


def suggest(index: TokenIndex, words: Sequence[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Known words within edit distance 2 of unknown query words, most frequent first."""
    index = view_of(index)
    unknown = [w for w in dict.fromkeys(words) if w.isalpha() and index.term_id(w) < 0]
    if not unknown or not index.vocab:
        return []
    tids, lengths, hist = index.suggestion_arrays()
    df = index.df
    found: dict[str, int] = {}
    for word in unknown[:4]:
        if not 3 <= len(word) <= 40:
            continue
        for tid in tids[near_by_letters(word, lengths, hist)].tolist():
            term = index.vocab[tid]
            if _levenshtein(word, term, 2) <= 2:
                found[term] = max(found.get(term, 0), int(df[tid]))
    ranked = sorted(found, key=lambda t: (-found[t], t))
    return ranked[:limit]


# ----------------------------------------------------------------------------- entry points


def prepare_search(
    query: str | ParsedQuery, filters: Filters | Mapping[str, Any] | None, sort: str | None
) -> tuple[ParsedQuery, Filters, str]:
    """The query parsed (its own notes list), the filters and the sort as both engines
    (local and PostgreSQL) run them: an unknown sort is said and replaced; relevance
    only when the query has words."""
    parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
    parsed = ParsedQuery(parsed.text, parsed.root, list(parsed.notes))
    if not isinstance(filters, Filters):
        filters = Filters.from_mapping(filters)
    if sort not in SORTS:
        if sort is not None:
            parsed.notes.append(f"Unknown sort {sort!r}: sorted by relevance or date.")
        sort = "relevance" if parsed.has_words else "date"
    if sort == "relevance" and not parsed.has_words:
        sort = "date"
    return parsed, filters, sort


def execute(
    index: TokenIndex | IndexView,
    records: Sequence[dict],
    query: str | ParsedQuery = "",
    filters: Filters | Mapping[str, Any] | None = None,
    sort: str | None = None,
    offset: int = 0,
    limit: int = 20,
    *,
    should_stop: Callable[[], bool] | None = None,
    budget_s: float | None = SEARCH_BUDGET_S,
    annotations: AnnotationIndex | None = None,
) -> SearchResult:
    """Run a search over ``records`` (doc order of ``index``); never raises for bad queries.

    ``annotations`` (the user's tags, notes and lists) make ``tag:``, ``list:``, ``note:``,
    ``has:`` and the ``tags`` / ``lists`` filters work, bare words find notes, and add the
    ``tags`` and ``lists`` facets (see annotation_search.py); without them those match
    nothing, with a note.

    The search stops early when ``budget_s`` seconds pass or ``should_stop()`` turns
    true (the app's "a newer keystroke arrived"): it returns what it found, with a
    note in ``result.parsed.notes`` and ``result.cut_short`` set.
    """
    t0 = time.perf_counter()
    index = view_of(index)
    deadline = Deadline(budget_s, should_stop)
    parsed, filters, sort = prepare_search(query, filters, sort)
    n = index.n
    annot = (
        AnnotationSearch(index, _doc_ids(index, records), annotations)
        if annotations is not None
        else None
    )
    if annot is None and (
        uses_annotations(parsed.root) or any(filters.facets.get(f) for f in ANNOTATION_FACETS)
    ):
        parsed.notes.append("Your tags, notes and lists are not available here: none matched.")
    if parsed.root is None:
        mask, score = np.ones(n, bool), None
    else:
        mask, score = _Evaluator(index, records, parsed.notes, deadline, annot).eval(parsed.root)
    qmask = mask
    fmasks = filter_masks(index, filters, parsed.notes)
    fmasks.update(_annotation_filter_masks(annot, filters, n, parsed.notes))
    fmask = _all_of(fmasks.values())
    if fmask is not None:
        mask = mask & fmask
    result = SearchResult(
        query=parsed.text,
        parsed=parsed,
        filters=filters,
        sort=sort,
        offset=max(0, int(offset)),
        limit=max(0, int(limit)),
        index=index,
        records=records,
        mask=mask,
        score=score,
    )
    everything = parsed.root is None and fmask is None
    result.facets = facet_counts(index, None if everything else mask, result.total)
    for name in fmasks.keys() & set(FACET_FIELDS):
        # a field's own filter does not narrow its counts (values of one field are ORed)
        others = _all_of(m for k, m in fmasks.items() if k != name)
        if parsed.root is None and others is None:
            result.facets[name] = facet_counts(index, None)[name]
        else:
            base = qmask if others is None else qmask & others
            result.facets[name] = facet_counts(index, base)[name]
    if annot is not None:
        _annotation_facets(result, annot, qmask, fmasks, None if everything else mask)
    result.hits = result.page(result.offset, result.limit)
    if result.total == 0 and parsed.root is not None and not deadline.expired():
        words = [
            n.text for n in positive_nodes(parsed.root) if isinstance(n, Term) and n.kind == "word"
        ]
        for node in positive_nodes(parsed.root):
            if isinstance(node, Phrase):
                words.extend(node.tokens)
        result.suggestions = suggest(index, words)
    _note_cut_short(result, deadline)
    result.elapsed_ms = (time.perf_counter() - t0) * 1000
    return result


def _annotation_filter_masks(
    annot: AnnotationSearch | None, filters: Filters, n: int, notes: list[str]
) -> dict[str, np.ndarray]:
    """Masks of the ``tags`` / ``lists`` filters (without annotations: nothing matches)."""
    if annot is not None:
        return annot.filter_masks(filters.facets, notes)
    return {f: np.zeros(n, bool) for f in ANNOTATION_FACETS if filters.facets.get(f)}


def _annotation_facets(
    result: SearchResult,
    annot: AnnotationSearch,
    qmask: np.ndarray,
    fmasks: Mapping[str, np.ndarray],
    mask: np.ndarray | None,
) -> None:
    """``tags`` and ``lists`` counts under the query and the filters; like every facet, a
    field's own filter does not narrow its counts."""
    result.facets.update(annot.facet_counts(mask))
    for name in fmasks.keys() & set(ANNOTATION_FACETS):
        others = _all_of(m for k, m in fmasks.items() if k != name)
        base = qmask if others is None else qmask & others
        result.facets[name] = annot.facet_counts(base)[name]


def _note_cut_short(result: SearchResult, deadline: Deadline) -> None:
    """Say in the notes (shown on the status line) when the search did not finish."""
    result.cut_short = deadline.cut_short
    if deadline.cut_short:
        result.parsed.notes.append(deadline.note())


_W = r"[^\W_]"
# possessive: the rest of the word in letter runs, never given back (no per-letter state,
# so a giant word costs one pass)
_STAR = r"(?:[^\W_]++|'(?=[^\W_]))*+"


def _word_rx(word: str) -> str:
    """A folded word as it may appear in folded text: apostrophes allowed between letters."""
    return "'?".join(re.escape(c) for c in word)


def _highlight_rx(parsed: ParsedQuery, field: str | None) -> re.Pattern[str] | None:
    """One compiled pattern for the query's positive words (cached on ``parsed``)."""
    cache = parsed.__dict__.setdefault("_highlight_rx", {})
    if field in cache:
        return cache[field]
    alternatives: list[str] = []
    for node in positive_nodes(parsed.root):
        if not isinstance(node, Term | Phrase):
            continue
        if node.field is not None and field is not None and node.field != field:
            continue
        if isinstance(node, Phrase):
            alternatives.append(r"[\W_]+".join(_word_rx(t) for t in node.tokens))
        elif node.kind == "word":
            alternatives.append(_word_rx(node.text))
        elif node.kind == "prefix":
            alternatives.append(_word_rx(node.text) + _STAR)
        # wildcard terms: matched word by word (_highlight_globs)
    rx = None
    if alternatives:
        alternatives.sort(key=len, reverse=True)
        rx = re.compile(rf"(?<!{_W})(?:{'|'.join(alternatives)})(?!{_W})")
    cache[field] = rx
    return rx


def highlight_spans(
    text: str, parsed: ParsedQuery, field: str | None = None
) -> list[tuple[int, int]]:
    """``(start, end)`` spans of ``text`` matching the query's positive words and phrases.

    ``field`` (``"title"``, ``"summary"``, ``"text"``...) skips terms scoped to other
    fields; None highlights every positive term.
    """
    if not text or parsed.root is None:
        return []
    rx = _highlight_rx(parsed, field)
    globs = _highlight_globs(parsed, field)
    if rx is None and not globs:
        return []

    def find(folded: str) -> list[tuple[int, int]]:
        found = [m.span() for m in rx.finditer(folded)] if rx is not None else []
        if globs:
            found = sorted(found + glob_word_spans(folded, globs))
        return found

    folded = fold_aligned(text)
    spans = find(folded) if folded is not None else _slow_spans(text, find)
    if not spans:
        return []
    merged = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged


def _highlight_globs(parsed: ParsedQuery, field: str | None) -> tuple[str, ...]:
    """The query's positive wildcard patterns for ``field`` (cached on ``parsed``).

    They are matched word by word with the linear matcher of wildcard.py, not as part
    of one regular expression, where ``*`` would keep state for every letter.
    """
    cache = parsed.__dict__.setdefault("_highlight_globs", {})
    if field not in cache:
        cache[field] = tuple(
            dict.fromkeys(
                collapse(node.text)
                for node in positive_nodes(parsed.root)
                if isinstance(node, Term)
                and node.kind == "wildcard"
                and (node.field is None or field is None or node.field == field)
            )
        )
    return cache[field]


def _slow_spans(text: str, find: Callable[[str], list[tuple[int, int]]]) -> list[tuple[int, int]]:
    """Spans when folding changes lengths: fold word by word and map offsets back."""
    tokens = list(iter_token_spans(text))
    if not tokens:
        return []
    # Rebuild a folded text with one space between words, remembering where each began.
    pieces: list[str] = []
    starts: list[int] = []
    pos = 0
    for token, parts, _start, _end in tokens:
        shown = "'".join(parts) if parts else token
        starts.append(pos)
        pieces.append(shown)
        pos += len(shown) + 1
    folded = " ".join(pieces)
    spans = []
    for m_start, m_end in find(folded):
        first = bisect_left(starts, m_start + 1) - 1
        last = bisect_left(starts, m_end) - 1
        spans.append((tokens[first][2], tokens[last][3]))
    return spans


__all__ = [
    "FACET_FIELDS",
    "QUERY_FIELD_NAMES",
    "RECORD_FACETS",
    "SORTS",
    "Filters",
    "Hit",
    "SearchResult",
    "execute",
    "highlight_spans",
]
