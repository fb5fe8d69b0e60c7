"""The PostgreSQL archive as the running app holds it: live through LISTEN/NOTIFY.

The app watches an archive through two calls made from a worker thread (ui/app.py,
ui/live.py): ``changed_on_disk()`` and ``reopen()``. For a local archive they stat files;
here ``changed_on_disk()`` drains, without waiting, a listening connection of its own
(``archive_tui_records``: an import by any session, sent at its commit), and ``reopen()``
gives an archive of the new state on the same connection.

The record count is read when the archive is opened (in the opening thread) and kept:
``len()`` is what the status line asks on the UI thread, which never waits on the
database. A lost listening connection is said once (a DatabaseProblem from
``changed_on_disk``), then tried again every ``RETRY_S`` seconds; once back, the archive
is read again (what was sent meanwhile was lost), on a new connection when the search
connection was lost too (a server restart).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .archive import PgArchive
from .connection import DatabaseProblem, connect, read_with_settings
from .listen import RECORDS, Listener

RETRY_S = 5.0  # seconds between two attempts to listen again after the connection was lost


class _Feed:
    """The listening connection shared by an archive and the archives reopened from it."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.lock = threading.Lock()
        self.listener: Listener | None = Listener(address, (RECORDS,))
        self.retry_at = 0.0
        #: the payloads' sums since the last reopen: {"added": N, "updated": N, "removed": N}
        self.pending: dict[str, int] = {}
        #: debug stats: notifications read, reconnections
        self.events = 0
        self.reconnects = 0

    def drain(self) -> bool:
        """True when an import was announced (or the connection came back) since the
        last call; never waits. DatabaseProblem when the connection is lost."""
        with self.lock:
            if self.listener is None:
                if time.monotonic() < self.retry_at:
                    return False
                self.retry_at = time.monotonic() + RETRY_S
                self.listener = Listener(self.address, (RECORDS,))  # DatabaseProblem again
                self.reconnects += 1
                return True
            try:
                found = list(self.listener.events(timeout=0))
            except DatabaseProblem:
                self.listener.close()
                self.listener = None
                self.retry_at = time.monotonic() + RETRY_S
                raise
            for event in found:
                self.events += 1
                for key in ("added", "updated", "removed"):
                    value = event.data.get(key)
                    if isinstance(value, int):
                        self.pending[key] = self.pending.get(key, 0) + value
            return bool(found)

    def close(self) -> None:
        with self.lock:
            if self.listener is not None:
                self.listener.close()
                self.listener = None


class _Side:
    """A second connection for the small reads (a page of cards, a record) made while a
    search holds the first: the UI thread never waits behind a long search."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.lock = threading.Lock()
        self.conn: Any = None
        self.queries = 0  # a debug stat: reads that went this way

    def query(self, sql: str, params: Any = None) -> list[tuple]:
        with self.lock:
            if self.conn is None or self.conn.broken or self.conn.closed:
                self.conn = connect(self.address, autocommit=True)
            self.queries += 1
            with self.conn.cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()

    def read(self, settings: dict[str, str], sql: str, params: Any = None) -> list[tuple]:
        """``query`` with planner settings local to it (one round trip)."""
        with self.lock:
            if self.conn is None or self.conn.broken or self.conn.closed:
                self.conn = connect(self.address, autocommit=True)
            self.queries += 1
            return read_with_settings(self.conn, settings, sql, params)

    def close(self) -> None:
        with self.lock:
            if self.conn is not None:
                self.conn.close()


class LivePgArchive(PgArchive):
    """A PgArchive that knows its size without asking and hears of imports."""

    feed: _Feed | None = None
    side: _Side | None = None
    size = 0

    def _query(self, sql: str, params: Any = None) -> list[tuple]:
        """On the connection, or on the side one while another thread's search holds it."""
        if self.side is None or self.lock.acquire(blocking=False):
            try:
                return super()._query(sql, params)
            finally:
                if self.side is not None:
                    self.lock.release()
        return self.side.query(sql, params)

    def _read(self, settings: dict[str, str], sql: str, params: Any = None) -> list[tuple]:
        """A page's read: on the side connection while another thread's search holds
        the first (the UI thread asks for cards past the first page)."""
        if self.side is None or self.lock.acquire(blocking=False):
            try:
                return super()._read(settings, sql, params)
            finally:
                if self.side is not None:
                    self.lock.release()
        return self.side.read(settings, sql, params)

    @classmethod
    def open(cls, address: str) -> LivePgArchive:
        """Connect, check the schema, count, and listen (DatabaseProblem if any fails)."""
        archive = super().open(address)
        assert isinstance(archive, LivePgArchive)
        try:
            archive.size = archive.count()
            archive.feed = _Feed(address)
            archive.side = _Side(address)
        except Exception:
            archive.close()
            raise
        return archive

    def count(self) -> int:
        """The number of records now (a query; ``len()`` is the count when opened)."""
        return self._stats_row()[0]

    def __len__(self) -> int:
        return self.size

    def changed_on_disk(self) -> bool:
        """An import was committed since this archive was read (drains the listener)."""
        return self.feed is not None and self.feed.drain()

    def fingerprints(self) -> tuple[str, ...]:
        """What identifies the state read (ui/live.store_fingerprints): the generation."""
        import psycopg

        lost = (f"connection lost {time.monotonic()}",)  # reopen makes a new connection
        if self.conn.broken or self.conn.closed:
            return lost
        try:
            return (f"generation {self._stats_row()[2]}",)
        except psycopg.OperationalError:  # a server restart: the connection is broken now
            return lost

    def reopen(self) -> LivePgArchive:
        """The archive as it is now, on the same connections (this one stays usable), or
        on a new one when the connection was lost (a server restart): DatabaseProblem if
        it cannot be made."""
        if self.conn.broken or self.conn.closed:
            new = type(self)(self.address, connect(self.address, autocommit=True))
        else:
            new = type(self)(self.address, self.conn)
            new.lock = self.lock  # one connection, one lock
        new.feed, new.side = self.feed, self.side
        new.size = new.count()
        if self.feed is not None:
            self.feed.pending = {}
        return new

    def close(self) -> None:
        for part in (self.feed, self.side):
            if part is not None:
                part.close()
        super().close()


def open_live(address: str) -> LivePgArchive:
    """What the app opens for a ``postgresql://`` address (DatabaseProblem, one sentence)."""
    return LivePgArchive.open(address)


__all__ = ["LivePgArchive", "open_live"]
