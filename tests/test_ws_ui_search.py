"""The app searching your workspace (``tag:``, ``note:``; Tags and Lists in the filter panel).

These need the core's ``Archive.search(annotations=...)`` (the ws-search branch); before it is
merged they are skipped, and they run by themselves once it is.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from test_app import make_records, ready, settle, write_store
from test_ws_ui import type_text

from archive_tui.archive import Archive
from archive_tui.ui.app import ArchiveApp
from archive_tui.workspace import Workspace

pytestmark = pytest.mark.skipif(
    "annotations" not in inspect.signature(Archive.search).parameters,
    reason="the core does not search annotations yet (ws-search)",
)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return write_store(tmp_path / "records.json", make_records(30))


async def test_a_tag_made_in_the_app_is_found_by_tag_and_in_the_filter_panel(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "tag:berlin")
        await settle(app, pilot)
        assert screen.result.total == 0
        screen.search_input.value = ""
        await settle(app, pilot)
        await pilot.press("escape", "down", "t")
        await pilot.pause()
        await type_text(pilot, "Berlin")
        await pilot.press("enter")
        await pilot.pause()
        tagged = screen.results.selected.record["id"]
        await pilot.press("slash")
        await type_text(pilot, "tag:berlin")
        await settle(app, pilot)
        assert screen.result.ids() == [tagged]
        assert screen.result.facets.get("tags") == {"Berlin": 1}
        assert ("tags", "Tags") in screen.panel.fields
        screen.panel.show_field("tags")
        await pilot.pause()
        assert screen.panel.field == "tags"


async def test_untagging_drops_the_record_from_a_tag_search_at_once(db: Path) -> None:
    Workspace.open().add_tags(["rec-00001", "rec-00002"], ["wall"])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "tag:wall")
        await settle(app, pilot)
        assert screen.result.total == 2
        await pilot.press("escape", "t")
        await pilot.pause()
        await type_text(pilot, "-wall")
        await pilot.press("enter")
        await settle(app, pilot)
        assert screen.result.total == 1


async def test_a_note_word_finds_its_record(db: Path) -> None:
    Workspace.open().set_note("rec-00007", "Checkpoint Charlie standoff")
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await type_text(pilot, "note:checkpoint")
        await settle(app, pilot)
        assert screen.result.ids() == ["rec-00007"]
