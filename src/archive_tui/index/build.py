"""Building a TokenIndex from records: tokenize in chunks, then arrays in one pass.

The pure-Python build (:class:`_Builder` without ``native``) is the reference; the
compiled module (``_index_native.c``) must give the same arrays, with half the CPU.
A native build asked for without the compiled module installed is built in Python and
the fallback is counted (:func:`build_stats`) and logged: never silent.

(A forked worker tokenizing half the chunks was removed with the segments: at 100k
records on the shared 2-CPU machine it saved no wall time and cost CPU, and a large
store is now indexed once per content, not at every change.)
"""

from __future__ import annotations

import array
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..facets import build_record_meta
from ..text import canonical, fold_bytes, token_parts
from . import (
    _GAP,
    _LIST,
    FIELD_WEIGHTS,
    NF,
    TEXT_FIELDS,
    _idf,
    _impact_values,
    _index_native,
    _norm,
    distinct,
)

if TYPE_CHECKING:
    from . import TokenIndex

_log = logging.getLogger("archive_tui.index")
_BUILD_STATS = {
    "fallbacks": 0,
    "native_builds": 0,
    "pure_builds": 0,
    "parallel_tokenize": 0,  # native tokenizing split over two threads
    "meta_beside": 0,  # facets made on a thread while the compiled code ran
}


def build_stats() -> dict[str, int]:
    """Which build paths ran in this process (tests assert on them; `stats` shows them).

    ``fallbacks`` counts native builds done in Python because the compiled module is
    missing (also logged as a warning).
    """
    return dict(_BUILD_STATS)


def _fell_back(why: str) -> None:
    _BUILD_STATS["fallbacks"] += 1
    _log.warning("index build: %s; built in pure Python instead", why)


_CHUNK_RECORDS = 4096


class _Vocab(dict):
    """bytes token -> provisional id, assigning the next id on first sight."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[bytes] = []

    def __missing__(self, key: bytes) -> int:
        value = self[key] = len(self.order)
        self.order.append(key)
        return value


def _chunk_tokens(
    records: Sequence[dict], get: Callable[[bytes], int]
) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of a chunk (``-1`` for gaps) and where each (record, field) segment starts.

    This loop is most of the cold-open time: one C-level ``map`` of the vocabulary
    dict over each field's ``bytes.split()``. (A numpy version that reads words as
    integers and looks up only distinct ones was tried: no faster, and more code.)
    """
    stream = array.array("i")
    extend, append = stream.extend, stream.append
    seg_local = array.array("q")
    seg_append = seg_local.append
    for record in records:
        for name in TEXT_FIELDS:
            seg_append(len(stream))
            value = record.get(name)
            if value:
                if isinstance(value, str):
                    extend(map(get, fold_bytes(value).split()))
                elif name in _LIST and isinstance(value, list):
                    for item in value:
                        if isinstance(item, str):
                            extend(map(get, fold_bytes(item).split()))
                            append(_GAP)
            append(_GAP)
    ids = np.frombuffer(stream, np.int32) if len(stream) else np.zeros(0, np.int32)
    return ids, np.frombuffer(seg_local, np.int64)


def _cpus() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Builder:
    """Builds the index a chunk of records at a time, so temporary arrays stay small.

    Pure Python: each chunk is tokenized, then sorted by (term, position) with one
    int64 sort and grouped into postings; ``finish`` numbers the vocabulary in sorted
    order and scatters every chunk's blocks into the final CSR arrays. Native (the
    compiled module): all records are tokenized in one C call (the GIL released, two
    threads where there are two CPUs) and only their word ids kept; ``finish`` sorts the
    vocabulary and builds every array in two counting passes over the stream. Meanwhile
    :func:`build_into` makes the facets and orders (Python) on a thread of their own.
    Both give the same arrays (tests/test_index_native.py).
    """

    def __init__(self, n: int, *, native: bool = False) -> None:
        self.n = n
        self.native = native and _index_native is not None
        # the native Vocab numbers words the same way, in C (see _index_native.c)
        self.vocab = _index_native.Vocab() if self.native else _Vocab()
        self.raw_chunks: list[np.ndarray] = []  # native: each chunk's word ids, kept whole
        self.canon: list[int] = []  # provisional id -> canonical id (-1: no token)
        self.parts: dict[int, list[int]] = {}  # apostrophe word -> its parts' ids
        self.extras: list[np.ndarray] = []  # (part id, global position) occurrences
        self.seg_start = array.array("q")
        self.pos_base = 0
        self.chunks: list[dict[str, np.ndarray]] = []
        self.weights = np.array([FIELD_WEIGHTS[f] for f in TEXT_FIELDS], np.float32)
        self.docs_done = 0
        self.dl: list[np.ndarray] = []  # per chunk: each record's weighted length

    def _resolve_new_terms(self) -> None:
        """Canonical ids and parts for vocabulary entries added since the last chunk."""
        order, get = self.vocab.order, self.vocab.__getitem__
        start = len(self.canon)
        self.canon.extend(range(start, len(order)))
        i = start
        while i < len(order):  # resolving may add entries (joined forms, parts)
            raw = order[i]
            if b"'" in raw:
                joined = canonical(raw)
                self.canon[i] = get(joined) if joined else _GAP
                parts = token_parts(raw)
                if parts:
                    self.parts[i] = [get(p) for p in parts]
                if len(self.canon) < len(order):
                    self.canon.extend(range(len(self.canon), len(order)))
            i += 1

    def _tokens(self, records: Sequence[dict], lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        if self.native:  # no slice: it would write every record's reference count
            threads = 2 if _cpus() >= 2 else 1
            ids, seg = self.vocab.tokenize(records, lo, hi, TEXT_FIELDS, _LIST, fold_bytes, threads)
            if self.vocab.threads_used > 1:
                _BUILD_STATS["parallel_tokenize"] += 1
            return np.frombuffer(ids, np.int32), np.frombuffer(seg, np.int64)
        return _chunk_tokens(records[lo:hi], self.vocab.__getitem__)

    def _part_table(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """CSR of apostrophe words' parts over raw ids 0..size-1, plus an empty row at the
        end that raw id -1 (a gap) reads."""
        counts = np.zeros(size + 1, np.int64)
        owners = np.fromiter(self.parts, np.int64, len(self.parts))
        counts[owners + 1] = [len(self.parts[o]) for o in owners.tolist()]
        ptr = np.cumsum(counts)
        flat = np.zeros(int(ptr[-1]), np.int64)
        for o in owners.tolist():
            flat[ptr[o] : ptr[o + 1]] = self.parts[o]
        # raw id -1 (a gap) reads ptr[-1] and ptr[0]: make that an empty range
        ptr = np.append(ptr, ptr[-1])
        return ptr, flat

    def add_all(self, records: Sequence[dict]) -> None:
        """Index every record: the native build reads them in one call (the GIL released,
        on two threads), the pure one a chunk at a time (temporary arrays stay small)."""
        n = len(records)
        step = n if self.native else _CHUNK_RECORDS
        for lo in range(0, n, max(step, 1)):
            self.add_chunk(records, lo, min(lo + step, n))

    def add_chunk(self, records: Sequence[dict], lo: int, hi: int) -> None:
        """Index records[lo:hi], the next chunk."""
        raw_ids, seg_bounds = self._tokens(records, lo, hi)
        if self.native:
            self._keep(raw_ids, seg_bounds, hi - lo)
        else:
            self._add(raw_ids, seg_bounds, hi - lo)

    def _keep(self, raw_ids: np.ndarray, seg_bounds: np.ndarray, nrec: int) -> None:
        """Native build: keep a chunk's word ids; :meth:`_finish_native` indexes them all."""
        self._resolve_new_terms()
        self.seg_start.extend((seg_bounds + self.pos_base).tolist())
        self.raw_chunks.append(raw_ids)
        self.pos_base += len(raw_ids)
        self.docs_done += nrec

    def _add(self, raw_ids: np.ndarray, seg_bounds: np.ndarray, nrec: int) -> None:
        """Postings and positions of one chunk of raw token ids (-1 for gaps)."""
        doc_base = self.docs_done
        self.docs_done += nrec
        self._resolve_new_terms()
        total = len(raw_ids)
        nseg = len(seg_bounds)
        self.seg_start.extend((seg_bounds + self.pos_base).tolist())
        if not total:
            self.dl.append(np.zeros(nrec))
            return
        canon = np.array([*self.canon, _GAP], np.int32)
        ids = canon[raw_ids]
        # (term << 32 | position); gaps (-1) sort first and are cut off after the sort
        keys = (ids.astype(np.int64) << 32) | np.arange(total, dtype=np.int64)
        ngaps = int(np.count_nonzero(ids < 0))
        if self.parts:
            ptr, flat = self._part_table(len(canon))
            occ = np.flatnonzero(ptr[raw_ids + 1] > ptr[raw_ids])
            if len(occ):
                owners = raw_ids[occ]
                reps = ptr[owners + 1] - ptr[owners]
                ex_pos = np.repeat(occ, reps)
                offset = np.arange(len(ex_pos)) - np.repeat(np.cumsum(reps) - reps, reps)
                ex_term = flat[np.repeat(ptr[owners], reps) + offset]
                keys = np.concatenate([keys, (ex_term << 32) | ex_pos])
                self.extras.append(np.stack([ex_term, ex_pos + self.pos_base], axis=1))
        keys.sort()
        keys = keys[ngaps:]
        term = (keys >> 32).astype(np.int32)
        local_pos = (keys & 0xFFFFFFFF).astype(np.int32)
        del keys
        seg_len = np.diff(np.append(seg_bounds, total))
        seg_of_tok = np.repeat(np.arange(nseg, dtype=np.int32), seg_len)
        seg = seg_of_tok[local_pos]
        del seg_of_tok
        doc = seg // NF
        field = (seg - doc * NF).astype(np.uint16)
        del seg
        occ_w = self.weights[field]
        new_group = np.empty(len(term), bool)
        new_group[0] = True
        np.not_equal(term[1:], term[:-1], out=new_group[1:])
        new_group[1:] |= doc[1:] != doc[:-1]
        starts = np.flatnonzero(new_group)
        del new_group
        wtf = np.add.reduceat(occ_w, starts).astype(np.float32)
        fields = np.bitwise_or.reduceat(np.left_shift(np.uint16(1), field), starts)
        post_term = term[starts]
        post_doc = (doc[starts] + doc_base).astype(np.int32)
        self.dl.append(np.bincount(doc[starts], weights=wtf, minlength=nrec))
        del occ_w, field, doc
        pos_terms, pos_counts = _runs(term)
        post_terms, post_counts = _runs(post_term)
        self.chunks.append(
            {
                "positions": local_pos + np.int32(self.pos_base),
                "pos_terms": pos_terms,
                "pos_counts": pos_counts,
                "post_doc": post_doc,
                "wtf": wtf,
                "fields": fields.astype(np.uint16),
                "post_terms": post_terms,
                "post_counts": post_counts,
                "stream": ids,
            }
        )
        self.pos_base += total

    def _finish_native(self, index: TokenIndex) -> None:
        """The arrays of :meth:`finish`, from the whole token stream in two C passes."""
        order = self.vocab.order
        nraw = len(order)
        canon = np.array(self.canon, np.int32) if nraw else np.zeros(0, np.int32)
        # every word id is a token of some record, its joined form or one of its parts,
        # so the terms are exactly the canonical ids
        used_ids = distinct(canon[canon >= 0])
        terms = [order[i].decode("utf-8", "surrogatepass") for i in used_ids.tolist()]
        perm = sorted(range(len(terms)), key=terms.__getitem__)
        index.vocab = [terms[i] for i in perm]
        nv = len(index.vocab)
        rank = np.full(nraw, _GAP, np.int32)
        rank[used_ids[perm]] = np.arange(nv, dtype=np.int32)
        part_ptr, part_words = self._part_table(nraw)
        part_ptr = part_ptr[:-1]  # no gap slot: build_postings skips gaps itself
        if len(self.raw_chunks) == 1:
            raw = self.raw_chunks[0]
        else:
            raw = np.concatenate(self.raw_chunks) if self.raw_chunks else np.zeros(0, np.int32)
        self.raw_chunks.clear()
        index.seg_start = (
            np.frombuffer(self.seg_start, np.int64).copy()
            if len(self.seg_start)
            else np.zeros(0, np.int64)
        )
        built = _index_native.build_postings(
            raw,
            index.seg_start,
            canon,
            rank,
            part_ptr,
            part_words.astype(np.int32),
            self.weights,
            self.n,
            _cpus() >= 2,
        )
        del raw
        index.stream = np.frombuffer(built["stream"], np.int32)
        index.pos_ptr = np.frombuffer(built["pos_ptr"], np.int64)
        index.positions = np.frombuffer(built["positions"], np.int32)
        index.term_ptr = np.frombuffer(built["term_ptr"], np.int64)
        index.post_doc = np.frombuffer(built["post_doc"], np.int32)
        index.post_fields = np.frombuffer(built["post_fields"], np.uint16)
        index.part_ptr = np.frombuffer(built["part_ptr"], np.int64)
        index.part_positions = np.frombuffer(built["part_positions"], np.int32)
        wtf = np.frombuffer(built["wtf"], np.float32)
        dl = np.frombuffer(built["doc_len"], np.float64)
        index._doc_len = dl
        index.post_wtf = wtf
        index.post_imp = None  # made on first use (TokenIndex.post_imp): searches use wtf

    def finish(self, index: TokenIndex) -> None:
        if self.native:
            self._finish_native(index)
            return
        order = self.vocab.order
        nraw = len(order)
        # only canonical terms are real vocabulary (apostrophe forms map elsewhere)
        used = np.zeros(nraw, bool)
        for chunk in self.chunks:
            used[chunk["pos_terms"]] = True
        terms = [order[i].decode("utf-8", "surrogatepass") for i in np.flatnonzero(used)]
        used_ids = np.flatnonzero(used)
        perm = sorted(range(len(terms)), key=terms.__getitem__)
        index.vocab = [terms[i] for i in perm]
        rank = np.full(nraw, -1, np.int64)
        rank[used_ids[perm]] = np.arange(len(perm))
        nv = len(index.vocab)
        index.seg_start = (
            np.frombuffer(self.seg_start, np.int64).copy()
            if len(self.seg_start)
            else np.zeros(0, np.int64)
        )
        n = self.n

        def pointers(kind: str) -> np.ndarray:
            counts = np.zeros(nv, np.int64)
            for chunk in self.chunks:  # terms are distinct within a chunk
                counts[rank[chunk[f"{kind}_terms"]]] += chunk[f"{kind}_counts"]
            ptr = np.zeros(nv + 1, np.int64)
            np.cumsum(counts, out=ptr[1:])
            return ptr

        def destinations(ptr: np.ndarray, cursor: np.ndarray, terms, counts) -> np.ndarray:
            r = rank[terms]
            block_start = np.cumsum(counts) - counts
            dest = np.repeat(ptr[r] + cursor[r] - block_start, counts) + np.arange(counts.sum())
            cursor[r] += counts
            return dest

        rank32 = np.append(rank, -1).astype(np.int32)  # stream gaps (-1) stay -1
        index.stream = np.empty(sum(len(c["stream"]) for c in self.chunks), np.int32)
        at = 0
        for chunk in self.chunks:  # filled in place: no second copy of the stream
            ids = chunk.pop("stream")
            np.take(rank32, ids, out=index.stream[at : at + len(ids)])
            at += len(ids)
        index.part_ptr = np.zeros(nv + 1, np.int64)
        index.part_positions = np.zeros(0, np.int32)
        if self.extras:
            extras = np.concatenate(self.extras)
            part_keys = (rank[extras[:, 0]] << 32) | extras[:, 1]
            part_keys.sort()
            np.cumsum(np.bincount(part_keys >> 32, minlength=nv), out=index.part_ptr[1:])
            index.part_positions = (part_keys & 0xFFFFFFFF).astype(np.int32)
        index.pos_ptr = pointers("pos")
        index.positions = np.empty(int(index.pos_ptr[-1]), np.int32)
        cursor = np.zeros(nv, np.int64)
        for chunk in self.chunks:
            dest = destinations(index.pos_ptr, cursor, chunk["pos_terms"], chunk["pos_counts"])
            index.positions[dest] = chunk.pop("positions")
        index.term_ptr = pointers("post")
        size = int(index.term_ptr[-1])
        dl = np.concatenate(self.dl) if self.dl else np.zeros(0)
        norm = _norm(dl, n)
        index._doc_len = dl
        idf = _idf(np.diff(index.term_ptr), n)
        index.post_doc = np.empty(size, np.int32)
        index.post_imp = np.empty(size, np.float32)
        index.post_wtf = np.empty(size, np.float32)
        index.post_fields = np.empty(size, np.uint16)
        cursor = np.zeros(nv, np.int64)
        while self.chunks:
            chunk = self.chunks.pop(0)
            terms, counts = chunk["post_terms"], chunk["post_counts"]
            dest = destinations(index.term_ptr, cursor, terms, counts)
            docs, wtf = chunk["post_doc"], chunk["wtf"]
            index.post_doc[dest] = docs
            index.post_imp[dest] = _impact_values(
                np.repeat(idf[rank[terms]], counts), wtf, norm[docs]
            )
            index.post_fields[dest] = chunk["fields"]
            index.post_wtf[dest] = wtf


def _runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values, run lengths) of a sorted array."""
    if not len(sorted_values):
        return sorted_values[:0], np.zeros(0, np.int64)
    change = np.flatnonzero(sorted_values[1:] != sorted_values[:-1]) + 1
    starts = np.concatenate([[0], change])
    counts = np.diff(np.append(starts, len(sorted_values)))
    return sorted_values[starts], counts.astype(np.int64)


#: a native build of at least this many records makes the facets and orders (Python) on
#: a thread while the compiled code (which releases the GIL) makes the token arrays
OVERLAP_MIN_RECORDS = 2000


class _Beside:
    """``fn(*args)`` on a thread of its own; :meth:`result` waits for it (or raises what
    it raised)."""

    def __init__(self, fn: Callable, *args: object) -> None:
        self._out: list = []
        self.seconds = 0.0

        def run() -> None:
            t0 = time.perf_counter()
            try:
                self._out.append((True, fn(*args)))
            except BaseException as error:  # handed to the caller of result()
                self._out.append((False, error))
            self.seconds = time.perf_counter() - t0

        self._thread = threading.Thread(target=run, name="archive-tui-index-meta", daemon=True)
        self._thread.start()

    def result(self):
        self._thread.join()
        ok, value = self._out[0]
        if not ok:
            raise value
        return value


def build_into(self: TokenIndex, records: Sequence[dict], *, native: bool = True) -> TokenIndex:
    """Index ``records`` into the empty TokenIndex ``self`` (see TokenIndex.build)."""
    self.n = len(records)
    t0 = time.perf_counter()
    builder = _Builder(self.n, native=native)
    if native and not builder.native:
        _fell_back("the compiled module is not installed")
    _BUILD_STATS["native_builds" if builder.native else "pure_builds"] += 1
    beside = None
    if builder.native and self.n >= OVERLAP_MIN_RECORDS:
        beside = _Beside(build_record_meta, records)
        _BUILD_STATS["meta_beside"] += 1
    builder.add_all(records)
    t1 = time.perf_counter()
    builder.finish(self)
    t2 = time.perf_counter()
    self._set_meta(beside.result() if beside is not None else build_record_meta(records))
    t3 = time.perf_counter()
    self.build_timings = {"tokenize": t1 - t0, "arrays": t2 - t1, "meta": t3 - t2}
    if beside is not None:
        self.build_timings["meta_thread"] = beside.seconds
    return self
