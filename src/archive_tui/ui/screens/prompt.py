"""A one-line question in a dialog: tags to add, a list name, a saved search's name.

The input completes from ``choices`` (accents and case ignored); with ``several`` it
completes the last comma-separated item (``berlin, wa`` → ``berlin, wall``). Enter
dismisses with the text (stripped; an empty answer is None), escape with None.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Static

from archive_tui.sanitize import one_line
from archive_tui.text import fold
from archive_tui.ui.guard import Guarded


class ChoiceSuggester(Suggester):
    """Completes the text (or its last comma-separated item) from known choices."""

    def __init__(self, choices: Sequence[str], *, several: bool = False) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.choices = list(choices)
        self.several = several

    async def get_suggestion(self, value: str) -> str | None:
        head, sep, last = value.rpartition(",") if self.several else ("", "", value)
        typed = last.lstrip()
        prefix = value[: len(value) - len(typed)]
        if not typed:
            return None
        wanted = fold(typed.lstrip("-"))
        sign = "-" if typed.startswith("-") else ""
        for choice in self.choices:
            if fold(choice).startswith(wanted) and len(choice) > len(typed.lstrip("-")):
                return prefix + sign + choice
        del head, sep
        return None


class PromptScreen(Guarded, ModalScreen[str | None]):
    """Ask for one line; see the module docstring."""

    CSS_PATH = "research.tcss"
    HELP_CONTEXT = "Question dialog"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close; nothing is changed"),
    ]
    HELP_EXTRA: ClassVar[list[tuple[str, str]]] = [
        ("right / tab", "Accept the completion shown in grey"),
        ("enter", "Apply what was typed"),
    ]

    def __init__(
        self,
        title: str,
        *,
        hint: str = "",
        value: str = "",
        placeholder: str = "",
        choices: Sequence[str] = (),
        several: bool = False,
        input_id: str = "prompt-input",
    ) -> None:
        super().__init__()
        self.title_text = title
        self.hint = hint
        self.value = value
        self.placeholder = placeholder
        self.choices = list(choices)
        self.several = several
        self.input_id = input_id

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-box") as box:
            box.border_title = one_line(self.title_text)
            if self.hint:
                yield Static(Content(self.hint), id="prompt-hint")
            yield Input(
                value=self.value,
                placeholder=self.placeholder,
                suggester=ChoiceSuggester(self.choices, several=self.several),
                select_on_focus=False,
                id=self.input_id,
            )
            yield Static(Content("enter apply · → complete · esc cancel"), id="prompt-keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(text or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


def split_tags(text: str) -> tuple[list[str], list[str]]:
    """``berlin, -draft, wall`` → (add ["berlin", "wall"], remove ["draft"])."""
    add: list[str] = []
    remove: list[str] = []
    for item in text.split(","):
        item = " ".join(item.split())
        if item.startswith("-") and item[1:].strip():
            remove.append(item[1:].strip())
        elif item and item != "-":
            add.append(item)
    return add, remove
