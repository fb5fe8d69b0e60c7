"""The main screen: search box, status line, filter chips, result cards, filter panel.

The screen owns the search state (query, filters, sort) and runs every search in
a thread worker, so typing never waits for a search.  Searches never overlap.
Debounced with a leading edge: the first keystroke after a pause of ``DEBOUNCE``
seconds searches at once; keystrokes coming faster re-arm a timer, and the latest
state is searched when typing pauses (or when the running search is done).
Results carry a generation number and stale ones are dropped.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input

from archive_tui.sanitize import one_line
from archive_tui.ui.screens.cite import CitationPickerScreen
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.export import ExportScreen
from archive_tui.ui.widgets.chips import Chip, ChipBar, ChipSpec
from archive_tui.ui.widgets.filters import FilterPanel
from archive_tui.ui.widgets.results import BLOCK_SIZE, ResultList
from archive_tui.ui.widgets.search_input import SearchInput
from archive_tui.ui.widgets.status import StatusLine, sort_label

if TYPE_CHECKING:
    from archive_tui.archive import Archive
    from archive_tui.search import Filters, SearchResult
    from archive_tui.ui.app import ArchiveApp

#: Seconds of quiet typing before a search starts (when one just started or is running).
DEBOUNCE = 0.1
SEARCH_PLACEHOLDER = 'Search  (words, "a phrase", -not, field:value; ? for help)'

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
    }
)
#: Actions about the selected result, not offered while the filter panel has focus.
RESULT_ACTIONS = frozenset({"cycle_sort", "copy_citation", "choose_citation", "export"})


class MainScreen(Screen[None]):
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

    @property
    def archive_app(self) -> ArchiveApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield SearchInput(placeholder=SEARCH_PLACEHOLDER, id="search")
        yield StatusLine("Opening the archive…", id="status")
        yield ChipBar(id="chips", classes="-empty")
        with Horizontal(id="body"):
            yield ResultList(id="results", is_marked=self._is_marked)
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

    def on_mount(self) -> None:
        self.search_input.focus()
        if self.archive_app.archive is not None:
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
        self.query_text = self.search_input.value
        self._request_search(immediate=True)

    def _request_search(self, immediate: bool = False) -> None:
        """Search the current state: now after a pause in typing, else once typing pauses."""
        now = time.monotonic()
        quiet = now - self._last_request >= DEBOUNCE
        if not immediate:  # only typing is debounced
            self._last_request = now
        self._dirty = True
        if self.archive is None:
            return
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._searching:
            return  # the running search's completion picks the change up
        if immediate or quiet:
            self._start_search()
        else:
            self._timer = self.set_timer(DEBOUNCE, self._timer_fired)

    def _search_later(self) -> None:
        """Changes came during a search: search them when the debounce interval is over."""
        if self._timer is not None or not self._dirty:
            return
        wait = DEBOUNCE - (time.monotonic() - self._last_request)
        if wait <= 0:
            self._start_search()
        else:
            self._timer = self.set_timer(wait, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer = None
        if not self._searching and self._dirty:
            self._start_search()

    def _start_search(self) -> None:
        assert self.archive is not None and self.filters is not None
        self._dirty = False
        self._searching = True
        self._generation += 1
        self._search(self._generation, self.archive, self.query_text, self.filters, self.sort)

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(
        self, generation: int, archive: Archive, query: str, filters: Filters, sort: str | None
    ) -> None:
        try:
            # a newer keystroke (self._dirty) stops this search; its result is then dropped
            result = archive.search(
                query, filters, sort, offset=0, limit=BLOCK_SIZE, should_stop=lambda: self._dirty
            )
        except Exception as error:  # never a traceback for the user
            self.app.call_from_thread(self._search_failed, generation, error)
            return
        self.app.call_from_thread(self._search_done, generation, result)

    def _search_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self._searching = False
        self.status.show_text(f"Search failed: {error}", error=True)
        self._search_later()

    def _search_done(self, generation: int, result: SearchResult) -> None:
        if generation != self._generation:
            return  # a newer search was started; this one is stale
        self._searching = False
        if getattr(result, "cut_short", False) and self._dirty:
            self._search_later()  # stopped by a newer keystroke: search that instead
            return
        self.result = result
        self.results.set_result(result, self._empty_message(result))
        self._show_status()
        # The cards and the count first; the facet counts follow a frame later.
        self.call_after_refresh(self._show_facets, generation)
        self.call_later(self._paint_now)
        self.archive_app.results_shown()
        self._search_later()

    def _show_status(self) -> None:
        if self.result is None:
            return
        self.status.show_result(
            self.result,
            archive_size=len(self.archive) if self.archive is not None else None,
            show_timing=self.archive_app.show_timing,
            marked=len(self.archive_app.marks),
        )

    def _show_filters(self) -> None:
        filters = self.filters
        if filters is None:
            return
        specs = [
            ChipSpec(field, value) for field, values in filters.facets.items() for value in values
        ]
        if filters.date_from:
            specs.append(ChipSpec("date_from", filters.date_from))
        if filters.date_to:
            specs.append(ChipSpec("date_to", filters.date_to))
        self.chips.set_chips(specs)
        self.chips.set_class(not specs, "-empty")
        if self.result is not None:
            self.panel.update_facets(self.result.facets, dict(filters.facets))
        self.panel.set_dates(filters.date_from, filters.date_to)

    def _paint_now(self) -> None:
        """Paint the new results now rather than at the screen's next frame tick.

        Textual paints from a frame timer that, right after another paint (the typed
        character), waits up to two frames (~33 ms) before the next. New results are
        worth the extra paint: this runs after the widgets' update messages (it was
        queued behind them), so the dirty widgets are known; it is what the timer does.
        """
        update = getattr(self, "_on_timer_update", None)  # Textual 8 internals, pinned
        if callable(update) and self.is_current and not self.app._batch_count:
            update()

    def _show_facets(self, generation: int) -> None:
        if generation == self._generation and self.result is not None and self.filters is not None:
            self.panel.update_facets(self.result.facets, dict(self.filters.facets))

    def _empty_message(self, result: SearchResult) -> list[Text]:
        """What to say when nothing matches: the query, spelling ideas, filters to loosen."""
        if result.total:
            return []
        lines: list[Text] = [Text("")]
        head = Text("  No documents match", style="bold")
        if self.query_text.strip():
            head.append(" “")
            head.append(one_line(self.query_text.strip()))
            head.append("”")
        head.append(".")
        lines.append(head)
        suggestions = list(getattr(result, "suggestions", None) or [])
        if suggestions:
            lines.append(Text(""))
            line = Text("  Did you mean: ")
            for i, word in enumerate(suggestions[:5]):
                if i:
                    line.append(", ")
                line.append(one_line(word), style="bold")
            line.append("?")
            lines.append(line)
        filters = self.filters
        if filters is not None and not filters.is_empty():
            lines.append(Text(""))
            lines.append(Text("  Loosen the search by removing a filter:"))
            for field, values in filters.facets.items():
                for value in values:
                    lines.append(Text(f"    • {ChipSpec(field, value).label}"))
            for field, value in (("date_from", filters.date_from), ("date_to", filters.date_to)):
                if value:
                    lines.append(Text(f"    • {ChipSpec(field, value).label}"))
            lines.append(Text("  (x clears every filter; tab to a chip and press delete for one)"))
        elif self.query_text.strip():
            lines.append(Text(""))
            lines.append(Text("  Try fewer or other words; ? shows the search syntax."))
        return lines

    # -- events from the widgets -----------------------------------------------------------

    @on(Input.Changed, "#search")
    def _query_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.query_text = event.value
        self._request_search()

    @on(Input.Submitted, "#search")
    def _query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.results.focus()

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
        self.results.refresh_marks([message.index])
        self._show_status()

    def on_filter_panel_value_chosen(self, message: FilterPanel.ValueChosen) -> None:
        assert self.filters is not None
        if message.add:
            self.filters = self.filters.with_value(message.field, message.value)
        else:
            self.filters = self.filters.without_value(message.field, message.value)
        self._show_filters()
        self._request_search(immediate=True)

    def on_filter_panel_dates_changed(self, message: FilterPanel.DatesChanged) -> None:
        if self.filters is None:
            return
        if (message.date_from, message.date_to) == (self.filters.date_from, self.filters.date_to):
            return
        self.filters = dataclasses.replace(
            self.filters, date_from=message.date_from, date_to=message.date_to
        )
        self._show_filters()
        self._request_search()

    def on_filter_panel_close(self, message: FilterPanel.Close) -> None:
        self.action_back()

    def on_chip_remove(self, message: Chip.Remove) -> None:
        assert self.filters is not None
        spec = message.spec
        if spec.field in ("date_from", "date_to"):
            self.filters = dataclasses.replace(self.filters, **{spec.field: None})
        else:
            self.filters = self.filters.without_value(spec.field, spec.value)
        self._show_filters()
        self._request_search(immediate=True)

    def on_chip_bar_emptied(self, message: ChipBar.Emptied) -> None:
        self.results.focus()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    # -- actions ----------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Letters typed in a text box stay there; do not advertise them as keys meanwhile.
        if action in LETTER_ACTIONS and isinstance(self.focused, Input):
            return False
        # In the filter panel the footer shows the panel's keys, not the results'.
        return not (action in RESULT_ACTIONS and self.panel.has_focus_within)

    def action_focus_search(self) -> None:
        self._close_overlay()
        self.search_input.focus()

    @property
    def filters_open(self) -> bool:
        return self.has_class("-filters-open")

    def _close_overlay(self) -> None:
        self.remove_class("-filters-open")

    def action_toggle_filters(self) -> None:
        """Narrow terminal: open/close the panel over the results. Wide: move focus there/back."""
        panel = self.panel
        if self.has_class("-wide"):
            if panel.has_focus_within:
                self.results.focus()
            else:
                panel.values_list.focus()
            return
        if self.filters_open:
            self._close_overlay()
            self.results.focus()
        else:
            self.add_class("-filters-open")
            self.call_after_refresh(panel.values_list.focus)

    def action_back(self) -> None:
        """Escape: one step back (close the panel, results -> search box, else -> results)."""
        if self.filters_open or self.panel.has_focus_within:
            self._close_overlay()
            self.results.focus()
        elif self.results.has_focus:
            self.search_input.focus()
        else:
            self.results.focus()

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

    def action_clear_filters(self) -> None:
        from archive_tui.search import Filters

        if self.filters is None or self.filters.is_empty():
            self.notify("No filters to clear.", timeout=2)
            return
        self.filters = Filters()
        self._show_filters()
        self._request_search(immediate=True)
        self.notify("Filters cleared.", timeout=2)

    def action_clear_marks(self) -> None:
        marks = self.archive_app.marks
        if not marks:
            self.notify("No marked records.", timeout=2)
            return
        count = len(marks)
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
        self.app.push_screen(
            DocumentScreen(self.archive, self.result, index), self._document_closed
        )

    def _document_closed(self, position: Any) -> None:
        if isinstance(position, int) and self.result is not None:
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

    def action_show_field(self, field: str) -> None:
        self.panel.show_field(field)
        if not self.has_class("-wide"):
            self.add_class("-filters-open")
        self.call_after_refresh(self.panel.values_list.focus)
