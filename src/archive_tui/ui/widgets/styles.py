"""Rich styles for Line API widgets, resolved against the theme.

A component style asked for with ``partial=True`` keeps theme colours that have an
alpha (``$boost``, ``$primary 18%``) unblended, and Rich then paints them opaque
(``$boost`` became white). So the full style is resolved (blended over the
widget's background) and, for text drawn on top of a card or cursor background,
only its foreground and text attributes are kept.
"""

from __future__ import annotations

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget


def foreground(widget: Widget, name: str) -> Style:
    """Colour and attributes of component ``name``, without a background."""
    full = widget.get_component_rich_style(name)
    return Style(
        color=full.color,
        bold=full.bold,
        dim=full.dim,
        italic=full.italic,
        underline=full.underline,
        strike=full.strike,
        reverse=full.reverse,
    )


def background(widget: Widget, name: str) -> Style:
    """Component ``name``'s full style (blended background included), for a highlighted row."""
    return widget.get_component_rich_style(name)


def text_strip(text: Text, console: Console, width: int, style: Style) -> Strip:
    """One line of ``text`` as a Strip of exactly ``width`` cells.

    Every segment gets a style (``style`` where Rich leaves none): Textual's NO_COLOR
    filter expects one, and an empty text would otherwise yield a style-less segment.
    """
    segments = [
        segment if segment.style is not None else Segment(segment.text, style)
        for segment in text.render(console)
        if segment.text
    ]
    return Strip(segments).adjust_cell_length(width, style)
