"""A yes/no question before something is deleted: ``y`` does it, ``n`` or escape keeps.

Enter is not "yes": a key pressed out of habit must never delete a list.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from archive_tui.sanitize import one_line
from archive_tui.ui.guard import Guarded


class ConfirmScreen(Guarded, ModalScreen[bool]):
    """Dismisses with True (``y``) or False (``n``, escape)."""

    CSS_PATH = "research.tcss"
    HELP_CONTEXT = "Confirmation"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", tooltip="Yes: do it"),
        Binding("n,escape", "answer(False)", "No", tooltip="No: nothing is changed"),
    ]

    def __init__(self, title: str, question: str, yes: str = "delete") -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box") as box:
            box.border_title = one_line(self.title_text)
            yield Static(Content(self.question), id="confirm-question")
            yield Static(Content(f"y {self.yes} · n or esc keep it"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
