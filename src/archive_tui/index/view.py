"""IndexView: the segments of every store as one index, with statistics combined exactly.

The archive's records are numbered in one global doc order (the shipped store's records
in file order, minus those a user record overrides, then the user store's in file order);
each segment maps its local docs to that order (``glob``; -1 for a record deleted,
replaced by a newer segment, or overridden). Searches see a single index:

* postings of a term are gathered from every segment and mapped to global docs;
* scores are made at query time from each posting's weighted term frequency and the
  *archive's* statistics (live record count, document frequency, total weighted
  length, all exact integers or halves), so they are bit for bit those of a fresh
  build over the same records, however the records were split into segments;
* facets, date and title orders are combined once per view (cheap: per record, not
  per posting); a view over one whole segment uses that segment's arrays as they are.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, insort
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..facets import FACET_FIELDS, Facet
from ..people_facet import with_canonical_people
from . import FIELD_BIT, NF, TokenIndex, _idf, _impact_values, _norm
from .segment import DamagedSegment


@dataclass
class Part:
    """One segment in a view: its global doc numbers (-1: not live)."""

    seg: TokenIndex
    glob: np.ndarray  # int64, one per local doc
    offset: int  # when ``identity``: global doc = local doc + offset
    identity: bool  # every doc live, in order: glob == arange(n) + offset

    @classmethod
    def whole(cls, seg: TokenIndex, offset: int = 0) -> Part:
        return cls(seg, np.arange(offset, offset + seg.n, dtype=np.int64), offset, True)

    def doc_len(self) -> np.ndarray:
        dl = getattr(self.seg, "doc_len", None)
        if dl is None:
            dl = self.seg._doc_len
        if dl is None:
            raise ValueError("a segment without weighted lengths")
        return np.asarray(dl)


def _union_sorted(lists: Sequence[Sequence[str]]) -> tuple[list[str], list[np.ndarray]]:
    """The sorted union of sorted, distinct lists and where each list's values went.

    Made around the longest list (a shipped archive's facet next to an import's): only
    the others' values are looked up in it, by bisection.
    """
    if not lists:
        return [], []
    big = max(range(len(lists)), key=lambda i: len(lists[i]))
    base = lists[big]
    extra: set[str] = set()
    for i, values in enumerate(lists):
        if i != big:
            for v in values:
                j = bisect_left(base, v)
                if j == len(base) or base[j] != v:
                    extra.add(v)
    positions = np.arange(len(base), dtype=np.int64)
    if extra:
        added = sorted(extra)
        at = np.array([bisect_left(base, v) for v in added], np.int64)
        positions += np.searchsorted(at, positions, side="right")  # extras placed before
        merged = sorted([*base, *added])  # two sorted runs: one merge
    else:
        merged = list(base)
    maps = []
    for i, values in enumerate(lists):
        if i == big:
            maps.append(positions.astype(np.int32))
        else:
            maps.append(np.array([bisect_left(merged, v) for v in values], np.int32))
    return merged, maps


def _check_rows(docs: np.ndarray, n: int) -> None:
    """A postings row read from a mapped file must be in range."""
    if len(docs) and (int(docs.min()) < 0 or int(docs.max()) >= n):
        raise DamagedSegment("postings out of range")


class IndexView:
    """Search-side view of several segments; the interface :mod:`..search` uses."""

    def __init__(self, parts: Sequence[Part], n: int) -> None:
        self.parts = list(parts)
        self.n = n
        self.single = len(self.parts) == 1 and self.parts[0].identity and self.parts[0].offset == 0
        dl = np.zeros(n, np.float64)
        for p in self.parts:
            live = p.glob >= 0
            dl[p.glob[live]] = p.doc_len()[live]
        self.norm = _norm(dl, n)  # the same formula as a build over these records
        self._date_arrays()
        self._facets: dict[str, Facet] | None = None
        self._vocab: list[str] | None = None
        self._term_id: dict[str, int] = {}
        self._terms: list[str] = []  # term handles (several segments): see term_id
        self._lock = threading.Lock()
        self._df: np.ndarray | None = None
        self._title_order: np.ndarray | None = None
        self._value_ids: dict[str, dict[str, int]] = {}
        self._folded_values: dict[str, dict[str, int]] = {}
        self._value_docs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._suggest: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ per record

    def _date_arrays(self) -> None:
        n = self.n
        self.date_order_merged = False  # see _appended_date_order
        if self.single:
            seg = self.parts[0].seg
            self.date_start, self.date_end = np.asarray(seg.date_start), np.asarray(seg.date_end)
            self.date_order = np.asarray(seg.date_order)
            self.date_rank = np.asarray(seg.date_rank)
            return
        self.date_start = np.zeros(n, np.int32)
        self.date_end = np.zeros(n, np.int32)
        key = np.zeros(n, np.int64)
        for p in self.parts:
            live = p.glob >= 0
            g = p.glob[live]
            self.date_start[g] = np.asarray(p.seg.date_start)[live]
            self.date_end[g] = np.asarray(p.seg.date_end)[live]
            key[g] = np.asarray(p.seg.date_key)[live]
        merged = self._appended_date_order(key)
        self.date_order_merged = merged is not None
        if merged is None:
            merged = np.argsort(key, kind="stable").astype(np.int32)
        self.date_order = merged
        self.date_rank = np.empty(n, np.int32)
        self.date_rank[self.date_order] = np.arange(n, dtype=np.int32)

    def _appended_date_order(self, key: np.ndarray) -> np.ndarray | None:
        """The stable order by ``key`` when the first segment holds docs 0..n0-1 whole and
        the others only later docs (the shipped archive, then imports): the first's own
        date order with the few later docs inserted, not a sort of every record. None when
        the parts are not laid out so."""
        first = self.parts[0] if self.parts else None
        if first is None or not first.identity or first.offset != 0:
            return None
        n0 = first.seg.n
        if any(
            len(p.glob) and int(p.glob.max()) >= 0 and int(p.glob[p.glob >= 0].min()) < n0
            for p in self.parts[1:]
        ):
            return None
        base = np.asarray(first.seg.date_order, np.int32)
        rest = (np.argsort(key[n0:], kind="stable") + n0).astype(np.int32)
        # equal keys: earlier docs first, as a stable sort of all of them would put them
        at = np.searchsorted(key[base], key[rest], side="right")
        return np.insert(base, at, rest)

    @property
    def title_order(self) -> np.ndarray:
        """Records by folded title, then date (combined on first use: a title sort)."""
        if self._title_order is None:
            if self.single:
                self._title_order = np.asarray(self.parts[0].seg.title_order)
            else:
                titles: list[str] = [""] * self.n
                for p in self.parts:
                    local = _titles_of(p.seg)
                    for doc, g in zip(
                        np.flatnonzero(p.glob >= 0).tolist(),
                        p.glob[p.glob >= 0].tolist(),
                        strict=True,
                    ):
                        titles[g] = local[doc]
                order = sorted(self.date_order.tolist(), key=titles.__getitem__)
                self._title_order = np.array(order, np.int32)
        return self._title_order

    @property
    def facets(self) -> dict[str, Facet]:
        if self._facets is None:
            facets = dict(self.parts[0].seg.facets) if self.single else self._merge_facets()
            self._facets = with_canonical_people(self, facets)  # one People value a person
        return self._facets

    def _merge_facets(self) -> dict[str, Facet]:
        out: dict[str, Facet] = {}
        for name in FACET_FIELDS:
            facets = [p.seg.facets[name] for p in self.parts]
            values, vmaps = _union_sorted([f.values for f in facets])
            docs_l, vals_l = [], []
            for p, f, vmap in zip(self.parts, facets, vmaps, strict=True):
                if not len(f.entry_doc):
                    continue
                g = p.glob[np.asarray(f.entry_doc)]
                live = g >= 0
                docs_l.append(g[live])
                vals_l.append(vmap[np.asarray(f.entry_value)[live]])
            docs = np.concatenate(docs_l) if docs_l else np.zeros(0, np.int64)
            vals = np.concatenate(vals_l) if vals_l else np.zeros(0, np.int32)
            if len(docs) > 1 and not bool(np.all(docs[1:] >= docs[:-1])):
                order = np.argsort(docs, kind="stable")  # a record's values keep their order
                docs, vals = docs[order], vals[order]
            used = np.bincount(vals, minlength=len(values)) > 0
            if not used.all():  # values only deleted or overridden records had
                renum = np.cumsum(used) - 1
                values = [v for v, u in zip(values, used.tolist(), strict=True) if u]
                vals = renum[vals]
            out[name] = Facet(values, docs.astype(np.int32), vals.astype(np.int32))
        return out

    # ------------------------------------------------------------------ vocabulary

    @property
    def vocab(self) -> list[str]:
        """Every term of every segment, sorted (merged on first use)."""
        if self._vocab is None:
            vocabs = sorted((p.seg.vocab for p in self.parts), key=len, reverse=True)
            if not vocabs:
                self._vocab = []
            elif all(len(v) * 50 <= len(vocabs[0]) for v in vocabs[1:]):
                merged = list(vocabs[0])  # a big segment and small ones: insert their words
                known = dict.fromkeys(vocabs[0], 0)
                for v in vocabs[1:]:
                    for term in v:
                        if term not in known:
                            insort(merged, term)
                            known[term] = -1
                self._vocab = merged
            else:
                self._vocab = sorted(set().union(*vocabs))
        return self._vocab

    def term_id(self, term: str) -> int:
        """A handle for ``term`` (-1 when no segment has it): its row in a single segment's
        vocabulary, else its place among the terms this view was asked about (no merged
        vocabulary is needed for that)."""
        if self.single:
            return self.parts[0].seg.term_id(term)
        found = self._term_id.get(term)
        if found is None:
            if not any(p.seg.term_id(term) >= 0 for p in self.parts):
                return -1
            with self._lock:  # the app may search on two threads
                found = self._term_id.get(term)
                if found is None:
                    self._terms.append(term)
                    found = self._term_id[term] = len(self._terms) - 1
        return found

    def handles(self, rows: np.ndarray) -> np.ndarray:
        """Term handles (see :meth:`term_id`) of rows of :attr:`vocab`."""
        if self.single:
            return np.asarray(rows, np.int64)
        vocab = self.vocab
        return np.array([self.term_id(vocab[r]) for r in np.asarray(rows).tolist()], np.int64)

    def _rows(self, tid: int):
        """(part, docs, wtf, fields) of term handle ``tid`` in each segment holding it."""
        term = self._terms[tid] if not self.single else None
        for p in self.parts:
            seg = p.seg
            lt = tid if term is None else seg.term_id(term)
            if lt < 0:
                continue
            docs, wtf, fields = seg.row(lt)
            if not len(docs):
                continue
            _check_rows(docs, seg.n)
            yield p, docs, np.asarray(wtf), np.asarray(fields)

    def postings(self, tid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(global docs, BM25F impacts, field bits) of a term over the live records."""
        docs_l, wtf_l, fields_l = [], [], []
        for p, docs, wtf, fields in self._rows(tid):
            if p.identity:
                g = docs.astype(np.int64) + p.offset
            else:
                g = p.glob[docs]
                live = g >= 0
                g, wtf, fields = g[live], wtf[live], fields[live]
            docs_l.append(g)
            wtf_l.append(wtf)
            fields_l.append(fields)
        if not docs_l:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.uint16)
        docs = docs_l[0] if len(docs_l) == 1 else np.concatenate(docs_l)
        wtf = np.concatenate(wtf_l).astype(np.float32)  # a copy: _impact_values works in place
        fields = fields_l[0] if len(fields_l) == 1 else np.concatenate(fields_l)
        df = np.array([len(docs)], np.int64)
        imps = np.repeat(_idf(df, self.n), len(docs))
        return docs, _impact_values(imps, wtf, self.norm[docs]), fields

    def df_of(self, tids: np.ndarray) -> np.ndarray:
        """Live document frequency of each term handle in ``tids``."""
        if self.single:
            ptr = self.parts[0].seg.term_ptr
            return np.asarray(ptr[tids + 1]) - np.asarray(ptr[tids])
        out = np.zeros(len(tids), np.int64)
        for i, tid in enumerate(np.asarray(tids).tolist()):
            for p, docs, _, _ in self._rows(tid):
                out[i] += len(docs) if p.identity else int(np.count_nonzero(p.glob[docs] >= 0))
        return out

    @property
    def df(self) -> np.ndarray:
        """Live document frequency of every row of :attr:`vocab` (suggestions; on first use)."""
        if self._df is None:
            if self.single:
                self._df = np.diff(np.asarray(self.parts[0].seg.term_ptr))
            else:
                index = {t: i for i, t in enumerate(self.vocab)}
                df = np.zeros(len(self.vocab), np.int64)
                for p in self.parts:
                    seg = p.seg
                    ptr = np.asarray(seg.term_ptr)
                    if p.identity:
                        local = np.diff(ptr)
                    else:
                        rows = np.repeat(np.arange(len(seg.vocab)), np.diff(ptr))
                        live = p.glob[seg.all_post_docs()] >= 0
                        local = np.bincount(rows[live], minlength=len(seg.vocab))
                    gmap = np.fromiter((index[t] for t in seg.vocab), np.int64, len(seg.vocab))
                    np.add.at(df, gmap, local)
                self._df = df
        return self._df

    # ------------------------------------------------------------------ phrases

    def phrase_mask(self, tokens: Sequence[str], field: str | None) -> np.ndarray:
        """Records holding ``tokens`` in a row (within ``field`` if given)."""
        mask = np.zeros(self.n, bool)
        for p in self.parts:
            docs = phrase_docs(p.seg, tokens, field)
            if len(docs):
                g = p.glob[docs]
                mask[g[g >= 0]] = True
        return mask

    # ------------------------------------------------------------------ facet lookups

    value_id = TokenIndex.value_id
    value_docs = TokenIndex.value_docs
    suggestion_arrays = TokenIndex.suggestion_arrays


def _titles_of(seg: TokenIndex) -> Sequence[str]:
    titles = getattr(seg, "doc_titles", None)
    return titles if titles is not None else seg.titles


def phrase_docs(idx: TokenIndex, tokens: Sequence[str], field: str | None) -> np.ndarray:
    """Local docs of one segment holding ``tokens`` in a row (a doc may repeat)."""
    tids = [idx.term_id(t) for t in tokens]
    if not tids or any(t < 0 for t in tids):
        return np.zeros(0, np.int64)
    plists = [np.asarray(idx.term_positions(t)) for t in tids]
    # start from the rarest word and check the others rarest first, so the long
    # lists of words like "of" are only probed for the few surviving candidates
    by_size = sorted(range(len(tids)), key=lambda i: len(plists[i]))
    rare = by_size[0]
    starts = plists[rare].astype(np.int64) - rare
    # a segment opened from disk has no token stream until something derives it (all
    # its positions at once): probe the other words' sorted positions instead
    stream = idx._stream
    if stream is None and sum(len(plists[i]) for i in by_size[1:]) > _DERIVE_STREAM_AT:
        stream = idx.stream  # words as common as "of": probing the stream is cheaper
    starts = starts[(starts >= 0) & (starts + len(tids) <= idx._stream_len())]
    for i in by_size[1:]:
        if len(starts) == 0:
            break
        want = starts + i
        ok = stream[want] == tids[i] if stream is not None else _holds(plists[i], want)
        parts = np.asarray(idx.part_positions[idx.part_ptr[tids[i]] : idx.part_ptr[tids[i] + 1]])
        if len(parts):  # the word also occurs inside apostrophe words ("gaulle's")
            ok |= _holds(parts, want)
        starts = starts[ok]
    if not len(starts):
        return np.zeros(0, np.int64)
    if field is not None:
        seg = idx.segment_of(starts)
        seg = seg[seg % NF == FIELD_BIT[field]]
        return (seg // NF).astype(np.int64)
    return idx.doc_of(starts).astype(np.int64)


_DERIVE_STREAM_AT = 1 << 20  # positions to probe in one phrase query


def _holds(sorted_positions: np.ndarray, want: np.ndarray) -> np.ndarray:
    """Which of ``want`` are in ``sorted_positions``."""
    if not len(sorted_positions):
        return np.zeros(len(want), bool)
    at = np.searchsorted(sorted_positions, want)
    at[at >= len(sorted_positions)] = len(sorted_positions) - 1
    return sorted_positions[at] == want


def view_of(index: TokenIndex | IndexView) -> IndexView:
    """``index`` as a view (a freshly built TokenIndex is one whole segment)."""
    if isinstance(index, IndexView):
        return index
    view = getattr(index, "_view", None)
    if view is None:
        view = IndexView([Part.whole(index)], index.n)
        index._view = view  # type: ignore[attr-defined]
    return view


__all__ = ["IndexView", "Part", "phrase_docs", "view_of"]
