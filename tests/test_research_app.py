"""The research workspace in the running app, second part: the log written once per search,
list and saved-search management from the pickers, empty facet sections hidden, the log cap.
Real store and workspace files under ARCHIVE_TUI_HOME, the real app under the pilot."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import make_records, ready, settle, write_store

from archive_tui.ui.app import ArchiveApp
from archive_tui.workspace import Workspace

SIZE = (100, 30)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return write_store(tmp_path / "records.json", make_records(30))


async def type_text(pilot, text: str) -> None:  # type: ignore[no-untyped-def]
    for char in text:
        await pilot.press("space" if char == " " else char)


def searches_logged() -> list[str]:
    return [str(e.get("query")) for e in Workspace.open().log() if e["event"] == "search"]


async def test_a_search_committed_with_enter_is_logged_once_even_after_quitting(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_text(pilot, "harvest")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
    assert searches_logged() == ["harvest"]



async def test_a_restored_search_is_not_logged_again_after_a_restart(db: Path) -> None:
    """The session brings the last search back: leaving the box then is not a new search."""
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_text(pilot, "harvest")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("slash", "ctrl+q")
        await pilot.pause()
    assert searches_logged() == ["harvest"]
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        await settle(app, pilot)
        assert screen.search_input.value == "harvest"
        await pilot.press("escape", "q")
        await pilot.pause()
    assert searches_logged() == ["harvest"]
    assert Workspace.open().history() == ["harvest"]
