"""Active filters shown as chips; each can be removed on its own (enter/delete)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, HorizontalScroll
from textual.message import Message
from textual.widgets import Static

from archive_tui.sanitize import one_line
from archive_tui.ui.guard import Guarded
from archive_tui.ui.widgets.facet_list import fit_middle
from archive_tui.ui.widgets.results import short_name

#: Widest value shown in a chip (cut in the middle beyond it).
CHIP_VALUE_WIDTH = 36

FIELD_LABELS = {
    "collection": "Collection",
    "document_type": "Type",
    "language": "Language",
    "people": "Person",
    "places": "Place",
    "subjects": "Subject",
    "decade": "Decade",
    "year": "Year",
    "admin": "Administration",
    "classification": "Class",
    "handling": "Handling",
    "repository": "Repository",
    "date_from": "From",
    "date_to": "To",
}


@dataclass(frozen=True)
class ChipSpec:
    """One active filter: a facet value, or a date bound (field date_from/date_to)."""

    field: str
    value: str

    @property
    def label(self) -> str:
        value = fit_middle(one_line(short_name(self.value)), CHIP_VALUE_WIDTH)
        return f"{FIELD_LABELS.get(self.field, self.field)}: {value}"


class Chip(Guarded, Static, can_focus=True):
    """One active filter; enter, delete or backspace removes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,delete,backspace", "remove", "Remove filter", tooltip="Remove this filter"),
        Binding("left", "app.focus_previous", "Previous", show=False),
        Binding("right", "app.focus_next", "Next", show=False),
    ]

    class Remove(Message):
        def __init__(self, spec: ChipSpec) -> None:
            self.spec = spec
            super().__init__()

    def __init__(self, spec: ChipSpec) -> None:
        super().__init__(Text(f"{spec.label} ×", no_wrap=True, end=""), classes="chip")
        self.spec = spec

    def action_remove(self) -> None:
        self.post_message(self.Remove(self.spec))

    def on_click(self) -> None:
        self.action_remove()


class ChipBar(Guarded, Horizontal, can_focus=False):
    """The "Filters:" label, then the row of chips, which scrolls sideways when long (the
    label stays put); hidden when no filter is active."""

    def compose(self) -> ComposeResult:
        yield Static("Filters:", classes="chip-label")
        yield HorizontalScroll(id="chip-row", can_focus=False)

    def set_chips(self, specs: list[ChipSpec]) -> None:
        """Replace the chips, keeping focus on a neighbour of a removed focused chip."""
        focused = self.screen.focused if self.is_mounted else None
        focus_index = None
        chips = list(self.query(Chip))
        if isinstance(focused, Chip) and focused in chips:
            focus_index = chips.index(focused)
        if [c.spec for c in chips] == specs:
            return
        row = self.query_one("#chip-row", HorizontalScroll)
        row.remove_children()
        new = [Chip(spec) for spec in specs]
        if specs:
            row.mount(*new)
        self.set_class(not specs, "-empty")
        if focus_index is not None:
            if new:
                target = new[min(focus_index, len(new) - 1)]
                self.call_after_refresh(target.focus)
            else:
                self.post_message(self.Emptied())

    class Emptied(Message):
        """The last chip went away while it had focus."""
