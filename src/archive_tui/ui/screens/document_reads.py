"""The document view's reads from a database, in worker threads (a DocumentScreen mixin).

On PostgreSQL the record at a position of a result (``page(position, 1)``: the ranked
query again) and its related documents (a query over every record) are server work that
may take a while; on the UI thread they would freeze the app at each opening and at each
``n``/``p``. So with a database the screen shows what it already has (the record from
the result list's cache, when the card was on screen) and reads the rest in a worker;
a read for a position or record the user has left is dropped. A local archive reads in
memory, where the screen draws.
"""

from __future__ import annotations

import threading
from typing import Any

from textual import work
from textual.content import Content

#: In the related panel while the related documents are read.
FINDING_RELATED = "Finding related documents…"


class DatabaseReads:
    """Worker reads for DocumentScreen; see the module docstring."""

    #: debug stats: (what, thread id) of each read done in a worker ("record", "related")
    worker_reads: list[tuple[str, int]]
    position: int
    record: dict | None
    archive: Any
    result: Any

    def _init_reads(self) -> None:
        self.worker_reads = []

    @property
    def reads_in_worker(self) -> bool:
        """True for an archive in a database."""
        return in_database(self.archive)

    @work(thread=True, exclusive=True, group="document-record", exit_on_error=False)
    def _read_record(self, position: int) -> None:
        """Thread: the record at ``position``; shown if the user is still there."""
        try:
            hits = self.result.page(position, 1)
            record = hits[0].record if hits else None
        except Exception as error:  # never a traceback: one sentence
            self.app.call_from_thread(self._record_failed, position, error)  # type: ignore[attr-defined]
            return
        self.worker_reads.append(("record", threading.get_ident()))
        self.app.call_from_thread(self._record_read, position, record)  # type: ignore[attr-defined]

    async def _record_read(self, position: int, record: dict | None) -> None:
        if position == self.position:
            await self._show_record(record)

    async def _record_failed(self, position: int, error: Exception) -> None:
        if position != self.position:
            return
        reason = " ".join(str(error).split()) or type(error).__name__
        self.notify(  # type: ignore[attr-defined]
            f"The document could not be read: {reason}", severity="error", markup=False
        )
        await self._show_record(None)

    async def _show_record(self, record: dict | None) -> None:  # pragma: no cover
        raise NotImplementedError

    def _related_later(self, record: dict) -> None:
        """Say the related documents are coming, and read them in a worker."""
        self._fill_related([], waiting=True)  # type: ignore[call-arg]
        self._read_related(record)

    @work(thread=True, exclusive=True, group="document-related", exit_on_error=False)
    def _read_related(self, record: dict) -> None:
        record_id = str(record.get("id") or "")
        try:
            related = list(self.archive.related(record_id)) if record_id else []
        except Exception as error:
            self.app.call_from_thread(self._related_failed, record, error)  # type: ignore[attr-defined]
            return
        self.worker_reads.append(("related", threading.get_ident()))
        self.app.call_from_thread(self._related_read, record, related)  # type: ignore[attr-defined]

    def _related_read(self, record: dict, related: list[dict]) -> None:
        if self.record is record:  # still the record on screen
            self._fill_related(related)  # type: ignore[attr-defined]

    def _related_failed(self, record: dict, error: Exception) -> None:
        if self.record is not record:
            return
        self.notify(  # type: ignore[attr-defined]
            f"Related documents unavailable: {error}", severity="warning", markup=False
        )
        self._fill_related([])  # type: ignore[attr-defined]


def in_database(archive: Any) -> bool:
    """True for an archive in a database (a PgArchive: its ``address`` is
    ``postgresql://…``); a local archive answers in memory."""
    from archive_tui.backend import is_database_address

    return is_database_address(getattr(archive, "address", None))


def loading_header() -> Content:
    return Content.styled("Reading the document…", "italic")


__all__ = ["FINDING_RELATED", "DatabaseReads", "in_database", "loading_header"]
