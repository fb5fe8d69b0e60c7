"""The main screen's filters: the filter panel, the chips, the timeline's date range, and
the panel's overlay on a narrow terminal (a mixin of ``MainScreen``)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from archive_tui.ui.widgets.chips import Chip, ChipBar, ChipSpec
from archive_tui.ui.widgets.filters import FilterPanel
from archive_tui.ui.widgets.timeline import Timeline

if TYPE_CHECKING:
    from archive_tui.search import Filters


class MainFilters:
    """Adding and removing filters; each change searches again at once."""

    filters: Any
    result: Any
    archive: Any
    # (and from the screen: app, results, panel, chips, notify, has_class, add_class,
    # remove_class, call_after_refresh, _request_search, facets_in_use, action_back)

    def _show_filters(self) -> None:
        filters = self.filters
        if filters is None:
            return
        specs = [
            ChipSpec(field, value) for field, values in filters.facets.items() for value in values
        ]
        if filters.date_from:
            specs.append(ChipSpec("date_from", filters.date_from))
        if filters.date_to:
            specs.append(ChipSpec("date_to", filters.date_to))
        self.chips.set_chips(specs)
        self.chips.set_class(not specs, "-empty")
        if self.result is not None:
            self.panel.update_facets(self.result.facets, dict(filters.facets), self.facets_in_use())
        self.panel.set_dates(filters.date_from, filters.date_to)

    def on_filter_panel_value_chosen(self, message: FilterPanel.ValueChosen) -> None:
        assert self.filters is not None
        if message.add:
            self.filters = self.filters.with_value(message.field, message.value)
        else:
            self.filters = self.filters.without_value(message.field, message.value)
        self._show_filters()
        self._request_search(immediate=True)

    def on_filter_panel_dates_changed(self, message: FilterPanel.DatesChanged) -> None:
        if self.filters is None:
            return
        if (message.date_from, message.date_to) == (self.filters.date_from, self.filters.date_to):
            return
        self.filters = dataclasses.replace(
            self.filters, date_from=message.date_from, date_to=message.date_to
        )
        self._show_filters()
        self._request_search()

    def apply_filters(self, filters: Filters) -> None:
        """Search with ``filters`` now (a person's page, the timeline), showing them as chips."""
        self.filters = filters
        self._show_filters()
        self._request_search(immediate=True)

    def on_timeline_range_chosen(self, message: Timeline.RangeChosen) -> None:
        message.stop()
        if self.filters is not None:
            self.apply_filters(self.filters.with_dates(message.date_from, message.date_to))
            self.results.focus()

    def on_filter_panel_open_page(self, message: FilterPanel.OpenPage) -> None:
        """ctrl+o on a person or place in the panel: their page; its choice comes back here."""
        from archive_tui.ui.screens.person import EntityScreen

        self.app.push_screen(
            EntityScreen(message.kind, message.value, self.archive), self._page_closed
        )

    def _page_closed(self, filters: Filters | None) -> None:
        if filters is not None:
            self._close_overlay()
            self.apply_filters(filters)
            self.results.focus()

    def on_filter_panel_close(self, message: FilterPanel.Close) -> None:
        self.action_back()

    def on_chip_remove(self, message: Chip.Remove) -> None:
        assert self.filters is not None
        spec = message.spec
        if spec.field in ("date_from", "date_to"):
            self.filters = dataclasses.replace(self.filters, **{spec.field: None})
        else:
            self.filters = self.filters.without_value(spec.field, spec.value)
        self._show_filters()
        self._request_search(immediate=True)

    def on_chip_bar_emptied(self, message: ChipBar.Emptied) -> None:
        self.results.focus()

    @property
    def filters_open(self) -> bool:
        return self.has_class("-filters-open")

    def _close_overlay(self) -> None:
        self.remove_class("-filters-open")

    def action_toggle_filters(self) -> None:
        """Narrow terminal: open/close the panel over the results. Wide: move focus there/back."""
        panel = self.panel
        if self.has_class("-wide"):
            if panel.has_focus_within:
                self.results.focus()
            else:
                panel.values_list.focus()
            return
        if self.filters_open:
            self._close_overlay()
            self.results.focus()
        else:
            self.add_class("-filters-open")
            self.call_after_refresh(panel.values_list.focus)

    def action_clear_filters(self) -> None:
        from archive_tui.search import Filters

        if self.filters is None or self.filters.is_empty():
            self.notify("No filters to clear.", timeout=2)
            return
        self.filters = Filters()
        self._show_filters()
        self._request_search(immediate=True)
        self.notify("Filters cleared.", timeout=2)

    def action_show_field(self, field: str) -> None:
        self.panel.show_field(field)
        if not self.has_class("-wide"):
            self.add_class("-filters-open")
        self.call_after_refresh(self.panel.values_list.focus)
