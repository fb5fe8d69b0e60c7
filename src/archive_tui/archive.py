"""Archive: one or two record stores, their search index, and what the app asks of them.

An archive is a writable store (the user's) optionally layered over a read-only base
(the shipped FRUS archive); a user record replaces the base record with the same id.
Opening loads the records and either reads the index cache (keyed by both stores'
fingerprints) or builds the index; the cache is then written on a thread, so a first
open is searchable without waiting for the disk (see :func:`wait_for_cache`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import remove_orphan_temps
from .dates import parse_date
from .index import RecordLayout, TokenIndex, cache_key
from .records import validate_records
from .search import Filters, SearchResult, execute, prepare
from .store import LazyRecords, RecordStore, StaleLayout, StoreError, collector_paused

__all__ = ["Archive", "StoreError"]


class Archive:
    """Records from ``path`` over an optional read-only ``base``, searchable."""

    def __init__(
        self,
        store: RecordStore,
        base: RecordStore | None = None,
        *,
        use_cache: bool = True,
        layout: RecordLayout | None = None,
    ) -> None:
        self.store = store
        self.base = base
        self.use_cache = use_cache
        self.from_cache = False
        self.open_ms = 0.0
        self._records: Sequence[dict] = []
        self._by_id: dict[str, int] = {}
        self._base_count = 0
        self._index = TokenIndex()
        self.lazy = False  # records read one by one from the files (see _load_lazy)
        #: each store's fingerprint when its records were read (what this snapshot holds)
        self._fingerprints: list[str] = []
        self._create = False  # Archive.open's ``create``, for reopen()
        if layout is None or not self._load_lazy(layout):
            self._load()

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
        # Files unchanged since the index cache was built were validated then: trust them.
        paths = [Path(p) for p in (base, path) if p is not None]
        cache = _cache_path(paths) if use_cache else None  # (no cache: maybe no home folder)
        if cache is not None:
            wait_for_cache(cache)  # an earlier open in this process may still be writing it
        trusted = TokenIndex.trusted_fingerprints(cache) if cache is not None else {}
        # Files unchanged since the cache noted where each record's line is: read lazily.
        layout = TokenIndex.record_layout(cache) if cache is not None else None
        if layout is not None and layout.paths != [str(p.resolve()) for p in paths]:
            layout = None
        spans_at = dict(zip(layout.paths, layout.fingerprints, strict=True)) if layout else {}

        def trust(p: os.PathLike[str] | str) -> str | None:
            return trusted.get(str(Path(p).resolve()))

        def defer(p: os.PathLike[str] | str) -> str | None:
            return spans_at.get(str(Path(p).resolve()))

        base_store = (
            RecordStore.open(base, read_only=True, trusted=trust(base), defer=defer(base))
            if base is not None
            else None
        )
        store = RecordStore.open(
            path,
            create=create or base is not None,
            read_only=read_only,
            trusted=trust(path),
            defer=defer(path),
        )
        archive = cls(store, base_store, use_cache=use_cache, layout=layout)
        archive._create = create
        return archive

    @classmethod
    def open_default(cls) -> Archive:
        """The shipped archive with the user's archive on top."""
        from .paths import shipped_archive_path, user_archive_path

        shipped = shipped_archive_path()
        user = user_archive_path()
        if not shipped.exists():
            return cls.open(user, create=True)
        return cls.open(user, base=shipped)

    def _stores(self) -> list[RecordStore]:
        return [s for s in (self.base, self.store) if s is not None]

    def _cache_path(self) -> Path:
        return _cache_path([s.path for s in self._stores()])

    def _load_lazy(self, layout: RecordLayout) -> bool:
        """Open from the cache alone, records read on demand; False if anything is off.

        Possible when the cache notes where every record's line is in files that still
        have the fingerprints they had then (so they hold exactly the records indexed).
        """
        t0 = time.perf_counter()
        stores = self._stores()
        if [str(s.path.resolve()) for s in stores] != layout.paths:
            return False
        try:
            records = LazyRecords(
                [(s.path, fp) for s, fp in zip(stores, layout.fingerprints, strict=True)],
                layout.ids,
                layout.store.tolist(),
                layout.offset.tolist(),
                layout.length.tolist(),
                on_stale=self._reload_after_change,
            )
        except (StaleLayout, OSError):
            return False
        ids = layout.ids
        by_id = {record_id: i for i, record_id in enumerate(ids)}
        ids_digest = hashlib.sha256("\x1f".join(ids).encode()).hexdigest()
        key = cache_key([*layout.fingerprints, ids_digest])
        index = TokenIndex.load(self._cache_path(), key, len(ids))
        if index is None or len(by_id) != len(ids):
            records.close()
            return False
        own = len(stores) - 1
        self._base_count = (
            int(np.count_nonzero(layout.store != own)) if self.base is not None else 0
        )
        self._records = records
        self._by_id = by_id
        self._index = index
        self._fingerprints = list(layout.fingerprints)
        self.from_cache = True
        self.lazy = True
        prepare(index)
        self.open_ms = (time.perf_counter() - t0) * 1000
        return True

    def _reload_after_change(self) -> dict[str, dict]:
        """A file was changed in place under lazy records: its records by id, parsed again.

        Only the records are read (no index build), and this archive is not changed: it
        stays the snapshot it was (see :meth:`reopen` for the new state).
        """
        records: dict[str, dict] = {}
        for store in self._stores():
            records.update((r["id"], r) for r in store.load())
        return records

    # ------------------------------------------------------------------ changes on disk

    def changed_on_disk(self) -> bool:
        """Does any store file differ from what this archive holds? Cheap: stat calls only.

        StoreError when a file cannot even be stat'ed.
        """
        return [s.fingerprint() for s in self._stores()] != self._fingerprints

    def reopen(self) -> Archive:
        """A new, fully loaded archive of the same files and options (slow: off the UI
        thread). This one is left as it was."""
        return Archive.open(
            self.store.path,
            base=self.base.path if self.base is not None else None,
            create=self._create,
            read_only=self.store.read_only,
            use_cache=self.use_cache,
        )

    def _load(self) -> None:
        # the index build and its lookup tables make few objects and no garbage; without
        # the pause, the collector walks the millions of parsed records again (0.5 s at 100k)
        with collector_paused():
            self._load_and_index()

    def _load_and_index(self) -> None:
        t0 = time.perf_counter()
        old = self._records
        if isinstance(old, LazyRecords):
            old.close()
        self.lazy = False
        stores = self._stores()
        fingerprints = [s.fingerprint() for s in stores]
        base_records = self.base.load() if self.base is not None else []
        own = self.store.load()
        if base_records:
            own_ids = {r["id"] for r in own}
            records = [r for r in base_records if r["id"] not in own_ids]
            records.extend(own)
        else:
            records = list(own)
        self._base_count = len(records) - len(own)
        self._fingerprints = fingerprints
        self._records = records
        self._by_id = {r["id"]: i for i, r in enumerate(records)}
        ids_digest = hashlib.sha256("\x1f".join(self._by_id).encode()).hexdigest()
        key = cache_key([*fingerprints, ids_digest])
        index = None
        self.from_cache = False
        if self.use_cache:
            index = TokenIndex.load(self._cache_path(), key, len(records))
            self.from_cache = index is not None
        if index is None:
            index = TokenIndex.build(records)
            if self.use_cache:
                self._save_cache_later(index, key, stores, fingerprints, records)
        self._index = index
        prepare(index)  # lookup tables the first search would otherwise build
        self.open_ms = (time.perf_counter() - t0) * 1000

    def _save_cache_later(
        self,
        index: TokenIndex,
        key: str,
        stores: list[RecordStore],
        fingerprints: list[str],
        records: list[dict],
    ) -> None:
        """Write the index cache on a thread; the archive is searchable meanwhile.

        The thread is not a daemon, so a short-lived process (the CLI) still finishes
        writing before it exits; the write is atomic, so one cut short leaves no cache.
        """
        path = self._cache_path()

        def save() -> None:
            # a cache we cannot write only costs time on the next open: never an error
            with contextlib.suppress(Exception):
                remove_orphan_temps(path)  # of a process that quit mid-write (Ctrl-C)
                clean = {
                    str(s.path.resolve()): fp
                    for s in stores
                    if (fp := s.clean_fingerprint()) is not None
                }
                layout = self._layout(stores, fingerprints, records)
                index.save(path, key, trusted=clean, layout=layout)

        wait_for_cache(path)
        # daemon=False said outright: a thread inherits the flag of the one that starts it,
        # and the app opens archives on a (daemon) worker thread
        thread = threading.Thread(target=save, name="archive-tui-index-cache", daemon=False)
        with _saving_lock:
            _saving[path] = thread
        thread.start()

    def wait_for_cache(self) -> None:
        """Return once the index cache this archive is writing (if any) is on disk."""
        wait_for_cache(self._cache_path())

    @staticmethod
    def _layout(
        stores: list[RecordStore], fingerprints: list[str], records: list[dict]
    ) -> RecordLayout | None:
        """Where each record's line is in the (valid, unchanged) files, or None."""
        spans = [s.record_spans() for s in stores]
        if any(sp is None or sp[0] != fp for sp, fp in zip(spans, fingerprints, strict=True)):
            return None
        where: dict[str, tuple[int, int, int]] = {}
        for k, (store, sp) in enumerate(zip(stores, spans, strict=True)):
            assert sp is not None
            offsets, lengths = sp[1]
            loaded = store.load() if sp[0] != "missing" else []
            if len(loaded) != len(offsets):
                return None
            for record, offset, length in zip(loaded, offsets, lengths, strict=True):
                where[record["id"]] = (k, offset, length)  # the user's record wins
        rows = [where[r["id"]] for r in records]
        return RecordLayout(
            [str(s.path.resolve()) for s in stores],
            list(fingerprints),
            [r["id"] for r in records],
            np.array([r[0] for r in rows], np.int8),
            np.array([r[1] for r in rows], np.int64),
            np.array([r[2] for r in rows], np.int64),
        )

    # ------------------------------------------------------------------ reading

    def __len__(self) -> int:
        return len(self._records)

    @property
    def index(self) -> TokenIndex:
        return self._index

    def search(
        self,
        query: str = "",
        filters: Filters | Mapping[str, Any] | None = None,
        sort: str | None = None,
        offset: int = 0,
        limit: int = 20,
        *,
        should_stop: Callable[[], bool] | None = None,
    ) -> SearchResult:
        """Search; sort None means relevance when the query has words, else date."""
        return execute(
            self._index, self._records, query, filters, sort, offset, limit, should_stop=should_stop
        )

    def get(self, record_id: str) -> dict | None:
        i = self._by_id.get(record_id)
        return None if i is None else self._records[i]

    def records(self) -> Iterator[dict]:
        """Every record: the base's first (minus overridden ones), then the user's."""
        return iter(self._records)

    def related(self, record_id: str, limit: int = 10) -> list[dict]:
        """Records sharing the most subjects and people with this one, then nearest in date."""
        doc = self._by_id.get(record_id)
        if doc is None or limit <= 0:
            return []
        idx = self._index
        shared = np.zeros(idx.n, np.int32)
        for name in ("subjects", "people"):
            facet = idx.facets[name]
            lo, hi = np.searchsorted(facet.entry_doc, [doc, doc + 1])
            values = facet.entry_value[lo:hi]
            if not len(values):
                continue
            ptr, docs = idx.value_docs(name)
            for v in values.tolist():
                shared[docs[ptr[v] : ptr[v + 1]]] += 1
        shared[doc] = 0
        mid = (idx.date_start[doc] + idx.date_end[doc]) // 2
        distance = np.abs((idx.date_start + idx.date_end) // 2 - mid).astype(np.int64)
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
        }

    # ------------------------------------------------------------------ writing

    def add(self, records: Iterable[object]) -> tuple[int, int]:
        """Validate every record, then upsert them all into the writable archive.

        ValidationFailed (nothing written) if any record is invalid; StoreError if the
        archive is read-only. Returns (added, updated); the index is rebuilt.
        """
        batch = validate_records(records)
        for record in batch:
            parse_date(record["date"])
        self.wait_for_cache()  # its thread reads the store we are about to change
        if self.store.read_only:
            raise StoreError(self.store.path, "is open read-only; nothing was written")
        added, updated = self.store.upsert(batch)
        if added or updated:
            self._load()
        return added, updated

    def remove(self, record_ids: Iterable[str]) -> int:
        """Remove records of the writable archive by id; returns how many were removed.

        A removed record that overrode a base record with its id lets the base one show
        again. Base records are never removed. The index is rebuilt, as after add().
        """
        self.wait_for_cache()  # its thread reads the store we are about to change
        removed = self.store.remove(record_ids)
        if removed:
            self._load()
        return removed


_saving: dict[Path, threading.Thread] = {}  # cache file -> the thread writing it
_saving_lock = threading.Lock()


def cache_writes_pending() -> bool:
    """True while this process is still writing an index cache."""
    with _saving_lock:
        return any(thread.is_alive() for thread in _saving.values())


def wait_for_cache_writes() -> None:
    """Wait for every index cache this process is writing (before it exits)."""
    with _saving_lock:
        paths = list(_saving)
    for path in paths:
        wait_for_cache(path)


def wait_for_cache(path: Path) -> None:
    """Wait for this process's write of the index cache at ``path``, if one is running."""
    with _saving_lock:
        thread = _saving.get(path)
    if thread is not None:
        thread.join()
        with _saving_lock:
            if _saving.get(path) is thread:
                del _saving[path]


def _cache_path(paths: list[Path]) -> Path:
    """The index cache file for these store paths (base first)."""
    from .paths import cache_dir

    ident = "\x1f".join(str(p.resolve()) for p in paths)
    name = hashlib.sha256(ident.encode()).hexdigest()[:20]
    return cache_dir() / f"index-{name}.npz"
