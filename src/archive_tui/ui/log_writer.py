"""The research log's entries written off the UI thread (the document view's "opened …").

A write to the log is a transaction; on PostgreSQL a slow server or another session's
lock on the log's table could hold it for long, and on the UI thread that would freeze
the app. So an entry is queued here and written by one worker thread of the app, in the
order given, each exactly once (never retried after a failure, never dropped while the
app runs; a write under way when the app quits is finished before the process ends, as
Textual's thread workers are). A failure is said in one sentence.

On PostgreSQL the worker writes through a connection of its own (a second
:class:`~archive_tui.pg.workspace.PgWorkspace` of the same role, opened at the first
write), so a write waiting for a lock never holds the connection the app reads and
changes the workspace with; the app's workspace then notices the new revision as it
notices another session's. A local workspace is written under ``Research.lock``, as every
other use of it (a local write is a file, fast).
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from typing import Any

from archive_tui.backend import is_database_address
from archive_tui.sanitize import one_line

from .research import Research


class LogWriter:
    """Queue of research-log events and the worker that writes them (see the module)."""

    def __init__(self, research: Research) -> None:
        self.research = research
        self._pending: deque[tuple[str, dict[str, Any]]] = deque()
        self._lock = threading.Lock()
        self._running = False
        self._closing = False
        self._own: Any = None  # the worker's own PgWorkspace (a database only)
        #: debug stats: (event, thread id) of each entry written; sentences of failures
        self.written: list[tuple[str, int]] = []
        self.failures: list[str] = []

    @property
    def pending(self) -> int:
        """Entries queued or being written."""
        with self._lock:
            return len(self._pending) + (1 if self._running else 0)

    def log(self, app: Any, event: str, **data: Any) -> None:
        """UI thread: queue an entry; the worker writes it (started unless it runs)."""
        research = self.research
        if not research.writable or not research.logging_enabled:
            return
        with self._lock:
            self._pending.append((event, data))
            if self._running:
                return  # the running worker takes it: it drains the queue to the end
            self._running = True
        app.run_worker(
            lambda: self._drain(app),
            thread=True,
            group="research-log",
            name="research-log",
            exit_on_error=False,
        )

    def _drain(self, app: Any) -> None:
        """Thread: write the queued entries in order until none is left."""
        while True:
            with self._lock:
                if not self._pending:
                    self._running = False
                    closing = self._closing
                    break
                event, data = self._pending.popleft()
            try:
                self._write(event, data)
            except Exception as error:  # never a traceback: one sentence, once
                self._failed(app, event, data, error)
            else:
                self.written.append((event, threading.get_ident()))
        if closing:
            self._close_own()

    def _write(self, event: str, data: dict[str, Any]) -> None:
        workspace = self.research.workspace
        address = getattr(workspace, "address", None)
        if workspace is None or not is_database_address(address):
            self.research.log_event(event, **data)
            return
        if self._own is None:
            from archive_tui.pg.workspace_open import open_workspace

            self._own = open_workspace(address)
        self._own.log_event(event, **data)

    def _failed(self, app: Any, event: str, data: dict[str, Any], error: Exception) -> None:
        what = f"the opening of {data['id']}" if event == "open" and "id" in data else event
        reason = one_line(str(error)).strip().rstrip(".") or type(error).__name__
        sentence = one_line(f"Your research log could not record {what}: {reason}.")
        self.failures.append(sentence)
        with contextlib.suppress(Exception):  # the app is closing: kept in ``failures``
            app.call_from_thread(app.notify, sentence, severity="warning", timeout=6, markup=False)

    def close(self) -> None:
        """App exit: close the worker's connection now if idle, else once it is done (a
        write waiting for a lock is never waited for here, on the UI thread)."""
        with self._lock:
            self._closing = True
            busy = self._running
        if not busy:
            self._close_own()

    def _close_own(self) -> None:
        own, self._own = self._own, None
        if own is not None:
            with contextlib.suppress(Exception):  # a broken connection: nothing to keep
                own.close()


__all__ = ["LogWriter"]
