"""Archive: one or two record stores, their segmented index, and what the app asks of them.

An archive is a writable store (the user's) optionally layered over a read-only base
(the shipped FRUS archive); a user record replaces the base record with the same id.
Each store file has its own index (segments, a layout, a manifest: see
:mod:`.index.store_index`), so the shipped archive is indexed once per content and an
import only indexes what it adds. Opening maps the segments and reads records lazily by
their line in the file; a store without a manifest matching its file is rebuilt (then
saved on a thread, so a first open is searchable without waiting for the disk).

An Archive object is a snapshot: it keeps the files it read open, so reading from it
never reloads; :meth:`changed_on_disk` says (by ``stat`` alone) when a newer one exists
and :meth:`reopen` loads it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .annotations import AnnotationIndex
from .dates import parse_date
from .index import store_index as si_mod
from .index.codec import DamagedArray
from .index.segment import DamagedSegment
from .index.store_index import StoreIndex, store_folder
from .index.view import IndexView, Part
from .provenance import add_derived_fields
from .records import validate_records
from .search import Filters, SearchResult, execute, prepare
from .store import LazyRecords, RecordStore, StaleLayout, StoreError, collector_paused

__all__ = ["Archive", "StoreError", "add_to_store", "write_store"]


class _Raced(Exception):
    """A store file was replaced between reading its index and opening its records."""


class ArchiveRecords(Sequence[dict]):
    """The archive's records in global doc order, each read from its store on demand."""

    def __init__(
        self, sources: list[Sequence[dict]], store_of: np.ndarray, pos: np.ndarray, ids: list[str]
    ) -> None:
        self.sources = sources
        self.store_of = store_of  # int8 per doc
        self.pos = pos  # int64 per doc: its place in its store file
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.ids)))]
        if i < 0:
            i += len(self.ids)
        if not 0 <= i < len(self.ids):
            raise IndexError("record index out of range")
        return self.sources[int(self.store_of[i])][int(self.pos[i])]

    def __iter__(self) -> Iterator[dict]:
        for k, source in enumerate(self.sources):
            wanted = self.pos[self.store_of == k]
            if len(wanted) == len(source):
                yield from source
            else:
                keep = np.zeros(len(source), bool)
                keep[wanted] = True
                for record, ok in zip(source, keep.tolist(), strict=True):
                    if ok:
                        yield record

    def close(self) -> None:
        for source in self.sources:
            if isinstance(source, LazyRecords):
                source.close()


class Archive:
    """Records from ``path`` over an optional read-only ``base``, searchable."""

    def __init__(
        self,
        store: RecordStore,
        base: RecordStore | None = None,
        *,
        use_cache: bool = True,
        reuse: Archive | None = None,
    ) -> None:
        self.store = store
        self.base = base
        self.use_cache = use_cache
        # an older snapshot of the same files: a store it holds unchanged is not opened again
        self._reuse = reuse
        self._reused: set[int] = set()  # stores taken from it in the last load
        self.from_cache = False
        self.open_ms = 0.0
        self._records: ArchiveRecords | Sequence[dict] = []
        self._by_id: dict[str, int] | None = None
        self._base_count = 0
        self._fingerprints: list[str] = []
        self._store_indexes: list[StoreIndex] = []
        self._index = IndexView([], 0)
        self.annotations: AnnotationIndex | None = None  # see attach_annotations
        self._load()
        self._reuse = None  # never keep the older snapshot alive

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        path: os.PathLike[str] | str,
        *,
        base: os.PathLike[str] | str | None = None,
        create: bool = False,
        read_only: bool = False,
        use_cache: bool = True,
    ) -> Archive:
        """Open the archive at ``path`` (over ``base`` if given); StoreError on a bad file.

        A missing ``path`` is fine when ``base`` is given or ``create`` is set: it is
        created by the first :meth:`add`.
        """
        paths = [Path(p) for p in (base, path) if p is not None]
        for p in paths if use_cache else ():  # (no cache: maybe no home folder)
            wait_for_cache(store_folder(p))  # an earlier open in this process may be saving

        def defer(p: Path) -> str | None:
            # a file whose saved index covers its content is not read until needed
            if not use_cache:
                return None
            meta = si_mod._read_manifest(store_folder(p))
            return meta["fingerprint"] if meta is not None else None

        base_store = (
            RecordStore.open(base, read_only=True, defer=defer(Path(base)))
            if base is not None
            else None
        )
        store = RecordStore.open(
            path, create=create or base is not None, read_only=read_only, defer=defer(Path(path))
        )
        return cls(store, base_store, use_cache=use_cache)

    @classmethod
    def open_default(cls) -> Archive:
        """The shipped archive with the user's archive on top."""
        from .paths import shipped_archive_path, user_archive_path

        shipped = shipped_archive_path()
        user = user_archive_path()
        if not shipped.exists():
            return cls.open(user, create=True)
        return cls.open(user, base=shipped)

    def reopen(self) -> Archive:
        """A new, loaded Archive of the same files and options (for a worker thread).

        A store file unchanged since this snapshot (by ``stat``: the shipped archive
        while the user imports) keeps its mapped index and its records as they are; only
        the changed store's index is opened (counted in ``STATS["stores_reused"]``).
        """
        # "is not None": a RecordStore's truth is its length, which would parse the file
        base = (
            RecordStore(self.base.path, read_only=True, create=False)
            if self.base is not None
            else None
        )
        store = RecordStore(
            self.store.path, read_only=self.store.read_only, create=self.store._create
        )
        archive = Archive(store, base, use_cache=self.use_cache, reuse=self)
        archive.annotations = self.annotations
        return archive

    def _reusable(
        self, k: int, store: RecordStore, fingerprint: str
    ) -> tuple[StoreIndex, Sequence[dict] | None] | None:
        """The older snapshot's index of store ``k`` (and its parsed records, if it
        parsed them) when that file is the same path with the same fingerprint."""
        old = self._reuse
        if old is None or k >= len(old._store_indexes):
            return None
        old_stores = old._stores()
        si = old._store_indexes[k]
        if (
            len(old_stores) != len(self._stores())
            or old_stores[k].path != store.path
            or si.fingerprint != fingerprint
        ):
            return None
        source = old._records.sources[k] if isinstance(old._records, ArchiveRecords) else None
        parsed = source if isinstance(source, list) else None
        si_mod.count("stores_reused")
        self._reused.add(k)
        return si, parsed

    def changed_on_disk(self) -> bool:
        """Whether any store file differs (by ``stat``) from the one this snapshot holds."""
        try:
            return [s.fingerprint() for s in self._stores()] != self._fingerprints
        except StoreError:
            return True

    def _stores(self) -> list[RecordStore]:
        return [s for s in (self.base, self.store) if s is not None]

    def _store_index(
        self, store: RecordStore, k: int = 0
    ) -> tuple[StoreIndex, Sequence[dict] | None]:
        """The store's index (reused from an older snapshot, opened, or built and saved on
        a thread) and, when the file had to be parsed, its records."""
        fingerprint = store.fingerprint()
        if fingerprint == "missing":
            if not store._create:
                raise StoreError(store.path, "does not exist")
            return StoreIndex.empty(store.path), []
        reused = self._reusable(k, store, fingerprint)
        if reused is not None:
            return reused
        if self.use_cache:
            opened = si_mod.open_store_index(store.path, fingerprint)
            if opened is not None:
                return opened, None
        fingerprint, records, spans = store.snapshot()
        if fingerprint == "missing":
            return StoreIndex.empty(store.path), []
        built = si_mod.build_store_index(store.path, fingerprint, records, spans)
        if self.use_cache:
            _save_later(built, store)
        return built, records

    def _load(self) -> None:
        with collector_paused():
            for _attempt in range(10):
                try:
                    self._load_and_index()
                    return
                except _Raced:
                    time.sleep(0.01)
            raise StoreError(self.store.path, "keeps changing while it is opened; try again")

    def _load_and_index(self) -> None:
        t0 = time.perf_counter()
        old = self._records
        stores = self._stores()
        indexes: list[StoreIndex] = []
        parsed: list[Sequence[dict] | None] = []
        self._reused = set()
        for k, store in enumerate(stores):
            si, records = self._store_index(store, k)
            indexes.append(si)
            parsed.append(records)
        self.from_cache = all(  # nothing rebuilt
            p is None or not len(p) or k in self._reused for k, p in enumerate(parsed)
        )
        sources: list[Sequence[dict]] = []
        for store, si, records in zip(stores, indexes, parsed, strict=True):
            sources.append(self._source(store, si, records))
        self._assemble(indexes, sources)
        self._fingerprints = [si.fingerprint for si in indexes]
        self._store_indexes = indexes
        if isinstance(old, ArchiveRecords):
            old.close()
        prepare(self._index)  # lookup tables the first search would otherwise build
        self.open_ms = (time.perf_counter() - t0) * 1000

    def _source(
        self, store: RecordStore, si: StoreIndex, records: Sequence[dict] | None
    ) -> Sequence[dict]:
        """The store's records: as parsed, or read by line span from the (kept open) file."""
        if records is not None:
            return records
        if not len(si.layout):
            return []
        if si.spans:
            ids = si.ids()
            try:
                return LazyRecords(
                    [(store.path, si.fingerprint)],
                    ids,
                    [0] * len(ids),
                    si.layout.offset.tolist(),
                    si.layout.length.tolist(),
                    on_stale=lambda: {r["id"]: r for r in RecordStore.open(store.path).load()},
                )
            except (StaleLayout, OSError):
                pass
        fingerprint, loaded, _ = store.snapshot()  # no spans: the file is parsed
        if fingerprint != si.fingerprint or len(loaded) != len(si.layout):
            raise _Raced(store.path)  # another process replaced the file meanwhile
        return loaded

    def _assemble(self, indexes: list[StoreIndex], sources: list[Sequence[dict]]) -> None:
        """Global doc numbers: the base's records (minus overridden ones), then the user's."""
        ids_per_store = [si.ids() for si in indexes]
        keep_per_store = []
        user_ids = set(ids_per_store[-1]) if len(indexes) > 1 else set()
        for k, ids in enumerate(ids_per_store):
            keep = np.ones(len(ids), bool)
            # C-level loops; disjoint (no override) is the common case
            if k < len(indexes) - 1 and user_ids and not user_ids.isdisjoint(ids):
                overridden = user_ids.intersection(ids)
                keep = ~np.fromiter(map(overridden.__contains__, ids), bool, len(ids))
            keep_per_store.append(keep)
        parts: list[Part] = []
        store_of, pos, all_ids = [], [], []
        base = 0
        for k, (si, keep, ids) in enumerate(
            zip(indexes, keep_per_store, ids_per_store, strict=True)
        ):
            kept = np.flatnonzero(keep)
            glob_of_pos = np.full(len(ids), -1, np.int64)
            glob_of_pos[kept] = np.arange(base, base + len(kept), dtype=np.int64)
            for s, seg in enumerate(si.segments):
                rows = np.flatnonzero(si.layout.seg == s)
                docs = si.layout.doc[rows]
                glob = np.full(seg.n, -1, np.int64)
                glob[docs] = glob_of_pos[rows]
                identity = len(rows) == seg.n and bool(
                    np.all(glob == np.arange(seg.n) + glob[0] if seg.n else True)
                )
                parts.append(Part(seg, glob, int(glob[0]) if identity and seg.n else 0, identity))
            store_of.append(np.full(len(kept), k, np.int8))
            pos.append(kept.astype(np.int64))
            if len(kept) == len(ids):
                all_ids.extend(ids)
            else:
                all_ids.extend(ids[i] for i in kept.tolist())
            base += len(kept)
        self._index = IndexView(parts, base)
        self._records = ArchiveRecords(
            sources,
            np.concatenate(store_of) if store_of else np.zeros(0, np.int8),
            np.concatenate(pos) if pos else np.zeros(0, np.int64),
            all_ids,
        )
        self._by_id = None
        self._base_count = len(all_ids) - (len(ids_per_store[-1]) if len(indexes) > 1 else 0)
        if len(indexes) == 1:
            self._base_count = 0

    @property
    def lazy(self) -> bool:
        """True when every stored record is read on demand from its file's line."""
        records = self._records
        if not isinstance(records, ArchiveRecords):
            return False
        sources = [s for s in records.sources if len(s)]
        return bool(sources) and all(
            isinstance(s, LazyRecords) and s._replacement is None for s in sources
        )

    def wait_for_cache(self) -> None:
        """Return once the index this archive is saving (if any) is on disk."""
        if not self.use_cache:
            return
        for s in self._stores():
            wait_for_cache(store_folder(s.path))

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self._records)

    @property
    def index(self) -> IndexView:
        return self._index

    @property
    def notes(self) -> list[str]:
        """What to say once about this archive: bad People alias file lines (people_facet)."""
        from .people_facet import people_facet

        return list(people_facet(self._index).notes)

    @property
    def by_id(self) -> dict[str, int]:
        if self._by_id is None:
            self._by_id = {rid: i for i, rid in enumerate(self._records.ids)}  # type: ignore[union-attr]
        return self._by_id

    def search(
        self,
        query: str = "",
        filters: Filters | Mapping[str, Any] | None = None,
        sort: str | None = None,
        offset: int = 0,
        limit: int = 20,
        *,
        should_stop: Callable[[], bool] | None = None,
        annotations: AnnotationIndex | None = None,
    ) -> SearchResult:
        """Search; sort None means relevance when the query has words, else date.

        ``annotations`` (default: those given to :meth:`attach_annotations`) make the
        user's tags, notes and lists searchable (``tag:``, ``note:``, facets ``tags`` and
        ``lists``).

        A segment found damaged while it is read is never trusted: this archive's
        indexes are dropped, rebuilt from the store files, and the search run again.
        """
        ann = annotations if annotations is not None else self.annotations
        try:
            return execute(
                self._index, self._records, query, filters, sort, offset, limit,
                should_stop=should_stop, annotations=ann,
            )  # fmt: skip
        except (DamagedSegment, DamagedArray):
            for s in self._stores() if self.use_cache else ():
                si_mod.forget(store_folder(s.path))
            self._load()
            return execute(
                self._index, self._records, query, filters, sort, offset, limit,
                should_stop=should_stop, annotations=ann,
            )  # fmt: skip

    def attach_annotations(self, annotations: AnnotationIndex | None) -> None:
        """Search with these tags, notes and lists from now on (kept by :meth:`reopen`).

        The caller keeps them current with ``AnnotationIndex.apply``: searches see each
        change at once, nothing is rebuilt.
        """
        self.annotations = annotations

    def get(self, record_id: str) -> dict | None:
        i = self.by_id.get(record_id)
        return None if i is None else self._records[i]

    def records(self) -> Iterator[dict]:
        """Every record: the base's first (minus overridden ones), then the user's."""
        return iter(self._records)

    def related(self, record_id: str, limit: int = 10) -> list[dict]:
        """Records sharing the most subjects and people with this one, then nearest in date."""
        doc = self.by_id.get(record_id)
        if doc is None or limit <= 0:
            return []
        idx = self._index
        shared = np.zeros(idx.n, np.int32)
        for name in ("subjects", "people"):
            facet = idx.facets[name]
            lo, hi = np.searchsorted(facet.entry_doc, [doc, doc + 1])
            values = np.asarray(facet.entry_value[lo:hi])
            if not len(values):
                continue
            ptr, docs = idx.value_docs(name)
            for v in values.tolist():
                shared[docs[ptr[v] : ptr[v + 1]]] += 1
        shared[doc] = 0
        mid = (int(idx.date_start[doc]) + int(idx.date_end[doc])) // 2
        distance = np.abs((idx.date_start.astype(np.int64) + idx.date_end) // 2 - mid).astype(
            np.int64
        )
        # most shared first, then nearest date, then archive order
        key = -shared.astype(np.int64) * (1 << 40) + distance
        key[doc] = np.iinfo(np.int64).max
        k = min(limit, idx.n - 1)
        if k <= 0:
            return []
        part = np.argpartition(key, k - 1)[:k]
        part = part[np.lexsort((part, key[part]))]
        return [self._records[i] for i in part.tolist()]

    def stats(self) -> dict:
        """Counts, date range and where the archive lives."""
        idx = self._index
        first = self._records[int(idx.date_order[0])]["date"] if idx.n else None
        last = self._records[int(idx.date_order[-1])]["date"] if idx.n else None
        from .index import build_stats

        return {
            "records": len(self._records),
            "base_records": self._base_count,
            "user_records": len(self._records) - self._base_count,
            "path": str(self.store.path),
            "base": str(self.base.path) if self.base is not None else None,
            "date_min": first,
            "date_max": last,
            "collections": len(idx.facets["collection"].values),
            "people": len(idx.facets["people"].values),
            "subjects": len(idx.facets["subjects"].values),
            "vocabulary": len(idx.vocab),
            "from_cache": self.from_cache,
            "open_ms": round(self.open_ms, 1),
            "segments": [len(si.segments) for si in self._store_indexes],
            "fallbacks": build_stats()["fallbacks"],
        }

    # ------------------------------------------------------------------ writing

    def add(self, records: Iterable[object]) -> tuple[int, int]:
        """Validate every record, then upsert them all into the writable archive.

        ValidationFailed (nothing written) if any record is invalid; StoreError if the
        archive is read-only. Returns (added, updated). Only the new and changed
        records are indexed (a new segment); this archive then shows them.
        """
        batch = add_derived_fields(validate_records(records))  # provenance, kept
        for record in batch:
            parse_date(record["date"])
        if self.store.read_only:
            raise StoreError(self.store.path, "is open read-only; nothing was written")
        return self._write(lambda: self.store.upsert(batch))

    def remove(self, record_ids: Iterable[str]) -> int:
        """Remove user-archive records by id; how many. A shipped-only id is not removed
        (a user override of a shipped record is: the shipped one shows again)."""
        ids = list(record_ids)
        if self.store.read_only:
            raise StoreError(self.store.path, "is open read-only; nothing was written")
        removed = 0

        def write() -> tuple[int, int]:
            nonlocal removed
            removed = self.store.remove(ids)
            return removed, 0

        self._write(write)
        return removed

    def _write(self, change: Callable[[], tuple[int, int]]) -> tuple[int, int]:
        """Change the user store under its lock, index just that change, then show it."""
        result = write_store(self.store, change, use_cache=self.use_cache)
        self._load()
        return result


def write_store(
    store: RecordStore, change: Callable[[], tuple[int, int]], *, use_cache: bool = True
) -> tuple[int, int]:
    """Run ``change`` (an upsert or a removal of ``store``) under the store's lock, then
    commit a segment of just the records it added or changed and the new layout.

    When the store's index did not cover the file before (never indexed, or changed by
    another program), nothing is indexed here: the next open rebuilds that store.
    """
    if use_cache:
        try:
            folder = store_folder(store.path)
        except Exception:  # no home folder: no index to keep (the next open indexes)
            use_cache = False
        else:
            wait_for_cache(folder)  # a thread may still be saving this index
    with store.storage.lock():
        before = store.fingerprint()
        old = None
        if use_cache:
            old = (
                StoreIndex.empty(store.path)
                if before == "missing"
                else si_mod.open_store_index(store.path, before)
            )
        result = change()
        if use_cache and any(result) and old is not None:
            fingerprint, records, spans = store.snapshot()
            written = si_mod.write_changes(
                old, fingerprint, records, set(store.last_changed), spans
            )
            # the policy asked of the index just written: no thread (and no second open of
            # the segments, which a CLI process would wait for at exit) when nothing merges
            if written is not None and si_mod.merge_candidates(written):
                _merge_later(store)
    return result


def add_to_store(path: os.PathLike[str] | str, records: Iterable[object]) -> tuple[int, int]:
    """Validate, then upsert ``records`` into the store file at ``path`` (created if
    missing) and index only them: what ``archive-tui import`` does. (added, updated)."""
    batch = add_derived_fields(validate_records(records))  # provenance, kept
    for record in batch:
        parse_date(record["date"])
    store = RecordStore.open(path, create=True)
    return write_store(store, lambda: store.upsert(batch))


# ----------------------------------------------------------------------------- threads

_saving: dict[Path, threading.Thread] = {}  # store index folder -> the thread writing it
_saving_lock = threading.Lock()


def _start(folder: Path, target, name: str) -> None:
    # daemon=False said outright: a thread inherits the flag of the one that starts it,
    # and the app opens archives on a (daemon) worker thread; a CLI process finishes it
    wait_for_cache(folder)
    thread = threading.Thread(target=target, name=name, daemon=False)
    with _saving_lock:
        _saving[folder] = thread
    thread.start()


def _save_later(built: StoreIndex, store: RecordStore) -> None:
    """Save a freshly built store index on a thread (never an error: only time is lost)."""

    def save() -> None:
        with contextlib.suppress(Exception):
            si_mod.save_store_index(built, lambda: store.fingerprint() == built.fingerprint)

    _start(built.folder, save, "archive-tui-index-save")


def _merge_later(store: RecordStore) -> None:
    """Merge the store's small segments on a thread when the policy says so."""

    folder = store_folder(store.path)  # now: the thread must not look at the environment
    si_mod.count("merge_threads")

    def merge() -> None:
        with contextlib.suppress(Exception), store.storage.lock():
            fingerprint = store.fingerprint()
            si = si_mod.open_store_index(store.path, fingerprint, folder)
            if si is None:
                return
            group = si_mod.merge_candidates(si)
            if not group:
                return
            fp, records, _ = store.snapshot()
            if fp != fingerprint or len(records) != len(si.layout):
                return
            si_mod.merge(si, group, records)

    _start(folder, merge, "archive-tui-index-merge")


def cache_writes_pending() -> bool:
    """True while this process is still writing an index."""
    with _saving_lock:
        return any(thread.is_alive() for thread in _saving.values())


def wait_for_cache_writes() -> None:
    """Wait for every index this process is writing (before it exits)."""
    with _saving_lock:
        paths = list(_saving)
    for path in paths:
        wait_for_cache(path)


def wait_for_cache(path: Path) -> None:
    """Wait for this process's write of the index folder at ``path``, if one is running."""
    with _saving_lock:
        thread = _saving.get(path)
    if thread is not None and thread is not threading.current_thread():
        thread.join()
        with _saving_lock:
            if _saving.get(path) is thread:
                del _saving[path]
