"""TokenIndex: the search index of some records (numpy arrays); one segment's worth.

Every search runs over whole-archive numpy arrays, so its cost is a few vector
operations rather than a Python loop per record:

* one positional index: for each term (row of the sorted vocabulary) the global
  positions of its occurrences, in order; each (record, field) owns a segment of
  positions with a gap after it (and between list values), so phrases never cross
  fields;
* postings derived from it: per term, the records holding it, a precomputed BM25F
  impact (field-weighted, length-normalised) and a bitmask of the fields it occurs in;
* facets as CSR pairs (entry_doc, entry_value) and per-record date intervals;
* date and title orderings precomputed, so a sorted page is one masked gather.

Building is in :mod:`.build`; a segment on disk in :mod:`.segment`; one store file's
segments in :mod:`.store_index`; several segments searched as one in :mod:`.view`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..facets import FACET_FIELDS, Facet, RecordMeta
from ..text import fold

try:  # compiled at install time when a C compiler is there; the pure build is the reference
    from .. import _index_native
except ImportError:  # pragma: no cover - depends on the installation
    _index_native = None  # type: ignore[assignment]


def native_build_available() -> bool:
    """True when the compiled tokenizer and postings builder (_index_native.c) is installed."""
    return _index_native is not None


INDEX_FORMAT = 7

# Searchable fields, in segment order; a term's field bitmask uses these bit numbers.
TEXT_FIELDS = (
    "title",
    "summary",
    "text",
    "collection",
    "document_type",
    "language",
    "people",
    "places",
    "subjects",
    "source",
    "id",
)
FIELD_BIT = {name: i for i, name in enumerate(TEXT_FIELDS)}
NF = len(TEXT_FIELDS)
# BM25F field weights: a word in the title counts four times one in the text.
FIELD_WEIGHTS = {
    "title": 4.0,
    "summary": 1.5,
    "text": 1.0,
    "collection": 0.5,
    "document_type": 1.5,
    "language": 0.5,
    "people": 2.5,
    "places": 2.0,
    "subjects": 2.5,
    "source": 0.5,
    "id": 1.0,
}
K1 = 1.2
B = 0.75

_WEIGHT_UNITS = 2  # weights are whole halves: weighted lengths sum exactly in any order
if not all(float(w * _WEIGHT_UNITS).is_integer() for w in FIELD_WEIGHTS.values()):
    raise RuntimeError("FIELD_WEIGHTS must be multiples of 1/_WEIGHT_UNITS (exact sums)")

_LIST = frozenset(("people", "places", "subjects"))
_GAP = -1


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an integer array: ``np.unique`` without numpy 2.4's
    import of ``numpy.ma`` (~40 ms of CPU, a tenth of an ``archive-tui import`` process)."""
    ordered = np.sort(np.asarray(values).ravel())
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _norm(dl: np.ndarray, n: int) -> np.ndarray:
    """BM25 length normalisation per record from its weighted length."""
    avgdl = float(dl.mean()) if n and dl.mean() > 0 else 1.0
    return (K1 * (1 - B + B * dl / avgdl)).astype(np.float32)


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)


def _impact_values(term_idf: np.ndarray, wtf: np.ndarray, doc_norm: np.ndarray) -> np.ndarray:
    """BM25F impacts, in place in ``term_idf``: the one formula for build and cache load."""
    term_idf *= wtf
    term_idf *= np.float32(K1 + 1)
    doc_norm += wtf
    term_idf /= doc_norm
    return term_idf


def _impacts(
    term_ptr: np.ndarray, post_doc: np.ndarray, wtf: np.ndarray, dl: np.ndarray
) -> np.ndarray:
    """BM25F impact of every posting from its weighted term frequency (cache load).

    ``dl`` is each record's weighted length, as the build computed it. In blocks: at
    100k records a posting-sized temporary is ~140 MB.
    """
    n = len(dl)
    norm = _norm(dl, n)
    df = np.diff(term_ptr)
    out = np.repeat(_idf(df, n), df)
    for a in range(0, len(out), _BLOCK):
        b = a + _BLOCK
        _impact_values(out[a:b], wtf[a:b], norm[post_doc[a:b]])
    return out


_BLOCK = 1 << 22  # impacts computed at a time, to bound temporaries


class TokenIndex:
    """Arrays for searching ``n`` records; build with :meth:`build`, or load from cache."""

    def __init__(self) -> None:
        self.n = 0
        self.vocab: list[str] = []
        self.term_ptr = np.zeros(1, np.int64)  # postings CSR over vocab
        self.post_doc = np.zeros(0, np.int32)
        self._post_imp: np.ndarray | None = np.zeros(0, np.float32)
        self.post_fields = np.zeros(0, np.uint16)
        self.pos_ptr = np.zeros(1, np.int64)  # positions CSR over vocab
        self.positions = np.zeros(0, np.int32)
        self._stream: np.ndarray | None = np.zeros(0, np.int32)
        # positions where a term occurs as part of an apostrophe word ("gaulle" in
        # "gaulle's"): the stream holds the whole word there
        self.part_ptr = np.zeros(1, np.int64)
        self.part_positions = np.zeros(0, np.int32)
        self.seg_start = np.zeros(0, np.int64)  # n * NF segment starts
        self.date_start = np.zeros(0, np.int32)
        self.date_end = np.zeros(0, np.int32)
        self.date_order = np.zeros(0, np.int32)  # docs by date (sort_key, then position)
        self.date_rank = np.zeros(0, np.int32)  # inverse of date_order
        self.title_order = np.zeros(0, np.int32)
        self.date_key = np.zeros(0, np.int64)  # the date sort key of each record
        self.titles: Sequence[str] = []  # each record's folded title (title sort)
        self.post_wtf = np.zeros(0, np.float32)  # weighted term frequency of each posting
        self.facets: dict[str, Facet] = {}
        self._doc_len: np.ndarray | None = None  # set by build, for the cache
        self._stream_source: tuple[int, np.ndarray, np.ndarray] | None = None
        self._term_id: dict[str, int] | None = None
        self._doc_start: np.ndarray | None = None
        self._value_ids: dict[str, dict[str, int]] = {}
        self._folded_values: dict[str, dict[str, int]] = {}
        self._value_docs: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._suggest: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------------ lookups

    @property
    def stream(self) -> np.ndarray:
        """Term id at each global position (-1: gap); only phrase checks read it.

        A cached index derives it from the positions on first use (a scatter of every
        position: ~1.5 s at 100k records), so opening does not pay for it.
        """
        if self._stream is None:
            assert self._stream_source is not None
            stream_len, part_at, part_word = self._stream_source
            stream = np.full(stream_len, _GAP, np.int32)
            nv = len(self.pos_ptr) - 1
            stream[self.positions] = np.repeat(np.arange(nv, dtype=np.int32), np.diff(self.pos_ptr))
            # a part's position ("gaulle" in "gaulle's") holds the whole word
            stream[part_at] = part_word
            self._stream = stream
        return self._stream

    @stream.setter
    def stream(self, value: np.ndarray) -> None:
        self._stream = value
        self._stream_source = None

    def _stream_len(self) -> int:
        if self._stream is None and self._stream_source is not None:
            return self._stream_source[0]
        return len(self.stream)

    @property
    def post_imp(self) -> np.ndarray:
        """BM25F impact of each posting. Searches score through a view (from weighted
        frequencies and the archive's statistics), so a native build leaves these to
        be made on first use (~100 MB and 0.1 s at 100k records)."""
        if self._post_imp is None and self._doc_len is not None and self.post_doc is not None:
            self._post_imp = _impacts(self.term_ptr, self.post_doc, self.post_wtf, self._doc_len)
        return self._post_imp  # type: ignore[return-value]

    @post_imp.setter
    def post_imp(self, value: np.ndarray | None) -> None:
        self._post_imp = value

    @property
    def df(self) -> np.ndarray:
        return np.diff(self.term_ptr)

    def term_id(self, term: str) -> int:
        """Row of ``term`` in the vocabulary, or -1."""
        if self._term_id is None:
            self._term_id = {t: i for i, t in enumerate(self.vocab)}
        return self._term_id.get(term, -1)

    def postings(self, tid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        a, b = self.term_ptr[tid], self.term_ptr[tid + 1]
        return self.post_doc[a:b], self.post_imp[a:b], self.post_fields[a:b]

    def row(self, tid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(docs, weighted tfs, field bits) of a term's postings."""
        a, b = int(self.term_ptr[tid]), int(self.term_ptr[tid + 1])
        return self.post_doc[a:b], self.post_wtf[a:b], self.post_fields[a:b]

    def all_post_docs(self) -> np.ndarray:
        return self.post_doc

    def term_positions(self, tid: int) -> np.ndarray:
        return self.positions[self.pos_ptr[tid] : self.pos_ptr[tid + 1]]

    def doc_of(self, positions: np.ndarray) -> np.ndarray:
        """The record holding each global position."""
        if self._doc_start is None or len(self._doc_start) != self.n:
            self._doc_start = np.ascontiguousarray(self.seg_start[::NF])
        return np.searchsorted(self._doc_start, positions, side="right") - 1

    def segment_of(self, positions: np.ndarray) -> np.ndarray:
        """The (doc * NF + field) segment holding each global position."""
        return np.searchsorted(self.seg_start, positions, side="right") - 1

    def value_id(self, facet: str, value: str) -> int:
        """Id of a facet value: exact, else case/accent-insensitive; -1 when unknown."""
        ids = self._value_ids.get(facet)
        if ids is None:
            values = self.facets[facet].values
            ids = self._value_ids[facet] = {v: i for i, v in enumerate(values)}
            folded: dict[str, int] = {}
            for i, v in enumerate(values):
                folded.setdefault(" ".join(fold(v).split()), i)
            self._folded_values[facet] = folded
        found = ids.get(value)
        if found is None:
            found = self._folded_values[facet].get(" ".join(fold(value).split()), -1)
        return found

    def value_docs(self, facet: str) -> tuple[np.ndarray, np.ndarray]:
        """CSC view of a facet: (value_ptr, docs sorted by value), built on first use."""
        cached = self._value_docs.get(facet)
        if cached is None:
            f = self.facets[facet]
            order = np.argsort(f.entry_value, kind="stable")
            ptr = np.zeros(len(f.values) + 1, np.int64)
            np.cumsum(np.bincount(f.entry_value, minlength=len(f.values)), out=ptr[1:])
            cached = self._value_docs[facet] = (ptr, f.entry_doc[order])
        return cached

    def suggestion_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term ids, lengths, character histograms) of suggestible terms, built lazily."""
        if self._suggest is None:
            df = self.df
            cand = np.flatnonzero(df >= (2 if self.n >= 50 else 1)).astype(np.int32)
            words = [self.vocab[i] for i in cand]
            keep = [i for i, w in enumerate(words) if w.isalpha() and len(w) >= 3]
            cand = cand[keep]
            words = [words[i] for i in keep]
            by_length = sorted(range(len(words)), key=lambda i: len(words[i]))
            cand = cand[by_length]
            words = [words[i] for i in by_length]
            lengths = np.fromiter(map(len, words), np.int32, len(words))
            blob = np.frombuffer("".join(words).encode("utf-32-le"), np.uint32)
            cols = np.where((blob >= 97) & (blob <= 122), blob - 97, 26).astype(np.intp)
            rows = np.repeat(np.arange(len(words)), lengths)
            hist = np.zeros((len(words), 27), np.int16)
            np.add.at(hist, (rows, cols), 1)
            # sorted by length, so the words of a length range are one slice
            self._suggest = (cand, lengths, np.minimum(hist, 100).astype(np.int8))
        return self._suggest

    # ------------------------------------------------------------------ build

    @classmethod
    def build(cls, records: Sequence[dict], *, native: bool = True) -> TokenIndex:
        """Index ``records`` (the archive's order is the doc numbering).

        ``native=False`` forces the pure-Python build (the reference the tests compare
        the compiled one with); without the compiled module it is used anyway. See
        :mod:`.build`.
        """
        from .build import build_into

        return build_into(cls(), records, native=native)

    def _set_meta(self, meta: RecordMeta) -> None:
        self.date_start, self.date_end = meta.date_start, meta.date_end
        self.date_order, self.date_rank = meta.date_order, meta.date_rank
        self.title_order = meta.title_order
        self.date_key, self.titles = meta.date_key, meta.titles
        self.facets = meta.facets

    def _valid(self) -> bool:
        """Shapes and bounds are consistent, so searches cannot index out of range."""
        n, nv = self.n, len(self.vocab)
        try:
            checks = [
                self.term_ptr.dtype == np.int64 and self.term_ptr.shape == (nv + 1,),
                self.pos_ptr.dtype == np.int64 and self.pos_ptr.shape == (nv + 1,),
                self.post_doc.dtype == np.int32 and self.post_doc.ndim == 1,
                self.post_imp.dtype == np.float32 and self.post_imp.shape == self.post_doc.shape,
                self.post_fields.dtype == np.uint16
                and self.post_fields.shape == self.post_doc.shape,
                self.positions.dtype == np.int32 and self.positions.ndim == 1,
                self._stream is None or (self._stream.dtype == np.int32 and self._stream.ndim == 1),
                self.part_ptr.dtype == np.int64 and self.part_ptr.shape == (nv + 1,),
                self.part_positions.dtype == np.int32 and self.part_positions.ndim == 1,
                int(self.part_ptr[0]) == 0 and int(self.part_ptr[-1]) == len(self.part_positions),
                self._stream is None or len(self._stream) == 0 or int(self._stream.max()) < nv,
                self._stream is None or len(self._stream) == 0 or int(self._stream.min()) >= -1,
                len(self.positions) == 0 or int(self.positions.max()) < self._stream_len(),
                self.seg_start.dtype == np.int64 and self.seg_start.shape == (n * NF,),
                int(self.term_ptr[0]) == 0 and int(self.term_ptr[-1]) == len(self.post_doc),
                int(self.pos_ptr[0]) == 0 and int(self.pos_ptr[-1]) == len(self.positions),
                bool(np.all(np.diff(self.term_ptr) >= 0)),
                bool(np.all(np.diff(self.pos_ptr) >= 0)),
            ]
            for name in ("date_start", "date_end", "date_order", "date_rank", "title_order"):
                arr = getattr(self, name)
                checks.append(arr.dtype == np.int32 and arr.shape == (n,))
            if len(self.post_doc):
                checks.append(int(self.post_doc.min()) >= 0 and int(self.post_doc.max()) < n)
            if len(self.positions) and n:
                checks.append(int(self.positions.min()) >= 0)
            for name in ("date_order", "title_order"):
                arr = getattr(self, name)
                checks.append(bool(np.array_equal(np.sort(arr), np.arange(n))))
            for f in self.facets.values():
                checks.append(f.entry_doc.shape == f.entry_value.shape)
                if len(f.entry_doc):
                    checks.append(int(f.entry_doc.min()) >= 0 and int(f.entry_doc.max()) < n)
                    checks.append(
                        int(f.entry_value.min()) >= 0 and int(f.entry_value.max()) < len(f.values)
                    )
            checks.append(set(self.facets) == set(FACET_FIELDS))
            return all(checks)
        except Exception:
            return False


from .build import build_stats as build_stats  # noqa: E402 (re-exported)
