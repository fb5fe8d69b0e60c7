"""A person's page (and a place's, same code): when they appear and in whose company.

The page shows the documents naming one person (every variant of the name, as the People
filter matches them) or one place on the timeline, the first and the last appearance, and
the people and places most often in the same documents; Enter on one of those opens its own
page. ``c`` copies the documents as a bibliography in the user's default citation style.

The page is worked out by the core (person_page.entity_page) in a worker thread, so a
person named in thousands of documents never holds up a key. The screen dismisses with
:class:`~archive_tui.search.Filters` when the user asks for the documents themselves
(``f``, or a range chosen on the timeline), and with None on escape; a page opened from
another page hands such a choice back through it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from archive_tui.person_page import EntityPage, Kind, documents, entity_page
from archive_tui.search import Filters
from archive_tui.ui.clipboard import copy_text
from archive_tui.ui.guard import Guarded
from archive_tui.ui.widgets.timeline import Timeline

_TITLES = {"people": "Person", "places": "Place"}


class PageTimeline(Timeline):
    """The page's timeline: its keys are said under it, so the footer (80 columns) keeps
    room for the page's own."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark", show=False, tooltip="Mark the start, then the end"),
        Binding("enter", "choose", "Filter dates", show=False, tooltip="Filter to the range"),
    ]


class EntityScreen(Guarded, Screen[Filters | None]):
    """One person's or place's page; ``kind`` is ``people`` or ``places``."""

    CSS_PATH = "person.tcss"
    HELP_CONTEXT = "Person or place page"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", tooltip="Back to where the page was opened"),
        Binding("c", "copy_bibliography", "Copy", tooltip="Copy the documents as a bibliography"),
        Binding("f", "filter", "Filter", tooltip="Show these documents as search results"),
    ]

    def __init__(self, kind: Kind, name: str, archive: Any = None) -> None:
        super().__init__()
        self.kind: Kind = kind
        self.name_wanted = name
        self._archive = archive
        #: the page once worked out (None while the worker runs)
        self.page: EntityPage | None = None
        self._company: dict[str, list[tuple[Kind, str]]] = {}

    @property
    def archive(self) -> Any:
        return self._archive if self._archive is not None else self.app.archive

    def compose(self) -> ComposeResult:
        yield Static(id="page-header", markup=False)
        yield Static("Reading the documents…", id="page-summary", markup=False)
        yield PageTimeline(id="page-timeline")
        with Horizontal(id="page-company"):
            with Vertical(id="page-people-box"):
                yield OptionList(id="page-people")
            with Vertical(id="page-places-box"):
                yield OptionList(id="page-places")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#page-header", Static).update(
            f"{_TITLES.get(self.kind, 'Page')} · {self.name_wanted}"
        )
        self.query_one("#page-people-box").border_title = "Most often with: people"
        self.query_one("#page-places-box").border_title = "Most often with: places"
        self.query_one("#page-timeline", Timeline).focus()
        self._work_out()

    @work(thread=True, exclusive=True, group="entity-page")
    def _work_out(self) -> None:
        archive = self.archive
        if archive is None:
            self.app.call_from_thread(self._failed, "No archive is open.")
            return
        try:
            page = entity_page(archive, self.kind, self.name_wanted)
        except Exception as error:  # said in one sentence, never a traceback
            self.app.call_from_thread(self._failed, f"Could not read this page: {error}")
            return
        self.app.call_from_thread(self._fill, page)

    def _failed(self, sentence: str) -> None:
        self.query_one("#page-summary", Static).update(sentence)

    def _fill(self, page: EntityPage) -> None:
        self.page = page
        self.query_one("#page-header", Static).update(f"{_TITLES[page.kind]} · {page.name}")
        self.query_one("#page-summary", Static).update(_summary(page))
        self.query_one("#page-timeline", Timeline).show(page.histogram)
        for kind, found in (("people", page.people), ("places", page.places)):
            options = self.query_one(f"#page-{kind}", OptionList)
            options.clear_options()
            options.add_options(
                Option(Text.assemble(name, (f"  {count:,}", "dim"))) for name, count in found
            )
            options.highlighted = 0 if found else None
            self._company[kind] = [(kind, name) for name, _ in found]  # type: ignore[misc]

    # -- actions -----------------------------------------------------------------------

    @on(OptionList.OptionSelected)
    def _open_company(self, event: OptionList.OptionSelected) -> None:
        kind = (event.option_list.id or "").removeprefix("page-")
        links = self._company.get(kind, [])
        if 0 <= event.option_index < len(links):
            other_kind, name = links[event.option_index]
            self.app.push_screen(EntityScreen(other_kind, name, self._archive), self._handed_back)

    def _handed_back(self, filters: Filters | None) -> None:
        if filters is not None:  # the user chose documents on a page opened from this one
            self.dismiss(filters)

    @on(Timeline.RangeChosen)
    def _range_chosen(self, event: Timeline.RangeChosen) -> None:
        event.stop()
        self.dismiss(self._filters().with_dates(event.date_from, event.date_to))

    def _filters(self) -> Filters:
        name = self.page.name if self.page is not None else self.name_wanted
        return Filters({self.kind: (name,)})

    def action_back(self) -> None:
        self.dismiss(None)

    def action_filter(self) -> None:
        self.dismiss(self._filters())

    def action_copy_bibliography(self) -> None:
        if self.page is None or not self.page.total:
            self.notify("No documents to copy yet.", severity="warning", timeout=3)
            return
        from archive_tui import citations, settings

        style = settings.default_style()
        try:
            text = citations.bibliography(documents(self.archive, self.page), style)
        except Exception as error:
            self.notify(f"Could not make the bibliography: {error}", severity="error", markup=False)
            return
        label = citations.STYLE_LABELS.get(style, style)
        copy_text(self.app, text, what=f"bibliography, {self.page.total:,} documents ({label})")


class PersonScreen(EntityScreen):
    """A person's page: ``name`` may be any variant of the name (it shows the canonical)."""

    def __init__(self, name: str, archive: Any = None) -> None:
        super().__init__("people", name, archive)


class PlaceScreen(EntityScreen):
    """A place's page."""

    def __init__(self, name: str, archive: Any = None) -> None:
        super().__init__("places", name, archive)


def _summary(page: EntityPage) -> str:
    """``593 documents · first 1955-05-13 · last 1980-08-07``."""
    if not page.total:
        return f"No document names {page.name}."
    noun = "document" if page.total == 1 else "documents"
    parts = [f"{page.total:,} {noun}"]
    if page.first:
        parts.append(f"first {page.first}")
    if page.last and page.last != page.first:
        parts.append(f"last {page.last}")
    parts.append("c: copy as bibliography · f: as results · enter on a name: its page")
    return " · ".join(parts)
