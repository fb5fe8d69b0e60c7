"""The help screen: every key, by context, and the query syntax.

Keys are read from the bindings themselves, so the help cannot drift from what the keys do:
the app's own bindings, then every screen on the stack (the main screen, a document view...)
and the app's widgets on it, then the document view and the pickers even when they are not
open. A screen or widget names its section with a ``HELP_CONTEXT`` class attribute (else its
class name is used) and may list keys that are not bindings (typing in a search box) in
``HELP_EXTRA: list[tuple[keys, description]]``. Only bindings declared by archive-tui classes
are listed, so Textual's own editing keys do not drown the ones that matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from archive_tui.sanitize import visible

from .document import PagerScroll

KEY_COLUMN = 18

#: Keys every Textual app has; they are not archive-tui bindings, so they are listed here.
GENERAL_KEYS: tuple[tuple[str, str], ...] = (
    ("tab / shift+tab", "Move focus to the next / previous area"),
    ("ctrl+p", "Command palette: every action by name"),
    ("ctrl+q", "Quit"),
)

_FALLBACK_QUERY_HELP = "Type words to find records containing all of them."


def query_help() -> str:
    """The query syntax reference from the core (``archive_tui.query.QUERY_HELP``)."""
    try:
        from archive_tui.query import QUERY_HELP
    except ImportError:
        return _FALLBACK_QUERY_HELP
    return str(QUERY_HELP)


def _context_name(cls: type) -> str:
    name = getattr(cls, "HELP_CONTEXT", None)
    if name:
        return str(name)
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__.removesuffix("Screen")).split()
    return " ".join(words).capitalize() or cls.__name__


def _own_bindings(cls: type) -> list[Binding]:
    """Bindings declared by archive-tui classes in ``cls``'s MRO, most derived first."""
    found: list[Binding] = []
    seen_keys: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("archive_tui"):
            continue
        declared = klass.__dict__.get("BINDINGS")
        if not declared:
            continue
        for binding in Binding.make_bindings(declared):
            if binding.key in seen_keys or not binding.description or binding.system:
                continue
            seen_keys.add(binding.key)
            found.append(binding)
    return found


def key_rows(app: App, cls: type) -> list[tuple[str, str]]:
    """(keys, description) for ``cls``: keys bound to the same action are listed together."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for binding in _own_bindings(cls):
        key = app.get_key_display(binding)
        grouped.setdefault((binding.action, binding.tooltip or binding.description), []).append(key)
    rows = [(" / ".join(keys), description) for (_, description), keys in grouped.items()]
    rows.extend((str(k), str(d)) for k, d in getattr(cls, "HELP_EXTRA", ()))
    return rows


def _section(title: str, rows: Iterable[tuple[str, str]]) -> Content:
    parts: list[Content | str] = [Content.styled(title, "bold $text-accent")]
    for keys, description in rows:
        parts += [
            "\n  ",
            Content.styled(visible(keys, keep="").ljust(KEY_COLUMN), "bold"),
            " ",
            Content(visible(description, keep="")),
        ]
    return Content.assemble(*parts)


def _app_classes(node: DOMNode) -> list[type]:
    """Distinct archive-tui classes among ``node`` and its descendants, in tree order."""
    classes: list[type] = []
    nodes = [node, *node.walk_children()] if hasattr(node, "walk_children") else [node]
    for child in nodes:
        cls = type(child)
        if cls not in classes and cls.__module__.startswith("archive_tui"):
            classes.append(cls)
    return classes


def help_sections(app: App) -> list[tuple[str, list[tuple[str, str]]]]:
    """Every context with its keys: app, open screens and their widgets, then known screens."""
    from .cite import CitationPickerScreen
    from .document import DocumentBody, DocumentScreen, RelatedList
    from .export import ExportScreen

    sections: dict[str, list[tuple[str, str]]] = {}

    def add(title: str, rows: list[tuple[str, str]]) -> None:
        if not rows:
            return
        existing = sections.setdefault(title, [])
        existing.extend(row for row in rows if row not in existing)

    add("Everywhere", [*key_rows(app, type(app)), *GENERAL_KEYS])
    seen: set[type] = {type(app)}
    classes: list[type] = []
    for screen in app.screen_stack:
        if isinstance(screen, HelpScreen):
            continue
        classes.extend(_app_classes(screen))
    classes += [
        DocumentScreen,
        DocumentBody,
        RelatedList,
        CitationPickerScreen,
        ExportScreen,
    ]
    for cls in classes:
        if cls in seen or cls is HelpScreen:
            continue
        seen.add(cls)
        add(_context_name(cls), key_rows(app, cls))
    add(_context_name(HelpScreen), key_rows(app, HelpScreen))
    return list(sections.items())


class HelpScreen(ModalScreen[None]):
    """Keys by context and the query syntax; escape, q or ? closes it."""

    CSS_PATH = "help.tcss"
    HELP_CONTEXT = "Help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close help"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            with PagerScroll(id="help-body"):
                for title, rows in help_sections(self.app):
                    yield Static(_section(title, rows), classes="help-section")
                yield Static(
                    Content.assemble(
                        Content.styled("Query syntax", "bold $text-accent"),
                        "\n",
                        Content(visible(query_help())),
                    ),
                    classes="help-section",
                    id="help-query",
                )
            yield Static(Content("j/k ↑/↓ PgUp/PgDn scroll · esc, q or ? closes"), id="help-hint")

    def on_mount(self) -> None:
        box = self.query_one("#help-box", Vertical)
        box.border_title = "Help"
        self.query_one(PagerScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
