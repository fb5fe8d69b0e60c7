"""The compiled index build (_index_native.c) against the pure-Python reference build.

Searches read nothing but the index arrays, so a native build that differs in any array
would change what a user finds or how it ranks. Each test builds the same records both
ways and compares every array. On CI the compiled module must be there (the machine has
a compiler); elsewhere these tests are skipped when it is not.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest
from conftest import SHIPPED_PATH

from archive_tui.index import _LIST, TEXT_FIELDS, TokenIndex, build_stats, native_build_available
from archive_tui.index import build as build_module
from archive_tui.search import execute
from archive_tui.store import RecordStore
from archive_tui.text import fold_bytes

if not native_build_available():
    if os.environ.get("CI"):
        raise RuntimeError("CI: archive_tui._index_native was not built (is a C compiler there?)")
    pytest.skip("the compiled index build is not installed", allow_module_level=True)

from archive_tui import _index_native

ARRAYS = (
    "stream",
    "pos_ptr",
    "positions",
    "term_ptr",
    "post_doc",
    "post_imp",
    "post_fields",
    "part_ptr",
    "part_positions",
    "seg_start",
    "_doc_len",
)

# Everything the tokenizer must treat exactly as text.fold_bytes(...).split() does.
AWKWARD = [
    {"id": "a1", "date": "1944-11-09", "title": "De Gaulle’s talk with Stalin", "text": ""},
    {
        "id": "a2",
        "date": "June, 2007",
        "title": "Manac’h and Piné",
        "summary": "Громыко said: «nyet». Ж щ ЁЛКА — naïve café, ﬁnance ﬀ Æsir ß",
        "people": ["Andrei Gromyko", "Андрей Громыко", "", "Piné, Antoine", 7, None],
        "places": "Paris",  # a single string where a list belongs
        "subjects": [],
    },
    {
        "id": "a3",
        "date": "1962",
        "title": "'quoted' words 'a'b'c' ''' rock'n'roll o'clock a'a",
        "text": "Mao 毛泽东 met 周恩来; emoji 😀 🇫🇷 stay; math 𝔘𝔫𝔦 ²³ ½ Ⅻ; tabs\tand\nnew\rlines",
        "collection": "FRUS, 1961–1963, Volume V",
        "document_type": {"not": "a string"},
        "language": ["en"],  # a list in a field that takes one string
        "source": 42,
    },
    {"id": "a4", "date": "1962-10-16", "title": "ALL CAPS TITLE 1962 Document 12"},
    {"id": "a5", "date": "1962-10", "title": "x", "summary": "\x00\x1b[31m control \x7f chars"},
    {"id": "a6", "date": "1950", "title": "Gaulle gaulle GAULLE’S gaulles", "text": "a " * 50},
]


def _records_of(path) -> list[dict]:
    return RecordStore(path, read_only=True, create=False).load()


def assert_same_index(native: TokenIndex, pure: TokenIndex) -> None:
    assert native.vocab == pure.vocab
    for name in ARRAYS:
        a, b = getattr(native, name), getattr(pure, name)
        assert a.dtype == b.dtype, name
        assert np.array_equal(a, b), name
    assert native.post_wtf.dtype == pure.post_wtf.dtype == np.float32
    assert np.array_equal(native.post_wtf, pure.post_wtf)
    assert np.array_equal(native._doc_len, pure._doc_len)


def build_both(records: list[dict]) -> tuple[TokenIndex, TokenIndex]:
    native = TokenIndex.build(records, native=True)
    pure = TokenIndex.build(records, native=False)
    return native, pure


def test_awkward_records_index_identically() -> None:
    native, pure = build_both(AWKWARD)
    assert native._post_imp is None  # searches score from wtf: impacts only when asked
    assert_same_index(native, pure)
    for word in ("gromyko", "pine", "manach", "gaulle", "gaulles", "zh", "shch", "finance"):
        assert native.term_id(word) >= 0, word


def test_native_build_finds_what_a_user_types() -> None:
    native, _pure = build_both(AWKWARD)

    def found(query: str) -> list[str]:
        result = execute(native, AWKWARD, query, None, None, 0, 50)
        return sorted(hit.id for hit in result.hits)

    assert found("Громыко") == ["a2"]
    assert found("gromyko") == ["a2"]
    assert found("Pine") == ["a2"]
    assert found("manac'h") == ["a2"]
    assert found("gaulle") == ["a1", "a6"]
    assert found('"talk with stalin"') == ["a1"]
    assert found("毛泽东") == ["a3"]


def test_shipped_archive_indexes_identically() -> None:
    """12,415 real records (8 million positions: the two-thread splits are used)."""
    records = _records_of(SHIPPED_PATH)
    before = build_stats()
    native, pure = build_both(records)
    after = build_stats()
    assert native.n == len(records)
    assert len(native.stream) > 1 << 20
    assert_same_index(native, pure)
    # the paths that ran: facets beside the compiled code, tokenizing on two threads
    assert after["meta_beside"] == before["meta_beside"] + 1
    two = 1 if build_module._cpus() >= 2 else 0
    assert after["parallel_tokenize"] == before["parallel_tokenize"] + two


def _tokenize(records: list[dict], threads: int, chunk: int | None = None):
    vocab = _index_native.Vocab()
    n = len(records)
    parts = []
    for lo in range(0, n, chunk or n):
        hi = min(lo + (chunk or n), n)
        ids, seg = vocab.tokenize(records, lo, hi, TEXT_FIELDS, _LIST, fold_bytes, threads)
        parts.append((np.frombuffer(ids, np.int32), np.frombuffer(seg, np.int64)))
    return vocab, parts


def test_two_threads_number_words_as_one_pass_in_order() -> None:
    """Each thread reads half a round; the second's words are merged in so every word
    gets the id a single pass gives it (first sight), and the streams join up."""
    records = _records_of(SHIPPED_PATH)
    one, [(ids1, seg1)] = _tokenize(records, 1)
    two, [(ids2, seg2)] = _tokenize(records, 2)
    assert one.threads_used == 1
    assert two.threads_used == (2 if sys.platform != "win32" else 1)
    assert one.order == two.order
    assert np.array_equal(ids1, ids2)
    assert np.array_equal(seg1, seg2)
    # as the chunk-at-a-time calls of the pure build's shape give them
    chunked, parts = _tokenize(records, 1, chunk=4096)
    assert chunked.order == one.order
    assert np.array_equal(np.concatenate([p[0] for p in parts]), ids1)


def test_a_failing_fold_on_the_second_thread_is_raised_and_the_vocab_stays_usable() -> None:
    plain = [{"title": "word " * 400, "text": "plain ascii text " * 200} for _ in range(800)]
    records = [*plain, {"title": "Piné"}]  # the only non-ASCII character: second half

    def broken(_char: str) -> bytes:
        raise RuntimeError("fold failed")

    vocab = _index_native.Vocab()
    with pytest.raises(RuntimeError, match="fold failed"):
        vocab.tokenize(records, 0, len(records), ("title", "text"), frozenset(), broken, 2)
    assert vocab.threads_used == (2 if sys.platform != "win32" else 1)
    assert vocab[b"word"] == 0  # not left marked busy


def test_records_that_are_not_plain_dicts() -> None:
    class Record(dict):
        pass

    records = [Record(r) for r in AWKWARD]
    native, pure = build_both(records)
    assert_same_index(native, pure)


def test_vocab_numbers_words_in_order_of_first_sight() -> None:
    vocab = _index_native.Vocab()
    assert vocab[b"stalin"] == 0
    assert vocab[b"gaulle"] == 1
    assert vocab[b"stalin"] == 0
    long_word = b"x" * 40  # longer than a slot keeps inline
    assert vocab[long_word] == 2
    assert vocab[long_word] == 2
    assert len(vocab) == 3
    assert vocab.order == [b"stalin", b"gaulle", long_word]
    with pytest.raises(TypeError):
        vocab["not bytes"]


def test_vocab_table_grows_without_losing_words() -> None:
    vocab = _index_native.Vocab()
    words = [f"w{i}".encode() for i in range(5000)]
    assert [vocab[w] for w in words] == list(range(5000))
    assert [vocab[w] for w in reversed(words)] == list(reversed(range(5000)))


def test_tokenize_propagates_a_failing_fold() -> None:
    def broken(_char: str) -> bytes:
        raise RuntimeError("fold failed")

    vocab = _index_native.Vocab()
    with pytest.raises(RuntimeError, match="fold failed"):
        vocab.tokenize([{"title": "Piné"}], 0, 1, ("title",), frozenset(), broken)


def test_build_postings_refuses_inconsistent_input() -> None:
    """Bad tables give a Python error, never a crash or a write out of bounds."""
    raw = np.array([0, -1, 1, -1], np.int32)
    seg = np.array([0, 2], np.int64)
    canon = np.array([0, 1], np.int32)
    rank = np.array([1, 0], np.int32)
    ptr = np.zeros(3, np.int64)
    parts = np.zeros(0, np.int32)
    weights = np.ones(2, np.float32)
    built = _index_native.build_postings(raw, seg, canon, rank, ptr, parts, weights, 1)
    assert np.frombuffer(built["stream"], np.int32).tolist() == [1, -1, 0, -1]
    bad_raw = np.array([0, -1, 5, -1], np.int32)
    with pytest.raises(ValueError):
        _index_native.build_postings(bad_raw, seg, canon, rank, ptr, parts, weights, 1)
    with pytest.raises(ValueError):  # two docs claimed, one doc's segments given
        _index_native.build_postings(raw, seg, canon, rank, ptr, parts, weights, 2)
    with pytest.raises(ValueError):  # a word indexed as a word that is not a term
        _index_native.build_postings(
            raw,
            seg,
            np.array([0, 1], np.int32),
            np.array([0, -1], np.int32),
            ptr,
            parts,
            weights,
            1,
        )
    with pytest.raises(TypeError):
        _index_native.build_postings(raw.astype(np.int64), seg, canon, rank, ptr, parts, weights, 1)
