"""The document view: one record in full, stepping through the result it came from.

The screen reads records through a *sequence*: anything with ``total``, ``page(offset,
limit) -> list[hit]`` (each hit has ``.record``), ``parsed`` (the query, for highlighting)
and ``query``. A core ``SearchResult`` is one; :class:`RecordSequence` wraps a plain list
of records (a related-documents list, or a single record opened by id) in the same shape.

Record text is data: every value is passed through ``sanitize.visible`` and placed in a
``Content`` object (never parsed as markup), so ``[b]`` or ``\\x1b[31m`` in a record is
shown as typed, or as a visible stand-in, and never styles or drives the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from archive_tui.sanitize import one_line, visible

#: Highlight of query terms: bold + underline survive NO_COLOR and the ANSI themes.
HIGHLIGHT_STYLE = "bold underline $text on $accent-muted"

#: (record key, label) in display order. `title`, `date`, `summary`, `text` are shown apart.
METADATA_FIELDS: tuple[tuple[str, str], ...] = (
    ("collection", "Collection"),
    ("document_type", "Type"),
    ("language", "Language"),
    ("people", "People"),
    ("places", "Places"),
    ("subjects", "Subjects"),
    ("source", "Source"),
    ("classification", "Classification"),
    ("url", "URL"),
    ("id", "ID"),
)
_SHOWN_APART = frozenset({"title", "date", "summary", "text"})


class HitLike(Protocol):
    record: dict


class RecordSource(Protocol):
    """What :class:`DocumentScreen` reads: a ``SearchResult`` or a :class:`RecordSequence`."""

    total: int
    parsed: Any
    query: str

    def page(self, offset: int, limit: int) -> Sequence[HitLike]: ...


@dataclass
class SequenceHit:
    """A record in a :class:`RecordSequence`, shaped like a search ``Hit``."""

    record: dict
    score: float = 0.0
    highlights: dict[str, list[tuple[int, int]]] = field(default_factory=dict)


class RecordSequence:
    """A fixed list of records with the ``SearchResult`` interface the document view reads.

    Used for the related-documents list (so `n`/`p` walk through the related records) and
    for opening a single record. ``parsed``/``query`` carry the search that led here, so
    its terms stay highlighted; ``label`` names the sequence in the header.
    """

    def __init__(
        self,
        records: Iterable[dict],
        *,
        parsed: Any = None,
        query: str = "",
        label: str = "Document",
    ) -> None:
        self._records = list(records)
        self.parsed = parsed
        self.query = query
        self.label = label

    @property
    def total(self) -> int:
        return len(self._records)

    def page(self, offset: int, limit: int) -> list[SequenceHit]:
        return [SequenceHit(record) for record in self._records[max(offset, 0) : offset + limit]]


def _as_text(value: object) -> str:
    """One metadata value as a display string (lists joined with '; ')."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _present(value: object) -> bool:
    if isinstance(value, (list, tuple, dict)):
        return bool(value)
    return value is not None and str(value).strip() != ""


def display_date(raw: object) -> str:
    """The record's date at its own precision ("June, 2007"), or the raw value if unparsable."""
    from archive_tui.dates import DateError, parse_date

    try:
        return parse_date(raw).display
    except (DateError, TypeError, ValueError):
        return str(raw)


def highlighted(
    text: str, parsed: Any, *, field: str | None = None, single_line: bool = False
) -> Content:
    """``text`` made safe for the terminal, with the query's terms highlighted.

    ``field`` names the record field shown, so that a term scoped to another field
    (``title:treaty``) is not highlighted here.

    Spans are computed on the sanitised text; ``visible`` maps one character to one, so
    they line up with what is drawn.
    """
    safe = one_line(text) if single_line else visible(text)
    content = Content(safe)
    if parsed is None or getattr(parsed, "is_empty", False):
        return content
    try:
        from archive_tui.search import highlight_spans

        spans = highlight_spans(safe, parsed, field)
    except Exception:
        # Highlighting is a help, never a reason to fail to show a document.
        return content
    for start, end in spans:
        content = content.stylize(HIGHLIGHT_STYLE, start, end)
    return content


def related_prompt(record: dict, item: dict) -> Content:
    """A related record in two lines: its date and title, then what ties it to ``record``."""
    from archive_tui.related import why_related

    reasons = why_related(record, item)
    return Content.assemble(
        Content.styled(one_line(display_date(item.get("date"))), "bold"),
        "  ",
        Content(one_line(str(item.get("title", "")))),
        "\n",
        Content.styled(one_line(" · ".join(reasons) or "nearest in date"), "$text-muted"),
    )


def metadata_rows(record: dict) -> list[tuple[str, str]]:
    """(label, value) for every metadata field present, known fields first, then unknown keys."""
    rows = [
        (label, _as_text(record[key]))
        for key, label in METADATA_FIELDS
        if _present(record.get(key))
    ]
    known = {key for key, _ in METADATA_FIELDS} | _SHOWN_APART
    for key, value in record.items():
        if key in known or key.startswith("_") or not _present(value):
            continue
        if isinstance(value, dict):
            continue
        rows.append((key.replace("_", " ").capitalize(), _as_text(value)))
    return rows


class PagerScroll(VerticalScroll, can_focus=True):
    """A scrollable page with pager keys (j/k, space/b, g/G) next to arrows and PgUp/PgDn."""

    HELP_CONTEXT = "Reading"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Scroll down", show=False),
        Binding("k,up", "scroll_up", "Scroll up", show=False),
        Binding("space,pagedown", "page_down", "Page down", show=False),
        Binding("b,pageup", "page_up", "Page up", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
    ]


class DocumentBody(PagerScroll):
    """The document's text; scrolled with the pager keys."""

    HELP_CONTEXT = "Document view"


class RelatedList(OptionList):
    """Records sharing subjects and people with the one shown; enter opens one."""

    HELP_CONTEXT = "Document view: related documents"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next related", show=False),
        Binding("k,up", "cursor_up", "Previous related", show=False),
        Binding("enter", "select", "Open related", tooltip="Open the highlighted record"),
    ]


class DocumentScreen(Screen[int]):
    """One record in full. Dismisses with the position the user ended on."""

    CSS_PATH = "document.tcss"
    HELP_CONTEXT = "Document view"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (20, "-tall")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the results, at this document"),
        Binding("n", "next", "Next", tooltip="Next result"),
        Binding("p", "previous", "Prev", tooltip="Previous result"),
        Binding("c", "cite", "Copy citation", tooltip="Copy the citation (default style)"),
        Binding("C", "cite_picker", "Cite as…", tooltip="Choose a citation style and copy"),
        Binding("r", "focus_related", "Related", tooltip="Go to the related documents"),
    ]

    def __init__(self, archive: Any, result: RecordSource, position: int) -> None:
        super().__init__()
        self.archive = archive
        self.result = result
        total = max(int(getattr(result, "total", 0)), 0)
        self.position = min(max(position, 0), max(total - 1, 0))
        self.record: dict | None = None
        self._related: list[dict] = []

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="doc-header")
        with Horizontal(id="doc-main"):
            with DocumentBody(id="doc-body"):
                yield Static(id="doc-date")
                yield Static(id="doc-title")
                yield Grid(id="doc-meta")
                yield Static(id="doc-summary")
                yield Static(id="doc-text")
            with Vertical(id="doc-related"):
                yield RelatedList(id="related-list")
        yield Footer(compact=True)

    async def on_mount(self) -> None:
        related = self.query_one("#doc-related", Vertical)
        related.border_title = "Related documents"
        await self._show()
        self.query_one(DocumentBody).focus()

    # -- content -----------------------------------------------------------------------

    @property
    def _label(self) -> str:
        return getattr(self.result, "label", "Result")

    def _header(self) -> Content:
        total = self.result.total
        parts: list[Content | str] = [
            Content.styled(f"{self._label} {self.position + 1:,} of {total:,}", "bold")
        ]
        query = getattr(self.result, "query", "") or ""
        if query.strip():
            parts += ["  ·  ", Content(one_line(query))]
        return Content.assemble(*parts)

    async def _show(self) -> None:
        """Fill the screen with the record at ``self.position``."""
        hits = self.result.page(self.position, 1) if self.result.total else []
        record = hits[0].record if hits else None
        self.record = record
        header = self.query_one("#doc-header", Static)
        header.update(self._header() if record else Content("No document to show"))
        parsed = getattr(self.result, "parsed", None)
        meta = self.query_one("#doc-meta", Grid)
        await meta.remove_children()
        if record is None:
            for widget_id in ("#doc-date", "#doc-title", "#doc-summary", "#doc-text"):
                self.query_one(widget_id, Static).update("")
            self.query_one("#doc-title", Static).update(
                Content("This result is no longer available.")
            )
            self._fill_related([])
            return
        self.query_one("#doc-date", Static).update(
            Content(one_line(display_date(record.get("date"))))
        )
        self.query_one("#doc-title", Static).update(
            highlighted(str(record.get("title", "")), parsed, field="title")
        )
        cells: list[Static] = []
        for label, value in metadata_rows(record):
            cells.append(Static(Content(label), classes="meta-label"))
            cells.append(Static(highlighted(value, parsed), classes="meta-value"))
        await meta.mount_all(cells)
        summary = str(record.get("summary") or "")
        summary_widget = self.query_one("#doc-summary", Static)
        summary_widget.update(highlighted(summary, parsed, field="summary"))
        summary_widget.display = bool(summary.strip())
        text = str(record.get("text") or "")
        text_widget = self.query_one("#doc-text", Static)
        if text.strip():
            text_widget.update(highlighted(text, parsed, field="text"))
            text_widget.remove_class("-empty")
        else:
            text_widget.update(Content("(No full text in this record.)"))
            text_widget.add_class("-empty")
        self.query_one(DocumentBody).scroll_home(animate=False)
        self._fill_related(self._load_related(record))

    def _load_related(self, record: dict) -> list[dict]:
        record_id = record.get("id")
        if not record_id or self.archive is None:
            return []
        try:
            return list(self.archive.related(str(record_id)))
        except Exception as error:
            self.notify(f"Related documents unavailable: {error}", severity="warning", markup=False)
            return []

    def _fill_related(self, related: list[dict]) -> None:
        self._related = related
        options = self.query_one(RelatedList)
        options.clear_options()
        panel = self.query_one("#doc-related", Vertical)
        panel.border_title = f"Related documents ({len(related)})"
        if not related:
            options.add_option(Option(Content("No related documents."), disabled=True))
            return
        record = self.record or {}
        options.add_options(Option(related_prompt(record, item)) for item in related)
        options.highlighted = 0

    # -- actions -----------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(self.position)

    async def action_next(self) -> None:
        await self._step(+1)

    async def action_previous(self) -> None:
        await self._step(-1)

    async def _step(self, delta: int) -> None:
        total = self.result.total
        target = self.position + delta
        if not 0 <= target < total:
            where = "last" if delta > 0 else "first"
            self.notify(
                f"This is the {where} {self._label.lower()} ({self.position + 1:,} of {total:,}).",
                title="No more",
                severity="warning",
                timeout=3,
                markup=False,
            )
            return
        self.position = target
        await self._show()

    def action_cite(self) -> None:
        if self.record is None:
            return
        from archive_tui import citations, settings

        from ..clipboard import copy_text

        style = settings.default_style()
        try:
            text = citations.cite(self.record, style)
        except Exception as error:
            self.notify(f"Could not cite this record: {error}", severity="error", markup=False)
            return
        label = citations.STYLE_LABELS.get(style, style)
        copy_text(self.app, text, what=f"citation ({label})")

    def action_cite_picker(self) -> None:
        if self.record is None:
            return
        from .cite import CitationPickerScreen

        self.app.push_screen(CitationPickerScreen([self.record]))

    def action_focus_related(self) -> None:
        self.query_one(RelatedList).focus()

    @on(OptionList.OptionSelected, "#related-list")
    def _open_related(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if not self._related or not 0 <= event.option_index < len(self._related):
            return
        title = str(self.record.get("title", "")) if self.record else ""
        sequence = RecordSequence(
            self._related,
            parsed=getattr(self.result, "parsed", None),
            query=f"related to: {title}" if title else "",
            label="Related",
        )

        def came_back(position: int | None) -> None:
            if position is not None and 0 <= position < len(self._related):
                self.query_one(RelatedList).highlighted = position

        self.app.push_screen(DocumentScreen(self.archive, sequence, event.option_index), came_back)
