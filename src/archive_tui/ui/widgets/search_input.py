"""The search box: typing searches; enter, down or escape go to the results."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from archive_tui.ui.guard import Guarded

TO_RESULTS = "Go to the results (enter too); the query stays as typed"


class SearchInput(Guarded, Input):
    """An `Input` whose enter/down/escape hand focus to the result list.

    Focusing it never selects the query: a letter typed next (``q`` meant as quit, say)
    then adds to the query instead of replacing it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_results", "Results", show=False, tooltip=TO_RESULTS),
        Binding("escape", "to_results", "Results", tooltip=TO_RESULTS),
    ]

    HELP_CONTEXT = "Search box"
    HELP_EXTRA: ClassVar[list[tuple[str, str]]] = [
        ("typing", "Searches as you type; ? and * are wildcards here, q is a letter"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)

    class ToResults(Message):
        """The user is done typing and wants the results."""

    def action_to_results(self) -> None:
        self.post_message(self.ToResults())
