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
_ARRAY_HEAD = struct.Struct(">iiiiii")  # field length, ndim, has nulls, element type, n, lbound


def _elements(values: np.ndarray) -> bytes:
    """Each value as (length 4, value), big-endian: an int4 array's body."""
    out = np.empty((len(values), 2), ">i4")
    out[:, 0] = 4
    out[:, 1] = values
    return out.tobytes()


def int_rows(
    scalars: Sequence[np.ndarray], arrays: Sequence[tuple[np.ndarray, np.ndarray]]
) -> Iterator[bytes]:
    """The binary COPY data (signature to trailer) of rows of ``len(scalars)`` integer
    columns then ``len(arrays)`` integer[] columns: row i holds ``scalars[k][i]`` and
    ``values[ptr[i]:ptr[i + 1]]`` of each ``(values, ptr)``. Every array is non-empty."""
    n = len(scalars[0]) if scalars else len(arrays[0][1]) - 1
    fields = len(scalars) + len(arrays)
    head = struct.Struct(">h" + "ii" * len(scalars))
    cols = [np.asarray(s, np.int64).tolist() for s in scalars]
    bodies = [memoryview(_elements(np.asarray(v))) for v, _ in arrays]
    ptrs = [np.asarray(p, np.int64).tolist() for _, p in arrays]
    for v, p in arrays:
        if len(v) > 2**31 - 1 or (len(p) > 1 and int(np.diff(p).min()) < 1):
            raise ValueError("an empty or too long array in a binary COPY")
    parts: list[bytes] = [SIGNATURE]
    size = len(SIGNATURE)
    pack_head, pack_array = head.pack, _ARRAY_HEAD.pack
    for i in range(n):
        scal: list[int] = []
        for c in cols:
            scal += (4, c[i])
        parts.append(pack_head(fields, *scal))
        for body, ptr in zip(bodies, ptrs, strict=True):
            a, b = ptr[i], ptr[i + 1]
            parts.append(pack_array(20 + 8 * (b - a), 1, 0, INT4_OID, b - a, 1))
            parts.append(body[8 * a : 8 * b])
            size += 8 * (b - a)
        if size > _BLOCK:
            yield b"".join(parts)
            parts, size = [], 0
    parts.append(TRAILER)
    yield b"".join(parts)
