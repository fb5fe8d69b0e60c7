"""The index of one store file: its segments, its live records, one commit point.

Everything lives in the store's own folder under the cache folder
(``<cache>/segments/<hash of the store's path>/``):

* ``seg-*/``: immutable segments (see :mod:`.segment`);
* ``gen-*/``: one generation of the store's *layout*: for each record of the store file,
  in file order, which segment and doc index it, and where its line is in the file
  (``offset``/``length``; -1 when the file is not laid out one record a line). A record
  of a segment that no layout row points at is deleted: this table is the deletion
  bitmap, the insertion order and the record locator at once, rewritten on each write
  (a few bytes a record);
* ``manifest.json``: the commit point, replaced atomically: the store file's fingerprint
  it covers, the live segments and the current generation.

A reader that finds the manifest's fingerprint equal to the store file's opens the
segments mapped, without reading the store. Anything else (no manifest, another
fingerprint, a damaged file) means this store alone is rebuilt from its file. Writers
hold ``lock`` (``O_NOFOLLOW``, flock); a crash leaves only files no manifest names,
which the next writer removes.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..atomic import atomic_write, fsync_folder
from . import TokenIndex, distinct
from .segment import (
    DIR_MODE,
    FILE_MODE,
    DamagedSegment,
    Segment,
    _safe,
    load_segment,
    save_segment,
    sync_files,
    write_array,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

MANIFEST_FORMAT = 1
MERGE_FACTOR = 4  # this many segments of one size tier are merged into one

# Debug counters a test or `stats` can read: which paths ran.
STATS: dict[str, int] = {
    "store_builds": 0,  # a store indexed from its file (no usable manifest)
    "segments_written": 0,
    "segments_opened": 0,
    "merges": 0,
    "merge_threads": 0,  # threads started to merge (only when the policy found a group)
    "damaged": 0,  # a manifest or segment found damaged (then rebuilt)
    "stores_reused": 0,  # a reopen kept an unchanged store's index (Archive.reopen)
}
_stats_lock = threading.Lock()


def count(name: str, k: int = 1) -> None:
    with _stats_lock:
        STATS[name] = STATS.get(name, 0) + k


def store_folder(store_path: Path) -> Path:
    """The cache folder holding the segments of the store file at ``store_path``."""
    from ..paths import cache_dir

    ident = str(Path(store_path).resolve())
    return cache_dir() / "segments" / hashlib.sha256(ident.encode()).hexdigest()[:20]


def pause_point(name: str) -> None:
    """Test hook: with ARCHIVE_TUI_PAUSE_AT=name, say so in ARCHIVE_TUI_PAUSE_FILE and wait.

    The crash tests kill the process there (a real SIGKILL mid-write).
    """
    if os.environ.get("ARCHIVE_TUI_PAUSE_AT") != name:
        return
    marker = os.environ.get("ARCHIVE_TUI_PAUSE_FILE")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("ARCHIVE_TUI_PAUSE_SECONDS", "30")))


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """The exclusive lock of a store's index folder (manifest writers and cleanup)."""
    folder.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    nofollow = getattr(os, "O_NOFOLLOW", 0)  # never through a planted symlink
    fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT | nofollow, FILE_MODE)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the flock


@dataclass
class Layout:
    """The store file's records in file order: segment, doc in it, and line span."""

    seg: np.ndarray  # int32: index into StoreIndex.segments
    doc: np.ndarray  # int32
    offset: np.ndarray  # int64; -1: no line span known
    length: np.ndarray  # int64

    @classmethod
    def empty(cls) -> Layout:
        z = np.zeros(0, np.int64)
        return cls(z.astype(np.int32), z.astype(np.int32), z, z)

    def __len__(self) -> int:
        return len(self.seg)


@dataclass
class StoreIndex:
    """One store file's segments and layout, as of ``fingerprint``."""

    path: Path
    fingerprint: str
    segments: list[TokenIndex]
    names: list[str]  # segment folder names ("" for one built but not saved yet)
    layout: Layout
    seg_ids: list[list[str]] = field(default_factory=list)  # per segment: its ids
    # where it is saved, fixed when made (a thread saving later must not look again)
    folder: Path = field(default=Path())

    def __post_init__(self) -> None:
        if self.folder == Path():
            with contextlib.suppress(Exception):  # no home folder: never saved (no cache)
                self.folder = store_folder(self.path)

    @classmethod
    def empty(cls, path: Path, fingerprint: str = "missing") -> StoreIndex:
        return cls(Path(path), fingerprint, [], [], Layout.empty(), [])

    @property
    def spans(self) -> bool:
        return len(self.layout) == 0 or bool(self.layout.offset.min() >= 0)

    def ids(self) -> list[str]:
        """The store's record ids, in file order (made once; callers must not change it)."""
        found = self.__dict__.get("_ids")
        if found is None:
            doc = self.layout.doc
            if len(self.segments) == 1 and np.array_equal(doc, np.arange(len(doc))):
                found = list(self.seg_ids[0]) if len(doc) == len(self.seg_ids[0]) else []
            else:
                seg, docs = self.layout.seg.tolist(), doc.tolist()
                found = [self.seg_ids[s][d] for s, d in zip(seg, docs, strict=True)]
            self._ids = found
        return found


# ----------------------------------------------------------------------------- reading


def _read_manifest(folder: Path) -> dict | None:
    path = folder / "manifest.json"
    try:
        _safe(folder, folder=True)
        _safe(path, folder=False)
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, DamagedSegment):
        count("damaged")
        return None
    ok = (
        isinstance(meta, dict)
        and meta.get("format") == MANIFEST_FORMAT
        and isinstance(meta.get("fingerprint"), str)
        and isinstance(meta.get("generation"), str)
        and isinstance(meta.get("segments"), list)
        and all(isinstance(s, str) and s.startswith("seg-") for s in meta["segments"])
        and meta["generation"].startswith("gen-")
    )
    if not ok:
        count("damaged")
        return None
    return meta


def _load_layout(folder: Path, generation: str, nseg: int) -> Layout:
    gen = folder / generation
    _safe(gen, folder=True)
    arrays = {}
    for name, dtype in (
        ("seg", np.int32),
        ("doc", np.int32),
        ("offset", np.int64),
        ("length", np.int64),
    ):
        file = gen / f"{name}.npy"
        _safe(file, folder=False)
        arr = np.load(file, allow_pickle=False)
        if arr.dtype != dtype or arr.ndim != 1:
            raise DamagedSegment(f"layout {name}")
        arrays[name] = arr
    n = len(arrays["seg"])
    if any(len(a) != n for a in arrays.values()):
        raise DamagedSegment("layout shapes")
    if n and (int(arrays["seg"].min()) < 0 or int(arrays["seg"].max()) >= nseg):
        raise DamagedSegment("layout segments")
    return Layout(arrays["seg"], arrays["doc"], arrays["offset"], arrays["length"])


def open_store_index(path: Path, fingerprint: str, folder: Path | None = None) -> StoreIndex | None:
    """The saved index of the store file at ``path`` if it covers ``fingerprint``, else None."""
    folder = folder or store_folder(path)
    for _attempt in range(3):  # a writer may remove what an older manifest named
        meta = _read_manifest(folder)
        if meta is None or meta["fingerprint"] != fingerprint:
            return None
        try:
            segments: list[TokenIndex] = []
            for name in meta["segments"]:
                segments.append(load_segment(folder, name))
                count("segments_opened")
            layout = _load_layout(folder, meta["generation"], len(segments))
            seg_ids = [s.ids for s in segments if isinstance(s, Segment)]
            for s in range(len(segments)):
                docs = layout.doc[layout.seg == s]
                if len(docs) and (int(docs.min()) < 0 or int(docs.max()) >= segments[s].n):
                    raise DamagedSegment("layout docs")
            return StoreIndex(
                Path(path), fingerprint, segments, list(meta["segments"]), layout, seg_ids, folder
            )
        except FileNotFoundError:
            continue
        except DamagedSegment:
            count("damaged")
            return None
    return None


# ----------------------------------------------------------------------------- writing


def build_store_index(
    path: Path,
    fingerprint: str,
    records: Sequence[dict],
    spans: tuple[Sequence[int], Sequence[int]] | None,
    *,
    native: bool = True,
) -> StoreIndex:
    """Index a whole store file's records (in file order) as one segment, in memory."""
    count("store_builds")
    index = TokenIndex.build(records, native=native)
    n = len(records)
    offset, length = _span_arrays(spans, n)
    layout = Layout(np.zeros(n, np.int32), np.arange(n, dtype=np.int32), offset, length)
    ids = [r["id"] for r in records]
    return StoreIndex(Path(path), fingerprint, [index], [""], layout, [ids])


def _span_arrays(
    spans: tuple[Sequence[int], Sequence[int]] | None, n: int
) -> tuple[np.ndarray, np.ndarray]:
    if spans is None or len(spans[0]) != n:
        return np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    return np.asarray(spans[0], np.int64), np.asarray(spans[1], np.int64)


def _write_generation(folder: Path, layout: Layout) -> str:
    name = f"gen-{uuid.uuid4().hex}"
    tmp = folder / f".tmp-{name}"
    tmp.mkdir(mode=DIR_MODE)
    try:
        keys = ("seg", "doc", "offset", "length")
        for key in keys:
            write_array(tmp / f"{key}.npy", getattr(layout, key))
        sync_files([tmp / f"{key}.npy" for key in keys])
        fsync_folder(tmp)
        os.rename(tmp, folder / name)
        fsync_folder(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return name


def _commit(folder: Path, si: StoreIndex, *, pause: str | None = None) -> None:
    """Save unsaved segments, the layout, then the manifest (the commit point); tidy up.

    Called with :func:`folder_lock` held.
    """
    for k, name in enumerate(si.names):
        if not name:
            si.names[k] = save_segment(si.segments[k], si.seg_ids[k], folder)
            count("segments_written")
    generation = _write_generation(folder, si.layout)
    if pause:
        pause_point(pause)
    meta = {
        "format": MANIFEST_FORMAT,
        "store": str(si.path.resolve()),
        "fingerprint": si.fingerprint,
        "segments": si.names,
        "generation": generation,
        "records": len(si.layout),
    }
    with atomic_write(folder / "manifest.json", mode=FILE_MODE, keep_mode=False) as fh:
        fh.write(json.dumps(meta, ensure_ascii=False).encode())
    _remove_unreferenced(folder, {*si.names, generation})


def _remove_unreferenced(folder: Path, keep: set[str]) -> None:
    """Segments and generations no manifest names (older ones, a crashed writer's)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            name = entry.name
            if name in keep or not (
                name.startswith(("seg-", "gen-", ".tmp-")) and entry.is_dir(follow_symlinks=False)
            ):
                continue
            shutil.rmtree(entry.path, ignore_errors=True)


def save_store_index(si: StoreIndex, still_current: Callable[[], bool] | None = None) -> bool:
    """Commit a freshly built store index, unless a newer one for the file is there."""
    folder = si.folder
    with folder_lock(folder):
        meta = _read_manifest(folder)
        newer = meta is not None and meta["fingerprint"] != si.fingerprint
        if newer and still_current is not None and not still_current():
            return False  # the file changed since: a later writer saved (or will)
        _commit(folder, si, pause="store-segment-written")
    return True


def write_changes(
    old: StoreIndex,
    fingerprint: str,
    records: Sequence[dict],
    changed: set[str],
    spans: tuple[Sequence[int], Sequence[int]] | None,
    *,
    native: bool = True,
) -> StoreIndex | None:
    """After the store file was rewritten: a new segment for ``changed`` records, a new
    layout for ``records`` (the whole file, in order), the manifest. Called under the
    store's lock. None when the old layout does not account for an unchanged record.
    """
    where: dict[str, tuple[int, int]] = {}
    old_ids = old.ids()
    for i, rid in enumerate(old_ids):
        where[rid] = (int(old.layout.seg[i]), int(old.layout.doc[i]))
    new_records = [r for r in records if r["id"] in changed]
    n = len(records)
    seg = np.empty(n, np.int32)
    doc = np.empty(n, np.int32)
    segments, names, seg_ids = list(old.segments), list(old.names), list(old.seg_ids)
    new_seg = len(segments)
    local = {r["id"]: k for k, r in enumerate(new_records)}
    for i, r in enumerate(records):
        rid = r["id"]
        k = local.get(rid)
        if k is not None:
            seg[i], doc[i] = new_seg, k
        else:
            at = where.get(rid)
            if at is None:
                return None
            seg[i], doc[i] = at
    if new_records:
        segments.append(TokenIndex.build(new_records, native=native))
        names.append("")
        seg_ids.append([r["id"] for r in new_records])
    # segments no record points at any more are dropped
    used = distinct(seg) if n else np.zeros(0, np.int32)
    keep = [s for s in range(len(segments)) if s in set(used.tolist())]
    renum = np.full(len(segments), -1, np.int32)
    renum[keep] = np.arange(len(keep), dtype=np.int32)
    offset, length = _span_arrays(spans, n)
    si = StoreIndex(
        old.path,
        fingerprint,
        [segments[s] for s in keep],
        [names[s] for s in keep],
        Layout(renum[seg] if n else seg, doc, offset, length),
        [seg_ids[s] for s in keep],
        old.folder,
    )
    folder = old.folder
    with folder_lock(folder):
        _commit(folder, si, pause="segment-written")
    return si


def forget(folder: Path) -> None:
    """Drop a store's manifest (found damaged): the next open indexes that store again."""
    count("damaged")
    with contextlib.suppress(OSError), folder_lock(folder):
        (folder / "manifest.json").unlink(missing_ok=True)


# ----------------------------------------------------------------------------- merging


def merge_candidates(si: StoreIndex) -> list[int]:
    """Segments to merge: MERGE_FACTOR or more of one size tier (live records, powers of 4).

    A log-structured policy: each record is rewritten about log4(n) times in all.
    """
    live = np.bincount(si.layout.seg, minlength=len(si.segments)) if len(si.layout) else []
    tiers: dict[int, list[int]] = {}
    for s, k in enumerate(np.asarray(live).tolist()):
        tier = 0 if k <= 1 else int(np.log(k) / np.log(MERGE_FACTOR))
        tiers.setdefault(tier, []).append(s)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= MERGE_FACTOR:
            return tiers[tier]
    return []


def merge(
    si: StoreIndex, group: list[int], records: Sequence[dict], *, native: bool = True
) -> StoreIndex:
    """One segment for the live records of ``group`` (``records``: the store file's, in
    order, as of ``si.fingerprint``); committed. Called under the store's lock."""
    chosen_seg = np.zeros(len(si.segments), bool)
    chosen_seg[group] = True
    in_group = chosen_seg[si.layout.seg]
    rows = np.flatnonzero(in_group)
    chosen = [records[i] for i in rows.tolist()]
    merged = TokenIndex.build(chosen, native=native)
    rest = [s for s in range(len(si.segments)) if s not in group]
    renum = np.full(len(si.segments), -1, np.int32)
    renum[rest] = np.arange(len(rest), dtype=np.int32)
    seg = renum[si.layout.seg]
    doc = si.layout.doc.copy()
    seg[rows] = len(rest)
    doc[rows] = np.arange(len(rows), dtype=np.int32)
    out = StoreIndex(
        si.path,
        si.fingerprint,
        [si.segments[s] for s in rest] + [merged],
        [si.names[s] for s in rest] + [""],
        Layout(seg, doc, si.layout.offset, si.layout.length),
        [si.seg_ids[s] for s in rest] + [[r["id"] for r in chosen]],
        si.folder,
    )
    folder = si.folder
    with folder_lock(folder):
        _commit(folder, out, pause="merge-written")
    count("merges")
    return out
