"""Live news from the database: records imported or removed, shared annotations changed.

Two channels carry JSON payloads:

- ``archive_tui_records`` — sent by an import in its transaction (so only once it is
  committed): ``{"added": N, "updated": N, "removed": N}``.
- ``archive_tui_annotations`` — sent by the workspace tables' triggers
  (``migrations/0011_workspace_notify.sql``) when a *shared* tag or list changes, or a
  share is made or ended: ``{"owner": role, "kind": "tag"|"list"|"share", "ids": [...]}``.
  Private changes are not broadcast (PostgreSQL lets any session LISTEN to any channel);
  the owner's own other sessions see them through ``PgWorkspace.changed_on_disk()``.

A payload says *that* something changed; what changed is re-read through row-level
security. :class:`Listener` holds its own connection (``notifies()`` keeps it busy);
:class:`ListenerThread` runs one in a thread, reconnects when the connection is lost and
then sends an event with channel ``RECONNECTED`` (what was sent meanwhile is lost: read
everything again).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archive_tui.pg.connection import DatabaseProblem, connect, redact

if TYPE_CHECKING:
    import psycopg

RECORDS = "archive_tui_records"
ANNOTATIONS = "archive_tui_annotations"
CHANNELS = (RECORDS, ANNOTATIONS)
RECONNECTED = "reconnected"  # not a database channel: the listener's own news


@dataclass(frozen=True, slots=True)
class Event:
    """One notification. ``data``: the payload as a JSON object ({} if it is not one)."""

    channel: str
    data: dict[str, Any]
    text: str = ""
    pid: int = 0


def _event(channel: str, text: str, pid: int) -> Event:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    return Event(channel, data if isinstance(data, dict) else {}, text, pid)


class Listener:
    """A connection that LISTENs to ``channels`` (all of ours by default)."""

    def __init__(self, address: str, channels: Iterable[str] = CHANNELS) -> None:
        from psycopg import sql

        self.address = address
        self.channels = tuple(channels)
        self._conn: psycopg.Connection = connect(address, autocommit=True)
        try:
            for channel in self.channels:
                self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        except Exception as error:
            self._conn.close()
            reason = " ".join(str(error).split())
            raise DatabaseProblem(f"cannot listen on {redact(address)}: {reason}") from None

    def events(
        self, timeout: float | None = None, stop_after: int | None = None
    ) -> Iterator[Event]:
        """Events as they arrive, for at most ``timeout`` seconds in all (None: for ever),
        or until ``stop_after`` have come. A lost connection is a DatabaseProblem."""
        import psycopg

        try:
            for note in self._conn.notifies(timeout=timeout, stop_after=stop_after):
                yield _event(note.channel, note.payload, note.pid)
        except psycopg.Error as error:
            reason = " ".join(str(error).split())
            raise DatabaseProblem(
                f"lost the connection to {redact(self.address)}: {reason}"
            ) from None

    def wait(self, timeout: float) -> list[Event]:
        """What arrives within ``timeout`` seconds: returns at the first batch."""
        found = list(self.events(timeout=timeout, stop_after=1))
        return found + list(self.events(timeout=0))

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ListenerThread(threading.Thread):
    """Calls ``on_event(event)`` from a daemon thread for every event; ``on_problem(sentence)``
    when the connection fails (it retries, waiting longer each time, up to ``max_wait`` s).

    ``stop()`` ends it within ``poll`` seconds. ``ready`` is set once it listens.
    """

    def __init__(
        self,
        address: str,
        on_event: Callable[[Event], None],
        on_problem: Callable[[str], None] | None = None,
        *,
        channels: Iterable[str] = CHANNELS,
        poll: float = 0.5,
        max_wait: float = 30.0,
    ) -> None:
        super().__init__(name="archive-tui-listen", daemon=True)
        self.address, self.channels = address, tuple(channels)
        self.on_event, self.on_problem = on_event, on_problem
        self.poll, self.max_wait = poll, max_wait
        self.ready = threading.Event()
        self._stopping = threading.Event()
        self.reconnects = 0  # a debug stat: how many times the connection came back

    def stop(self, timeout: float | None = 5.0) -> None:
        self._stopping.set()
        if self.is_alive():
            self.join(timeout)

    def run(self) -> None:
        wait = 1.0
        lost = False
        while not self._stopping.is_set():
            try:
                with Listener(self.address, self.channels) as listener:
                    self.ready.set()
                    if lost:
                        self.reconnects += 1
                        self.on_event(Event(RECONNECTED, {}))
                    wait, lost = 1.0, False
                    while not self._stopping.is_set():
                        for event in listener.events(timeout=self.poll):
                            self.on_event(event)
            except DatabaseProblem as problem:
                lost = True
                if self.on_problem is not None:
                    with contextlib.suppress(Exception):
                        self.on_problem(str(problem))
                self._stopping.wait(wait)
                wait = min(wait * 2, self.max_wait)
