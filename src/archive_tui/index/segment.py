"""One segment on disk: an immutable index over some records of one store file.

A segment is a folder of plain ``.npy`` arrays (no pickle) and a small ``meta.json``.
It is opened by mapping the arrays (``np.load(mmap_mode="r")``), so opening costs a few
file opens and a search reads only the pages it touches. Nothing in it ever changes:
a segment is written to a temporary folder, then renamed into place.

Checks on opening: the folder and every file are ours and nobody else may write them
(0700/0600), the format version matches, every array has its dtype and the shape
``meta.json`` promises, and the small arrays (pointers, orders, facets) are in range.
The large arrays (postings, positions) are bounds-checked as a search reads them (see
:mod:`.view`); anything off raises :class:`DamagedSegment` and the store is rebuilt.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import stat
import tempfile
import threading
import uuid
from bisect import bisect_left
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..atomic import fsync_folder
from ..facets import FACET_FIELDS, Facet
from . import TokenIndex, codec, distinct

SEGMENT_FORMAT = 1
DIR_MODE = 0o700
FILE_MODE = 0o600

# name -> dtype of every array a segment holds (facet arrays are added per field)
_SMALL = (np.uint8, np.uint16)  # the packed arrays' narrow part (see codec)
_PACKED = ("post_doc", "post_wtf", "positions")
_ARRAYS: dict[str, type | tuple[type, ...]] = {
    "term_ptr": np.int64,
    "post_fields": np.uint16,
    "pos_ptr": np.int64,
    "part_ptr": np.int64,
    "part_positions": np.int32,
    "part_at": np.int64,
    "part_word": np.int32,
    "seg_start": np.int64,
    "date_start": np.int32,
    "date_end": np.int32,
    "date_key": np.int64,
    "date_order": np.int32,
    "title_order": np.int32,
    "doc_len": np.float64,
    "vocab": np.uint8,
    "vocab_ptr": np.int64,
    "ids": np.uint8,
    "id_ptr": np.int64,
    "titles": np.uint8,
    "title_ptr": np.int64,
}
for _name in FACET_FIELDS:
    _ARRAYS[f"facet_doc_{_name}"] = np.int32
    _ARRAYS[f"facet_value_{_name}"] = np.int32
for _name in _PACKED:
    _ARRAYS[f"{_name}_small"] = _SMALL
    _ARRAYS[f"{_name}_esc_idx"] = np.int64
    _ARRAYS[f"{_name}_esc_val"] = np.int64


class DamagedSegment(Exception):
    """A segment on disk that is not exactly what was written: rebuild, never trust."""


def _blob(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    ptr = np.zeros(len(encoded) + 1, np.int64)
    if encoded:
        np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=ptr[1:])
    return np.frombuffer(b"".join(encoded), np.uint8), ptr


def _strings(blob: np.ndarray, ptr: np.ndarray) -> list[str]:
    """The strings of a table (``blob`` of UTF-8, ``ptr`` its offsets), checked.

    ASCII without a newline (ids at every open: 100,000 of them at 100k records): a
    newline inserted at every boundary, one decode and one ``split``, no Python loop
    (half the CPU of slicing). Otherwise each string is decoded on its own.
    """
    ptr = np.asarray(ptr)
    if (
        len(ptr) < 1
        or int(ptr[0]) != 0
        or int(ptr[-1]) != len(blob)
        or bool(np.any(ptr[1:] < ptr[:-1]))
    ):
        raise DamagedSegment("bad string table")
    if len(ptr) == 1:
        return []
    text = bytes(blob)
    if text.isascii() and b"\n" not in text:
        joined = np.insert(np.frombuffer(text, np.uint8), ptr[1:-1], np.uint8(10))
        return joined.tobytes().decode("ascii").split("\n")
    try:
        return [
            text[a:b].decode("utf-8", "surrogatepass") for a, b in itertools.pairwise(ptr.tolist())
        ]
    except UnicodeDecodeError:
        raise DamagedSegment("bad string table") from None


def save_segment(index: TokenIndex, ids: Sequence[str], folder: Path) -> str:
    """Write ``index`` (records ``ids``, in its doc order) as a new segment under ``folder``.

    Returns the segment's name (a fresh folder name); written to a temporary folder,
    then renamed, so a segment either exists whole or not at all.
    """
    if len(ids) != index.n or index._doc_len is None:
        raise ValueError("only a freshly built index over these records can be saved")
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    name = f"seg-{uuid.uuid4().hex}"
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-seg-", dir=folder))
    try:
        os.chmod(tmp, DIR_MODE)
        data: dict[str, np.ndarray] = {
            "term_ptr": index.term_ptr,
            "post_fields": index.post_fields,
            "pos_ptr": index.pos_ptr,
            "part_ptr": index.part_ptr,
            "part_positions": index.part_positions,
            "seg_start": index.seg_start,
            "date_start": index.date_start,
            "date_end": index.date_end,
            "date_key": index.date_key,
            "date_order": index.date_order,
            "title_order": index.title_order,
            "doc_len": index._doc_len,
        }
        # a position listed for an apostrophe word's part holds the whole word in the
        # stream: remember those words; the stream is derived from the positions
        data["part_at"] = distinct(index.part_positions).astype(np.int64)
        data["part_word"] = index.stream[data["part_at"]]
        data["vocab"], data["vocab_ptr"] = _blob(index.vocab)
        data["ids"], data["id_ptr"] = _blob(ids)
        data["titles"], data["title_ptr"] = _blob(index.titles)
        for fname, f in index.facets.items():
            data[f"facet_doc_{fname}"] = f.entry_doc
            data[f"facet_value_{fname}"] = f.entry_value
        shapes: dict[str, int] = {}

        def write(key: str, arr: np.ndarray) -> None:
            dtype = _ARRAYS[key]
            arr = np.ascontiguousarray(arr)
            if not isinstance(dtype, tuple):
                arr = arr.astype(dtype, copy=False)
            shapes[key] = len(arr)
            write_array(tmp / f"{key}.npy", arr)

        # the packed arrays one at a time, each written and dropped before the next is
        # made (at 100k records they are hundreds of MB: a first open's peak memory);
        # weighted frequencies are whole halves, so twice them are exact float32 integers
        for key, make in (
            ("post_doc", lambda: codec.pack(index.post_doc, index.term_ptr)),
            ("post_wtf", lambda: codec.pack(index.post_wtf * np.float32(2))),
            ("positions", lambda: codec.pack(index.positions, index.pos_ptr)),
        ):
            for part, arr in zip(("small", "esc_idx", "esc_val"), make(), strict=True):
                write(f"{key}_{part}", arr)
        for key in _ARRAYS:
            if key not in shapes:
                write(key, data[key])
        shapes = {key: shapes[key] for key in _ARRAYS}  # meta.json in the usual order
        meta = {
            "format": SEGMENT_FORMAT,
            "n": index.n,
            "stream_len": len(index.stream),
            "shapes": shapes,
            "facets": {fname: list(f.values) for fname, f in index.facets.items()},
        }
        fd = os.open(tmp / "meta.json", os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        with open(fd, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False)
        sync_files([tmp / f"{key}.npy" for key in _ARRAYS] + [tmp / "meta.json"])
        fsync_folder(tmp)  # its entries, then the rename into place, survive a power loss
        os.rename(tmp, folder / name)
        fsync_folder(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return name


def write_array(path: Path, arr: np.ndarray) -> None:
    """A new ``.npy`` file (0600); :func:`sync_files` puts it on disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with open(fd, "wb") as fh:
        np.save(fh, arr, allow_pickle=False)


_SYNC_THREADS = 8


def sync_files(paths: Sequence[Path]) -> None:
    """fsync every file, several at once, before a rename and a manifest name them: a power
    loss can then never leave a committed segment with zeroed pages. Concurrent fsyncs
    share the file system's journal commits (about 4 times faster than one by one here)."""
    errors: list[BaseException] = []

    def sync(batch: Sequence[Path]) -> None:
        try:
            for path in batch:
                fd = os.open(path, os.O_RDWR)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except BaseException as error:  # raised in the caller's thread below
            errors.append(error)

    paths = list(paths)
    k = min(_SYNC_THREADS, len(paths))
    threads = [threading.Thread(target=sync, args=(paths[i::k],)) for i in range(1, k)]
    for t in threads:
        t.start()
    sync(paths[0::k] if k else [])
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def _safe(path: Path, *, folder: bool) -> None:
    st = os.lstat(path)
    kind_ok = stat.S_ISDIR(st.st_mode) if folder else stat.S_ISREG(st.st_mode)
    if not kind_ok:
        raise DamagedSegment(f"{path.name}: not a {'folder' if folder else 'file'}")
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise DamagedSegment(f"{path.name}: owned by someone else")
    if st.st_mode & 0o077:
        raise DamagedSegment(f"{path.name}: others may read or write it")


class StringTable(Sequence[str]):
    """Strings stored as one UTF-8 blob and offsets (mapped), decoded one at a time.

    A sorted table is searched with ``bisect`` without decoding it all, so a warm open
    does not pay for a vocabulary of hundreds of thousands of words.
    """

    _DECODE_ALL_AFTER = 20_000  # lookups; then a scan (a leading wildcard) is cheaper whole

    def __init__(self, blob: np.ndarray, ptr: np.ndarray) -> None:
        self._blob, self._ptr = blob, ptr
        self._n = len(ptr) - 1
        self._all: list[str] | None = None
        self._reads = 0

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):  # type: ignore[override]
        whole = self._all
        if whole is not None:
            return whole[i]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("string table index out of range")
        self._reads += 1
        if self._reads > self._DECODE_ALL_AFTER:
            self._all = _strings(self._blob, self._ptr)
            return self._all[i]
        a, b = int(self._ptr[i]), int(self._ptr[i + 1])
        if not 0 <= a <= b <= len(self._blob):
            raise DamagedSegment("bad string table")
        return bytes(self._blob[a:b]).decode("utf-8", "surrogatepass")

    def __iter__(self):
        if self._all is None:
            self._all = _strings(self._blob, self._ptr)
        return iter(self._all)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]


_STREAM_LOCK = threading.Lock()


class Segment(TokenIndex):
    """A segment opened from disk: the arrays of a TokenIndex, mapped, plus its ids."""

    def row(self, tid: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(docs, weighted tfs, field bits) of a term's postings, decoded from the map."""
        a, b = int(self.term_ptr[tid]), int(self.term_ptr[tid + 1])
        docs = codec.row(self._packed["post_doc"], a, b, gaps=True)
        units = codec.row(self._packed["post_wtf"], a, b, gaps=False)
        return docs, units.astype(np.float32) / np.float32(2), np.asarray(self.post_fields[a:b])

    def all_post_docs(self) -> np.ndarray:
        return codec.unpack(self._packed["post_doc"], self.term_ptr)

    def all_wtf(self) -> np.ndarray:
        return codec.unpack(self._packed["post_wtf"]).astype(np.float32) / np.float32(2)

    def all_positions(self) -> np.ndarray:
        return codec.unpack(self._packed["positions"], self.pos_ptr)

    def term_positions(self, tid: int) -> np.ndarray:
        a, b = int(self.pos_ptr[tid]), int(self.pos_ptr[tid + 1])
        return codec.row(self._packed["positions"], a, b, gaps=True)

    @property
    def stream(self) -> np.ndarray:
        """As TokenIndex.stream, from every position decoded once (phrases only)."""
        if self._stream is None:
            # one thread at a time: a segment is shared by the snapshots a reopen makes
            with _STREAM_LOCK:
                if self._stream is None:
                    self.positions = self.all_positions()
                    try:
                        TokenIndex.stream.fget(self)  # type: ignore[attr-defined]
                    finally:
                        self.positions = None  # type: ignore[assignment]
        assert self._stream is not None
        return self._stream

    def term_id(self, term: str) -> int:
        """Row of ``term`` in the (sorted) vocabulary, or -1: a binary search, no dict."""
        vocab = self.vocab
        i = bisect_left(vocab, term)
        return i if i < len(vocab) and vocab[i] == term else -1

    path: Path
    name: str
    _ids: list[str] | None

    @property
    def ids(self) -> list[str]:
        """Each record's id, in doc order (decoded on first use)."""
        if self._ids is None:
            self._ids = _strings(self._id_blob, self._id_ptr)
            if len(self._ids) != self.n:
                raise DamagedSegment("ids")
        return self._ids

    @property
    def doc_titles(self) -> list[str]:
        """Each record's folded title (decoded on first use: only a title sort needs them)."""
        return _strings(self._title_blob, self._title_ptr)


def load_segment(folder: Path, name: str) -> Segment:
    """Open the segment ``name`` under ``folder`` by mapping its arrays; DamagedSegment if off."""
    path = folder / name
    try:
        _safe(path, folder=True)
        meta_path = path / "meta.json"
        _safe(meta_path, folder=False)
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != SEGMENT_FORMAT:
            raise DamagedSegment("format")
        n = meta["n"]
        shapes = meta["shapes"]
        stream_len = meta["stream_len"]
        if not (isinstance(n, int) and isinstance(stream_len, int) and isinstance(shapes, dict)):
            raise DamagedSegment("meta")
        arrays: dict[str, np.ndarray] = {}
        for key, dtype in _ARRAYS.items():
            file = path / f"{key}.npy"
            _safe(file, folder=False)
            # a str, not a Path: numpy's memmap resolves a Path (a realpath, lstat by lstat)
            arr = np.load(str(file), mmap_mode="r", allow_pickle=False)
            kinds = dtype if isinstance(dtype, tuple) else (dtype,)
            if arr.dtype not in kinds or arr.shape != (shapes.get(key),):
                raise DamagedSegment(f"{key}: shape or type")
            arrays[key] = arr
        seg = Segment()
        seg.path, seg.name, seg.n = path, name, n
        _check_and_set(seg, arrays, meta, stream_len)
        return seg
    except (DamagedSegment, FileNotFoundError):
        raise  # gone: a writer removed it after a newer manifest (the caller looks again)
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DamagedSegment(f"{name}: {error}") from None


def _check_and_set(seg: Segment, a: dict[str, np.ndarray], meta: dict, stream_len: int) -> None:
    n = seg.n
    vocab = StringTable(a["vocab"], a["vocab_ptr"])
    nv = len(vocab)

    def ptr_ok(ptr: np.ndarray, rows: int, total: int) -> bool:
        return (
            len(ptr) == rows + 1
            and int(ptr[0]) == 0
            and int(ptr[-1]) == total
            and bool(np.all(ptr[1:] >= ptr[:-1]))
        )

    def order_ok(arr: np.ndarray) -> bool:
        return len(arr) == n and bool(np.array_equal(np.sort(arr), np.arange(n)))

    packed = {k: (a[f"{k}_small"], a[f"{k}_esc_idx"], a[f"{k}_esc_val"]) for k in _PACKED}
    npost, npos = len(a["post_fields"]), len(a["positions_small"])
    checks = [
        ptr_ok(a["term_ptr"], nv, npost),
        codec.check(packed["post_doc"], npost),
        codec.check(packed["post_wtf"], npost),
        codec.check(packed["positions"], npos),
        ptr_ok(a["pos_ptr"], nv, npos),
        ptr_ok(a["part_ptr"], nv, len(a["part_positions"])),
        len(a["part_at"]) == len(a["part_word"]),
        len(a["seg_start"]) == n * len(_TEXT_FIELDS()),
        all(len(a[k]) == n for k in ("date_start", "date_end", "date_key", "doc_len")),
        order_ok(a["date_order"]),
        order_ok(a["title_order"]),
        len(a["id_ptr"]) == n + 1,
        len(a["vocab_ptr"]) >= 1
        and int(a["vocab_ptr"][0]) == 0
        and int(a["vocab_ptr"][-1]) == len(a["vocab"]),
        len(a["title_ptr"]) == n + 1,
        0 <= stream_len < 2**31,
        not len(a["part_at"])
        or (int(a["part_at"].min()) >= 0 and int(a["part_at"].max()) < stream_len),
        not len(a["part_word"])
        or (int(a["part_word"].min()) >= -1 and int(a["part_word"].max()) < nv),
        bool(np.all(np.asarray(a["doc_len"]) >= 0)),
    ]
    if not all(checks):
        raise DamagedSegment("inconsistent arrays")
    facets = meta.get("facets")
    if not isinstance(facets, dict) or set(facets) != set(FACET_FIELDS):
        raise DamagedSegment("facets")
    for fname in FACET_FIELDS:
        values = facets[fname]
        doc, val = a[f"facet_doc_{fname}"], a[f"facet_value_{fname}"]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise DamagedSegment("facet values")
        if len(doc) != len(val):
            raise DamagedSegment("facet arrays")
        if len(doc) and not (
            int(doc.min()) >= 0
            and int(doc.max()) < n
            and int(val.min()) >= 0
            and int(val.max()) < len(values)
        ):
            raise DamagedSegment("facet range")
        seg.facets[fname] = Facet(values, doc, val)
    seg.vocab = vocab
    seg._packed = packed  # type: ignore[attr-defined]
    seg.post_doc = seg.post_wtf = seg.positions = None  # type: ignore[assignment]  # packed
    for key in (
        "term_ptr",
        "post_fields",
        "pos_ptr",
        "part_ptr",
        "part_positions",
        "seg_start",
        "date_start",
        "date_end",
        "date_key",
        "date_order",
        "title_order",
    ):
        setattr(seg, key, a[key])
    seg.post_imp = None  # type: ignore[assignment]  # scores are made at query time (view)
    seg.date_rank = np.empty(n, np.int32)
    seg.date_rank[seg.date_order] = np.arange(n, dtype=np.int32)
    seg._doc_len = None
    seg.doc_len = a["doc_len"]  # type: ignore[attr-defined]
    seg._stream = None
    seg._stream_source = (stream_len, a["part_at"], a["part_word"])
    seg._ids = None
    seg._id_blob, seg._id_ptr = a["ids"], a["id_ptr"]  # type: ignore[attr-defined]
    seg._title_blob, seg._title_ptr = a["titles"], a["title_ptr"]  # type: ignore[attr-defined]


def _TEXT_FIELDS() -> tuple[str, ...]:
    from . import TEXT_FIELDS

    return TEXT_FIELDS


def remove_segment(folder: Path, name: str) -> None:
    """Delete a segment folder (mapped copies stay readable until closed)."""
    with contextlib.suppress(OSError):
        shutil.rmtree(folder / name)
