"""The filter panel ("add search filter"): a date range and the facet values of the results.

For each facet field (collection, type, language, people, places, subjects,
decade) it lists the values found in the current results with their counts, most
frequent first, in a virtual list with a type-to-narrow box; enter on a value
adds it as a filter (or removes it, when it is already one).  Active filters are
shown as chips by the main screen, which owns the search state: this panel only
posts messages.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import HorizontalGroup, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Static

from archive_tui.text import fold
from archive_tui.ui.guard import Guarded
from archive_tui.ui.widgets.facet_list import FacetValue, FacetValueList
from archive_tui.ui.widgets.results import short_name

#: (field, label) in the order the panel cycles through them.
PANEL_FIELDS: tuple[tuple[str, str], ...] = (
    ("collection", "Collection"),
    ("document_type", "Document type"),
    ("language", "Language"),
    ("people", "People"),
    ("places", "Places"),
    ("subjects", "Subjects"),
    ("decade", "Decade"),
    ("admin", "Administration"),
    ("classification", "Classification"),
    ("handling", "Handling"),
    ("repository", "Repository"),
)
#: Fields whose values have a page of their own (ctrl+o), as person_page kinds.
PAGE_FIELDS = frozenset({"people", "places"})
#: Fields shown only when the search reports them (your tags and lists, from the workspace).
OPTIONAL_FIELDS: tuple[tuple[str, str], ...] = (("tags", "Tags"), ("lists", "Lists"))


def _matches(needle: str, value: str) -> bool:
    """Type-to-narrow: the folded needle in the value or in its short display form."""
    return not needle or needle in fold(value) or needle in fold(short_name(value))


def date_problem(value: str) -> str | None:
    """Why ``value`` is not a usable date bound, or None when it is (empty is fine)."""
    if not value.strip():
        return None
    from archive_tui.dates import DateError, parse_date

    try:
        parse_date(value.strip())
    except (DateError, ValueError) as error:
        return str(getattr(error, "reason", error))
    return None


class FilterPanel(Guarded, Vertical):
    """Date bounds plus one facet field's values; posts what the user chose."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "close", "Back", tooltip="Back to the results (the narrowing is cleared)"
        ),
        Binding(
            "ctrl+o", "open_page", "Page", tooltip="The highlighted person's or place's own page"
        ),
    ]
    HELP_CONTEXT = "Filter panel"
    HELP_EXTRA: ClassVar[list[tuple[str, str]]] = [
        (
            "typing",
            "In the value list or the narrowing box: narrows the values (type to narrow…; "
            "frus, gromyko, accents not needed); q, f and the other letters are text here",
        ),
        ("down", "From the narrowing box to the value list"),
        (
            "Dates from / to",
            "The date fields above the values (shift+tab from the list): YYYY, YYYY-MM or "
            "YYYY-MM-DD (1961, 1961-06); a date that is not one is shown in red and not "
            "applied; enter moves from → to → the values",
        ),
    ]

    class ValueChosen(Message):
        """Add (``add``) or remove the filter ``field`` = ``value``."""

        def __init__(self, field: str, value: str, add: bool) -> None:
            self.field = field
            self.value = value
            self.add = add
            super().__init__()

    class DatesChanged(Message):
        """The date bounds changed (None: no bound)."""

        def __init__(self, date_from: str | None, date_to: str | None) -> None:
            self.date_from = date_from
            self.date_to = date_to
            super().__init__()

    class Close(Message):
        """The user is done with the panel."""

    class OpenPage(Message):
        """Open the page of ``value`` (a person or a place; ``kind`` people or places)."""

        def __init__(self, kind: str, value: str) -> None:
            self.kind = kind
            self.value = value
            super().__init__()

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._facets: Mapping[str, Mapping[str, int]] = {}
        self._active: Mapping[str, tuple[str, ...]] = {}
        #: the optional fields the user has any value of (None: not said; see ``fields``)
        self._in_use: frozenset[str] | None = None
        self._field_index = 0
        self.border_title = "Add search filter"

    def compose(self) -> ComposeResult:
        with HorizontalGroup(id="date-row"):
            yield Label("Dates ", classes="date-label")
            yield Input(
                placeholder="from: YYYY[-MM]", id="date-from", compact=True, select_on_focus=False
            )
            yield Label(" – ", classes="date-label")
            yield Input(
                placeholder="to: YYYY[-MM]", id="date-to", compact=True, select_on_focus=False
            )
        yield Static(id="date-problem")
        yield Static(id="facet-field")
        yield Input(
            placeholder="type to narrow…", id="facet-narrow", compact=True, select_on_focus=False
        )
        yield FacetValueList(id="facet-values")

    @property
    def field(self) -> str:
        return self.fields[self._field_index][0]

    @property
    def fields(self) -> tuple[tuple[str, str], ...]:
        """The fields to cycle through: the archive's, then Tags and Lists when the results
        carry them (``result.facets``) and they have values at all: the user has some
        (``in_use``; else: these results have some), or one is an active filter."""
        extra = tuple(
            (name, label)
            for name, label in OPTIONAL_FIELDS
            if name in self._facets
            and (
                self._active.get(name)
                or (self._facets[name] if self._in_use is None else name in self._in_use)
            )
        )
        return PANEL_FIELDS + extra

    @property
    def values_list(self) -> FacetValueList:
        return self.query_one(FacetValueList)

    def on_mount(self) -> None:
        self._show_field_header()

    # -- state from the screen ----------------------------------------------------------

    def update_facets(
        self,
        facets: Mapping[str, Mapping[str, int]],
        active: Mapping[str, tuple[str, ...]],
        in_use: Collection[str] | None = None,
    ) -> None:
        """New counts for the current results and the active facet filters; ``in_use``:
        the optional fields (tags, lists) the user has any value of (see ``fields``)."""
        field = self.field
        self._facets = facets
        self._active = active
        self._in_use = None if in_use is None else frozenset(in_use)
        names = [name for name, _label in self.fields]
        self._field_index = names.index(field) if field in names else 0
        self._refill()

    def set_dates(self, date_from: str | None, date_to: str | None) -> None:
        """Show the active date bounds (a chip removed one) without re-posting them."""
        for input_id, value in (("#date-from", date_from), ("#date-to", date_to)):
            box = self.query_one(input_id, Input)
            if (box.value.strip() or None) != value and not (
                value is None and date_problem(box.value)
            ):
                with box.prevent(Input.Changed):
                    box.value = value or ""

    def clear_narrowing(self) -> None:
        """Forget the narrowing text (the panel was left), so it does not linger unseen."""
        narrow = self.query_one("#facet-narrow", Input)
        if narrow.value:
            with narrow.prevent(Input.Changed):
                narrow.value = ""
            self._refill()

    def show_field(self, field: str) -> None:
        """Switch to ``field`` (used by the command palette)."""
        for index, (name, _label) in enumerate(self.fields):
            if name == field:
                self._field_index = index
                self._field_switched()
                return

    # -- building the list ----------------------------------------------------------------

    def _refill(self) -> None:
        values_list = self.values_list
        # the highlight stays on its value while the reader is in the panel; new results
        # arriving while they are elsewhere start it again at the top (the most frequent),
        # not on whatever value it last sat on, now perhaps at the bottom of a long list
        held = values_list.highlighted if self.has_focus_within else None
        keep = held.value if held else None
        field = self.field
        counts = self._facets.get(field, {})
        active = set(self._active.get(field, ()))
        needle = fold(self.query_one("#facet-narrow", Input).value.strip())
        items: list[FacetValue] = []
        # Active values first, even when the current results no longer have them.
        for value in self._active.get(field, ()):
            if _matches(needle, value):
                items.append(FacetValue(value, counts.get(value, 0), True))
        for value, count in counts.items():
            if value in active:
                continue
            if not _matches(needle, value):
                continue
            items.append(FacetValue(value, count, False))
        values_list.empty_text = (
            f"No value contains “{self.query_one('#facet-narrow', Input).value.strip()}”."
            if needle
            else "No values in these results."
        )
        values_list.set_values(items, keep=keep)
        self._show_field_header()

    def _show_field_header(self) -> None:
        field, label = self.fields[self._field_index]
        distinct = len(self._facets.get(field, {}))
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        text.append("◂ ", style="bold")
        text.append(label, style="bold")
        text.append(f" ({distinct:,} value{'' if distinct == 1 else 's'})")
        text.append(" ▸", style="bold")
        text.append(f"  {self._field_index + 1}/{len(self.fields)}", style="dim")
        self.query_one("#facet-field", Static).update(text, layout=False)

    def _field_switched(self) -> None:
        narrow = self.query_one("#facet-narrow", Input)
        with narrow.prevent(Input.Changed):
            narrow.value = ""
        self.values_list.set_values([], None)
        self._refill()

    # -- events ---------------------------------------------------------------------------

    def on_facet_value_list_switch_field(self, message: FacetValueList.SwitchField) -> None:
        message.stop()
        self._field_index = (self._field_index + message.step) % len(self.fields)
        self._field_switched()

    def on_facet_value_list_chosen(self, message: FacetValueList.Chosen) -> None:
        message.stop()
        item = message.value
        self.post_message(self.ValueChosen(self.field, item.value, add=not item.active))

    @on(Input.Changed, "#facet-narrow")
    def _narrow(self, event: Input.Changed) -> None:
        event.stop()
        self._refill()

    @on(Input.Submitted, "#facet-narrow")
    def _narrow_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.values_list.action_choose()

    @on(Input.Changed, "#date-from")
    @on(Input.Changed, "#date-to")
    def _date_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._post_dates()

    @on(Input.Submitted, "#date-from")
    @on(Input.Submitted, "#date-to")
    def _date_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._post_dates()
        # enter moves on, as in a form: from -> to -> the values
        if event.input.id == "date-from":
            self.query_one("#date-to", Input).focus()
        else:
            self.values_list.focus()

    def _post_dates(self) -> None:
        bounds: list[str | None] = []
        problems: list[str] = []
        for input_id, name in (("#date-from", "From"), ("#date-to", "To")):
            box = self.query_one(input_id, Input)
            problem = date_problem(box.value)
            box.set_class(problem is not None, "-invalid")
            if problem is not None:
                problems.append(f"{name}: {box.value.strip()!r} is not a date (1944, 1944-11)")
            bounds.append(box.value.strip() or None if problem is None else None)
        self.query_one("#date-problem", Static).update(
            Text("; ".join(problems), no_wrap=True, overflow="ellipsis", end="")
        )
        self.set_class(bool(problems), "-date-problem")
        if not problems:
            # While a bound is half typed ("19"), the filters in force stay as they are.
            self.post_message(self.DatesChanged(bounds[0], bounds[1]))

    def on_key(self, event: events.Key) -> None:
        focused = self.screen.focused
        # down from the narrow box goes into the list
        if event.key == "down" and isinstance(focused, Input) and focused.id == "facet-narrow":
            event.stop()
            event.prevent_default()
            self.values_list.focus()
        # typing in the list narrows it (its placeholder says so); q there is a letter, too
        elif focused is self.values_list and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            narrow = self.query_one("#facet-narrow", Input)
            narrow.focus()
            narrow.insert_text_at_cursor(event.character)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open_page":  # only people and places have a page
            return self.field in PAGE_FIELDS
        return True

    def action_open_page(self) -> None:
        item = self.values_list.highlighted
        if self.field in PAGE_FIELDS and item is not None:
            self.post_message(self.OpenPage(self.field, item.value))

    def action_close(self) -> None:
        self.post_message(self.Close())
