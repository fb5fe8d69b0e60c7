"""The search box: typing searches; enter, down or escape go to the results; up and down
walk the search history (the workspace's, persisted; ``history`` is set by the screen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input

from archive_tui.ui.guard import Guarded

TO_RESULTS = "Go to the results (enter too); the query stays as typed"
EARLIER = "An earlier search from your history (each press goes further back)"
DOWN = "A later search from your history while walking it; else to the results"


class SearchInput(Guarded, Input):
    """An `Input` whose enter/down/escape hand focus to the result list.

    Focusing it never selects the query: a letter typed next (``q`` meant as quit, say)
    then adds to the query instead of replacing it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "history(-1)", "Earlier search", show=False, tooltip=EARLIER),
        Binding("down", "down", "Results", show=False, tooltip=DOWN),
        Binding("escape", "to_results", "Results", tooltip=TO_RESULTS),
    ]

    HELP_CONTEXT = "Search box"
    HELP_EXTRA: ClassVar[list[tuple[str, str]]] = [
        ("typing", "Searches as you type; ? and * are wildcards here, q is a letter"),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
        #: the searches to walk with up/down, oldest first (the workspace's history)
        self.history: Callable[[], list[str]] = list
        self._walk: int | None = None  # position in the history being shown
        self._walk_value = ""  # the value the walk put in the box (typing ends the walk)
        self._draft = ""  # what was typed before the walk began

    class Left(Message):
        """Focus left the box: the search typed there is the one the user settled on."""

    def on_blur(self) -> None:
        self.post_message(self.Left())

    def action_history(self, step: int) -> None:
        """Show the previous (-1) or next (+1) search of the history, skipping repeats."""
        entries = self.history()
        if self._walk is not None and self.value != self._walk_value:
            self._walk = None  # the user typed: a new walk starts from here
        if self._walk is None:
            if step > 0:
                return
            self._draft = self.value
            position = len(entries)
        else:
            position = self._walk
        shown = self.value
        while True:
            position += step
            if position < 0:
                return  # the oldest: stay there
            if position >= len(entries):
                self._walk = None
                self._set(self._draft)
                return
            if entries[position] != shown:
                break
        self._walk = position
        self._set(entries[position])

    def _set(self, value: str) -> None:
        self._walk_value = value
        self.value = value
        self.cursor_position = len(value)

    def action_down(self) -> None:
        if self._walk is not None and self.value == self._walk_value:
            before = self.value
            self.action_history(+1)
            if self._walk is None and self.value == before:  # back at what was typed
                self.action_to_results()
        else:
            self._walk = None
            self.action_to_results()

    class ToResults(Message):
        """The user is done typing and wants the results."""

    def action_to_results(self) -> None:
        self.post_message(self.ToResults())
