"""The timeline: the results over time as block-character bars, brushed with the keyboard.

It draws a :class:`~archive_tui.timeline.Histogram` (made by the core, exact counts) with
``timeline.render_bars`` at whatever width it has, one bar per bucket or per group of
buckets (``column_buckets``). Focused, left/right move a cursor over the bars, ``space``
marks a start then an end (``[`` and ``]`` mark either directly), ``enter`` posts
:class:`Timeline.RangeChosen` with the dates the search filters accept, ``escape`` clears
the marks. The cursor and marks are kept as bucket numbers, not bar numbers, so they
stay on the same years when the width changes.

Drawing costs only what the buckets cost (a few hundred at most), never the records:
``show`` stores the histogram and asks for a repaint, so it fits the keystroke budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget

from archive_tui.timeline import Histogram, axis_labels, column_buckets, render_bars

BAR_ROWS = 3  # rows of bars; with the axis and the info line the widget is 5 rows high


class Timeline(Widget, can_focus=True):
    """A histogram of results over time, with a cursor and a start/end brush."""

    DEFAULT_CSS = Path(__file__).with_name("timeline.tcss").read_text(encoding="utf-8")
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--cursor",
        "timeline--range",
        "timeline--info",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "Earlier", show=False),
        Binding("right", "move(1)", "Later", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
        Binding("space", "mark", "Mark", tooltip="Mark the start, then the end, of a range"),
        Binding("left_square_bracket", "mark_start", "Start", show=False),
        Binding("right_square_bracket", "mark_end", "End", show=False),
        Binding("enter", "choose", "Filter dates", tooltip="Filter the results to the range"),
        Binding("escape", "clear", "Clear marks", show=False),
    ]

    class RangeChosen(Message):
        """The user chose dates: ``date_from``/``date_to`` as the date filters accept them."""

        def __init__(self, timeline: Timeline, date_from: str, date_to: str) -> None:
            super().__init__()
            self.timeline = timeline
            self.date_from = date_from
            self.date_to = date_to

        @property
        def control(self) -> Timeline:
            return self.timeline

    def __init__(
        self,
        histogram: Histogram | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.histogram = histogram or Histogram("year")
        #: the bucket under the cursor (the first bucket of its bar): the latest at first
        self.cursor = max(len(self.histogram.buckets) - 1, 0)
        #: the marked start and end buckets (either may be None)
        self.start: int | None = None
        self.end: int | None = None

    # -- what the caller uses

    def show(self, histogram: Histogram) -> None:
        """Draw ``histogram``; cursor and marks stay when its buckets are the same periods."""
        old, new = self.histogram.buckets, histogram.buckets
        same = [b for b, _ in old[:1] + old[-1:]] == [b for b, _ in new[:1] + new[-1:]]
        same = same and len(old) == len(new)
        self.histogram = histogram
        if not same:
            self.cursor = max(len(histogram.buckets) - 1, 0)  # the latest period first
            self.start = self.end = None
        self.refresh()

    def chosen_range(self) -> tuple[str, str] | None:
        """``(date_from, date_to)`` that Enter would post now: the marks, else the cursor."""
        if not self.histogram.buckets:
            return None
        bars = self._bars()
        ends = [b for b in (self.start, self.end) if b is not None] or [self.cursor]
        if len(ends) == 1 and self.start is not None and self.end is None:
            ends.append(self.cursor)  # a start marked: the range runs to the cursor
        first = bars[self._bar_of(min(ends), bars)]
        last = bars[self._bar_of(max(ends), bars)]
        return self.histogram.date_range(first[0], last[-1])

    # -- keys

    def action_move(self, step: int) -> None:
        bars = self._bars()
        if bars:
            k = min(max(self._bar_of(self.cursor, bars) + step, 0), len(bars) - 1)
            self.cursor = bars[k][0]
            self.refresh()

    def action_move_to(self, bar: int) -> None:
        bars = self._bars()
        if bars:
            self.cursor = bars[bar][0]
            self.refresh()

    def action_mark(self) -> None:
        """First press marks the start, the second the end, a third starts again."""
        if self.start is None or self.end is not None:
            self.start, self.end = self.cursor, None
        else:
            self.end = self.cursor
        self.refresh()

    def action_mark_start(self) -> None:
        self.start = self.cursor
        self.refresh()

    def action_mark_end(self) -> None:
        self.end = self.cursor
        if self.start is None:
            self.start = self.cursor
        self.refresh()

    def action_choose(self) -> None:
        found = self.chosen_range()
        if found is not None:
            self.post_message(self.RangeChosen(self, *found))

    def action_clear(self) -> None:
        self.start = self.end = None
        self.refresh()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # escape with nothing marked goes on to the screen (closing it, say)
        if action == "clear":
            return self.start is not None or self.end is not None
        return True

    def on_click(self, event: events.Click) -> None:
        bars = self._bars()
        if bars and event.x >= 0:
            cells = max(len(self._lines()[0]) // len(bars), 1)
            self.cursor = bars[min(event.x // cells, len(bars) - 1)][0]
            self.refresh()

    # -- drawing

    def _bars(self) -> list[range]:
        return column_buckets(self.histogram, max(self.size.width, 1))

    @staticmethod
    def _bar_of(bucket: int, bars: list[range]) -> int:
        for k, bar in enumerate(bars):
            if bucket < bar.stop:
                return k
        return len(bars) - 1

    def _lines(self) -> list[str]:
        return render_bars(self.histogram, max(self.size.width, 1), BAR_ROWS)

    def render(self) -> Text:
        hist = self.histogram
        width = max(self.size.width, 1)
        if not hist.buckets:
            note = f"{hist.undated:,} undated" if hist.undated else "No dated documents"
            return Text("\n" * BAR_ROWS + note, no_wrap=True, overflow="crop")
        bars = self._bars()
        lines = self._lines()
        cells = max(len(lines[0]) // len(bars), 1)
        cursor = self._bar_of(self.cursor, bars)
        marked = [self._bar_of(b, bars) for b in (self.start, self.end) if b is not None]
        if self.start is not None and self.end is None:
            marked.append(cursor)
        low, high = (min(marked), max(marked)) if marked else (-1, -2)
        cursor_style = self._style("timeline--cursor")
        range_style = self._style("timeline--range")
        text = Text(no_wrap=True, overflow="crop")
        for line in lines:
            for k in range(len(bars)):
                cell = line[k * cells : (k + 1) * cells]
                style = cursor_style if k == cursor else range_style if low <= k <= high else None
                text.append(cell, style)
            text.append("\n")
        text.append(axis_labels(hist, width) + "\n")
        text.append(self._info(bars, cursor), self._style("timeline--info"))
        return text

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _info(self, bars: list[range], cursor: int) -> str:
        """The line under the axis: the cursor's period and count, and the marked range."""
        hist = self.histogram
        bar = bars[cursor]
        label = _period(hist, bar[0], bar[-1])
        count = sum(hist.buckets[i][1] for i in bar)
        info = f"{label}: {count:,}"
        if self.start is not None:
            chosen = self.chosen_range()
            if chosen is not None:
                low, high = chosen
                info += f"  · {low}–{high}" if low != high else f"  · {low}"
                info += "  enter: filter · esc: clear"
        elif self.has_focus:
            info += "  ←→ move · space: mark · enter: filter"
        if hist.undated:
            info += f"  · {hist.undated:,} undated"
        return info

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()


def _period(hist: Histogram, first: int, last: int) -> str:
    """``1962`` or ``1958–1962``: the buckets ``first..last`` as one label."""
    low, high = hist.buckets[first][0], hist.buckets[last][0]
    return low if low == high else f"{low}–{high}"
