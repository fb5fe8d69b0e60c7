"""Other researchers' shared tags and lists, live (a workspace in PostgreSQL only).

A tag or a list another researcher shares with a group this user is in is read through
row-level security (``PgWorkspace.shared_with_me``) and shown in the document view under
the user's own tags and note. The workspace triggers send ``archive_tui_annotations``
when a shared tag or list changes or a share starts or ends (never for a private change);
a ListenerThread (pg/listen.py) hears it and reads what is shared again, on its own
thread and its own read-only connection, so neither the UI thread nor the user's own
workspace ever waits for it. The app then redraws the document view.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from textual.content import Content

from archive_tui.sanitize import one_line

#: seconds the listener waits per look for news (also how soon it stops at exit)
POLL_SECONDS = 0.25


class SharedAnnotations:
    """What others share with this user, by record id; kept fresh by a listener."""

    def __init__(self) -> None:
        #: record id -> ("ann", "tag", "wall") / ("ann", "list", "Berlin 1961"), in order
        self.by_record: dict[str, list[tuple[str, str, str]]] = {}
        #: debug stats: how many times what is shared was read; news heard
        self.reads = 0
        self.news = 0
        self._listener: Any = None
        self._workspace: Any = None
        self._lock = threading.Lock()

    def read(self, address: str) -> dict[str, list[tuple[str, str, str]]]:
        """Thread: what is shared with ``address``'s role now (a read-only connection of
        its own). A WorkspaceError (one sentence) when it cannot be read."""
        from archive_tui.pg.workspace import PgWorkspace

        with self._lock:
            if self._workspace is None:
                self._workspace = PgWorkspace.open(address, read_only=True)
            shared = self._workspace.shared_with_me()
            self.reads += 1
        found: dict[str, list[tuple[str, str, str]]] = {}
        for (owner, tag), ids in shared.tags.items():
            for record_id in ids:
                found.setdefault(record_id, []).append((owner, "tag", tag))
        for (owner, name), ids in shared.lists.items():
            for record_id in dict.fromkeys(ids):
                found.setdefault(record_id, []).append((owner, "list", name))
        return found

    def listen(
        self,
        address: str,
        on_read: Callable[[dict[str, list[tuple[str, str, str]]]], None],
        on_problem: Callable[[str], None],
    ) -> None:
        """Start the listener: on news (or its connection back), read again and hand the
        result to ``on_read`` (from the listener's thread)."""
        from archive_tui.pg.listen import ANNOTATIONS, ListenerThread

        def heard(_event: object) -> None:
            self.news += 1
            try:
                on_read(self.read(address))
            except Exception as error:  # unreadable now: keep what is shown, say it
                on_problem(" ".join(str(error).split()) or type(error).__name__)

        self._listener = ListenerThread(
            address, heard, on_problem, channels=(ANNOTATIONS,), poll=POLL_SECONDS
        )
        self._listener.start()

    @property
    def listening(self) -> bool:
        return self._listener is not None and self._listener.ready.is_set()

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.stop(timeout=1.0)
        with self._lock:
            if self._workspace is not None:
                self._workspace.close()
                self._workspace = None

    def view(self, record_id: str) -> Content | None:
        """'Shared  ann: #wall · ann's list Berlin 1961' for the document view, or None."""
        entries = self.by_record.get(record_id)
        if not entries:
            return None
        said = [
            f"{one_line(owner)}: #{one_line(name)}"
            if kind == "tag"
            else f"{one_line(owner)}'s list {one_line(name)}"
            for owner, kind, name in entries
        ]
        return Content.assemble(
            Content.styled("Shared  ", "bold $text-secondary"), Content(" · ".join(said))
        )
