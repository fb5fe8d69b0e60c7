"""The main screen's searching: every search in a thread worker, debounced, never two at
once, stale results dropped (a mixin of ``MainScreen``; see main.py's docstring).

Debounced with a leading edge: the first keystroke after a pause of ``DEBOUNCE`` seconds
searches at once; keystrokes coming faster re-arm a timer, and the latest state is
searched when typing pauses (or when the running search is done). Results carry a
generation number. A search the user did not type (after a tag) may run on the UI thread
within ``INLINE_BUDGET_S`` (``search_inline``).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import work
from textual.timer import Timer
from textual.worker import get_current_worker

from archive_tui.sanitize import one_line
from archive_tui.ui.screens.document_reads import in_database
from archive_tui.ui.screens.research_actions import search_extras
from archive_tui.ui.widgets.chips import ChipSpec
from archive_tui.ui.widgets.results import BLOCK_SIZE
from archive_tui.ui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from archive_tui.archive import Archive
    from archive_tui.search import Filters, SearchResult

#: Seconds of quiet typing before a search starts (when one just started or is running).
DEBOUNCE = 0.1
#: At most this long for a search run on the UI thread after a tag or list change (else
#: it is left for the search worker; see ``search_inline``).
INLINE_BUDGET_S = 0.015
#: how long the status line shows what the archive notes (a bad alias file line)
ARCHIVE_NOTES_SECONDS = 15.0


class MainSearch:
    """Running searches for the main screen, whose state (query, filters, sort) they read."""

    archive: Archive | None
    query_text: str
    filters: Filters | None
    sort: str | None
    result: SearchResult | None
    _generation: int
    _searching: bool
    _dirty: bool
    _last_request: float
    _timer: Timer | None
    _stop_search: threading.Event
    _keep_id: str | None
    _notice: str | None
    _notes_said_for: Archive | None
    _notes_said: list[str]
    inline_searches: int
    inline_fallbacks: int
    # (and from the screen: app, archive_app, results, status, panel, log, set_timer,
    # call_after_refresh, call_later, query_one, is_current, _set_notice, after_search)

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
            self._stop_search.set()  # it is stale: stop it; its end picks the change up
            return
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
        keep, self._keep_id = self._keep_id, None
        self._stop_search = threading.Event()
        self._search(
            self._generation,
            self.archive,
            self.query_text,
            self.filters,
            self.sort,
            keep,
            self._stop_search,
            search_extras(self.archive, self.archive_app.research.annotations),
        )

    def search_inline(self) -> bool:
        """Search the current state now, on the UI thread, within INLINE_BUDGET_S; False
        (counted, logged) when it could not, and the worker is asked instead.

        For a search the user did not type: after a tag or a list change the results
        must follow at once (issue 10: ≤ 50 ms from the key). Through the worker the few
        milliseconds of search waited behind the redraw of the closed dialog, each of its
        many GIL hand-overs up to a switch interval (5 ms): 15-70 ms in all."""
        if self.archive is None or self.filters is None or self._searching:
            return False
        if in_database(self.archive):
            # a database answers over the network and cannot be stopped at the budget:
            # never on the UI thread (counted and logged as any fallback)
            self.inline_fallbacks += 1
            self.log.info("a database is searched in the worker, never inline")
            return False
        keep, stop_at = self._keep_id, time.perf_counter() + INLINE_BUDGET_S
        try:
            result = self.archive.search(
                self.query_text, self.filters, self.sort, offset=0, limit=BLOCK_SIZE,
                should_stop=lambda: time.perf_counter() > stop_at,
                **search_extras(self.archive, self.archive_app.research.annotations),
            )  # fmt: skip
            if not result.cut_short:
                result.histogram()
        except Exception as error:  # the worker will say it, if it fails there too
            self.log.warning(f"inline search failed ({error!r}): left to the worker")
            result = None
        if result is None or result.cut_short:
            self.inline_fallbacks += 1
            self.log.info("inline search over budget: left to the worker")
            self._request_search(immediate=True)
            return False
        self.inline_searches += 1
        ids = result.ids() if keep is not None else []
        self._keep_id = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._dirty = False
        self._generation += 1
        self._search_done(self._generation, result, ids.index(keep) if keep in ids else None)
        return True

    @work(thread=True, exclusive=True, group="search", exit_on_error=False)
    def _search(
        self,
        generation: int,
        archive: Archive,
        query: str,
        filters: Filters,
        sort: str | None,
        keep_id: str | None,
        stop: threading.Event,
        extras: dict[str, Any],
    ) -> None:
        """Thread: search, unless stopped (a newer keystroke) or cancelled; a stopped search
        posts no results. Stopping is an Event, not ``Worker.cancel()``: a thread worker
        cancelled before its thread starts never runs, and would never report back."""
        worker = get_current_worker()

        def stopped() -> bool:
            return stop.is_set() or worker.is_cancelled

        position = None
        try:
            # a newer keystroke sets ``stop``: the search returns early and posts nothing
            result = archive.search(
                query, filters, sort, offset=0, limit=BLOCK_SIZE, should_stop=stopped, **extras
            )
            if not stopped():
                result.histogram()  # made (and kept) here: the UI thread only draws it
            if keep_id is not None and not stopped():
                ids = result.ids()
                position = ids.index(keep_id) if keep_id in ids else None
        except Exception as error:  # never a traceback for the user
            if stopped():
                self.app.call_from_thread(self._search_cancelled, generation)
            else:
                self.app.call_from_thread(self._search_failed, generation, error)
            return
        if stopped():
            self.app.call_from_thread(self._search_cancelled, generation)
            return
        self.app.call_from_thread(self._search_done, generation, result, position)

    def _search_cancelled(self, generation: int) -> None:
        """A cancelled search ended (without posting results): search the latest state."""
        if generation != self._generation:
            return
        self._searching = False
        self._search_later()

    def _search_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        self._searching = False
        self.status.show_text(f"Search failed: {error}", error=True)
        self._search_later()

    def _search_done(
        self, generation: int, result: SearchResult, position: int | None = None
    ) -> None:
        if generation != self._generation:
            return  # a newer search was started; this one is stale
        self._searching = False
        if getattr(result, "cut_short", False) and self._dirty:
            self._search_later()  # stopped by a newer keystroke: search that instead
            return
        self.result = result
        self.query_one(Timeline).show(result.histogram())
        self.results.set_result(result, self._empty_message(result))
        if position is not None:
            self.results.select(position)
        self._show_status()
        # The cards and the count first; the facet counts follow a frame later.
        self.call_after_refresh(self._show_facets, generation)
        self.call_later(self._paint_now)
        self.archive_app.results_shown()
        self._search_later()
        self.after_search()
        self._say_archive_notes()

    def _say_archive_notes(self) -> None:
        """Once per archive opened: what it notes (bad lines of a people alias file), in
        the status line for a while, every note in the log."""
        archive = self.archive
        if archive is None or archive is self._notes_said_for:
            return
        said = self._notes_said_for
        self._notes_said_for = archive
        notes = [one_line(note) for note in getattr(archive, "notes", [])]
        if not notes or (said is not None and notes == self._notes_said):
            return
        self._notes_said = notes
        for note in notes:
            self.log.warning(note)
        more = f" (+{len(notes) - 1} more: archive-tui search lists them)" if len(notes) > 1 else ""
        self._set_notice(f"{notes[0]}{more}", lasts=ARCHIVE_NOTES_SECONDS)

    def _show_status(self) -> None:
        if self.result is None:
            return
        self.status.show_result(
            self.result,
            archive_size=len(self.archive) if self.archive is not None else None,
            show_timing=self.archive_app.show_timing,
            marked=len(self.archive_app.marks),
            notice=self._notice or self.archive_app.research.status_note(),
        )

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
            facets = dict(self.filters.facets)
            self.panel.update_facets(self.result.facets, facets, self.facets_in_use())

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
            lines.append(Text("  Try fewer or other words; F1 shows the search syntax."))
        return lines
