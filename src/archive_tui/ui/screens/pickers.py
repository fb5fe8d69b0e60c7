"""Pickers over the workspace: the saved searches, and the research log.

Both are a list in a dialog; enter dismisses with the chosen entry (a ``SavedSearch``,
or a logged search's event) for the main screen to run, escape with None.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from archive_tui.research_log import describe_filters, when
from archive_tui.sanitize import one_line
from archive_tui.ui.guard import Guarded
from archive_tui.workspace import SavedSearch


class PickerList(OptionList):
    """The entries; enter picks one."""

    HELP_CONTEXT = "Saved searches and research log"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next", show=False),
        Binding("k,up", "cursor_up", "Previous", show=False),
        Binding("enter", "select", "Run", tooltip="Run the highlighted search"),
    ]


class _Picker(Guarded, ModalScreen[Any]):
    CSS_PATH = "research.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Close", tooltip="Close; nothing is run"),
    ]
    TITLE_TEXT = ""
    KEYS = "↑/↓ choose · enter run · esc close"

    def __init__(self, entries: Sequence[Any], empty: str) -> None:
        super().__init__()
        self.entries = list(entries)
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = self.TITLE_TEXT
            yield PickerList(id="picker-list")
            yield Static(Content(self.KEYS), id="picker-keys")

    def on_mount(self) -> None:
        options = self.query_one(PickerList)
        if not self.entries:
            options.add_option(Option(Content(self.empty), disabled=True))
        else:
            options.add_options(Option(self.prompt(entry)) for entry in self.entries)
            options.highlighted = 0
        options.focus()

    def prompt(self, entry: Any) -> Content:
        raise NotImplementedError

    @on(OptionList.OptionSelected, "#picker-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.entries):
            self.picked(self.entries[event.option_index])

    def picked(self, entry: Any) -> None:
        self.dismiss(entry)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _search_line(query: str, filters: Mapping[str, Any] | None, sort: str | None = None) -> str:
    parts = [f"“{one_line(query)}”" if query.strip() else "(every document)"]
    described = describe_filters(filters)
    if described:
        parts.append(one_line(described))
    if sort:
        parts.append(f"sorted by {sort}")
    return " · ".join(parts)


class SavedSearchPicker(_Picker):
    """The saved searches; dismisses with the ``SavedSearch`` to open."""

    HELP_CONTEXT = "Saved searches"
    TITLE_TEXT = "Saved searches"

    def __init__(self, saved: Sequence[SavedSearch]) -> None:
        super().__init__(saved, "No saved searches yet: S saves the current search.")

    def prompt(self, entry: SavedSearch) -> Content:
        return Content.assemble(
            Content.styled(one_line(entry.name), "bold"),
            "  ",
            Content(_search_line(entry.query, entry.filters, entry.sort)),
        )


def describe_event(event: Mapping[str, Any], titles: Mapping[str, str]) -> str:
    """One line of the log: what happened, to what."""
    kind = str(event.get("event", ""))
    record_id = str(event.get("id", ""))
    about = one_line(titles.get(record_id) or record_id)
    if kind == "search":
        count = event.get("count")
        found = f" → {count:,} result{'' if count == 1 else 's'}" if isinstance(count, int) else ""
        return f"search  {_search_line(str(event.get('query') or ''), event.get('filters'))}{found}"
    if kind == "tag":
        tags = ", ".join(str(t) for t in event.get("tags") or []) or "(no tags)"
        return f"tag     {about}: {one_line(tags)}"
    if kind == "mark":
        return f"{'mark' if event.get('marked', True) else 'unmark':<8}{about}"
    if kind == "note":
        return f"note    {about} ({event.get('chars', 0)} characters)"
    if kind == "open":
        return f"open    {about}"
    if kind == "export":
        details = ", ".join(f"{k}={v}" for k, v in event.items() if k not in ("at", "event"))
        return f"export  {one_line(details)}"
    return one_line(f"{kind} {record_id}")


class ResearchLogScreen(_Picker):
    """The research log, newest first; enter on a logged search dismisses with it."""

    HELP_CONTEXT = "Research log"
    TITLE_TEXT = "Research log (newest first)"
    KEYS = "↑/↓ choose · enter re-run a search · esc close"

    def __init__(self, events: Sequence[Mapping[str, Any]], titles: Mapping[str, str]) -> None:
        self.titles = titles
        super().__init__(list(reversed(events)), "Nothing logged yet.")

    def prompt(self, entry: Mapping[str, Any]) -> Content:
        return Content.assemble(
            Content.styled(when(entry), "dim"), "  ", Content(describe_event(entry, self.titles))
        )

    def picked(self, entry: Mapping[str, Any]) -> None:
        if entry.get("event") != "search":
            self.notify("Only a logged search can be run again.", timeout=3)
            return
        self.dismiss(dict(entry))
