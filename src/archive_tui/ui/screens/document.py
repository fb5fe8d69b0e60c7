"""The document view: one record in full, stepping through the result it came from.

The screen reads records through a *sequence*: anything with ``total``, ``page(offset,
limit) -> list[hit]`` (each hit has ``.record``), ``parsed`` (the query, for highlighting)
and ``query``. A core ``SearchResult`` is one; :class:`RecordSequence` wraps a plain list
of records (a related-documents list, or a single record opened by id) in the same shape.

Record text is data: every value is passed through ``sanitize.visible`` and placed in a
``Content`` object (never parsed as markup), so ``[b]`` or ``\\x1b[31m`` in a record is
shown as typed, or as a visible stand-in, and never styles or drives the terminal. Those
builders live in :mod:`record_view`; this module is the screen and its keys, and
:mod:`document_actions` what the keys do to the record (cite, mark, URL, share…).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
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

from archive_tui.sanitize import one_line
from archive_tui.ui.guard import Guarded

from ..links import link as url_link
from ..links import safe_url
from .document_actions import RecordActions
from .document_reads import FINDING_RELATED, DatabaseReads, loading_header
from .record_view import (
    annotations_view,
    display_date,
    highlighted,
    is_shortened,
    metadata_rows,
    related_prompt,
    shortened_notice,
)
from .research_actions import AnnotateActions

#: Under the title of a record without tags or a note: how to add them.
ANNOTATE_HINT = Content("Your notes: t tag · a write a note · l add to a list")


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


class TextPager(VerticalScroll, can_focus=True):
    """A scrollable page with pager keys (j/k, b, g/G) next to arrows and PgUp/PgDn."""

    HELP_CONTEXT = "Reading"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "scroll_down", "Scroll down", show=False),
        Binding("k,up", "scroll_up", "Scroll up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("b,pageup", "page_up", "Page up", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
    ]


class PagerScroll(TextPager):
    """A :class:`TextPager` where space pages down too (help, citation preview)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "page_down", "Page down", show=False),
    ]


class DocumentBody(TextPager):
    """The document's text; scrolled with the pager keys. Space marks here, as in the list."""

    HELP_CONTEXT = "Document view"


class RelatedList(OptionList):
    """Records sharing subjects and people with the one shown; enter opens one."""

    HELP_CONTEXT = "Document view: related documents"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next related", show=False),
        Binding("k,up", "cursor_up", "Previous related", show=False),
        Binding("enter", "select", "Open related", tooltip="Open the highlighted record"),
        Binding("escape", "screen.focus_text", "Text", tooltip="Back to the document's text"),
    ]


class DocumentScreen(DatabaseReads, Guarded, RecordActions, AnnotateActions, Screen[int]):
    """One record in full. Dismisses with the position the user ended on. Its keys are
    bound here; what they do to the record is :class:`RecordActions` (document_actions.py)."""

    CSS_PATH = "document.tcss"
    HELP_CONTEXT = "Document view"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (20, "-tall")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to the results, at this document"),
        Binding("n", "next", "Next", tooltip="Next result"),
        Binding("p", "previous", "Prev", tooltip="Previous result"),
        # priority: space pages down in the text otherwise; here it marks, as in the list
        Binding(
            "space",
            "toggle_mark",
            "Mark",
            priority=True,
            tooltip="Mark or unmark this record (for a bibliography or export)",
        ),
        Binding("c", "cite", "Cite", tooltip="Copy the citation (default style)"),
        Binding("C", "cite_picker", "Cite as…", show=False, tooltip="Choose a citation style"),
        Binding(
            "o",
            "open_url",
            "Open URL",
            show=False,  # said where it matters: under a shortened text ("o opens it")
            tooltip="Open the record's URL in a browser",
        ),
        Binding("u", "copy_url", "Copy URL", show=False, tooltip="Copy the record's URL"),
        Binding(
            "r",
            "focus_related",
            "Related",
            show=False,  # the box says "Related documents"; the footer keeps 80 columns
            tooltip="Go to the related documents",
        ),
        Binding("slash", "new_search", "Search", show=False, tooltip="Back to a new search"),
        Binding(
            "t", "tag", "Tag", show=False, tooltip="Add or remove tags (completion of your tags)"
        ),
        Binding("a", "note", "Note", show=False, tooltip="Write this record's note (ctrl+s saves)"),
        Binding("l", "add_to_list", "List", show=False, tooltip="Add this record to a list"),
        Binding(
            "s",
            "share_tag",
            "Share",
            show=False,
            tooltip="Let a group read one of this record's tags (a workspace in PostgreSQL)",
        ),
        Binding(
            "S",
            "stop_sharing_tag",
            "Stop sharing",
            show=False,
            tooltip="A group can no longer read one of this record's tags (PostgreSQL)",
        ),
        Binding("P", "entity_page", "People", tooltip="A person's or place's page"),
    ]

    def __init__(
        self,
        archive: Any,
        result: RecordSource,
        position: int,
        known: Callable[[int], dict | None] | None = None,
    ) -> None:
        """``known(position)``: the record there if already read (the result list's cache),
        else None; with a database, anything else is read in a worker (document_reads.py)."""
        super().__init__()
        self.archive = archive
        self.result = result
        total = max(int(getattr(result, "total", 0)), 0)
        self.position = min(max(position, 0), max(total - 1, 0))
        self.record: dict | None = None
        self._related: list[dict] = []
        self._known = known or (lambda _position: None)
        self._init_reads()

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="doc-header")
        with Horizontal(id="doc-main"):
            with DocumentBody(id="doc-body"):
                yield Static(id="doc-date")
                yield Static(id="doc-title")
                yield Static(id="doc-annotations")
                yield Grid(id="doc-meta")
                yield Static(id="doc-summary")
                yield Static(id="doc-shortened")
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

    def _is_marked(self) -> bool:
        marks = getattr(self.app, "marks", None)
        return bool(self.record and marks is not None and self.record.get("id") in marks)

    def _header(self) -> Content:
        total = self.result.total
        parts: list[Content | str] = [
            Content.styled(f"{self._label} {self.position + 1:,} of {total:,}", "bold")
        ]
        if self._is_marked():
            parts += ["  ", Content.styled("✓ marked", "bold $text-success")]
        query = getattr(self.result, "query", "") or ""
        if query.strip():
            parts += ["  ·  ", Content(one_line(query))]
        return Content.assemble(*parts)

    async def _show(self) -> None:
        """Fill the screen with the record at ``self.position``."""
        record = self._known(self.position) if self.result.total else None
        if record is None and self.result.total:
            if self.reads_in_worker and not isinstance(self.result, RecordSequence):
                self.query_one("#doc-header", Static).update(loading_header())
                self._read_record(self.position)  # shown by _record_read
                return
            hits = self.result.page(self.position, 1)
            record = hits[0].record if hits else None
        await self._show_record(record)

    async def _show_record(self, record: dict | None) -> None:
        """Fill the screen with ``record`` (None: the result no longer has it)."""
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
        url = safe_url(record.get("url"))
        for label, value in metadata_rows(record):
            cells.append(Static(Content(label), classes="meta-label"))
            shown = url_link(url) if label == "URL" and url else highlighted(value, parsed)
            cells.append(Static(shown, classes="meta-value"))
        await meta.mount_all(cells)
        summary = str(record.get("summary") or "")
        summary_widget = self.query_one("#doc-summary", Static)
        summary_widget.update(highlighted(summary, parsed, field="summary"))
        summary_widget.display = bool(summary.strip())
        text = str(record.get("text") or "")
        shortened = self.query_one("#doc-shortened", Static)
        shortened.display = is_shortened(text)
        if shortened.display:
            shortened.update(shortened_notice(url))
        text_widget = self.query_one("#doc-text", Static)
        if text.strip():
            text_widget.update(highlighted(text, parsed, field="text"))
            text_widget.remove_class("-empty")
        else:
            text_widget.update(Content("(No full text in this record.)"))
            text_widget.add_class("-empty")
        self.query_one(DocumentBody).scroll_home(animate=False)
        self.show_annotations()
        self._log_open(record)
        if self.reads_in_worker:
            self._related_later(record)
        else:
            self._fill_related(self._load_related(record))

    # -- your tags and note ------------------------------------------------------------

    def show_annotations(self) -> None:
        """The record's tags and note under its title (hidden when it has neither)."""
        widget = self.query_one("#doc-annotations", Static)
        research = getattr(self.app, "research", None)
        record_id = str(self.record.get("id", "")) if self.record else ""
        if research is None or not record_id:
            widget.display = False
            return
        content = annotations_view(research.tags_of(record_id), research.note(record_id))
        shared = getattr(self.app, "shared", None)  # others' shared tags, lists (ui/live_pg.py)
        others = shared.view(record_id) if shared is not None else None
        if others is not None:
            content = others if content is None else Content.assemble(content, "\n", others)
        widget.set_class(content is None, "-empty")
        widget.display = True
        widget.update(content if content is not None else ANNOTATE_HINT)

    def _log_open(self, record: dict) -> None:
        """Into the research log, written in a worker (ui/log_writer.py): never waited for."""
        writer = getattr(self.app, "log_writer", None)
        if writer is not None and record.get("id"):
            writer.log(self.app, "open", id=str(record["id"]))

    # -- the related documents ---------------------------------------------------------

    def _load_related(self, record: dict) -> list[dict]:
        record_id = record.get("id")
        if not record_id or self.archive is None:
            return []
        try:
            return list(self.archive.related(str(record_id)))
        except Exception as error:
            self.notify(f"Related documents unavailable: {error}", severity="warning", markup=False)
            return []

    def _fill_related(self, related: list[dict], *, waiting: bool = False) -> None:
        self._related = related
        options = self.query_one(RelatedList)
        options.clear_options()
        panel = self.query_one("#doc-related", Vertical)
        panel.border_title = (
            "Related documents" if waiting else (f"Related documents ({len(related)})")
        )
        if waiting:
            options.add_option(Option(Content(FINDING_RELATED), disabled=True))
            return
        if not related:
            options.add_option(Option(Content("No related documents."), disabled=True))
            return
        record = self.record or {}
        options.add_options(Option(related_prompt(record, item)) for item in related)
        options.highlighted = 0

    # -- moving through the result ----------------------------------------------------

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

    # -- focus: the text or the related documents --------------------------------------

    def action_focus_related(self) -> None:
        """Focus the related list; on a short screen it is hidden until asked for."""
        self.add_class("-related-open")
        self.call_after_refresh(self.query_one(RelatedList).focus)

    def action_focus_text(self) -> None:
        """From the related list back to the text (shown again on a short screen)."""
        self.remove_class("-related-open")
        self.call_after_refresh(self.query_one(DocumentBody).focus)

    def on_descendant_focus(self) -> None:
        # A short screen shows the related list only while it has focus.
        self.set_class(self.query_one("#doc-related").has_focus_within, "-related-open")

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
