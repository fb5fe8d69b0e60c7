"""The export dialog: choose a format and a file, then write the records with a progress bar.

The export runs ``export.write_export`` in a thread worker, so the screen stays responsive and
the bar moves (the core reports progress every thousand records; a timer copies the count to
the bar, so the worker never waits on the UI). ``write_export`` is atomic: a failed or
cancelled export leaves no partial file. An existing file is replaced only after a confirm
step. Errors (a missing or read-only folder) are shown in the dialog, never as a traceback.
Dismisses with the "Exported N records to …" message, or None when cancelled.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, OptionList, ProgressBar, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from archive_tui.sanitize import one_line
from archive_tui.ui.guard import Guarded

DEFAULT_STEM = "archive-export"

_FALLBACK_EXTENSIONS = {
    "bibtex": ".bib",
    "ris": ".ris",
    "csv": ".csv",
    "json": ".json",
    "csl-json": ".csl.json",
}


FORMAT_NAMES = {
    "bibtex": "BibTeX",
    "ris": "RIS",
    "csv": "CSV",
    "json": "JSON",
    "csl-json": "CSL-JSON",
}


class ExportCancelled(Exception):
    """Raised from the progress callback to stop an export the user cancelled."""


def _formats() -> tuple[tuple[str, ...], dict[str, str], dict[str, str]]:
    from archive_tui import export

    # ALL_FORMATS adds Markdown: one section per record with its citation, your tags and note
    formats = tuple(getattr(export, "ALL_FORMATS", export.FORMATS))
    labels = {"markdown": "Markdown, with your tags and notes (.md)"}
    labels.update(getattr(export, "FORMAT_LABELS", {}))
    extensions = dict(_FALLBACK_EXTENSIONS)
    extensions.update(getattr(export, "FORMAT_EXTENSIONS", {}))
    return (
        formats,
        {fmt: labels.get(fmt, fmt) for fmt in formats},
        {fmt: extensions.get(fmt, f".{fmt}") for fmt in formats},
    )


def with_extension(path: str, extension: str, known: Iterable[str]) -> str:
    """``path`` with its known export extension swapped for ``extension``.

    A name the user typed without a known extension ("notes.txt", "out") is left alone.
    """
    for old in sorted(set(known), key=len, reverse=True):
        if path.endswith(old) and len(path) > len(old):
            return path[: -len(old)] + extension
    return path


def resolve_path(typed: str) -> Path:
    """The file a typed path names: ``~`` expanded, relative to the current folder."""
    path = Path(os.path.expanduser(typed.strip()))
    if not path.is_absolute():
        path = Path.cwd() / path
    return path


def _describe_os_error(error: OSError, path: Path) -> str:
    """One sentence for the dialog: what failed, where, and why."""
    reason = error.strerror or str(error)
    if isinstance(error, PermissionError):
        return f"Cannot write to {path.parent}: permission denied. Choose another folder."
    if isinstance(error, FileNotFoundError) and not path.parent.is_dir():
        return f"The folder {path.parent} does not exist."
    if isinstance(error, IsADirectoryError):
        return f"{path} is a folder; give a file name."
    return f"Could not write {path}: {reason}."


class FormatList(OptionList):
    """The export formats; the highlighted one is the one used."""

    HELP_CONTEXT = "Export dialog"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next format", show=False),
        Binding("k,up", "cursor_up", "Previous format", show=False),
        Binding("enter", "select", "Choose", tooltip="Use this format and go to the file name"),
    ]


class ExportScreen(Guarded, ModalScreen[str | None]):
    """Export ``count`` records (produced by ``records()``) to a file."""

    CSS_PATH = "export.tcss"
    HELP_CONTEXT = "Export dialog"
    HELP_EXTRA: ClassVar[list[tuple[str, str]]] = [
        ("⏎ in file name", "Export; asks before replacing an existing file"),
    ]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close; stops a running export"),
    ]

    def __init__(self, records: Callable[[], Iterable[dict]], count: int) -> None:
        super().__init__()
        self.records = records
        self.count = count
        self.formats, self.labels, self.extensions = _formats()
        self.format = self.formats[0]
        self._confirmed: tuple[Path, str] | None = None
        self._done = 0
        self._cancel_requested = False
        self._worker: Worker[int | Exception] | None = None
        self._target: Path | None = None
        self._ticker: Timer | None = None

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="export-box"), VerticalScroll(id="export-form", can_focus=False):
            yield Label("Format", classes="export-label")
            yield FormatList(
                *(Option(Content(self.labels[fmt]), id=fmt) for fmt in self.formats),
                id="export-format",
            )
            yield Label("File", classes="export-label")
            yield Input(
                value=DEFAULT_STEM + self.extensions[self.format],
                id="export-path",
                select_on_focus=False,
            )
            yield Static(id="export-where")
            yield Static(id="export-message")
            yield ProgressBar(total=max(self.count, 1), show_eta=False, id="export-progress")
            with Horizontal(id="export-buttons"):
                yield Button("Export", variant="primary", id="export-go")
                yield Button("Cancel", id="export-cancel")

    def on_mount(self) -> None:
        box = self.query_one("#export-box", Vertical)
        noun = "record" if self.count == 1 else "records"
        box.border_title = f"Export {self.count:,} {noun}"
        self.query_one("#export-progress", ProgressBar).display = False
        formats = self.query_one(FormatList)
        formats.highlighted = 0
        formats.focus()
        self._show_where()

    # -- form --------------------------------------------------------------------------

    @property
    def path_input(self) -> Input:
        return self.query_one("#export-path", Input)

    def _show_where(self) -> None:
        typed = self.path_input.value
        where = self.query_one("#export-where", Static)
        if not typed.strip():
            where.update(Content("Type a file name."))
            return
        where.update(Content(one_line(f"→ {resolve_path(typed)}")))

    def _message(self, text: str, kind: str = "error") -> None:
        message = self.query_one("#export-message", Static)
        message.update(Content(one_line(text)) if text else Content(""))
        message.set_class(kind == "error" and bool(text), "-error")
        message.set_class(kind == "confirm" and bool(text), "-confirm")
        message.set_class(kind == "info" and bool(text), "-info")

    def _reset_confirm(self) -> None:
        if self._confirmed is not None:
            self._confirmed = None
            self.query_one("#export-go", Button).label = "Export"
            self.query_one("#export-go", Button).variant = "primary"
            self._message("")

    @on(OptionList.OptionHighlighted, "#export-format")
    def _format_chosen(self, event: OptionList.OptionHighlighted) -> None:
        fmt = self.formats[event.option_index]
        if fmt == self.format:
            return
        self.format = fmt
        self.path_input.value = with_extension(
            self.path_input.value, self.extensions[fmt], self.extensions.values()
        )
        self._reset_confirm()

    @on(OptionList.OptionSelected, "#export-format")
    def _format_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.path_input.focus()

    @on(Input.Changed, "#export-path")
    def _path_changed(self) -> None:
        self._show_where()
        self._reset_confirm()

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def _submit(self, event: Input.Submitted | Button.Pressed) -> None:
        event.stop()
        self.start_export()

    @on(Button.Pressed, "#export-cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_cancel()

    # -- export ------------------------------------------------------------------------

    def start_export(self) -> None:
        """Check the target, ask before replacing a file, then run the export in a thread."""
        if self._worker is not None and self._worker.is_running:
            return
        typed = self.path_input.value
        if not typed.strip():
            self._message("Type a file name to export to.")
            return
        path = resolve_path(typed)
        if path.is_dir():
            self._message(f"{path} is a folder; give a file name.")
            return
        if not path.parent.is_dir():
            self._message(f"The folder {path.parent} does not exist.")
            return
        if not os.access(path.parent, os.W_OK):
            self._message(f"Cannot write to {path.parent}: permission denied.")
            return
        overwrite = False
        if path.exists():
            if self._confirmed != (path, self.format):
                self._confirmed = (path, self.format)
                go = self.query_one("#export-go", Button)
                go.label = "Overwrite"
                go.variant = "warning"
                self._message(
                    f"{path.name} already exists. Press enter again (or Overwrite) to replace "
                    "it, or change the name.",
                    kind="confirm",
                )
                return
            overwrite = True
        self._run(path, overwrite)

    def _run(self, path: Path, overwrite: bool) -> None:
        self._target = path
        self._done = 0
        self._cancel_requested = False
        self._message(f"Writing {self.labels[self.format]}…", kind="info")
        for widget in (self.query_one(FormatList), self.path_input):
            widget.disabled = True
        self.query_one("#export-go", Button).disabled = True
        bar = self.query_one("#export-progress", ProgressBar)
        bar.update(total=max(self.count, 1), progress=0)
        bar.display = True
        self.query_one("#export-cancel", Button).focus()
        self._ticker = self.set_interval(1 / 20, self._tick)
        fmt = self.format
        self._worker = self.run_worker(
            lambda: self._write(fmt, path, overwrite),
            name="export",
            group="export",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _write(self, fmt: str, path: Path, overwrite: bool) -> int | Exception:
        """Runs in a thread: the whole export, reporting progress through ``self._done``.

        Returns the count, or the exception that stopped it (the dialog explains it; a
        failed export is an outcome to show, not a crashed worker).
        """
        from archive_tui.export import write_export

        def progress(done: int) -> None:
            self._done = done
            if self._cancel_requested:
                raise ExportCancelled

        try:
            research = getattr(self.app, "research", None)
            annotations = research.annotations_of if research is not None else None
            return write_export(
                self.records(),
                fmt,
                path,
                overwrite=overwrite,
                progress=progress,
                annotations=annotations,
            )
        except Exception as error:
            return error

    def _log_export(self, written: int, path: str) -> None:
        """Into the research log (never failing the export)."""
        research = getattr(self.app, "research", None)
        if research is None:
            return
        try:
            research.log_event("export", format=self.format, count=written, path=path)
        except Exception as error:
            self.app.log.error(f"export not logged: {error}")

    def _tick(self) -> None:
        self.query_one("#export-progress", ProgressBar).update(progress=self._done)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self._worker or event.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        ):
            return
        if self._ticker is not None:
            self._ticker.stop()
        path = self._target or Path()
        outcome = event.worker.result if event.state == WorkerState.SUCCESS else None
        if event.state == WorkerState.SUCCESS and not isinstance(outcome, Exception):
            written = int(outcome or 0)
            self.query_one("#export-progress", ProgressBar).update(
                total=max(written, 1), progress=max(written, 1)
            )
            noun = "record" if written == 1 else "records"
            name = FORMAT_NAMES.get(self.format, self.format)
            message = f"Exported {written:,} {noun} as {name} to {path}."
            self.notify(one_line(message), title="Export finished", markup=False)
            self._log_export(written, str(path))
            self.dismiss(message)
            return
        error = outcome if isinstance(outcome, Exception) else event.worker.error
        if (
            self._cancel_requested
            or event.state == WorkerState.CANCELLED
            or isinstance(error, ExportCancelled)
        ):
            self.notify("Export cancelled; nothing was written.", markup=False)
            self.dismiss(None)
            return
        self._unlock()
        if isinstance(error, FileExistsError):
            self._confirmed = None
            self._message(f"{path.name} appeared meanwhile; press enter to check again.")
        elif isinstance(error, OSError):
            self._message(_describe_os_error(error, path))
        else:
            self._message(f"Export failed: {error}")

    def _unlock(self) -> None:
        self.query_one("#export-progress", ProgressBar).display = False
        for widget in (self.query_one(FormatList), self.path_input):
            widget.disabled = False
        go = self.query_one("#export-go", Button)
        go.disabled = False
        go.label = "Export"
        go.variant = "primary"
        self.path_input.focus()

    def action_cancel(self) -> None:
        if self._worker is not None and self._worker.is_running:
            self._cancel_requested = True
            self._message("Cancelling…", kind="info")
            return
        self.dismiss(None)
