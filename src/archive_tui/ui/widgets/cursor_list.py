"""A virtual list of fixed-height rows with a keyboard cursor.

Both the result cards and the facet values may number in the hundreds of thousands,
so neither mounts a widget per row: subclasses draw rows with the Line API
(``render_line``) and this base owns what they share: the cursor, the movement keys
and keeping the selected row in view.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.reactive import reactive
from textual.scroll_view import ScrollView

from archive_tui.ui.guard import Guarded


class CursorList(Guarded, ScrollView, can_focus=True):
    """Rows of ``ROW_HEIGHT`` lines (the last ``ROW_GAP`` of them blank), one selected."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Next", show=False),
        Binding("up,k", "cursor_up", "Previous", show=False),
        Binding("g,home", "first", "First", show=False),
        Binding("G,end", "last", "Last", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
    ]

    ROW_HEIGHT: ClassVar[int] = 1
    ROW_GAP: ClassVar[int] = 0

    cursor: reactive[int] = reactive(0, repaint=False, init=False)

    @property
    def row_count(self) -> int:
        """How many rows there are (not how many are drawn)."""
        raise NotImplementedError

    @property
    def rows_per_page(self) -> int:
        return max(1, self.scrollable_content_region.height // self.ROW_HEIGHT)

    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width)

    def validate_cursor(self, cursor: int) -> int:
        count = self.row_count
        return max(0, min(cursor, count - 1)) if count else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_lines(old * self.ROW_HEIGHT, self.ROW_HEIGHT)
        self.refresh_lines(new * self.ROW_HEIGHT, self.ROW_HEIGHT)
        self.scroll_to_cursor()

    def scroll_to_cursor(self, animate: bool = False) -> None:
        """Bring the selected row fully into view."""
        if not self.row_count:
            return
        self.scroll_to_region(
            Region(
                0,
                self.cursor * self.ROW_HEIGHT,
                self._content_width(),
                self.ROW_HEIGHT - self.ROW_GAP,
            ),
            animate=animate,
            force=True,
            immediate=True,
        )

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = self.row_count - 1

    def action_page_down(self) -> None:
        self.cursor += self.rows_per_page

    def action_page_up(self) -> None:
        self.cursor -= self.rows_per_page
