"""Stopping a PostgreSQL search the reader no longer wants (``should_stop``).

The local engine asks ``should_stop()`` between its steps; a database answers a statement
all at once, so here a watcher thread asks it every few milliseconds while the search
runs and, when it turns true, cancels the running statement on the server
(``Connection.cancel_safe``): the search ends with ``QueryCanceled`` at once instead of
finishing work whose answer nobody will see. The watcher never cancels after the search
has ended (the connection may be running the next one by then).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

POLL_S = 0.01  # how often should_stop() is asked while a statement runs


class Watch:
    """What the watcher saw: ``stopped`` once it cancelled (or should_stop was true)."""

    def __init__(self) -> None:
        self.stopped = False
        self.cancels = 0  # statements cancelled on the server (a debug stat)


@contextmanager
def watching(conn: Any, should_stop: Callable[[], bool] | None) -> Iterator[Watch]:
    """Cancel ``conn``'s running statement as soon as ``should_stop()`` is true, until the
    block ends. No ``should_stop``: no thread."""
    watch = Watch()
    if should_stop is None:
        yield watch
        return
    done = threading.Event()
    guard = threading.Lock()  # the block's end and a cancel never cross

    def run() -> None:
        while not done.wait(POLL_S):
            try:
                stop = bool(should_stop())
            except Exception:  # a broken callback must not kill the search
                log.exception("should_stop failed; the search goes on")
                return
            if stop:
                with guard:
                    if done.is_set():
                        return
                    watch.stopped = True
                    watch.cancels += 1
                    conn.cancel_safe()
                return

    thread = threading.Thread(target=run, name="pg-search-cancel", daemon=True)
    thread.start()
    try:
        yield watch
    finally:
        with guard:
            done.set()
        thread.join()
