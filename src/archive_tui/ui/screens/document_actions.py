"""The document view's actions on the record shown (a DocumentScreen mixin).

Citing it, marking it, its URL, the pages of its people and places, a new search, and
sharing its tags; also the hooks the tag/note/list actions (research_actions.py) call.
The keys are bound on :class:`~.document.DocumentScreen`, the screen that owns them;
this module is what they do. The view itself (layout, reading, stepping through the
result, the related documents) is :mod:`.document`.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.screen import Screen
from textual.widgets import Static

from ..clipboard import copy_text, put_on_clipboard
from ..links import can_open_browser, safe_url
from .share_actions import ask_share_tag, can_share
from .unshare_actions import ask_stop_sharing


class RecordActions:
    """What the document view's keys do to its record; see the module docstring."""

    record: dict | None
    archive: Any
    position: int
    result: Any

    # -- your tags, note and lists (the hooks of research_actions.AnnotateActions) ------

    def _annotate_targets(self) -> list[dict]:
        return [self.record] if self.record is not None else []

    def _annotations_changed(self) -> None:
        self.show_annotations()
        main = getattr(self.app, "main_screen", None)
        changed = getattr(main, "_annotations_changed", None)
        if callable(changed):
            changed()

    # -- sharing its tags (a workspace in PostgreSQL) ------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("share_tag", "stop_sharing_tag"):
            return can_share(self.app)  # only a workspace in a database can share
        return super().check_action(action, parameters)

    def action_share_tag(self) -> None:
        record_id = str(self.record.get("id", "")) if self.record else ""
        if record_id:
            ask_share_tag(self.app, list(self.app.research.tags_of(record_id)))  # type: ignore[attr-defined]

    def action_stop_sharing_tag(self) -> None:
        record_id = str(self.record.get("id", "")) if self.record else ""
        if record_id:
            ask_stop_sharing(self.app, "tag", list(self.app.research.tags_of(record_id)))  # type: ignore[attr-defined]

    # -- citing, marking, its people and places, a new search --------------------------

    def action_cite(self) -> None:
        if self.record is None:
            return
        from archive_tui import citations, settings

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

    def action_toggle_mark(self) -> None:
        """Mark or unmark the open record, through the main screen (which keeps the marks)."""
        if self.record is None:
            return
        main = getattr(self.app, "main_screen", None)
        toggle = getattr(main, "on_result_list_toggle_mark", None)
        marks = getattr(self.app, "marks", None)
        if toggle is None or marks is None:
            self.notify("Marks are kept by the result list.", severity="warning", timeout=3)
            return
        from ..widgets.results import ResultList
        from .document import SequenceHit

        # The card to redraw: this one if the view walks the main result, else any.
        index = self.position if self.result is getattr(main, "result", None) else 0
        toggle(ResultList.ToggleMark(index, SequenceHit(self.record)))  # type: ignore[arg-type]
        self.query_one("#doc-header", Static).update(self._header())
        count = len(marks)
        state = "Marked" if self._is_marked() else "Unmarked"
        self.notify(
            f"{state}; {count:,} marked record{'s' if count != 1 else ''}.",
            timeout=2,
            markup=False,
        )

    def action_entity_page(self) -> None:
        """P: pick one of the record's people or places; their page may hand back filters."""
        from archive_tui.ui.screens.entity_picker import EntityPickerScreen

        if self.record is not None:
            self.app.push_screen(
                EntityPickerScreen(self.record, self.archive), self._entity_filters
            )

    def _entity_filters(self, filters: Any) -> None:
        """The page chose documents: back to the list, searched with those filters."""
        main = getattr(self.app, "main_screen", None)
        apply = getattr(main, "apply_filters", None)
        if filters is None or apply is None or main not in self.app.screen_stack:
            return
        apply(filters)
        self.app.call_later(_back_to_list, self.app, main)

    def action_new_search(self) -> None:
        """Back to the search box for a new search, closing every document view on the way."""
        main = getattr(self.app, "main_screen", None)
        focus_search = getattr(main, "action_focus_search", None)
        if main is None or focus_search is None or main not in self.app.screen_stack:
            self.action_back()
            return
        self.app.call_later(_back_to_search, self.app, main)

    # -- its URL ------------------------------------------------------------------------

    def _url(self) -> str | None:
        """The record's URL, or None after saying why there is none to use."""
        raw = self.record.get("url") if self.record else None
        url = safe_url(raw)
        if url is None:
            reason = (
                "This record has no URL."
                if not raw
                else "This record's URL is not a web address that can be opened."
            )
            self.notify(reason, severity="warning", timeout=3, markup=False)
        return url

    def action_copy_url(self) -> None:
        url = self._url()
        if url is not None:
            copy_text(self.app, url, what="URL")

    def action_open_url(self) -> None:
        """Open the URL in a browser where one can open; copy it in any case, and say so."""
        url = self._url()
        if url is None:
            return
        put_on_clipboard(self.app, url)
        if not can_open_browser():
            self.notify(
                "No browser can open from this session (no display, as over SSH): "
                "the URL was copied instead.",
                timeout=5,
                markup=False,
            )
            return
        self.notify("Opening in your browser; the URL was also copied.", timeout=4)
        self._open_in_browser(url)

    @work(thread=True, exclusive=True, group="open-url", exit_on_error=False)
    def _open_in_browser(self, url: str) -> None:
        # webbrowser may wait for the browser command to finish: never on the UI thread.
        try:
            self.app.open_url(url)
        except Exception as error:
            self.app.call_from_thread(
                self.notify,
                f"Could not open a browser: {error}. The URL was copied.",
                severity="warning",
                markup=False,
            )


async def _back_to_list(app: Any, main: Screen[Any]) -> None:
    """Dismiss every screen above ``main`` (a document view with its position)."""
    from .document import DocumentScreen

    while app.screen is not main and len(app.screen_stack) > 1:
        screen = app.screen
        await screen.dismiss(screen.position if isinstance(screen, DocumentScreen) else None)


async def _back_to_search(app: Any, main: Screen[Any]) -> None:
    """Dismiss every screen above ``main`` (a document view with its position), then search."""
    from .document import DocumentScreen

    while app.screen is not main and len(app.screen_stack) > 1:
        screen = app.screen
        await screen.dismiss(screen.position if isinstance(screen, DocumentScreen) else None)
    main.action_focus_search()  # type: ignore[attr-defined]
