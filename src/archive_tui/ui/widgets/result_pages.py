"""Blocks of hits read in a worker thread, for results whose pages come from a database.

The result list asks for the hits of the cards it draws a block at a time
(``SearchResult.page``). The local engine's pages are in memory and come at once, so
they are read where they are drawn. A PostgreSQL result reads each block from the server
(indexed reads, but over a network, maybe a slow one): doing that in ``render_line``
would freeze the app while the user scrolls. With ``pages_in_worker`` the list draws a
"loading" line instead, a worker thread reads the block, and the cards appear when it
arrives. A failed read is said once, in one sentence; the cards say it too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from textual import work

#: The first line of a card whose hit is being read / could not be read.
LOADING = "loading…"
FAILED = "could not be read"


class PagesInWorker:
    """ResultList's reading of blocks in a worker (mixed in; see the module docstring).

    Needs ``_blocks`` (block number -> hits), ``_generation`` (a new result: a new one),
    ``BLOCK_SIZE`` reads and the widget's ``app``/``refresh``.
    """

    _blocks: Any
    _generation: int

    def _init_pages(self, in_worker: Callable[[], bool]) -> None:
        self._in_worker = in_worker
        self._pending: set[int] = set()
        self._failed: set[int] = set()
        #: debug stats: (block number, thread id) of each block read in a worker, and how
        #: many blocks were read where they were drawn (tests check which path ran)
        self.worker_page_reads: list[tuple[int, int]] = []
        self.inline_page_reads = 0

    @property
    def pages_in_worker(self) -> bool:
        """Blocks are read in a worker thread (the archive is in a database)."""
        return self._in_worker()

    def _forget_pages(self) -> None:
        """A new result: blocks being read for the old one are dropped when they arrive."""
        self._pending.clear()
        self._failed.clear()

    def block_state(self, block_no: int) -> str | None:
        """LOADING or FAILED for a block not in the cache, else None."""
        if block_no in self._failed:
            return FAILED
        return LOADING if block_no in self._pending else None

    def _want_block(self, result: Any, block_no: int, size: int) -> None:
        if block_no in self._pending or block_no in self._failed:
            return
        self._pending.add(block_no)
        self._read_block(self._generation, result, block_no, size)

    @work(thread=True, group="result-pages", exit_on_error=False)
    def _read_block(self, generation: int, result: Any, block_no: int, size: int) -> None:
        """Thread: one block of hits from the result; handed to the UI thread."""
        try:
            block = list(result.page(block_no * size, size))
        except Exception as error:  # a database gone, a refusal: said, never a traceback
            self.app.call_from_thread(self._block_failed, generation, block_no, error)  # type: ignore[attr-defined]
            return
        self.worker_page_reads.append((block_no, threading.get_ident()))
        self.app.call_from_thread(self._block_read, generation, block_no, block)  # type: ignore[attr-defined]

    def _block_read(self, generation: int, block_no: int, block: list[Any]) -> None:
        if generation != self._generation:
            return  # a newer result is shown
        self._pending.discard(block_no)
        self._blocks[block_no] = block
        self.refresh()  # type: ignore[attr-defined]

    def _block_failed(self, generation: int, block_no: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self._pending.discard(block_no)
        self._failed.add(block_no)  # not read again for this result (no retry loop)
        reason = " ".join(str(error).split()) or type(error).__name__
        self.app.notify(  # type: ignore[attr-defined]
            f"More results could not be read: {reason}", severity="error", timeout=8
        )
        self.refresh()  # type: ignore[attr-defined]


__all__ = ["FAILED", "LOADING", "PagesInWorker"]
