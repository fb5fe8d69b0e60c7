"""The Textual app: opens the archive in a worker, then hands it to the main screen.

``run(db_path)`` is what the CLI calls; ``ArchiveApp`` is what tests drive with
``run_test``.  An archive that cannot be opened gives an error screen with the
path and the reason, and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.widgets import Input

from archive_tui.ui import clipboard
from archive_tui.ui.commands import ArchiveCommands
from archive_tui.ui.guard import Guarded, error_sentence, log_error
from archive_tui.ui.live import (
    POLL_SECONDS,
    ArchiveChanged,
    ArchiveReloaded,
    ArchiveReloadFailed,
    store_fingerprints,
)
from archive_tui.ui.live_pg import SharedAnnotations
from archive_tui.ui.log_writer import LogWriter
from archive_tui.ui.research import Research, describe_problem
from archive_tui.ui.screens.error import ErrorScreen
from archive_tui.ui.screens.help import HelpScreen
from archive_tui.ui.screens.main import MainScreen
from archive_tui.ui.widgets.facet_list import FacetValueList

if TYPE_CHECKING:
    from collections.abc import Mapping

    from textual.actions import ActionParseResult
    from textual.dom import DOMNode
    from textual.worker import Worker

    from archive_tui.archive import Archive
    from archive_tui.workspace import Change, Workspace

STARTED = time.perf_counter()


class ArchiveApp(Guarded, App[None]):
    """Search, filter, read and cite declassified historical documents."""

    TITLE = "archive-tui"
    # Absolute, so that subclasses defined elsewhere (benchmarks, tests) find it too.
    CSS_PATH: ClassVar[list[str | Path]] = [Path(__file__).with_name("app.tcss")]
    COMMANDS: ClassVar = App.COMMANDS | {ArchiveCommands}
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit_unless_typing", "Quit", tooltip="Leave archive-tui"),
        # priority: dialogs (modal screens) do not pass keys on to the app's bindings
        Binding(
            "f1",
            "help",
            "Help",
            tooltip="Keys and search syntax, from anywhere",
            key_display="F1",
            priority=True,
        ),
        Binding(
            "question_mark",
            "help_unless_typing",
            "Help",
            show=False,
            tooltip="Help, outside text boxes (in one, ? is a character: a wildcard)",
        ),
    ]

    def __init__(
        self,
        db_path: Path | str | None = None,
        archive: Archive | None = None,
        *,
        show_timing: bool = True,
    ) -> None:
        super().__init__()
        #: a ``postgresql://`` address (``--db``, else ARCHIVE_TUI_DB), or None: a local store
        self.db_address = database_to_open(db_path)
        local = db_path is not None and self.db_address is None
        self.db_path = Path(db_path) if local and db_path is not None else None
        self.archive: Archive | None = archive
        self.show_timing = show_timing
        #: Marked records by id, in marking order; they survive new searches.
        self.marks: dict[str, dict] = {}
        #: Seconds from import of this module to the first results on screen.
        self.first_results_after: float | None = None
        #: the user's research workspace (tags, notes, marks, history…), opened in a thread
        self.research = Research(self.db_address or (str(db_path) if db_path else None))
        #: the research log's entries, written in a worker (ui/log_writer.py)
        self.log_writer = LogWriter(self.research)
        self.research.start()
        self._workspace_watch: Worker[None] | None = None
        self._workspace_error: str | None = None
        self.main_screen = MainScreen()
        #: others' shared tags and lists, live (a workspace in PostgreSQL; ui/live_pg.py)
        self.shared = SharedAnnotations()
        #: The thread that last reopened a changed archive (never the UI thread).
        self.last_reload_thread: threading.Thread | None = None
        #: How many times a changed archive was read again (a debug stat for tests).
        self.reloads = 0
        self._watch: Worker[None] | None = None
        #: the files' fingerprints last reopened (or failed to): never read twice in a row,
        #: even if an archive read from them still differs from them (no reload loop)
        self._handled: tuple[str, ...] | None = None
        # Start reading the archive now, while Textual starts up (it takes as long).
        self._opening: Future[Archive] | None = None
        if archive is None:
            self._opening = Future()
            threading.Thread(target=self._read_archive, name="archive-open", daemon=True).start()

    def _read_archive(self) -> None:
        """Open the archive (thread); the result or the error goes to ``self._opening``."""
        assert self._opening is not None
        try:
            from archive_tui.archive import Archive

            if self.db_address is not None:  # PostgreSQL, live through LISTEN/NOTIFY
                from archive_tui.pg.archive_live import open_live

                archive = open_live(self.db_address)
            elif self.db_path is not None:
                archive = Archive.open(self.db_path)
            else:
                archive = Archive.open_default()
        except BaseException as error:  # reported by the worker below, never a traceback
            self._opening.set_exception(error)
        else:
            self._opening.set_result(archive)

    def get_default_screen(self) -> MainScreen:
        return self.main_screen

    def on_mount(self) -> None:
        # The archive (given, or being read) and the workspace, both, before the first search.
        self._open_archive()
        self.set_interval(POLL_SECONDS, self._poll_archive, name="archive-watch")
        self.set_interval(POLL_SECONDS, self._poll_workspace, name="workspace-watch")

    # -- the live workspace: another process's tags and notes (as the live archive) -------

    def _poll_workspace(self) -> None:
        if not self.research.ready or (
            self._workspace_watch is not None and self._workspace_watch.is_running
        ):
            return
        self._workspace_watch = self._check_workspace()

    @work(thread=True, group="workspace-watch", exit_on_error=False)
    def _check_workspace(self) -> None:
        """Thread: reload the workspace if another process wrote it."""
        try:
            changes = self.research.reload()
        except Exception as error:  # unreadable now: keep what we have, say it once
            self.call_from_thread(self._workspace_failed, error)
            return
        if changes is not None:
            self.call_from_thread(self._workspace_reloaded, changes)

    def _workspace_reloaded(self, changes: list[Change]) -> None:
        self.research.apply(changes)
        if self.main_screen.is_mounted and self.main_screen.archive is not None:
            self.main_screen.workspace_reloaded()
        refresh = getattr(self.screen, "show_annotations", None)
        if callable(refresh):
            refresh()

    def _workspace_failed(self, error: Exception) -> None:
        sentence = str(error).strip() or type(error).__name__
        if self._workspace_error != sentence:
            self._workspace_error = sentence
            self.notify(sentence, severity="warning", timeout=8, markup=False)

    # -- the live archive (see ui/live.py) ------------------------------------------------

    def _poll_archive(self) -> None:
        """Timer: look at the store files in a worker, unless a look is still running."""
        if self.archive is None or (self._watch is not None and self._watch.is_running):
            return
        self._watch = self._check_archive(self.archive)

    @work(thread=True, group="archive-watch", exit_on_error=False)
    def _check_archive(self, archive: Archive) -> None:
        """Thread: stat the files; when they changed, read the archive again, here."""
        try:
            if not archive.changed_on_disk():
                return
            seen = store_fingerprints(archive)
        except Exception as error:  # a file that cannot even be stat'ed: say it once
            if self._handled != ("stat",):
                self._handled = ("stat",)
                self.main_screen.post_message(ArchiveReloadFailed(archive, error))
            return
        if seen == self._handled:
            return  # these very files were read already: wait for the next change
        self._handled = seen
        self.main_screen.post_message(ArchiveChanged(archive))
        self.last_reload_thread = threading.current_thread()
        self.reloads += 1
        try:
            new = archive.reopen()
        except Exception as error:  # StoreError and the like: the old archive stays
            self.main_screen.post_message(ArchiveReloadFailed(archive, error))
            return
        self.call_from_thread(self._reloaded, archive, new)

    def _reloaded(self, old: Archive, new: Archive) -> None:
        if self.archive is not old:
            return
        self.archive = new
        gc.freeze()  # as in _opened
        name = self.last_reload_thread.name if self.last_reload_thread else ""
        self.log.info(f"archive reopened on thread {name!r}: {len(old):,} -> {len(new):,}")
        self.main_screen.post_message(ArchiveReloaded(old, new, name))

    @work(thread=True, exclusive=True, group="open", exit_on_error=False)
    def _open_archive(self) -> None:
        """Wait for the archive started in __init__ (or given) and the workspace, without
        blocking the interface."""
        try:
            archive = self._opening.result() if self._opening is not None else self.archive
        except Exception as error:  # StoreError and anything else: a message, not a traceback
            self.call_from_thread(self._open_failed, error)
            return
        workspace = self.research.wait()
        marked: dict[str, dict] = {}
        if archive is not None:  # read here: a database is never waited on by the UI thread
            try:
                marked = {i: archive.get(i) or {"id": i} for i in workspace.marks()}
            except Exception as error:  # the marks stay, as bare ids
                log_error(error, "reading the marked records")
        self.call_from_thread(self._workspace_opened, workspace, archive, marked)
        if archive is not None:
            self.call_from_thread(self._opened, archive)
        self._follow_shared(workspace)

    def _follow_shared(self, workspace: Workspace) -> None:
        """Thread: read what others share with this user, then listen for news of it
        (a workspace in PostgreSQL only)."""
        from archive_tui.pg.workspace_open import workspace_address

        address = workspace_address(self.research.address)
        if address is None or not hasattr(workspace, "shared_with_me") or self.research.problem:
            return
        try:
            self.call_from_thread(self._shared_read, self.shared.read(address))
        except Exception as error:  # said once; the user's own workspace works on
            self.call_from_thread(self._workspace_failed, error)
        self.shared.listen(address, self._shared_heard, self._shared_problem)

    def _shared_heard(self, found: dict[str, list[tuple[str, str, str]]]) -> None:
        """Listener thread: what is shared was read again."""
        with contextlib.suppress(Exception):  # the app is closing
            self.call_from_thread(self._shared_read, found)

    def _shared_problem(self, sentence: str) -> None:
        with contextlib.suppress(Exception):
            self.call_from_thread(self._workspace_failed, Exception(sentence))

    def _shared_read(self, found: dict[str, list[tuple[str, str, str]]]) -> None:
        self.shared.by_record = found
        refresh = getattr(self.screen, "show_annotations", None)
        if callable(refresh):
            refresh()

    def on_unmount(self) -> None:
        self.shared.stop()
        self.log_writer.close()

    def _workspace_opened(
        self, workspace: Workspace, archive: Archive | None, marked: dict[str, dict]
    ) -> None:
        """The workspace is open: its marks are the marks; a problem is said once."""
        self.research.opened(workspace)
        if archive is not None:
            for record_id in self.research.marks():
                self.marks.setdefault(record_id, marked.get(record_id) or {"id": record_id})
        if self.research.problem:
            self.notify(
                describe_problem(self.research.problem),
                title="Workspace read-only",
                severity="warning",
                timeout=12,
                markup=False,
            )

    def _opened(self, archive: Archive) -> None:
        # The archive is millions of long-lived objects; without this, each full garbage
        # collection walks them all (~0.1-0.5 s at 100,000 records), a pause in the middle
        # of typing. Frozen objects are left out of collections (they stay alive anyway).
        gc.freeze()
        self.archive = archive
        if self.main_screen.is_mounted and self.main_screen.archive is not archive:
            self.main_screen.set_archive(archive)

    def _open_failed(self, error: Exception) -> None:
        path = getattr(error, "path", None) or self.db_path or shown_address(self.db_address)
        reason = getattr(error, "reason", None) or str(error) or type(error).__name__
        self.push_screen(ErrorScreen("The archive could not be opened.", str(reason), path))

    def results_shown(self) -> None:
        """Called by the main screen when results are on screen (start-up timing)."""
        if self.first_results_after is None:
            self.first_results_after = time.perf_counter() - STARTED
            self.log.info(f"first results after {self.first_results_after:.3f} s")
            self.run_worker(
                self._index_note_words, thread=True, name="note-words", group="note-words"
            )

    def _index_note_words(self) -> None:
        """Worker: the notes' words, indexed once the first results are painted (not at
        start, where they would delay them), before the user's first word needs them."""
        annotations = self.research.annotations
        if annotations is not None:
            annotations.index_note_words()

    # -- errors -------------------------------------------------------------------------

    def report_error(self, error: Exception, context: str = "") -> None:
        """An action or handler failed: one sentence on screen, the traceback in the log."""
        where = log_error(error, context)
        self.log.error(f"{context}: {error!r}")
        self.notify(error_sentence(error, where), severity="error", timeout=8, markup=False)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key binding and palette action runs here: a failing one is reported, the
        session goes on (Textual would end the app)."""
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:
            self.report_error(error, f"action {action!r}")
            return True

    def _handle_exception(self, error: Exception) -> None:
        # Textual's last resort (the app exits); what reaches it is logged first, so even
        # an error Guarded could not catch leaves its traceback in the user's log.
        log_error(error, "fatal")
        super()._handle_exception(error)

    # -- app-wide actions -----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # q and ? typed into a text box are text (F1 is not: help works everywhere).
        focused = self.screen.focused
        typing = isinstance(focused, (Input, FacetValueList))
        # (ctrl+q, Textual's own "quit", is not affected: it quits from anywhere)
        return not (action in ("quit_unless_typing", "help_unless_typing") and typing)

    def action_help(self) -> None:
        """Open help; F1 on the help screen closes it."""
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss(None)
        else:
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Quit, remembering the session (query, filters, sort, selected card, theme)."""
        try:
            self.main_screen.save_session()
        except Exception as error:  # never keeps the user in the app
            log_error(error, "saving the session")
        await super().action_quit()

    async def action_quit_unless_typing(self) -> None:
        """``q`` outside a text box (inside one it is a letter)."""
        await self.action_quit()

    def action_help_unless_typing(self) -> None:
        """``?`` outside a text box (inside one it is a wildcard character)."""
        self.action_help()

    def copy_text(self, text: str, *, what: str = "Citation") -> None:
        """Copy to the clipboard (OSC 52 + local clipboard) and show what was copied."""
        clipboard.copy_text(self, text, what=what)

    def store_failed(self, error: Exception) -> None:
        """The archive became unreadable while open (changed on disk): say so, then exit."""
        if isinstance(self.screen, ErrorScreen):
            return
        path = getattr(error, "path", None) or self.db_path
        reason = getattr(error, "reason", None) or str(error) or type(error).__name__
        message = "The archive changed on disk and cannot be read."
        self.push_screen(ErrorScreen(message, reason, path))


def database_to_open(db_path: Path | str | None) -> str | None:
    """The ``postgresql://`` address the app opens: ``db_path`` if it is one, else (no
    ``--db``) ARCHIVE_TUI_DB if it is one; None for a local archive."""
    from archive_tui.backend import database_address, is_database_address

    address = database_address(None) if db_path is None else str(db_path)
    return address if is_database_address(address) else None


def shown_address(address: str | None) -> str | None:
    """The address without its password, for the screen."""
    if address is None:
        return None
    from archive_tui.pg.connection import redact

    return redact(address)


def run(db_path: Path | str | None = None) -> int:
    """Run the app full screen; the exit code is 0, or 1 when the archive could not be opened."""
    app = ArchiveApp(db_path=db_path)
    app.run()
    return app.return_code or 0
