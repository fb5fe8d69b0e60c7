"""The person and place pages in the real app on the shipped archive, driven by keys."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHIPPED_PATH, warm_home
from textual.widgets import OptionList, Static

from archive_tui import citations, settings
from archive_tui.archive import Archive
from archive_tui.person_page import documents, entity_page
from archive_tui.search import Filters
from archive_tui.ui.screens.person import EntityScreen, PersonScreen, PlaceScreen
from archive_tui.ui.widgets.timeline import Timeline

pytestmark = pytest.mark.skipif(
    not SHIPPED_PATH.exists() or SHIPPED_PATH.stat().st_size < 1000,
    reason="data/records.json is not built",
)


@pytest.fixture(scope="module")
def archive(
    tmp_path_factory: pytest.TempPathFactory, shipped_cache: Path | None
) -> Iterator[Archive]:
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("screen-home")
        warm_home(home, shipped_cache)  # the index built once a session
        patch.setenv("ARCHIVE_TUI_HOME", str(home))
        yield Archive.open(SHIPPED_PATH, read_only=True)


def text_of(app, selector: str) -> str:
    return app.screen.query_one(selector, Static).visual.plain


def options_of(app, selector: str) -> list[str]:
    return [o.prompt.plain for o in app.screen.query_one(selector, OptionList).options]


async def _settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_gromykos_page_copies_his_bibliography_and_goes_back(archive: Archive) -> None:
    from archive_tui.ui.app import ArchiveApp

    app = ArchiveApp(archive=archive, show_timing=False)
    async with app.run_test(size=(100, 32)) as pilot:
        await _settle(app, pilot)
        main = app.screen
        app.push_screen(PersonScreen("Gromyko, Andrei Andreevich"))
        await _settle(app, pilot)
        assert isinstance(app.screen, PersonScreen)
        assert text_of(app, "#page-header") == "Person · Gromyko, Andrei A."
        summary = text_of(app, "#page-summary")
        assert summary.startswith("593 documents · first 1955-05-13 · last 1980-08-07")
        people = options_of(app, "#page-people")
        assert people[:3] == ["Khrushchev, Nikita S.  220", "Rusk, Dean  169",
                              "Dobrynin, Anatoli F.  149"]  # fmt: skip
        assert options_of(app, "#page-places")[0] == "Washington  266"
        page = entity_page(archive, "people", "Gromyko, Andrei A.")
        timeline = app.screen.query_one(Timeline)
        assert timeline.has_focus and timeline.histogram == page.histogram
        assert [b for b, _ in page.histogram.buckets[:: len(page.histogram.buckets) - 1]] == [
            "1955",
            "1980",
        ]
        assert timeline.render().plain.split("\n")[4].startswith("1980: ")
        await pilot.press("c")
        await pilot.pause()
        expected = citations.bibliography(documents(archive, page), settings.default_style())
        assert app.clipboard == expected and "Gromyko" in expected
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is main


async def test_enter_on_a_name_opens_its_page_and_a_range_comes_back_as_filters(
    archive: Archive,
) -> None:
    from archive_tui.ui.app import ArchiveApp

    app = ArchiveApp(archive=archive, show_timing=False)
    handed: list[Filters | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        app.push_screen(PlaceScreen("Berlin"), handed.append)
        await _settle(app, pilot)
        assert text_of(app, "#page-header") == "Place · Berlin"
        assert text_of(app, "#page-summary").startswith("74 documents · first 1955-03-31")
        app.screen.query_one("#page-people", OptionList).focus()
        await pilot.press("enter")  # the first name: Brandt, Willy
        await _settle(app, pilot)
        assert isinstance(app.screen, EntityScreen) and app.screen.kind == "people"
        assert text_of(app, "#page-header") == "Person · Brandt, Willy"
        app.screen.query_one(Timeline).focus()
        await pilot.press("home", "space", "right", "space", "enter")
        await _settle(app, pilot)
        # Brandt's page closed, and Berlin's handed his dates on to whoever opened it
        assert not isinstance(app.screen, EntityScreen)
        first = entity_page(archive, "people", "Brandt, Willy").histogram.buckets[0][0]
        second = str(int(first) + 1)
        assert handed == [Filters({"people": ("Brandt, Willy",)}, first, second)]


async def test_the_picker_lists_a_documents_names_and_opens_a_page(archive: Archive) -> None:
    from archive_tui.ui.app import ArchiveApp
    from archive_tui.ui.screens.entity_picker import EntityPickerScreen

    record = next(
        r
        for r in archive.records()
        if "Gromyko, Andrei Andreevich" in (r.get("people") or ()) and r.get("places")
    )
    app = ArchiveApp(archive=archive, show_timing=False)
    handed: list[Filters | None] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        main = app.screen
        app.push_screen(EntityPickerScreen(record), handed.append)
        await _settle(app, pilot)
        shown = options_of(app, "#picker-list")
        assert shown[: len(record["people"])] == [f"{p}  person" for p in record["people"]]
        assert shown[-1] == f"{record['places'][-1]}  place"
        at = record["people"].index("Gromyko, Andrei Andreevich")
        await pilot.press(*["down"] * at, "enter")
        await _settle(app, pilot)
        assert text_of(app, "#page-header") == "Person · Gromyko, Andrei A."  # as one person
        await pilot.press("f")  # his documents as results: handed back through the picker
        await _settle(app, pilot)
        assert app.screen is main
        assert handed == [Filters({"people": ("Gromyko, Andrei A.",)})]
