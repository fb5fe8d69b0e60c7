"""The app's side of the research workspace: one object the screens ask for tags, notes,
marks, lists, saved searches, history, the session and the research log.

The workspace is opened in a thread when the app starts (``start``). A corrupt or
unreadable one is never written: the app gets an empty read-only workspace and the
status line says so (``problem``). Another process's writes (a CLI ``tag``, a second SSH
session) are noticed as the archive's are (ui/live.py): a worker stats the file every
``POLL_SECONDS`` and reloads it, and the changes are applied to the
``AnnotationIndex`` on the UI thread. ``Workspace`` is one thread at a time: every use
holds ``self.lock`` (the reload worker and the UI thread).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

from archive_tui.annotations import AnnotationIndex
from archive_tui.sanitize import one_line

if TYPE_CHECKING:
    from archive_tui.search import Filters
    from archive_tui.workspace import Change, SavedSearch, Workspace

READ_ONLY_NOTE = "workspace read-only"


def filters_mapping(filters: Filters | None) -> dict[str, Any]:
    """``Filters`` as the workspace stores them (what ``Filters.from_mapping`` reads back)."""
    if filters is None:
        return {}
    mapping: dict[str, Any] = {k: list(v) for k, v in filters.facets.items() if v}
    for key in ("date_from", "date_to"):
        if getattr(filters, key):
            mapping[key] = getattr(filters, key)
    return mapping


def filters_from(mapping: Mapping[str, Any] | None) -> Filters:
    """The stored mapping as ``Filters``; a field this archive does not know is dropped
    (a saved search from a newer version), never an error."""
    from archive_tui.search import Filters

    kept: dict[str, Any] = {}
    for key, value in (mapping or {}).items():
        try:
            Filters.from_mapping({key: value})
        except ValueError:
            continue
        kept[key] = value
    return Filters.from_mapping(kept)


class WorkspaceReadOnly(ValueError):
    """A change refused: the workspace is read-only (or not open yet). One sentence."""


class Research:
    """The user's workspace as the running app sees it (see the module docstring)."""

    def __init__(self, address: str | None = None) -> None:
        #: the app's ``--db`` as given: a ``postgresql://`` address (or, with none,
        #: ARCHIVE_TUI_DB) puts the workspace in that database (archive_tui.pg.workspace)
        self.address = address
        self.workspace: Workspace | None = None
        self.annotations = AnnotationIndex()
        self.lock = threading.RLock()
        self._opening: Future[Workspace] = Future()
        #: the last search committed to history and the log: (query, filters, sort)
        self._committed: tuple[str, str, str | None] | None = None
        #: how many times another process's changes were brought in (a debug stat)
        self.reloads = 0
        #: the workspace and its annotation index, built by the opening thread
        self._built: tuple[Workspace, AnnotationIndex] | None = None
        #: the thread that built the annotation index (a debug stat: not the UI thread)
        self.index_built_on: str | None = None

    # -- opening ---------------------------------------------------------------------------

    def start(self) -> None:
        """Open the workspace in a thread (the app waits for it with the archive)."""
        threading.Thread(target=self._open, name="workspace-open", daemon=True).start()

    def _open(self) -> None:
        """Thread: open the workspace and index it, the collector paused meanwhile: the
        archive's millions of objects are not frozen yet (the app freezes them once
        opened), and each full collection the workspace's objects set off would walk them
        all, in the middle of the start."""
        from archive_tui.store import collector_paused

        with collector_paused():
            self._open_and_index()

    def _open_and_index(self) -> None:
        from archive_tui.pg.workspace_open import open_workspace_or_unavailable
        from archive_tui.workspace import Workspace

        try:
            workspace = open_workspace_or_unavailable(self.address)
        except BaseException as error:  # open_or_unavailable never raises; belt and braces
            workspace = Workspace.unavailable(str(error))
        try:  # indexed here, beside the archive's open, not on the UI thread
            self._built = (workspace, AnnotationIndex.from_workspace(workspace))
            self.index_built_on = threading.current_thread().name
        except Exception:  # opened() builds it then
            self._built = None
        self._opening.set_result(workspace)

    def wait(self) -> Workspace:
        """Block until opened (call from a worker thread)."""
        return self._opening.result()

    def opened(self, workspace: Workspace) -> None:
        """UI thread: the workspace is open; its annotations' index (built by the opening
        thread when it was this workspace, else here)."""
        built, self._built = self._built, None
        with self.lock:
            self.workspace = workspace
            if (
                built is not None
                and built[0] is workspace
                and built[1].version == workspace.version
            ):
                self.annotations = built[1]
            else:
                self.annotations = AnnotationIndex.from_workspace(workspace)
                self.index_built_on = threading.current_thread().name

    @property
    def ready(self) -> bool:
        return self.workspace is not None

    @property
    def problem(self) -> str | None:
        """Why the workspace is read-only and empty (one sentence naming the file), or None."""
        return self.workspace.problem if self.workspace is not None else None

    @property
    def writable(self) -> bool:
        return self.workspace is not None and not self.workspace.read_only

    def status_note(self) -> str | None:
        return READ_ONLY_NOTE if self.problem else None

    # -- another process's changes ---------------------------------------------------------

    def reload(self) -> list[Change] | None:
        """Thread: re-read the file if another process changed it (None: it did not)."""
        workspace = self.workspace
        if workspace is None or workspace.problem is not None:
            return None
        with self.lock:
            if not workspace.changed_on_disk():
                return None
            changes = workspace.reload()
        self.reloads += 1
        return changes

    def apply(self, changes: Iterable[Change]) -> None:
        """UI thread: bring changes into the annotation index."""
        with self.lock:
            self.annotations.apply_all(changes)

    # -- reading ---------------------------------------------------------------------------

    def tags_of(self, record_id: str) -> tuple[str, ...]:
        return self.annotations.tags_of(record_id)

    def has_note(self, record_id: str) -> bool:
        return bool(self.note(record_id))

    def note(self, record_id: str) -> str | None:
        if self.workspace is None:
            return None
        with self.lock:
            return self.workspace.note(record_id)

    def annotations_of(self, record_id: str) -> tuple[list[str], str | None]:
        """(tags, note) for exports (BibTeX keywords/note…); any thread."""
        if self.workspace is None:
            return [], None
        with self.lock:
            return self.workspace.annotations_of(record_id)

    def all_tags(self) -> list[str]:
        if self.workspace is None:
            return []
        with self.lock:
            return [tag for tag, _count in self.workspace.all_tags()]

    def list_names(self) -> list[str]:
        if self.workspace is None:
            return []
        with self.lock:
            return list(self.workspace.lists())

    def marks(self) -> list[str]:
        if self.workspace is None:
            return []
        with self.lock:
            return self.workspace.marks()

    def saved_searches(self) -> list[SavedSearch]:
        if self.workspace is None:
            return []
        with self.lock:
            return self.workspace.saved_searches()

    def history(self) -> list[str]:
        if self.workspace is None:
            return []
        with self.lock:
            return self.workspace.history()

    def session(self) -> dict[str, Any]:
        if self.workspace is None:
            return {}
        with self.lock:
            return self.workspace.session()

    def log(self) -> list[dict[str, Any]]:
        if self.workspace is None:
            return []
        with self.lock:
            return self.workspace.log()

    @property
    def logging_enabled(self) -> bool:
        return self.workspace is not None and self.workspace.logging_enabled

    # -- writing (each raises WorkspaceError/ValueError with one sentence) -------------------

    def _writable(self) -> Workspace:
        workspace = self.workspace
        if workspace is None:
            raise WorkspaceReadOnly("Your workspace is still being opened; try again.")
        if workspace.read_only:
            raise WorkspaceReadOnly(
                f"Your workspace {workspace.path} is read-only this session (it could not be "
                "read); nothing was changed."
            )
        return workspace

    def change_tags(
        self, record_ids: Iterable[str], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> None:
        with self.lock:
            changes = self._writable().change_tags(record_ids, add, remove)
            self.annotations.apply_all(changes)

    def set_note(self, record_id: str, text: str) -> None:
        with self.lock:
            changes = self._writable().set_note(record_id, text)
            self.annotations.apply_all(changes)

    def add_to_list(self, name: str, record_ids: Iterable[str]) -> None:
        with self.lock:
            changes = self._writable().add_to_list(name, record_ids)
            self.annotations.apply_all(changes)

    def rename_list(self, name: str, new_name: str) -> None:
        with self.lock:
            changes = self._writable().rename_list(name, new_name)
            self.annotations.apply_all(changes)

    def delete_list(self, name: str) -> None:
        with self.lock:
            changes = self._writable().delete_list(name)
            self.annotations.apply_all(changes)

    def list_sizes(self) -> dict[str, int]:
        """Every list, in the order made, -> how many records it holds."""
        if self.workspace is None:
            return {}
        with self.lock:
            return {name: len(ids) for name, ids in self.workspace.lists().items()}

    def delete_saved_search(self, name: str) -> None:
        with self.lock:
            self._writable().delete_saved_search(name)

    def set_marked(self, record_ids: Iterable[str], marked: bool) -> None:
        """Persist marks; silently in memory only when the workspace is read-only (the
        status line says so)."""
        if not self.writable:
            return
        with self.lock:
            self._writable().set_marked(record_ids, marked)

    def save_search(
        self, name: str, query: str, filters: Filters | None, sort: str | None
    ) -> SavedSearch:
        with self.lock:
            return self._writable().save_search(name, query, filters_mapping(filters), sort)

    def set_logging(self, enabled: bool) -> None:
        with self.lock:
            self._writable().set_logging(enabled)

    # -- things that are remembered without being asked (never an error) --------------------

    def commit_search(
        self, query: str, filters: Filters | None, sort: str | None, count: int | None
    ) -> bool:
        """A search the user settled on: into history and the log (once). True if new.

        Once means: not the search last committed in this session, nor the newest search
        of the log (the session restored after a restart brings that one back on screen;
        leaving the box then is not a new search)."""
        mapping = filters_mapping(filters)
        key = (query.strip(), repr(sorted(mapping.items())), sort)
        if key == self._committed or not self.writable:
            return False
        self._committed = key
        workspace = self._writable()
        with self.lock:
            if query.strip():
                workspace.add_history(query)
            if (
                workspace.logging_enabled
                and (query.strip() or mapping)
                and count is not None
                and not _same_search(workspace.last_search(), key)
            ):
                workspace.log_search(query, mapping, count, sort)
        return True

    def log_event(self, event: str, **data: Any) -> None:
        if self.writable:
            with self.lock:
                self._writable().log_event(event, **data)

    def save_session(self, **state: Any) -> None:
        if self.writable:
            with self.lock:
                self._writable().save_session(**state)


def _same_search(event: Mapping[str, Any] | None, key: tuple[str, str, str | None]) -> bool:
    """Whether a logged search event is the search ``key`` (query, filters, sort)."""
    if event is None:
        return False
    filters = event.get("filters") if isinstance(event.get("filters"), dict) else {}
    logged = (
        str(event.get("query") or "").strip(),
        repr(sorted(filters.items())),
        event.get("sort") or None,
    )
    return logged == key


def describe_problem(problem: str) -> str:
    """The sentence shown when the workspace could not be opened."""
    return one_line(
        f"{problem.rstrip('.')}. Your tags, notes and lists are read-only this session; "
        "the file was left untouched."
    )
