"""The result list: a virtual list of fixed-height cards drawn with the Line API.

A search may match 100,000 documents. Mounting a widget per hit (ListView) or
measuring every option (OptionList) would make each new search slow, so this is a
``ScrollView`` whose virtual height is ``total * CARD_HEIGHT`` lines. Only the
lines on screen are drawn (``render_line``); the hits they need are fetched from
``SearchResult.page`` in blocks on demand and kept in an LRU cache, and so are the
rendered cards (as in Toolong's ``LogLines``).

Record text is data: every title and summary is passed through
``sanitize.one_line`` and built into ``rich.text.Text`` objects (never markup
strings), so ``[b]`` or an escape sequence in a record is shown as typed.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from archive_tui.sanitize import one_line
from archive_tui.store import StoreError
from archive_tui.ui.widgets.cursor_list import CursorList
from archive_tui.ui.widgets.result_pages import PagesInWorker
from archive_tui.ui.widgets.styles import background, foreground, text_strip
from archive_tui.values import short_name

if TYPE_CHECKING:
    from archive_tui.search import Hit, SearchResult

#: Lines per card: date, four lines of title + summary, the faint facts line, a gap.
CARD_HEIGHT = 7
#: Lines of title + summary together; the summary gets at most three of them.
BODY_LINES = 4
MAX_TITLE_LINES = 2
MAX_SUMMARY_LINES = 3
#: Hits are fetched from the result in blocks of this many.
BLOCK_SIZE = 50
#: Columns before the card text: the cursor bar, the mark, a space.
GUTTER = 3

BAR = "▌"
MARK = "✓"
#: After the date: the record has a note (then its tags, as #tag).
NOTE_MARK = "✎ note"


def format_date(raw: object) -> str:
    """The record's date in its own precision ("June, 2007"), or the raw text if unparsable."""
    from archive_tui.dates import DateError, parse_date

    try:
        return parse_date(str(raw)).display
    except (DateError, ValueError, TypeError):
        return one_line(str(raw))


def facts_line(record: dict) -> str:
    """collection · type · places, for the faint last line of a card."""
    parts: list[str] = []
    for key in ("collection", "document_type"):
        value = record.get(key)
        if value:
            parts.append(short_name(str(value)))
    places = record.get("places") or []
    if isinstance(places, str):
        places = [places]
    if places:
        parts.append(", ".join(str(p) for p in places))
    return one_line(" · ".join(parts))


class ResultList(PagesInWorker, CursorList):
    """Cards for the hits of one `SearchResult`; only the visible ones are ever built."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", tooltip="Read the selected document"),
        Binding("space", "toggle_mark", "Mark", tooltip="Mark or unmark for citing/export"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "result-list--cursor",
        "result-list--bar",
        "result-list--date",
        "result-list--title",
        "result-list--summary",
        "result-list--facts",
        "result-list--match",
        "result-list--mark",
        "result-list--tags",
        "result-list--message",
        "result-list--message-title",
    }

    ROW_HEIGHT = CARD_HEIGHT
    ROW_GAP = 1  # the blank line between cards

    class Open(Message):
        """The user asked to read the document at ``index``."""

        def __init__(self, index: int) -> None:
            self.index = index
            super().__init__()

    class ToggleMark(Message):
        """The user marked or unmarked the hit at ``index``."""

        def __init__(self, index: int, hit: Hit) -> None:
            self.index = index
            self.hit = hit
            super().__init__()

    def __init__(
        self,
        *,
        is_marked: Callable[[str], bool] | None = None,
        annotations: Callable[[str], tuple[tuple[str, ...], bool]] | None = None,
        pages_in_worker: Callable[[], bool] = lambda: False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._result: SearchResult | None = None
        self._total = 0
        self._is_marked = is_marked or (lambda _id: False)
        #: record id -> (its tags, has a note): shown after the card's date
        self._annotations = annotations or (lambda _id: ((), False))
        self._blocks: LRUCache[int, list[Hit]] = LRUCache(maxsize=200)
        self._cards: LRUCache[tuple[int, int, bool, bool], list[Strip]] = LRUCache(maxsize=400)
        #: Keyword-in-context passages by (card index, width): computed once per card.
        self._snippets: LRUCache[tuple[int, int], tuple[str, list[tuple[int, int]]] | None] = (
            LRUCache(maxsize=400)
        )
        #: How many passages were computed (a debug stat: tests check the cache is used).
        self.snippets_computed = 0
        self._message: list[Text] = []
        self._generation = 0
        self._base_style = Style()
        #: asked when a block is needed: read it in a worker thread (result_pages.py)?
        self._init_pages(pages_in_worker)

    # -- data -------------------------------------------------------------------------

    @property
    def result(self) -> SearchResult | None:
        return self._result

    @property
    def total(self) -> int:
        return self._total

    def set_result(self, result: SearchResult, message: Sequence[Text] = ()) -> None:
        """Show ``result`` (cursor back at the top); ``message`` is shown when it is empty."""
        self._result = result
        self._total = result.total
        self._generation += 1
        self._blocks.clear()
        self._forget_pages()
        self._cards.clear()
        self._snippets.clear()
        if result.hits and result.offset % BLOCK_SIZE == 0:
            # Seed the cache with the first page the search already produced.
            for start in range(0, len(result.hits), BLOCK_SIZE):
                block = result.hits[start : start + BLOCK_SIZE]
                if len(block) == BLOCK_SIZE or start + len(block) + result.offset >= self._total:
                    self._blocks[(result.offset + start) // BLOCK_SIZE] = list(block)
        self._message = list(message)
        self.set_reactive(ResultList.cursor, 0)
        self._update_virtual_size()
        self.scroll_to(y=0, animate=False, immediate=True)
        self.refresh()

    def hit(self, index: int) -> Hit | None:
        """The hit at ``index`` (0-based) of the current result, fetched on demand."""
        if self._result is None or not 0 <= index < self._total:
            return None
        block_no = index // BLOCK_SIZE
        block = self._blocks.get(block_no)
        if block is None:
            if self.pages_in_worker:  # read in a worker; the cards appear when it is read
                self._want_block(self._result, block_no, BLOCK_SIZE)
                return None
            self.inline_page_reads += 1
            try:
                block = list(self._result.page(block_no * BLOCK_SIZE, BLOCK_SIZE))
            except StoreError as error:  # the file changed under us and no longer reads
                self.app.call_later(self.app.store_failed, error)  # type: ignore[attr-defined]
                return None
            self._blocks[block_no] = block
        offset = index - block_no * BLOCK_SIZE
        return block[offset] if offset < len(block) else None

    def cached_record(self, index: int) -> dict | None:
        """The record at ``index`` if its block is already read (never reads one)."""
        block = self._blocks.get(index // BLOCK_SIZE)
        offset = index % BLOCK_SIZE
        return block[offset].record if block is not None and offset < len(block) else None

    @property
    def selected(self) -> Hit | None:
        return self.hit(self.cursor)

    def refresh_marks(self, indexes: Collection[int] | None = None) -> None:
        """Redraw cards whose mark changed (all visible cards when ``indexes`` is None)."""
        if indexes is None:
            self._cards.clear()
            self.refresh()
            return
        for index in indexes:
            for key in [k for k in self._cards.keys() if k[0] == index]:  # noqa: SIM118
                self._cards.discard(key)
            self.refresh_lines(index * CARD_HEIGHT, CARD_HEIGHT)

    # -- geometry ---------------------------------------------------------------------

    def _update_virtual_size(self) -> None:
        lines = self._total * CARD_HEIGHT if self._total else len(self._message)
        set_virtual_size(self, Size(self._content_width(), lines))

    def on_resize(self, event: events.Resize) -> None:
        self._cards.clear()
        self._update_virtual_size()
        self.scroll_to_cursor(animate=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cards.clear()

    @property
    def row_count(self) -> int:
        return self._total

    @property
    def cards_per_page(self) -> int:
        return self.rows_per_page

    def select(self, index: int) -> None:
        """Select ``index`` and scroll it into view."""
        self.cursor = index
        self.scroll_to_cursor()

    def action_open(self) -> None:
        if self.selected is not None:
            self.post_message(self.Open(self.cursor))

    def action_toggle_mark(self) -> None:
        hit = self.selected
        if hit is not None:
            self.post_message(self.ToggleMark(self.cursor, hit))

    def on_click(self, event: events.Click) -> None:
        if not self._total:
            return
        index = (event.y + self.scroll_offset.y) // CARD_HEIGHT
        if 0 <= index < self._total:
            if index == self.cursor and event.chain >= 2:
                self.action_open()
            self.cursor = index

    # -- drawing ----------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return foreground(self, name)

    def render_lines(self, crop: Region) -> list[Strip]:
        # rich_style walks the ancestors: look it up once per paint, not once per line.
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self._content_width()
        base = self._base_style
        line_no = y + self.scroll_offset.y
        if not self._total:
            if 0 <= line_no < len(self._message):
                text = self._message[line_no].copy()
                text.stylize_before(base)
                text.truncate(width, overflow="ellipsis")
                return text_strip(text, self.app.console, width, base)
            return Strip.blank(width, base)
        index, row = divmod(line_no, CARD_HEIGHT)
        if index >= self._total:
            return Strip.blank(width, base)
        hit = self.hit(index)
        if hit is None:
            state = self.block_state(index // BLOCK_SIZE)
            if state is None or row != 0:
                return Strip.blank(width, base)
            text = Text(" " * GUTTER + state, style=self._style("result-list--facts"), end="")
            text.truncate(width, overflow="ellipsis")
            return text_strip(text, self.app.console, width, base)
        selected = index == self.cursor
        marked = self._is_marked(hit.record.get("id", ""))
        key = (index, width, selected, marked)
        card = self._cards.get(key)
        if card is None:
            card = self._render_card(index, hit, width, selected, marked)
            self._cards[key] = card
        return card[row]

    def _passage(
        self, index: int, hit: Hit, width: int
    ) -> tuple[str, list[tuple[int, int]]] | None:
        """The text around the first match, when the query matched the text, not the summary.

        Computed once per card (and width) and cached: never once per drawn line.
        """
        key = (index, width)
        if key in self._snippets:
            return self._snippets.get(key)
        passage = None
        parsed = getattr(self._result, "parsed", None)
        highlights = getattr(hit, "highlights", None) or {}
        text = hit.record.get("text")
        if (
            parsed is not None
            and getattr(parsed, "has_words", False)
            and not highlights.get("summary")
            and isinstance(text, str)
            and text
        ):
            passage = text_passage(text, parsed, width)
            self.snippets_computed += 1
        self._snippets[key] = passage
        return passage

    def _render_card(
        self, index: int, hit: Hit, width: int, selected: bool, marked: bool
    ) -> list[Strip]:
        """The CARD_HEIGHT strips of one card, each exactly ``width`` cells."""
        console = self.app.console
        base = self._base_style
        body_style = base + background(self, "result-list--cursor") if selected else base
        text_width = max(1, width - GUTTER)
        record = hit.record
        highlights = getattr(hit, "highlights", None) or {}
        match_style = self._style("result-list--match")

        def styled(field: str, style: Style) -> Text:
            raw = record.get(field) or ""
            text = Text(one_line(str(raw)), style=style, no_wrap=False, end="")
            for start, end in highlights.get(field, ()):
                text.stylize(match_style, start, end)
            return text

        date = Text(format_date(record.get("date", "")), style=self._style("result-list--date"))
        tags, has_note = self._annotations(str(record.get("id", "")))
        if tags or has_note:
            marks = ([NOTE_MARK] if has_note else []) + [f"#{one_line(t)}" for t in tags]
            date.append("  " + "  ".join(marks), style=self._style("result-list--tags"))
        title_lines = list(
            styled("title", self._style("result-list--title")).wrap(console, text_width)
        )
        title_lines = _clip(title_lines, MAX_TITLE_LINES, text_width)
        summary_room = min(MAX_SUMMARY_LINES, BODY_LINES - len(title_lines))
        passage = self._passage(index, hit, text_width * summary_room) if summary_room else None
        if passage is not None:
            summary = Text(passage[0], style=self._style("result-list--summary"), end="")
            for start, end in passage[1]:
                summary.stylize(match_style, start, end)
        elif record.get("summary") or not summary_room:
            summary = styled("summary", self._style("result-list--summary"))
        else:  # no summary: the text's opening, rather than blank lines
            summary = Text(
                opening(record.get("text"), text_width * summary_room),
                style=self._style("result-list--summary"),
                end="",
            )
        summary_lines = list(summary.wrap(console, text_width))
        summary_lines = _clip(summary_lines, summary_room, text_width)
        body = [*title_lines, *summary_lines]
        body += [Text("")] * (BODY_LINES - len(body))
        facts = Text(facts_line(record), style=self._style("result-list--facts"))
        facts.truncate(text_width, overflow="ellipsis")
        date.truncate(text_width, overflow="ellipsis")

        bar_style = self._style("result-list--bar")
        mark_style = self._style("result-list--mark")
        strips: list[Strip] = []
        for row, text in enumerate([date, *body, facts]):
            gutter = Text(end="")
            gutter.append(BAR if selected else " ", style=bar_style if selected else None)
            gutter.append(MARK if marked and row < 2 else " ", style=mark_style)
            gutter.append(" ")
            line = Text.assemble(gutter, text, end="")
            line.stylize_before(body_style)
            strips.append(text_strip(line, console, width, body_style))
        strips.append(Strip.blank(width, base))
        return strips


def opening(text: object, room: int) -> str:
    """The first ``room`` characters or so of a record's text on one line ('' for none):
    what a card shows when the record has no summary."""
    if not isinstance(text, str) or not text.strip():
        return ""
    return one_line(" ".join(text[: room * 2 + 200].split()))[: room + 1]


def text_passage(text: str, parsed: Any, width: int) -> tuple[str, list[tuple[int, int]]] | None:
    """One line of ``text`` around the query's first match there (None: no match in the text)."""
    from archive_tui.search import highlight_spans
    from archive_tui.snippets import first_match_spans, keyword_in_context

    spans = first_match_spans(text, lambda chunk: highlight_spans(chunk, parsed, "text"))
    if not spans:
        return None
    snippet, snippet_spans = keyword_in_context(text, spans, width)
    return one_line(snippet), snippet_spans


def set_virtual_size(widget: ScrollView, size: Size) -> None:
    """Set a Line API widget's virtual size, without a layout pass when only the height changed.

    A new result changes how tall the list is, not how big the widget is; the reactive
    ``virtual_size`` would still ask for a screen-wide layout (a full repaint). So only the
    scrollbar is updated and the widget repainted, keeping a keystroke's repaint small.
    """
    if size == widget.virtual_size:
        return
    if widget.is_mounted and widget.container_size and size.width == widget.virtual_size.width:
        widget.set_reactive(ScrollView.virtual_size, size)
        widget._scroll_update(size)
        widget.refresh()
    else:
        widget.virtual_size = size


def _clip(lines: list[Any], room: int, width: int) -> list[Text]:
    """Keep at most ``room`` wrapped lines; mark a cut with an ellipsis."""
    if room <= 0:
        return []
    kept = [line.copy() for line in lines[:room]]
    for line in kept:
        line.rstrip()
    if len(lines) > room and kept:
        last = kept[-1]
        last.append("…")
        if last.cell_len > width:
            last.truncate(width - 1)
            last.rstrip()
            last.append("…")
    return kept
