"""Rows of integers and integer arrays as PostgreSQL's binary COPY format, built with numpy.

The posting lists of an import are tens of millions of integers: written as text, Python
spends most of an import turning them into digits and PostgreSQL parsing them back.
Binary COPY sends each integer as four bytes; here every array's elements (each with its
length word, as the format wants) are made for all rows at once, and a row only joins
its slices. The format: https://www.postgresql.org/docs/15/sql-copy.html (Binary Format).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
TRAILER = struct.pack(">h", -1)
INT4_OID = 23
_BLOCK = 1 << 23  # bytes sent at a time


def _elements(values: np.ndarray) -> bytes:
    """Each value as (length 4, value), big-endian: an int4 array's body."""
    out = np.empty((len(values), 2), ">i4")
    out[:, 0] = 4
    out[:, 1] = values
    return out.tobytes()


def _heads(n: int, scalars: Sequence[np.ndarray], counts: Sequence[np.ndarray]) -> list:
    """Per array column, each row's bytes before its elements: for the first, the field
    count and the scalar columns too. As one buffer per column, read by slices."""
    out = []
    for k, count in enumerate(counts):
        fields = [("len", ">i4"), ("ndim", ">i4"), ("nulls", ">i4"), ("oid", ">i4")]
        fields += [("n", ">i4"), ("lbound", ">i4")]
        if k == 0:
            lead = [("fields", ">i2")]
            for j in range(len(scalars)):
                lead += [(f"l{j}", ">i4"), (f"v{j}", ">i4")]
            fields = lead + fields
        head = np.zeros(n, np.dtype(fields))
        if k == 0:
            head["fields"] = len(scalars) + len(counts)
            for j, column in enumerate(scalars):
                head[f"l{j}"] = 4
                head[f"v{j}"] = column
        head["len"] = 20 + 8 * count
        head["ndim"] = 1
        head["oid"] = INT4_OID
        head["n"] = count
        head["lbound"] = 1
        out.append((memoryview(head.tobytes()), head.dtype.itemsize))
    return out


def int_rows(
    scalars: Sequence[np.ndarray], arrays: Sequence[tuple[np.ndarray, np.ndarray]]
) -> Iterator[bytes]:
    """The binary COPY data (signature to trailer) of rows of ``len(scalars)`` integer
    columns then ``len(arrays)`` integer[] columns: row i holds ``scalars[k][i]`` and
    ``values[ptr[i]:ptr[i + 1]]`` of each ``(values, ptr)``. Every array is non-empty."""
    ptrs = [np.asarray(p, np.int64) for _, p in arrays]
    n = len(ptrs[0]) - 1
    for (v, _), p in zip(arrays, ptrs, strict=True):
        if len(p) != n + 1 or len(v) > 2**31 - 1 or (n and int(np.diff(p).min()) < 1):
            raise ValueError("an empty or too long array in a binary COPY")
    heads = _heads(n, scalars, [np.diff(p) for p in ptrs])
    bodies = [memoryview(_elements(np.asarray(v))) for v, _ in arrays]
    starts = [(8 * p).tolist() for p in ptrs]
    parts: list = [SIGNATURE]
    size = 0
    columns = list(zip(heads, bodies, starts, strict=True))
    for lo in range(0, n, 4096):
        hi = min(n, lo + 4096)
        for i in range(lo, hi):
            for (head, width), body, at in columns:
                parts.append(head[width * i : width * (i + 1)])
                parts.append(body[at[i] : at[i + 1]])
        size += sum(s[hi] - s[lo] for s in starts)
        if size > _BLOCK:
            yield b"".join(parts)
            parts, size = [], 0
    parts.append(TRAILER)
    yield b"".join(parts)
