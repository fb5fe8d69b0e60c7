"""The main screen: search box, status line, filter chips, result cards, filter panel.

The screen owns the search state (query, filters, sort) and runs every search in
a thread worker, so typing never waits for a search.  Searches never overlap.
By concern: searching in main_search.py (debounce, the worker, results on screen),
filters and chips in main_filters.py, the research workspace in main_research.py;
this module keeps the widgets, the keys, the result list and the live archive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from archive_tui.sanitize import one_line
from archive_tui.ui.guard import Guarded
from archive_tui.ui.live import (
    NOTICE_SECONDS,
    RELOADING,
    ArchiveChanged,
    ArchiveReloaded,
    ArchiveReloadFailed,
    describe_change,
)
from archive_tui.ui.screens.cite import CitationPickerScreen
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.document_reads import in_database
from archive_tui.ui.screens.export import ExportScreen
from archive_tui.ui.screens.main_filters import MainFilters
from archive_tui.ui.screens.main_research import MainResearch
from archive_tui.ui.screens.main_search import MainSearch
from archive_tui.ui.widgets.chips import ChipBar
from archive_tui.ui.widgets.filters import FilterPanel
from archive_tui.ui.widgets.results import ResultList
from archive_tui.ui.widgets.search_input import SearchInput
from archive_tui.ui.widgets.status import StatusLine, sort_label
from archive_tui.ui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from archive_tui.archive import Archive
    from archive_tui.search import Filters, SearchResult
    from archive_tui.ui.app import ArchiveApp

SEARCH_PLACEHOLDER = 'Search: words, "a phrase", -not, field:value   (F1 help · ↓ results)'

#: Actions that letter keys trigger; they are hidden from the footer while typing.
LETTER_ACTIONS = frozenset(
    {
        "focus_search",
        "toggle_filters",
        "cycle_sort",
        "copy_citation",
        "choose_citation",
        "clear_filters",
        "clear_marks",
        "export",
        "tag",
        "note",
        "add_to_list",
        "save_search",
        "saved_searches",
        "lists",
        "research_log",
        "toggle_timeline",
    }
)
#: Actions about the selected result, not offered while the filter panel has focus.
RESULT_ACTIONS = frozenset(
    {"cycle_sort", "copy_citation", "choose_citation", "export", "tag", "note", "add_to_list"}
)


class MainScreen(Guarded, MainSearch, MainFilters, MainResearch, Screen[None]):
    """Search, browse and filter the archive."""

    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-short"), (20, "-tall")]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "focus_search", "Search", show=False, tooltip="Type a search"),
        Binding("f", "toggle_filters", "Filters", tooltip="Add or remove search filters"),
        Binding("s", "cycle_sort", "Sort", tooltip="Next sort order"),
        Binding("c", "copy_citation", "Cite", tooltip="Copy the citation (marked: bibliography)"),
        Binding("C", "choose_citation", "Cite as…", show=False, tooltip="Pick a citation style"),
        Binding("e", "export", "Export", tooltip="Export marked records, else all results"),
        Binding("x", "clear_filters", "Clear filters", show=False),
        Binding("M", "clear_marks", "Clear marks", show=False),
        Binding(
            "t", "tag", "Tag", show=False, tooltip="Tag the marked records, else the selected one"
        ),
        Binding("a", "note", "Note", show=False, tooltip="Write the selected record's note"),
        Binding("l", "add_to_list", "List", show=False, tooltip="Add marked/selected to a list"),
        Binding("S", "save_search", "Save search", show=False, tooltip="Name and save the search"),
        Binding("o", "saved_searches", "Saved", show=False, tooltip="Open a saved search"),
        Binding(
            "O", "lists", "Lists", show=False, tooltip="Your lists: show, rename or delete one"
        ),
        Binding("L", "research_log", "Log", show=False, tooltip="The research log; re-run one"),
        Binding(
            "T",
            "toggle_timeline",
            "Timeline",
            show=False,
            tooltip="Hide or show the timeline of the results (hidden below 20 rows)",
        ),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.archive: Archive | None = None
        self.query_text = ""
        self.filters: Filters | None = None
        self.sort: str | None = None
        self.result: SearchResult | None = None
        self._generation = 0
        self._searching = False
        self._dirty = False
        self._last_request = 0.0
        self._timer: Timer | None = None
        #: set to stop the running search (a newer keystroke made it stale)
        self._stop_search = threading.Event()
        #: a record to keep selected through the next search (the archive was reloaded)
        self._keep_id: str | None = None
        #: searches run on the UI thread after a change of annotations, and those that
        #: took too long and went to the worker instead (debug stats; ``search_inline``)
        self.inline_searches = 0
        self.inline_fallbacks = 0
        #: the archive whose notes were said (_say_archive_notes), and those notes
        self._notes_said_for: Archive | None = None
        self._notes_said: list[str] = []
        #: what the status line says about the archive itself ("archive updated: +3 records")
        self._notice: str | None = None
        self._notice_timer: Timer | None = None

    @property
    def archive_app(self) -> ArchiveApp:
        return self.app  # type: ignore[return-value]

    @property
    def is_idle(self) -> bool:
        """No search running, none waiting for its debounce timer, no keystroke unsearched."""
        return not self._searching and not self._dirty and self._timer is None

    def compose(self) -> ComposeResult:
        yield SearchInput(placeholder=SEARCH_PLACEHOLDER, id="search")
        yield StatusLine("Opening the archive…", id="status")
        yield ChipBar(id="chips", classes="-empty")
        yield Timeline(id="timeline")
        with Horizontal(id="body"):
            yield ResultList(
                id="results",
                is_marked=self._is_marked,
                annotations=self._annotations_of,
                # a database's pages are read in a worker, never on the UI thread
                pages_in_worker=lambda: in_database(self.archive),
            )
            yield FilterPanel(id="filters")
        yield Footer(compact=True)

    # -- widgets --------------------------------------------------------------------------

    @property
    def search_input(self) -> SearchInput:
        return self.query_one("#search", SearchInput)

    @property
    def results(self) -> ResultList:
        return self.query_one("#results", ResultList)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    @property
    def panel(self) -> FilterPanel:
        return self.query_one("#filters", FilterPanel)

    @property
    def chips(self) -> ChipBar:
        return self.query_one("#chips", ChipBar)

    def _is_marked(self, record_id: str) -> bool:
        return record_id in self.archive_app.marks

    def _annotations_of(self, record_id: str) -> tuple[tuple[str, ...], bool]:
        research = self.archive_app.research
        return research.tags_of(record_id), research.has_note(record_id)

    def on_mount(self) -> None:
        self.search_input.focus()
        self.search_input.history = self.archive_app.research.history
        if self.archive_app.archive is not None and self.archive_app.research.ready:
            self.set_archive(self.archive_app.archive)
        else:
            self.results.loading = True

    # -- archive and searching --------------------------------------------------------------

    def set_archive(self, archive: Archive) -> None:
        """The archive is open: show its first results."""
        from archive_tui.search import Filters

        self.archive = archive
        if self.filters is None:
            self.filters = Filters()
        self.results.loading = False
        self.restore_session()
        self.query_text = self.search_input.value
        self._request_search(immediate=True)

    # -- the archive changed on disk (ui/live.py) ------------------------------------------

    def _set_notice(self, notice: str | None, *, lasts: float | None = None) -> None:
        self._notice = notice
        if self._notice_timer is not None:
            self._notice_timer.stop()
            self._notice_timer = None
        if lasts is not None:
            self._notice_timer = self.set_timer(lasts, lambda: self._set_notice(None))
        self._show_status()

    def on_archive_changed(self, message: ArchiveChanged) -> None:
        """The files changed: the old results stay on screen while the worker reads them."""
        self._set_notice(RELOADING)

    def on_archive_reloaded(self, message: ArchiveReloaded) -> None:
        """Search the new archive again, keeping the selected record if it is still there."""
        self.archive = message.new
        hit = self.results.selected
        self._keep_id = hit.record.get("id") if hit is not None else None
        self._set_notice(describe_change(len(message.old), len(message.new)), lasts=NOTICE_SECONDS)
        self._request_search(immediate=True)

    def on_archive_reload_failed(self, message: ArchiveReloadFailed) -> None:
        reason = getattr(message.error, "reason", None) or str(message.error)
        self._set_notice(
            f"archive changed but cannot be read ({one_line(reason)}); showing it as it was"
        )

    # -- events from the widgets -----------------------------------------------------------

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_text = event.value
        self._request_search()

    @on(Input.Submitted, "#search")
    def _query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.commit_search()
        self.results.focus()

    def on_search_input_left(self, message: SearchInput.Left) -> None:
        self.commit_search()

    def on_search_input_to_results(self, message: SearchInput.ToResults) -> None:
        self.results.focus()

    def on_result_list_open(self, message: ResultList.Open) -> None:
        self._open_document(message.index)

    def on_result_list_toggle_mark(self, message: ResultList.ToggleMark) -> None:
        marks = self.archive_app.marks
        record = message.hit.record
        record_id = record.get("id", "")
        if record_id in marks:
            del marks[record_id]
        else:
            marks[record_id] = record
        self.persist_marks([record_id], record_id in marks)
        self.results.refresh_marks([message.index])
        self._show_status()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if not self.panel.has_focus_within:
            self.panel.clear_narrowing()  # it would filter the values unseen
        self.refresh_bindings()

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Letters typed in a text box stay there; do not advertise them as keys meanwhile.
        typing = isinstance(self.focused, Input) or self.panel.values_list.has_focus
        if action in LETTER_ACTIONS and typing:  # the value list narrows as you type
            return False
        # In the filter panel the footer shows the panel's keys, not the results'.
        return not (action in RESULT_ACTIONS and self.panel.has_focus_within)

    def action_focus_search(self) -> None:
        self._close_overlay()
        self.search_input.focus()

    def action_back(self) -> None:
        """Escape: one step back (close the panel, else to the results).

        The results are as far back as it goes: escape there stays put, so the ``q`` that
        usually follows quits instead of landing in the search box as text.
        """
        if self.filters_open or self.panel.has_focus_within:
            self._close_overlay()
        self.results.focus()

    def action_toggle_timeline(self) -> None:
        """T: hide or show the timeline (the choice lasts the session)."""
        timeline = self.query_one(Timeline)
        hidden = not self.has_class("-no-timeline")
        self.set_class(hidden, "-no-timeline")
        if hidden and timeline.has_focus:
            self.results.focus()
        self.notify("Timeline hidden (T shows it)." if hidden else "Timeline shown.", timeout=2)
        self.save_session()

    def action_cycle_sort(self) -> None:
        from archive_tui.search import SORTS

        current = self.sort or (self.result.sort if self.result else SORTS[0])
        index = SORTS.index(current) if current in SORTS else -1
        has_words = self.result is not None and not self.result.parsed.is_empty
        for step in range(1, len(SORTS) + 1):
            candidate = SORTS[(index + step) % len(SORTS)]
            if candidate != "relevance" or has_words:
                break
        self.sort = candidate
        self.notify(f"Sorted by {sort_label(candidate)}", timeout=2)
        self._request_search(immediate=True)

    def action_clear_marks(self) -> None:
        marks = self.archive_app.marks
        if not marks:
            self.notify("No marked records.", timeout=2)
            return
        count = len(marks)
        self.persist_marks(list(marks), False)
        marks.clear()
        self.results.refresh_marks()
        self._show_status()
        self.notify(f"Cleared {count:,} mark{'s' if count != 1 else ''}.", timeout=2)

    def _selected_records(self) -> list[dict]:
        """The marked records, else the selected one (may be empty)."""
        marks = self.archive_app.marks
        if marks:
            return list(marks.values())
        hit = self.results.selected
        return [hit.record] if hit is not None else []

    def action_copy_citation(self) -> None:
        from archive_tui.citations import bibliography, cite
        from archive_tui.settings import default_style

        records = self._selected_records()
        if not records:
            self.notify("Nothing selected to cite.", severity="warning", timeout=3)
            return
        style = default_style()
        try:
            if self.archive_app.marks:
                text = bibliography(records, style)
                what = f"bibliography of {len(records):,} marked records ({style})"
            else:
                text = cite(records[0], style)
                what = f"citation ({style})"
        except Exception as error:
            self.notify(f"Could not cite: {error}", severity="error", markup=False)
            return
        self.archive_app.copy_text(text, what=what)

    def action_choose_citation(self) -> None:
        records = self._selected_records()
        if not records:
            self.notify("Nothing selected to cite.", severity="warning", timeout=3)
            return
        self.app.push_screen(CitationPickerScreen(records))

    def action_export(self) -> None:
        if self.archive is None or self.result is None:
            return
        marks = self.archive_app.marks
        records: Callable[[], Iterable[dict]]
        if marks:
            snapshot = list(marks.values())
            count = len(snapshot)

            def records() -> Iterable[dict]:
                return iter(snapshot)
        else:
            archive, result = self.archive, self.result
            count = result.total

            def records() -> Iterator[dict]:
                for record_id in result.ids():
                    record = archive.get(record_id)
                    if record is not None:
                        yield record

        if not count:
            self.notify("No records to export.", severity="warning", timeout=3)
            return
        # the export screen reports the outcome itself (a notification with the count)
        self.app.push_screen(ExportScreen(records, count))

    def _open_document(self, index: int) -> None:
        if self.archive is None or self.result is None:
            return
        shown = self.result
        self.commit_search()

        def known(position: int) -> dict | None:  # the list's hits, while it shows ``shown``
            results = self.results
            return results.cached_record(position) if results.result is shown else None

        self.app.push_screen(
            DocumentScreen(self.archive, shown, index, known=known),
            lambda position: self._document_closed(position, shown),
        )

    def _document_closed(self, position: Any, shown: SearchResult | None = None) -> None:
        if isinstance(position, int) and self.result is not None:
            if shown is not None and shown is not self.result:
                # the archive was reloaded meanwhile: find that record in the new results
                old_ids, new_ids = shown.ids(), self.result.ids()
                record_id = old_ids[position] if 0 <= position < len(old_ids) else None
                position = new_ids.index(record_id) if record_id in new_ids else 0
            self.results.select(position)
            self.results.focus()
        self.results.refresh_marks()
        self._show_status()

    def action_open(self) -> None:
        self.results.action_open()

    def action_toggle_mark(self) -> None:
        self.results.action_toggle_mark()

    def action_first(self) -> None:
        self.results.action_first()

    def action_last(self) -> None:
        self.results.action_last()

    def action_set_sort(self, sort: str) -> None:
        self.sort = sort
        self._request_search(immediate=True)
