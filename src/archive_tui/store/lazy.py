"""LazyRecords: records read one at a time from store files by their line spans.

A warm open reads no store file up front: each record is read (and checked: its line
must parse to the record with the expected id) when it is first asked for, through a
descriptor opened at once, so a file replaced later is still read as it was indexed.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

from archive_tui.store import StoreError, fingerprint_of, parse_line


class StaleLayout(Exception):
    """A store file no longer has the content its record spans were taken from."""


class LazyRecords(Sequence[dict]):
    """Records read one at a time from store files by their line spans, not parsed up front.

    Record ``i`` is ``ids[i]``, on the line at ``offset[i]`` (``length[i]`` bytes) of file
    ``store[i]``. Files are opened at once and must still have their recorded fingerprints,
    else :class:`StaleLayout`. A file replaced later (a new file moved over it) is still
    read through the open descriptor, as it was. One changed in place, or a line that does
    not parse to the expected record, makes ``on_stale`` run once: it reloads everything
    and returns the new records by id, which are served from then on (StoreError for a
    record that is gone). Recently read records are kept (LRU).
    """

    CACHE_SIZE = 4096
    BATCH = 1024

    def __init__(
        self,
        files: Sequence[tuple[Path, str]],
        ids: list[str],
        store: Sequence[int],
        offset: Sequence[int],
        length: Sequence[int],
        on_stale: Callable[[], Mapping[str, dict]],
    ) -> None:
        self.ids = ids
        self._store = list(store)
        self._offset = list(offset)
        self._length = list(length)
        self._paths = [Path(p) for p, _ in files]
        self._fingerprints = [fp for _, fp in files]
        self._fds: list[int | None] = []
        self._finalizer = weakref.finalize(self, _close_fds, self._fds)
        for path, fp in files:
            fd = None
            if fp != "missing":
                try:
                    fd = os.open(path, os.O_RDONLY)
                except OSError:
                    self.close()
                    raise StaleLayout(path) from None
            self._fds.append(fd)
            if fd is not None and fingerprint_of(os.fstat(fd)) != fp:
                self.close()
                raise StaleLayout(path)
        if any(self._fds[s] is None for s in set(self._store)):
            self.close()
            raise StaleLayout("missing file")
        self._on_stale = on_stale
        self._replacement: Mapping[str, dict] | None = None
        self._all: list[dict] | None = None
        self._recent: OrderedDict[int, dict] = OrderedDict()
        self._lock = threading.RLock()

    def close(self) -> None:
        """Close the files (records are then read only through a reload)."""
        _close_fds(self._fds)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self.ids)))]
        n = len(self.ids)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("record index out of range")
        full = self._all
        if full is not None:
            return full[i]
        with self._lock:
            if self._replacement is None:
                record = self._recent.get(i)
                if record is not None:
                    self._recent.move_to_end(i)
                    return record
                try:
                    record = self._read(i, i + 1)[0]
                except StaleLayout:
                    return self._replaced(i)
                self._recent[i] = record
                if len(self._recent) > self.CACHE_SIZE:
                    self._recent.popitem(last=False)
                return record
        return self._replaced(i)

    def __iter__(self) -> Iterator[dict]:
        n = len(self.ids)
        for lo in range(0, n, self.BATCH):
            full = self._all
            if full is not None:
                yield from full[lo:]
                return
            hi = min(n, lo + self.BATCH)
            with self._lock:
                batch = None
                if self._replacement is None:
                    try:
                        batch = self._read(lo, hi)
                    except StaleLayout:
                        batch = None
                if batch is None:
                    batch = [self._replaced(i) for i in range(lo, hi)]
            yield from batch

    def fill_in_background(self) -> threading.Thread:
        """Read every record in a daemon thread, so later full passes need no file reads."""

        def fill() -> None:
            with contextlib.suppress(Exception):  # a failure only leaves reads lazy
                self._all = list(iter(self))

        thread = threading.Thread(target=fill, name="archive-records", daemon=True)
        thread.start()
        return thread

    def _read(self, lo: int, hi: int) -> list[dict]:
        """Records lo..hi from the files, one read per run of adjacent lines."""
        out: list[dict] = []
        checked: set[int] = set()
        i = lo
        while i < hi:
            s = self._store[i]
            fd = self._fds[s]
            if fd is None:
                raise StaleLayout(self._paths[s])
            if s not in checked:
                if not _unchanged(os.fstat(fd), self._fingerprints[s]):
                    raise StaleLayout(self._paths[s])
                checked.add(s)
            j = i + 1
            while (
                j < hi
                and self._store[j] == s
                and self._offset[j] == self._offset[j - 1] + self._length[j - 1] + 1
            ):
                j += 1
            start = self._offset[i]
            size = self._offset[j - 1] + self._length[j - 1] - start
            data = os.pread(fd, size, start)
            if len(data) != size:
                raise StaleLayout(self._paths[s])
            for k in range(i, j):
                a = self._offset[k] - start
                try:
                    record = parse_line(data[a : a + self._length[k]])
                except ValueError:
                    raise StaleLayout(self._paths[s]) from None
                if not isinstance(record, dict) or record.get("id") != self.ids[k]:
                    raise StaleLayout(self._paths[s])
                out.append(record)
            i = j
        return out

    def _replaced(self, i: int) -> dict:
        """Record ``i`` after its file changed under us: by id from a full reload."""
        with self._lock:
            if self._replacement is None:
                self.close()
                self._recent.clear()
                self._replacement = self._on_stale()
        record = self._replacement.get(self.ids[i])
        if record is None:
            path = self._paths[self._store[i]]
            raise StoreError(path, f"changed while open: record {self.ids[i]!r} is no longer in it")
        return record


def _unchanged(stat: os.stat_result, fingerprint: str) -> bool:
    """Does an open file still hold the content it had at ``fingerprint``?

    A file replaced by a new one (how every write here works) has no name left, and the
    unlink changed only its ctime: its content is as it was, so it is still read.
    """
    now = fingerprint_of(stat)
    if now == fingerprint:
        return True
    return stat.st_nlink == 0 and now.rsplit(":", 1)[0] == fingerprint.rsplit(":", 1)[0]


def _close_fds(fds: list[int | None]) -> None:
    for k, fd in enumerate(fds):
        if fd is not None:
            fds[k] = None
            with contextlib.suppress(OSError):
                os.close(fd)
