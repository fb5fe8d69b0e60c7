"""The live archive: the running app notices a store file changing on disk.

Its own writes or another process's import: a thread worker of the app polls
``Archive.changed_on_disk()`` (stat calls; they may block on a network filesystem, so
never on the UI thread), reopens the archive in that worker when it changed, and
posts these messages to the main screen, which keeps the old results on screen
meanwhile, then swaps the archive and searches again. An ``Archive`` is a snapshot:
reading from the old one never reloads anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from archive_tui.archive import Archive

#: Seconds between two looks at the store files (two ``stat`` calls in a worker). A
#: quarter second so that another process's import is on screen within 1 s (issue 9):
#: the wait for the next look plus the reopen (~0.1-0.3 s at 100k, bench/bench_tui.py --live).
POLL_SECONDS = 0.25
#: Seconds the "archive updated" notice stays in the status line.
NOTICE_SECONDS = 10.0
RELOADING = "archive changed, reloading…"


class ArchiveChanged(Message):
    """A store file differs from what ``archive`` holds; a new one is being read."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        super().__init__()


class ArchiveReloaded(Message):
    """``new`` replaces ``old`` (read in a worker thread, named ``thread_name``)."""

    def __init__(self, old: Archive, new: Archive, thread_name: str) -> None:
        self.old = old
        self.new = new
        self.thread_name = thread_name
        super().__init__()


class ArchiveReloadFailed(Message):
    """The changed files could not be read; ``old`` stays in use."""

    def __init__(self, old: Archive, error: Exception) -> None:
        self.old = old
        self.error = error
        super().__init__()


def describe_change(old_count: int, new_count: int) -> str:
    """'archive updated: +100 records', '−3 records', or 'records changed'."""
    delta = new_count - old_count
    if delta == 0:
        return "archive updated: records changed"
    sign = "+" if delta > 0 else "−"
    noun = "record" if abs(delta) == 1 else "records"
    return f"archive updated: {sign}{abs(delta):,} {noun}"


def store_fingerprints(archive: Archive) -> tuple[str, ...]:
    """The store files' current stat fingerprints (to not retry a file that failed); for
    a PostgreSQL archive, its generation (pg/archive_live.py)."""
    own = getattr(archive, "fingerprints", None)
    if callable(own):
        return tuple(own())
    stores = [s for s in (archive.base, archive.store) if s is not None]
    return tuple(s.fingerprint() for s in stores)
