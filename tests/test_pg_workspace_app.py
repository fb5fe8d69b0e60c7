"""The running app with its workspace in PostgreSQL: the real app under the pilot, a real
server; the researcher's tags land in the database, another session's show up live."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pg_roles
import pytest
from test_app import make_records, ready, visible_text, write_store
from test_ws_ui import SIZE, annotations_text, type_text, wait_for

from archive_tui.archive import Archive
from archive_tui.paths import workspace_path
from archive_tui.pg.workspace import PgWorkspace
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db


async def test_the_app_tags_in_the_database_and_sees_another_sessions_tags(
    make_role: Callable[..., str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = make_role("ann")
    monkeypatch.setenv("ARCHIVE_TUI_DB", ann)
    archive = Archive.open(write_store(tmp_path / "records.json", make_records(30)))
    PgWorkspace.open(ann).set_note("rec-00004", "Manac’h, before the app started")
    app = ArchiveApp(None, archive=archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        assert isinstance(app.research.workspace, PgWorkspace)
        assert app.research.note("rec-00004") == "Manac’h, before the app started"
        record_id = screen.results.selected.record["id"]
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        await pilot.press("t")
        await pilot.pause()
        await type_text(pilot, "Berlin 1961")
        await pilot.press("enter")
        await pilot.pause()
        assert "Berlin 1961" in annotations_text(app)
        await pilot.press("escape")
        PgWorkspace.open(ann).add_tags([record_id], ["from ssh"])  # a second session
        await wait_for(
            app,
            pilot,
            lambda: "#from ssh" in visible_text(screen.results),
            "the other session's tag on the card",
        )
        assert app.research.reloads >= 1
    assert PgWorkspace.open(ann).tags(record_id) == ["Berlin 1961", "from ssh"]
    assert not workspace_path().exists()  # nothing went to the local file
