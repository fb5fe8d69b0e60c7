"""A virtual list of facet values with their counts (one line each).

A field such as ``people`` can have thousands of values, so, like the result
list, this draws only the visible lines (Line API) instead of mounting a widget
or an option per value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from archive_tui.sanitize import one_line
from archive_tui.ui.widgets.cursor_list import CursorList
from archive_tui.ui.widgets.results import set_virtual_size, short_name
from archive_tui.ui.widgets.styles import background, foreground, text_strip


def fit_middle(text: str, width: int) -> str:
    """``text`` cut in the middle to ``width`` cells: long values often differ only at the end
    ("Foreign Relations of the United States, 1961–1963, Volume XV, Berlin Crisis")."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…" if width == 1 else ""
    head_width = (width - 1) * 2 // 5
    tail_width = width - 1 - head_width
    tail = ""
    for char in reversed(text):
        if cell_len(char + tail) > tail_width:
            break
        tail = char + tail
    head = set_cell_size(text, head_width).rstrip()
    return set_cell_size(f"{head}…{tail.lstrip()}", width).rstrip()


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet field, how many current results have it, whether it is a filter."""

    value: str
    count: int
    active: bool = False


class FacetValueList(CursorList, inherit_bindings=False):
    """Values of one facet field, most frequent first; enter adds (or removes) a filter.

    Letters typed here narrow the list (the filter panel moves them to its narrowing box),
    so only keys that type nothing move the cursor: no j/k/g/G.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "cursor_down", "Next", show=False),
        Binding("up", "cursor_up", "Previous", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("enter", "choose", "Add filter", tooltip="Filter the results by this value"),
        Binding("left", "switch_field(-1)", "Field", show=False),
        Binding("right", "switch_field(1)", "Field", tooltip="Show another field's values"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "facet-list--cursor",
        "facet-list--count",
        "facet-list--active",
        "facet-list--empty",
    }

    class Chosen(Message):
        """The user chose ``value``: add it as a filter, or remove it when ``active``."""

        def __init__(self, value: FacetValue) -> None:
            self.value = value
            super().__init__()

    class SwitchField(Message):
        """The user asked for the next (+1) or previous (-1) facet field."""

        def __init__(self, step: int) -> None:
            self.step = step
            super().__init__()

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._values: list[FacetValue] = []
        self._strips: LRUCache[tuple[FacetValue, int, bool], Strip] = LRUCache(maxsize=300)
        self._base_style = Style()
        self.empty_text = "No values."

    @property
    def values(self) -> list[FacetValue]:
        return self._values

    def set_values(self, values: list[FacetValue], keep: str | None = None) -> None:
        """Show ``values``; keep the cursor on the value ``keep`` if it is still there."""
        self._values = values
        self._strips.clear()
        index = 0
        if keep is not None:
            for i, item in enumerate(values):
                if item.value == keep:
                    index = i
                    break
        set_virtual_size(self, Size(self._content_width(), max(1, len(values))))
        self.set_reactive(FacetValueList.cursor, index)
        self.refresh()
        self.scroll_to_cursor()

    @property
    def highlighted(self) -> FacetValue | None:
        if 0 <= self.cursor < len(self._values):
            return self._values[self.cursor]
        return None

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self._content_width(), max(1, len(self._values)))

    @property
    def row_count(self) -> int:
        return len(self._values)

    @property
    def rows_per_page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)  # one line of overlap

    def action_choose(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Chosen(self.highlighted))

    def action_switch_field(self, step: int) -> None:
        self.post_message(self.SwitchField(step))

    def on_click(self, event: events.Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self._values):
            self.cursor = index
            if event.chain >= 2:
                self.action_choose()

    def render_line(self, y: int) -> Strip:
        width = self._content_width()
        base = self.rich_style
        index = y + self.scroll_offset.y
        if not self._values:
            if index == 0:
                text = Text(self.empty_text, style=foreground(self, "facet-list--empty"))
                text.truncate(width, overflow="ellipsis")
                text.stylize_before(base)
                return text_strip(text, self.app.console, width, base)
            return Strip.blank(width, base)
        if index >= len(self._values):
            return Strip.blank(width, base)
        item = self._values[index]
        key = (item, width, index == self.cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_value(item, width, index == self.cursor, base)
            self._strips[key] = strip
        return strip

    def _render_value(self, item: FacetValue, width: int, is_cursor: bool, base: Style) -> Strip:
        style = base
        if is_cursor:
            style = base + background(self, "facet-list--cursor")
        count_style = foreground(self, "facet-list--count")
        count = Text(f"{item.count:,}", style=count_style)
        marker = "✓ " if item.active else "  "
        room = max(1, width - count.cell_len - 1 - len(marker))
        label = Text(marker + fit_middle(one_line(short_name(item.value)), room), end="")
        if item.active:
            label.stylize(foreground(self, "facet-list--active"))
        pad = max(1, width - label.cell_len - count.cell_len)
        line = Text.assemble(label, " " * pad, count, end="")
        line.stylize_before(style)
        return text_strip(line, self.app.console, width, style)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
