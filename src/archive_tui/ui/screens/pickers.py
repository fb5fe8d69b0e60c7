"""Pickers over the workspace: the saved searches, your lists, and the research log.

Each is a list in a dialog; enter dismisses with the chosen entry (a ``SavedSearch``, a
list's name, or a logged search's event) for the main screen to run, escape with None.
In the saved searches ``d`` deletes one; in the lists ``r`` renames and ``d`` deletes one
(asked first: research_manage.py); the picker stays open and shows the change.
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
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from archive_tui.research_log import describe_filters, when
from archive_tui.sanitize import one_line
from archive_tui.ui.guard import Guarded
from archive_tui.workspace import SavedSearch

from .research_manage import ask_delete_list, ask_delete_saved, ask_rename_list
from .share_actions import ask_share, can_share
from .unshare_actions import ask_stop_sharing


class PickerList(OptionList):
    """The entries; enter picks one."""

    HELP_CONTEXT = "Saved searches and research log"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next", show=False),
        Binding("k,up", "cursor_up", "Previous", show=False),
        Binding("enter", "select", "Run", tooltip="Run the highlighted search"),
    ]


class ListEntries(PickerList):
    """Your lists; enter shows one's records."""

    HELP_CONTEXT = "Your lists"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", "Show", tooltip="Show the highlighted list's records"),
    ]


class _Picker(Guarded, ModalScreen[Any]):
    CSS_PATH = "research.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Close", tooltip="Close; nothing is run"),
    ]
    TITLE_TEXT = ""
    KEYS = "↑/↓ choose · enter run · esc close"
    LIST: type[PickerList] = PickerList

    def __init__(self, entries: Sequence[Any], empty: str) -> None:
        super().__init__()
        self.entries = list(entries)
        self.empty = empty

    def compose(self) -> ComposeResult:
        with Vertical(id="picker-box") as box:
            box.border_title = self.TITLE_TEXT
            yield self.LIST(id="picker-list")
            yield Static(Content(self.KEYS), id="picker-keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._show_entries(0)
        self.query_one(PickerList).focus()

    def _show_entries(self, highlighted: int | None) -> None:
        options = self.query_one(PickerList)
        options.clear_options()
        if not self.entries:
            options.add_option(Option(Content(self.empty), disabled=True))
        else:
            options.add_options(Option(self.prompt(entry)) for entry in self.entries)
            options.highlighted = min(highlighted or 0, len(self.entries) - 1)

    def set_entries(self, entries: Sequence[Any]) -> None:
        """Show these entries (after a rename or a delete), the highlight kept in place."""
        at = self.query_one(PickerList).highlighted
        self.entries = list(entries)
        self._show_entries(at)

    @property
    def highlighted_entry(self) -> Any | None:
        at = self.query_one(PickerList).highlighted
        return self.entries[at] if at is not None and 0 <= at < len(self.entries) else None

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
    """The saved searches; dismisses with the ``SavedSearch`` to open; ``d`` deletes one."""

    HELP_CONTEXT = "Saved searches"
    TITLE_TEXT = "Saved searches"
    KEYS = "↑/↓ choose · enter run · d delete · esc close"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d,delete", "delete", "Delete", tooltip="Delete the highlighted saved search"),
    ]

    def __init__(self, saved: Sequence[SavedSearch]) -> None:
        super().__init__(saved, "No saved searches yet: S saves the current search.")

    def action_delete(self) -> None:
        entry = self.highlighted_entry
        if entry is None:
            self.notify("No saved search to delete.", severity="warning", timeout=3)
            return
        ask_delete_saved(
            self.app, entry.name, lambda: self.set_entries(self.app.research.saved_searches())
        )

    def prompt(self, entry: SavedSearch) -> Content:
        return Content.assemble(
            Content.styled(one_line(entry.name), "bold"),
            "  ",
            Content(_search_line(entry.query, entry.filters, entry.sort)),
        )


class ListPicker(_Picker):
    """Your lists with their sizes; dismisses with the name of the list to show;
    ``r`` renames, ``d`` deletes one (the main screen is told through ``changed``)."""

    HELP_CONTEXT = "Your lists"
    TITLE_TEXT = "Your lists"
    LIST = ListEntries
    KEYS = "↑/↓ choose · enter show · r rename · d delete · esc close"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "rename", "Rename", tooltip="Rename the highlighted list"),
        Binding("d,delete", "delete", "Delete", tooltip="Delete the highlighted list"),
        Binding(
            "s",
            "share",
            "Share",
            tooltip="Let a group read the highlighted list (a workspace in PostgreSQL)",
        ),
        Binding(
            "S",
            "stop_sharing",
            "Stop sharing",
            tooltip="A group can no longer read the highlighted list (a workspace in PostgreSQL)",
        ),
    ]

    def __init__(self, sizes: Mapping[str, int], changed: Any = None) -> None:
        super().__init__(list(sizes.items()), "No lists yet: l adds records to a new one.")
        #: called with (old name, new name or None) after a rename or a delete
        self.changed = changed

    def on_mount(self) -> None:
        super().on_mount()
        if can_share(self.app):  # a workspace in PostgreSQL: s shares (share_actions.py)
            keys = self.KEYS.replace(" · esc", " · s share · S stop · esc")
            self.query_one("#picker-keys", Static).update(Content(keys))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("share", "stop_sharing"):
            return can_share(self.app)  # only a workspace in a database can share
        return super().check_action(action, parameters)

    def action_share(self) -> None:
        entry = self.highlighted_entry
        if entry is None:
            self.notify("No list to share.", severity="warning", timeout=3)
            return
        ask_share(self.app, "list", entry[0])

    def action_stop_sharing(self) -> None:
        entry = self.highlighted_entry
        if entry is None:
            self.notify("No list to stop sharing.", severity="warning", timeout=3)
            return
        ask_stop_sharing(self.app, "list", [entry[0]])

    def prompt(self, entry: tuple[str, int]) -> Content:
        name, size = entry
        return Content.assemble(
            Content.styled(one_line(name), "bold"),
            "  ",
            Content.styled(f"{size:,} record{'' if size == 1 else 's'}", "dim"),
        )

    def picked(self, entry: tuple[str, int]) -> None:
        self.dismiss(entry[0])

    def _after(self, old: str, new: str | None) -> None:
        self.set_entries(list(self.app.research.list_sizes().items()))
        if callable(self.changed):
            self.changed(old, new)

    def action_rename(self) -> None:
        entry = self.highlighted_entry
        if entry is None:
            self.notify("No list to rename.", severity="warning", timeout=3)
            return
        ask_rename_list(self.app, entry[0], lambda new: self._after(entry[0], new))

    def action_delete(self) -> None:
        entry = self.highlighted_entry
        if entry is None:
            self.notify("No list to delete.", severity="warning", timeout=3)
            return
        ask_delete_list(self.app, entry[0], lambda: self._after(entry[0], None))


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
