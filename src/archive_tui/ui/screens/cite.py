"""The citation picker: one record (or the marked records as a bibliography) in every style.

Up/down choose a style and show it in full; enter copies it (``clipboard.copy_text``) and
dismisses with the style; ``d`` makes it the default that ``c`` uses (saved in the settings
file, so it persists); escape dismisses with None.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from archive_tui.sanitize import visible
from archive_tui.ui.guard import Guarded

from ..clipboard import copy_text
from .document import PagerScroll


class StyleList(OptionList):
    """The citation styles; the highlighted one is previewed."""

    HELP_CONTEXT = "Citation picker"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Next style", show=False),
        Binding("k,up", "cursor_up", "Previous style", show=False),
        Binding("enter", "select", "Copy", tooltip="Copy the citation in this style"),
        Binding("pagedown", "scroll_preview(1)", "Scroll preview down", show=False),
        Binding("pageup", "scroll_preview(-1)", "Scroll preview up", show=False),
    ]

    def action_scroll_preview(self, direction: int) -> None:
        preview = self.screen.query_one("#cite-preview-scroll", PagerScroll)
        if direction > 0:
            preview.scroll_page_down()
        else:
            preview.scroll_page_up()


class CitationPickerScreen(Guarded, ModalScreen[str | None]):
    """Every citation style for ``records``; dismisses with the style copied, or None."""

    CSS_PATH = "cite.tcss"
    HELP_CONTEXT = "Citation picker"
    HORIZONTAL_BREAKPOINTS: ClassVar[list[tuple[int, str]]] = [(0, "-narrow"), (100, "-wide")]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", tooltip="Close without copying"),
        Binding("d", "make_default", "Make default", tooltip="Make this style the default (c)"),
    ]

    def __init__(self, records: list[dict]) -> None:
        super().__init__()
        from archive_tui import citations

        self.records = list(records)
        self.style_names: tuple[str, ...] = tuple(citations.STYLES)
        self.labels: dict[str, str] = {
            style: citations.STYLE_LABELS.get(style, style) for style in self.style_names
        }
        self._texts: dict[str, str] = {}

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="cite-box"):
            with Horizontal(id="cite-main"):
                yield StyleList(id="cite-styles")
                with PagerScroll(id="cite-preview-scroll"):
                    yield Static(id="cite-preview")
            yield Static(
                Content("↑/↓ style · enter copy · d make default · esc cancel"), id="cite-hint"
            )

    def on_mount(self) -> None:
        count = len(self.records)
        box = self.query_one("#cite-box", Vertical)
        box.border_title = "Cite" if count == 1 else f"Bibliography of {count:,} records"
        self._fill_styles()
        styles = self.query_one(StyleList)
        default = self._default_style()
        styles.highlighted = self.style_names.index(default) if default in self.style_names else 0
        styles.focus()

    def _default_style(self) -> str:
        from archive_tui import settings

        try:
            return settings.default_style()
        except Exception:
            return self.style_names[0] if self.style_names else "archive"

    def _fill_styles(self) -> None:
        styles = self.query_one(StyleList)
        highlighted = styles.highlighted
        default = self._default_style()
        styles.clear_options()
        for style in self.style_names:
            prompt = Content(self.labels[style])
            if style == default:
                prompt = Content.assemble(prompt, " ", Content.styled("(default)", "$text-muted"))
            styles.add_option(Option(prompt, id=style))
        if highlighted is not None:
            styles.highlighted = highlighted

    # -- citations ---------------------------------------------------------------------

    def citation(self, style: str) -> str:
        """The records in ``style``: a citation for one record, a bibliography for several."""
        if style not in self._texts:
            from archive_tui import citations

            if len(self.records) == 1:
                self._texts[style] = citations.cite(self.records[0], style)
            else:
                self._texts[style] = citations.bibliography(self.records, style)
        return self._texts[style]

    @property
    def chosen(self) -> str | None:
        index = self.query_one(StyleList).highlighted
        return self.style_names[index] if index is not None else None

    @on(OptionList.OptionHighlighted, "#cite-styles")
    def _preview(self, event: OptionList.OptionHighlighted) -> None:
        style = self.style_names[event.option_index]
        preview = self.query_one("#cite-preview", Static)
        try:
            preview.update(Content(visible(self.citation(style))))
            preview.remove_class("-error")
        except Exception as error:
            preview.update(Content(f"Could not format this style: {error}"))
            preview.add_class("-error")
        scroll = self.query_one("#cite-preview-scroll", PagerScroll)
        scroll.border_title = self.labels[style]
        scroll.scroll_home(animate=False)

    # -- actions -----------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#cite-styles")
    def _copy(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        style = self.style_names[event.option_index]
        try:
            text = self.citation(style)
        except Exception as error:
            self.notify(f"Could not format this style: {error}", severity="error", markup=False)
            return
        what = (
            f"citation ({self.labels[style]})"
            if len(self.records) == 1
            else f"bibliography ({self.labels[style]}, {len(self.records):,} records)"
        )
        copy_text(self.app, text, what=what)
        self.dismiss(style)

    def action_make_default(self) -> None:
        from archive_tui import settings

        style = self.chosen
        if style is None:
            return
        try:
            settings.set_default_style(style)
        except Exception as error:
            self.notify(
                f"Could not save the default style: {error}", severity="error", markup=False
            )
            return
        self._fill_styles()
        self.notify(
            f"c now copies {self.labels[style]} citations.",
            title="Default citation style",
            markup=False,
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
