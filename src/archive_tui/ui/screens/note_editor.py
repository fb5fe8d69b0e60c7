"""The note editor: a record's note in a text area, in a dialog.

Ctrl+S saves and closes (dismisses with the text). Escape closes when nothing was
changed; after a change, the first escape says the note is not saved and keeps the text,
a second one discards it: typed text is never lost by a single key.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from archive_tui.sanitize import one_line
from archive_tui.ui.guard import Guarded

KEYS = "ctrl+s save · esc close"
UNSAVED = "Not saved: ctrl+s saves · esc again discards the changes"


class NoteEditor(Guarded, ModalScreen[str | None]):
    """Edit one note; dismisses with the text to save, or None (nothing to save)."""

    CSS_PATH = "research.tcss"
    HELP_CONTEXT = "Note editor"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", priority=True, tooltip="Save the note and close"),
        Binding(
            "escape",
            "close",
            "Close",
            priority=True,
            tooltip="Close; with unsaved changes, asks first (a second escape discards)",
        ),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.original = text
        self._warned = False

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box") as box:
            box.border_title = one_line(f"Note · {self.title_text}")
            yield TextArea(self.original, id="note-text", soft_wrap=True, tab_behavior="focus")
            yield Static(Content(KEYS), id="note-keys")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def on_text_area_changed(self) -> None:
        if self._warned:
            self._warned = False
            self.query_one("#note-keys", Static).update(Content(KEYS))
            self.query_one("#note-keys").remove_class("-warning")

    def action_save(self) -> None:
        self.dismiss(self.text)

    def action_close(self) -> None:
        if self.text == self.original or self._warned:
            self.dismiss(None)
            return
        self._warned = True
        keys = self.query_one("#note-keys", Static)
        keys.update(Content(UNSAVED))
        keys.add_class("-warning")
