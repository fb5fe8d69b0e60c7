"""Decoding a segment's string tables (ids at every open, titles for a title sort).

The ASCII fast path (one decode, one split on a byte no string holds) must give exactly
the strings a slice-by-slice decode gives, and refuse a damaged table the same way.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from archive_tui.index.segment import DamagedSegment, _strings


def _table(strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    ptr = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(e) for e in encoded], out=ptr[1:])
    return np.frombuffer(b"".join(encoded), np.uint8), ptr


def _slow(blob: np.ndarray, ptr: np.ndarray) -> list[str]:
    text = bytes(blob)
    return [text[a:b].decode("utf-8", "surrogatepass") for a, b in itertools.pairwise(ptr)]


@pytest.mark.parametrize(
    "strings",
    [
        [],
        [""],
        ["", "", ""],
        [f"gen-{i:07d}" for i in range(1000)],
        ["a", "", "bc", "", ""],
        ["line\nbreak", "x", "\n", ""],  # the split byte inside a string
        ["caf\u00e9", "na\u00efve", "plain"],
        ["\ud800lone", "ok"],  # a lone surrogate, as the index keeps it
    ],
)
def test_strings_equal_a_slice_by_slice_decode(strings: list[str]) -> None:
    blob, ptr = _table(strings)
    assert _strings(blob, ptr) == strings == _slow(blob, ptr)


def test_a_damaged_string_table_is_refused() -> None:
    blob, _ptr = _table(["abc", "de"])
    for bad in ([0, 3], [1, 3, 5], [0, 4, 3], [0, 3, 6], [0, 4, 2, 5], []):
        with pytest.raises(DamagedSegment):
            _strings(blob, np.array(bad, np.int64))


def test_the_ascii_path_splits_once(monkeypatch) -> None:
    """100,000 ids at every open: no Python loop over them."""
    blob, ptr = _table([f"gen-{i:07d}" for i in range(50)])
    import archive_tui.index.segment as segment

    monkeypatch.setattr(segment.itertools, "pairwise", None)  # the slow path would fail
    assert _strings(blob, ptr)[-1] == "gen-0000049"
