"""Pick one of a document's people or places to open their page (from the document view).

The names are listed as the document gives them (the page itself shows the canonical name
and every variant's documents). Enter opens the page over this picker's caller; escape
closes. The picker dismisses with what the page handed back (Filters, or None).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from archive_tui.person_page import Kind
from archive_tui.search import Filters

from .person import EntityScreen

_LABELS = {"people": "person", "places": "place"}


def entities_of(record: dict) -> list[tuple[Kind, str]]:
    """The record's people, then its places, each once, as the record gives them."""
    found: list[tuple[Kind, str]] = []
    for kind in ("people", "places"):
        values = record.get(kind) or ()
        for value in dict.fromkeys(v for v in values if isinstance(v, str) and v.strip()):
            found.append((kind, value))  # type: ignore[arg-type]
    return found


class EntityPickerScreen(ModalScreen[Filters | None]):
    """The people and places of one record; Enter opens the highlighted one's page."""

    CSS_PATH = "person.tcss"
    HELP_CONTEXT = "Person or place page"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", tooltip="Back to the document"),
    ]

    def __init__(self, record: dict, archive: Any = None) -> None:
        super().__init__()
        self.record = record
        self._archive = archive
        self.entities = entities_of(record)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box"):
            yield OptionList(
                *(
                    Option(Text.assemble(name, (f"  {_LABELS[kind]}", "dim")))
                    for kind, name in self.entities
                ),
                id="picker-list",
            )

    def on_mount(self) -> None:
        box = self.query_one("#picker-box")
        box.border_title = "Open the page of…" if self.entities else "No people or places"
        options = self.query_one(OptionList)
        options.highlighted = 0 if self.entities else None
        options.focus()

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        kind, name = self.entities[event.option_index]
        self.app.push_screen(EntityScreen(kind, name, self._archive), self._handed_back)

    def _handed_back(self, filters: Filters | None) -> None:
        if filters is not None:
            self.dismiss(filters)

    def action_cancel(self) -> None:
        self.dismiss(None)
