"""Packed integer arrays for segments: small on disk, a row decoded only when read.

A non-negative integer array is kept as ``(small, esc_idx, esc_val)``: ``small`` is
uint8 or uint16 (whichever costs less with its escapes), and the few values that do not
fit are listed aside (``esc_idx`` ascending). Ascending rows of a CSR (a term's
positions, a term's postings' docs) are stored as gaps, each row's first value as is.

All three arrays are plain ``.npy`` files, mapped: reading row ``a:b`` touches only
those bytes and the escapes in that range (a binary search), and a cumulative sum
restores the values. So a query pays for the terms it reads, nothing else.
"""

from __future__ import annotations

import numpy as np

Packed = tuple[np.ndarray, np.ndarray, np.ndarray]
_ESCAPE_BYTES = 16  # an escape costs an int64 index and an int64 value


_BLOCK = 1 << 22  # values packed at a time: int64 temporaries stay ~32 MB


def _gaps(values: np.ndarray, row_start: np.ndarray | None, a: int, b: int) -> np.ndarray:
    """Values a:b as int64, as gaps within rows when ``row_start`` (a bool mask) is given."""
    v = np.asarray(values[a:b]).astype(np.int64)
    if row_start is not None and len(v):
        prev = np.empty_like(v)
        prev[0] = int(values[a - 1]) if a else 0
        prev[1:] = v[:-1]
        v = np.where(row_start[a:b], v, v - prev)
    return v


def pack(values: np.ndarray, ptr: np.ndarray | None = None) -> Packed:
    """Pack non-negative ints; with ``ptr`` (a CSR's row pointers) rows become gaps.

    Two passes over blocks (count what does not fit, then fill), so packing the 60
    million positions of a 100k archive never holds an int64 copy of them.
    """
    n = len(values)
    row_start = None
    if ptr is not None:
        row_start = np.zeros(n, bool)
        ptr = np.asarray(ptr)
        row_start[ptr[:-1][np.diff(ptr) > 0]] = True
    n8 = n16 = 0
    for a in range(0, n, _BLOCK):
        v = _gaps(values, row_start, a, min(n, a + _BLOCK))
        if len(v) and int(v.min()) < 0:
            raise ValueError("only non-negative values (ascending rows) can be packed")
        n8 += int(np.count_nonzero(v > 0xFF))
        n16 += int(np.count_nonzero(v > 0xFFFF))
    small_type, limit = (
        (np.uint8, 0xFF) if n8 * _ESCAPE_BYTES <= n + n16 * _ESCAPE_BYTES else (np.uint16, 0xFFFF)
    )
    small = np.empty(n, small_type)
    esc_idx, esc_val = [], []
    for a in range(0, n, _BLOCK):
        v = _gaps(values, row_start, a, min(n, a + _BLOCK))
        small[a : a + len(v)] = v.astype(small_type)  # escaped ones wrap; they are listed
        over = np.flatnonzero(v > limit)
        esc_idx.append(over + a)
        esc_val.append(v[over])
    idx = np.concatenate(esc_idx).astype(np.int64) if esc_idx else np.zeros(0, np.int64)
    val = np.concatenate(esc_val).astype(np.int64) if esc_val else np.zeros(0, np.int64)
    return small, idx, val


class DamagedArray(ValueError):
    """A packed array that is not what :func:`pack` wrote."""


def check(packed: Packed, size: int) -> bool:
    """The shapes and kinds a packed array of ``size`` values must have. Reads nothing
    but the ends of the escapes (a warm open maps, it does not scan); the escapes a
    read uses are checked by :func:`row` and :func:`unpack`."""
    small, idx, val = packed
    return (
        small.dtype in (np.uint8, np.uint16)
        and small.shape == (size,)
        and idx.dtype == np.int64
        and val.dtype == np.int64
        and idx.shape == val.shape
        and (not len(idx) or (int(idx[0]) >= 0 and int(idx[-1]) < size))
    )


def _escapes_ok(idx: np.ndarray, val: np.ndarray, a: int, b: int) -> bool:
    return not len(idx) or (
        int(idx[0]) >= a
        and int(idx[-1]) < b
        and bool(np.all(idx[1:] > idx[:-1]))
        and int(val.min()) >= 0
        and int(val.max()) < 2**31
    )


def row(packed: Packed, a: int, b: int, *, gaps: bool) -> np.ndarray:
    """Values ``a:b`` (one whole row when ``gaps``) as int64; DamagedArray if off."""
    small, idx, val = packed
    out = np.asarray(small[a:b]).astype(np.int64)
    lo, hi = np.searchsorted(idx, (a, b))
    if hi > lo:
        at, values = np.asarray(idx[lo:hi]), np.asarray(val[lo:hi])
        if not _escapes_ok(at, values, a, b):
            raise DamagedArray("bad escapes")
        out[at - a] = values
    if gaps:
        np.cumsum(out, out=out)
    return out


def unpack(packed: Packed, ptr: np.ndarray | None = None) -> np.ndarray:
    """Every value, as int32 (rows restored from gaps when ``ptr`` is given).

    One wrapping uint32 cumulative sum over all rows: each row's first gap (its absolute
    value) is lowered by the sum of the rows before, so the running sum restarts there.
    """
    small, idx, val = packed
    idx, val = np.asarray(idx), np.asarray(val)
    if not _escapes_ok(idx, val, 0, len(small)):
        raise DamagedArray("bad escapes")
    values = np.asarray(small).astype(np.uint32)
    values[idx] = val.astype(np.uint32)
    if ptr is not None and len(values):
        ptr = np.asarray(ptr)
        starts = ptr[:-1][np.diff(ptr) > 0]
        if len(starts) > 1:
            sums = np.add.reduceat(values, starts, dtype=np.uint32)
            values[starts[1:]] -= sums[:-1]  # a row's sum of gaps is its last value
        np.cumsum(values, dtype=np.uint32, out=values)
    out = values.view(np.int32)
    if len(out) and int(out.min()) < 0:
        raise DamagedArray("damaged packed array")
    return out
