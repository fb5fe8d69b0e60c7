"""The main screen's workspace side: history commits, the session, marks that persist,
saved searches and the research log (a mixin: main.py stays small; its keys are in
``MainScreen.BINDINGS``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from archive_tui.sanitize import one_line

from .pickers import ListPicker, ResearchLogScreen, SavedSearchPicker
from .prompt import PromptScreen
from .research_actions import WRITE_ERRORS, AnnotateActions, search_extras
from .research_manage import ask_delete_list, ask_delete_saved, ask_rename_list

if TYPE_CHECKING:
    from archive_tui.workspace import SavedSearch

#: query words that read the annotations: a change to them re-runs the search
ANNOTATION_TERMS = ("tag:", "list:", "note:", "has:")


class MainResearch(AnnotateActions):
    """The main screen's workspace side: its state is the screen's (query, filters, sort)."""

    query_text: str
    filters: Any
    sort: str | None
    result: Any
    archive: Any
    _searching: bool
    _dirty: bool
    _keep_id: str | None
    _commit_pending: bool = False

    # (and from the main screen: results, search_input, _request_search, _show_filters,
    # _show_status)

    # -- targets -------------------------------------------------------------------------

    def _annotate_targets(self) -> list[dict]:
        marks = self.app.marks
        if marks:
            return list(marks.values())
        hit = self.results.selected
        return [hit.record] if hit is not None else []

    def _note_record(self) -> dict | None:
        hit = self.results.selected
        return hit.record if hit is not None else None

    def _annotations_changed(self) -> None:
        """Cards show the change at once; the search runs again when it reads annotations,
        or when the filter panel's Tags/Lists sections appear or go (a first tag)."""
        self.results.refresh_marks()
        shown = frozenset(name for name, _label in self.panel.fields) & {"tags", "lists"}
        if self._uses_annotations() or (
            self.result is not None
            and shown != {n for n in self.facets_in_use() if n in self.result.facets}
        ):
            self.refresh_search(inline=True)

    def _uses_annotations(self) -> bool:
        if self.archive is None or not search_extras(self.archive, None):
            return False
        facets = getattr(self.filters, "facets", {}) or {}
        return any(t in self.query_text for t in ANNOTATION_TERMS) or bool(
            facets.get("tags") or facets.get("lists")
        )

    def facets_in_use(self) -> frozenset[str]:
        """The filter panel's optional sections (tags, lists) the user has any value of:
        the others are not shown."""
        return self.research.annotations.fields_in_use()

    def refresh_search(self, *, inline: bool = False) -> None:
        """Search again, keeping the selected record selected; ``inline``: on the UI thread
        if it is quick (``search_inline``), else through the worker."""
        hit = self.results.selected
        self._keep_id = hit.record.get("id") if hit is not None else None
        if not (inline and self.search_inline()):
            self._request_search(immediate=True)

    # -- workspace changed on disk --------------------------------------------------------

    def workspace_reloaded(self) -> None:
        """Another process changed the workspace: marks and cards follow."""
        marks = self.research.marks()
        current = self.app.marks
        if list(current) != marks and self.archive is not None:
            self.app.marks = {i: current.get(i) or self.archive.get(i) or {"id": i} for i in marks}
        self.results.refresh_marks()
        self._show_status()
        if self._uses_annotations():
            self.refresh_search()

    # -- marks ----------------------------------------------------------------------------

    def persist_marks(self, ids: list[str], marked: bool) -> None:
        try:
            self.research.set_marked(ids, marked)
        except WRITE_ERRORS as error:
            self._refused(error)

    # -- committed searches, history, session ---------------------------------------------

    def commit_search(self) -> None:
        """The user settled on this search (enter, leaving the box, opening a result)."""
        if self.archive is None or self.filters is None:
            return
        if self._searching or self._dirty or self.result is None:
            self._commit_pending = True  # logged with its count when it is done
            return
        self._commit_pending = False
        try:
            self.research.commit_search(self.query_text, self.filters, self.sort, self.result.total)
            self.save_session()
        except WRITE_ERRORS as error:
            self._refused(error)

    def after_search(self) -> None:
        """A search is on screen: log a commit that waited for it."""
        if self._commit_pending and not self._dirty:
            self.commit_search()

    def session_state(self) -> dict[str, Any]:
        from archive_tui.ui.research import filters_mapping

        hit = self.results.selected if self.result is not None else None
        return {
            "query": self.query_text,
            "filters": filters_mapping(self.filters),
            "sort": self.sort,
            "selected": hit.record.get("id") if hit is not None else None,
            "theme": self.app.theme,
            "timeline": not self.has_class("-no-timeline"),
        }

    def save_session(self) -> None:
        if self.archive is None or self.filters is None or not self.research.writable:
            return
        try:
            self.research.save_session(**self.session_state())
        except WRITE_ERRORS as error:
            self.app.log.error(f"session not saved: {error}")

    def restore_session(self) -> None:
        """Before the first search: the last query, filters, sort, selected card, theme."""
        from textual.widgets import Input

        from archive_tui.ui.research import filters_from

        session = self.research.session()
        if not session:
            return
        query = str(session.get("query") or "")
        if query and not self.search_input.value:
            with self.search_input.prevent(Input.Changed):
                self.search_input.value = query
            self.search_input.cursor_position = len(query)
            self.query_text = query
        self.filters = filters_from(session.get("filters"))
        sort = session.get("sort")
        self.sort = sort if isinstance(sort, str) else None
        selected = session.get("selected")
        self._keep_id = selected if isinstance(selected, str) else None
        theme = session.get("theme")
        if isinstance(theme, str) and theme in self.app.available_themes:
            self.app.theme = theme
        self.set_class(session.get("timeline") is False, "-no-timeline")
        self._show_filters()

    def run_search(self, query: str, filters: dict | None, sort: str | None) -> None:
        """Show this search (a saved one, a logged one) as if typed."""
        from textual.widgets import Input

        from archive_tui.ui.research import filters_from

        with self.search_input.prevent(Input.Changed):
            self.search_input.value = query
        self.search_input.cursor_position = len(query)
        self.query_text = query
        self.filters = filters_from(filters)
        self.sort = sort
        self._show_filters()
        self._request_search(immediate=True)
        self.results.focus()
        self.commit_search()

    # -- saved searches and the log --------------------------------------------------------

    def action_save_search(self) -> None:
        if self.filters is None:
            return
        names = [s.name for s in self.research.saved_searches()]

        def done(name: str | None) -> None:
            if not name:
                return
            try:
                saved = self.research.save_search(name, self.query_text, self.filters, self.sort)
            except WRITE_ERRORS as error:
                self._refused(error)
                return
            self.notify(one_line(f"Saved the search as {saved.name}."), timeout=3, markup=False)

        self.app.push_screen(
            PromptScreen(
                "Save this search",
                hint=f"Query: {one_line(self.query_text) or '(every document)'}",
                placeholder="a name, e.g. Berlin 1961",
                choices=names,
                input_id="save-search-input",
            ),
            done,
        )

    def action_saved_searches(self) -> None:
        def done(saved: SavedSearch | None) -> None:
            if saved is not None:
                self.run_search(saved.query, saved.filters, saved.sort)

        self.app.push_screen(SavedSearchPicker(self.research.saved_searches()), done)

    def action_open_saved(self, name: str) -> None:
        """Run the saved search ``name`` (the palette's "Saved search: NAME")."""
        saved = next((s for s in self.research.saved_searches() if s.name == name), None)
        if saved is None:
            self.notify(one_line(f"No saved search named {name}."), severity="warning")
            return
        self.run_search(saved.query, saved.filters, saved.sort)

    def action_delete_saved(self, name: str) -> None:
        """Delete the saved search ``name``, asked first (the palette's entry)."""
        ask_delete_saved(self.app, name, lambda: None)

    # -- lists -----------------------------------------------------------------------------

    def action_lists(self) -> None:
        """Your lists: enter shows one's records (a Lists filter), r renames, d deletes."""

        def done(name: str | None) -> None:
            if name:
                self.run_search("", {"lists": [name]}, None)

        self.app.push_screen(ListPicker(self.research.list_sizes(), self.list_changed), done)

    def action_rename_list(self, name: str) -> None:
        ask_rename_list(self.app, name, lambda new: self.list_changed(name, new))

    def action_delete_list(self, name: str) -> None:
        ask_delete_list(self.app, name, lambda: self.list_changed(name, None))

    def list_changed(self, old: str, new: str | None) -> None:
        """A list was renamed (``new``) or deleted: a Lists filter on it follows the rename
        (a deleted one stays, matching nothing, as a chip to remove); the search re-runs."""
        from textual.widgets import Input

        lists = list(getattr(self.filters, "facets", {}).get("lists") or [])
        if new is not None and old in lists:
            self.filters = self.filters.without_value("lists", old).with_value("lists", new)
            self._show_filters()
        query = self.query_text
        if new is not None:  # list:"old" or list:old in the box names the new list
            named = re.compile(rf'(?i)\blist:(?:"{re.escape(old)}"|{re.escape(old)}(?=[\s)]|$))')
            query = named.sub(lambda _m: f'list:"{new}"', query)
        if query != self.query_text:
            with self.search_input.prevent(Input.Changed):
                self.search_input.value = query
            self.query_text = query
        self.results.refresh_marks()
        self.refresh_search()

    def action_research_log(self) -> None:
        events = self.research.log()
        titles: dict[str, str] = {}
        if self.archive is not None:
            for event in events:
                record_id = event.get("id")
                if isinstance(record_id, str) and record_id not in titles:
                    record = self.archive.get(record_id)
                    titles[record_id] = str(record.get("title")) if record else record_id

        def done(event: dict | None) -> None:
            if event is not None:
                sort = event.get("sort")
                self.run_search(
                    str(event.get("query") or ""),
                    event.get("filters") or {},
                    sort if isinstance(sort, str) else None,
                )

        self.app.push_screen(ResearchLogScreen(events, titles), done)

    def action_toggle_logging(self) -> None:
        enabled = not self.research.logging_enabled
        try:
            self.research.set_logging(enabled)
        except WRITE_ERRORS as error:
            self._refused(error)
            return
        self.notify(f"Research log {'on' if enabled else 'off'}.", timeout=3)
