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
import textwrap
from collections import Counter
from collections.abc import Iterable
from typing import Any, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from archive_tui.sanitize import visible
from archive_tui.ui.guard import Guarded

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
        if not klass.__dict__.get("_inherit_bindings", True):
            break  # the class= inherit_bindings=False: its bases' keys do not apply
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


Row = tuple[str | None, str]
"""(keys, description); keys None for a line of free text."""


def _wrap(text: str, width: int | None) -> list[str]:
    if not width or width <= 0 or len(text) <= width:
        return [text]
    return textwrap.wrap(text, max(width, 8), break_on_hyphens=False) or [""]


def wrap_rows(title: str, rows: Iterable[Row], width: int | None, key_width: int) -> Content:
    """A section as lines: a bold title, then keys in a column with descriptions wrapped
    under their own start (a hanging indent), so a narrow terminal still reads as a table.
    Too narrow for two columns, each description goes under its keys.
    """
    lines: list[Content] = [Content.styled(title, "bold $text-accent")]
    stacked = width is not None and width - (2 + key_width + 1) < 24
    body_indent = 4 if stacked else 2 + key_width + 1
    for keys, text in rows:
        text = visible(text, keep="")
        if keys is None:
            indent = len(text) - len(text.lstrip(" "))
            available = None if width is None else width - indent
            lines += [Content(" " * indent + piece) for piece in _wrap(text.strip(), available)]
            continue
        keys = visible(keys, keep="")
        available = None if width is None else width - body_indent
        pieces = _wrap(text.strip(), available)
        if stacked or len(keys) > key_width:  # the keys get a line of their own
            lines.append(Content.assemble("  ", Content.styled(keys, "bold")))
        else:
            first = pieces.pop(0)
            lines.append(
                Content.assemble("  ", Content.styled(keys.ljust(key_width), "bold"), " ", first)
            )
        lines += [Content(" " * body_indent + piece) for piece in pieces]
    return Content("\n").join(lines)


def query_rows(text: str) -> tuple[list[Row], int]:
    """QUERY_HELP as rows: lines with text at the common description column become
    (syntax, description); other lines stay free text. Returns the rows and the column width.
    """
    lines = text.splitlines()
    starts: Counter[int] = Counter()
    for line in lines:
        for match in re.finditer(r"(?<=\S)  +(?=\S)", line):
            if match.end() >= 12:
                starts[match.end()] += 1
    column = starts.most_common(1)[0][0] if starts else 0
    rows: list[Row] = []
    for line in lines:
        head, tail = line[:column], line[column:]
        previous = rows[-1] if rows else None
        if column and head.endswith("  ") and tail[:1].strip():
            if not head.strip() and previous and previous[1].strip():
                rows[-1] = (previous[0], f"{previous[1]} {tail}")  # a continuation line
            else:
                rows.append((head.strip(), tail))
        elif line[:1].strip() and previous and previous[0] is None and previous[1][:1].strip():
            rows[-1] = (None, f"{previous[1]} {line}")  # prose: one paragraph, rewrapped
        else:
            rows.append((None, line))
    return rows, max(column - 3, 0)


class WrappedSection(Static):
    """A help section re-wrapped to the width it is given (hanging indents)."""

    def __init__(
        self, title: str, rows: list[Row], key_width: int = KEY_COLUMN, **kwargs: Any
    ) -> None:
        self.section_title = title
        self.section_rows = rows
        self.key_width = key_width
        super().__init__(wrap_rows(title, rows, None, key_width), **kwargs)

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        self.update(wrap_rows(self.section_title, self.section_rows, width, self.key_width))


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
    from .cite import CitationPickerScreen, StyleList
    from .confirm import ConfirmScreen
    from .document import DocumentBody, DocumentScreen, RelatedList
    from .export import ExportScreen, FormatList
    from .note_editor import NoteEditor
    from .pickers import ListPicker, PickerList, ResearchLogScreen, SavedSearchPicker
    from .prompt import PromptScreen

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
        StyleList,
        ExportScreen,
        FormatList,
        NoteEditor,
        PromptScreen,
        SavedSearchPicker,
        ListPicker,
        ConfirmScreen,
        ResearchLogScreen,
        PickerList,
    ]
    for cls in classes:
        if cls in seen or cls is HelpScreen:
            continue
        seen.add(cls)
        add(_context_name(cls), key_rows(app, cls))
    add(_context_name(HelpScreen), key_rows(app, HelpScreen))
    return list(sections.items())


class HelpScreen(Guarded, ModalScreen[None]):
    """Keys by context and the query syntax; escape, q or ? closes it."""

    CSS_PATH = "help.tcss"
    HELP_CONTEXT = "Help"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,f1", "close", "Close help"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            with PagerScroll(id="help-body"):
                for title, rows in help_sections(self.app):
                    yield WrappedSection(title, list(rows), classes="help-section")
                syntax, column = query_rows(query_help())
                yield WrappedSection(
                    "Query syntax", syntax, column, classes="help-section", id="help-query"
                )
            yield Static(
                Content("j/k ↑/↓ PgUp/PgDn scroll · esc, q, ? or F1 closes"), id="help-hint"
            )

    def on_mount(self) -> None:
        box = self.query_one("#help-box", Vertical)
        box.border_title = "Help"
        self.query_one(PagerScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
