"""Shown instead of the app when the archive cannot be opened: the path, the reason, a way out."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from archive_tui.sanitize import visible
from archive_tui.ui.guard import Guarded


class ErrorScreen(Guarded, Screen[None]):
    """A clear message; any of enter/escape/q leaves the app with a non-zero exit code."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,q", "leave", "Quit", tooltip="Leave archive-tui"),
    ]

    def __init__(self, title: str, reason: str, path: Path | str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.reason = reason
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical(id="error-box"):
            yield Static(Text(self.title_text, style="bold"), id="error-title")
            if self.path is not None:
                yield Static(Text(f"Archive: {visible(str(self.path), keep='')}"), id="error-path")
            yield Static(Text(visible(self.reason)), id="error-reason")
            yield Static(Text("Nothing was changed. Press enter to quit."), id="error-hint")
        yield Footer(compact=True)

    def action_leave(self) -> None:
        self.app.exit(return_code=1, message=self._exit_message())

    def _exit_message(self) -> Text:
        where = f"\n  archive: {visible(str(self.path), keep='')}" if self.path is not None else ""
        return Text(f"archive-tui: {self.title_text}{where}\n  {visible(self.reason)}")
