"""The search box: typing searches; enter, down or escape go to the results."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from archive_tui.ui.guard import Guarded


class SearchInput(Guarded, Input):
    """An `Input` whose enter/down/escape hand focus to the result list."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_results", "Results", show=False),
        Binding("escape", "to_results", "Results", tooltip="Go to the results"),
    ]

    class ToResults(Message):
        """The user is done typing and wants the results."""

    def action_to_results(self) -> None:
        self.post_message(self.ToResults())
