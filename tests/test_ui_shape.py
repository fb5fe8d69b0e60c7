"""Issue 11 wired into the app: the timeline above the results, people's pages from the
document view and the filter panel, the provenance facets; the real app on the shipped archive."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHIPPED_PATH, warm_home
from ui_helpers import settled, typed

from archive_tui.archive import Archive
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.entity_picker import EntityPickerScreen
from archive_tui.ui.screens.person import EntityScreen
from archive_tui.ui.widgets.chips import Chip
from archive_tui.ui.widgets.timeline import Timeline

pytestmark = pytest.mark.skipif(
    not SHIPPED_PATH.exists() or SHIPPED_PATH.stat().st_size < 1000,
    reason="data/records.json is not built",
)

BLOCKS = set("▁▂▃▄▅▆▇█")


@pytest.fixture(scope="module")
def archive(
    tmp_path_factory: pytest.TempPathFactory, shipped_cache: Path | None
) -> Iterator[Archive]:
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("shape-home")
        warm_home(home, shipped_cache)  # the index built once a session
        patch.setenv("ARCHIVE_TUI_HOME", str(home))
        yield Archive.open(SHIPPED_PATH, read_only=True)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("ARCHIVE_TUI_HOME", str(tmp_path))


def app_for(archive: Archive):  # type: ignore[no-untyped-def]
    from archive_tui.ui.app import ArchiveApp

    return ArchiveApp(archive=archive, show_timing=False)


async def test_the_timeline_draws_the_results_and_follows_the_query(archive: Archive) -> None:
    app = app_for(archive)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        main = app.main_screen
        timeline = main.query_one(Timeline)
        assert timeline.display and timeline.region.height >= 3
        await pilot.press(*typed("gromyko"))
        await settled(pilot)
        hist = timeline.histogram
        assert hist == main.result.histogram()
        assert sum(c for _, c in hist.buckets) + hist.undated == main.result.total
        bars = timeline.render().plain.split("\n")[:3]
        assert BLOCKS & set("".join(bars))
        await pilot.press(*typed(" berlin"))
        await settled(pilot)
        assert timeline.histogram == main.result.histogram() != hist
        # at 80x24 the results stay in view under it: at least two cards
        assert main.results.region.height >= 8


async def test_brushing_adds_a_date_chip_and_narrows_the_results(archive: Archive) -> None:
    app = app_for(archive)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        main = app.main_screen
        await pilot.press(*typed("khrushchev"))
        await settled(pilot)
        before = main.result.total
        timeline = main.query_one(Timeline)
        timeline.focus()
        await pilot.press("home", "space", "right", "space", "enter")
        await settled(pilot)
        first = int(timeline.histogram.buckets[0][0][:4])
        assert main.filters.date_from and main.filters.date_to
        assert int(main.filters.date_from[:4]) == first
        labels = [chip.spec.label for chip in main.query(Chip)]
        assert f"From: {main.filters.date_from}" in labels
        assert 0 < main.result.total < before
        assert main.results.has_focus


async def test_T_hides_the_timeline_and_the_next_start_remembers(archive: Archive) -> None:
    app = app_for(archive)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        main = app.main_screen
        main.results.focus()
        results_height = main.results.region.height
        await pilot.press("T")
        await pilot.pause()
        assert not main.query_one(Timeline).display
        assert main.results.region.height > results_height
        await pilot.press("T")
        await pilot.pause()
        assert main.query_one(Timeline).display
        await pilot.press("T")  # hidden again: the next start remembers it
        await pilot.pause()
        assert not main.query_one(Timeline).display

    again = app_for(archive)
    async with again.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert not again.main_screen.query_one(Timeline).display
        await pilot.press("escape", "T")
        await pilot.pause()
        assert again.main_screen.query_one(Timeline).display


async def test_P_in_the_document_view_opens_the_picker_and_a_page(archive: Archive) -> None:
    app = app_for(archive)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        main = app.main_screen
        await pilot.press(*typed("gromyko"), "enter")
        await settled(pilot)
        await pilot.press("enter")
        await settled(pilot)
        assert isinstance(app.screen, DocumentScreen)
        record = app.screen.record
        await pilot.press("P")
        await settled(pilot)
        assert isinstance(app.screen, EntityPickerScreen)
        await pilot.press("enter")
        await settled(pilot)
        assert isinstance(app.screen, EntityScreen)
        assert app.screen.page is not None and app.screen.page.total >= 1
        name = app.screen.page.name
        assert app.screen.kind == "people" and record["people"]
        await pilot.press("f")  # their documents, as results, in the list
        await settled(pilot)
        assert app.screen is main
        assert main.filters.facets == {"people": (name,)}
        # the query stays; the person narrows it
        assert 0 < main.result.total <= app_page_total(archive, name)
        assert main.result.total == archive.search("gromyko", main.filters).total


def app_page_total(archive: Archive, name: str) -> int:
    from archive_tui.person_page import entity_page

    return entity_page(archive, "people", name).total


async def test_ctrl_o_on_a_person_in_the_filter_panel_opens_their_page(archive: Archive) -> None:
    app = app_for(archive)
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        main = app.main_screen
        await pilot.press(*typed("gromyko"))
        await settled(pilot)
        main.action_show_field("people")
        await pilot.pause()
        assert main.panel.values_list.has_focus
        value = main.panel.values_list.highlighted.value
        await pilot.press("ctrl+o")
        await settled(pilot)
        assert isinstance(app.screen, EntityScreen) and app.screen.kind == "people"
        assert app.screen.page is not None and app.screen.page.total >= 1
        assert app.screen.name_wanted == value
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main


async def test_the_four_new_facets_are_in_the_filter_panel(archive: Archive) -> None:
    app = app_for(archive)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        main = app.main_screen
        names = [name for name, _ in main.panel.fields]
        for field in ("admin", "classification", "handling", "repository"):
            assert field in names
            main.action_show_field(field)
            await pilot.pause()
            assert main.panel.field == field
            assert main.panel.values_list.highlighted is not None, field
        main.action_show_field("admin")
        await pilot.pause()
        values = {item.value for item in main.panel.values_list._values}
        assert {"Kennedy", "Johnson"} <= values
