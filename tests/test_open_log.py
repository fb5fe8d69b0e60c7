"""Opening a document writes "opened …" into the research log in a worker: on PostgreSQL a
locked log table never freezes the app, and the entry is there once the lock ends, once;
a local workspace logs the open too; a write that fails is one sentence."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pg_server import migrated
from test_app import make_records, ready
from test_ui_live import wait_for

from archive_tui.archive import add_to_store
from archive_tui.pg import connect
from archive_tui.pg.workspace import PgWorkspace
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.workspace import Workspace

SIZE = (100, 30)


@pytest.fixture
def pg_archive(pg_db: str) -> str:
    return migrated(pg_db, make_records(20))


def opened(events: list[dict]) -> list[str]:
    return [str(e.get("id")) for e in events if e.get("event") == "open"]


def waiting_for_log_lock(address: str) -> int:
    """How many sessions wait for a lock on the log's table."""
    with connect(address, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE NOT granted "
            "AND relation = 'workspace_log'::regclass"
        ).fetchone()
    return int(row[0])  # type: ignore[index]


async def test_a_locked_log_never_freezes_the_document_view(pg_archive: str) -> None:
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        ids = screen.result.ids()
        locker = connect(pg_archive)  # another session: every write to the log waits
        locker.execute("LOCK TABLE workspace_log IN EXCLUSIVE MODE")
        release = threading.Timer(15, locker.rollback)  # never left waiting for ever
        release.start()
        try:
            await pilot.press("escape", "enter")
            await pilot.pause()
            doc = app.screen
            assert isinstance(doc, DocumentScreen) and doc.record["id"] == ids[0]
            await wait_for(pilot, lambda: waiting_for_log_lock(pg_archive) == 1, "the write")
            await pilot.press("n")  # the app answers keys while the write waits
            await wait_for(pilot, lambda: doc.record["id"] == ids[1], "the next document")
            assert waiting_for_log_lock(pg_archive) == 1  # the first open is still waiting
            assert app.log_writer.written == [] and app.log_writer.pending == 2
            locker.rollback()  # the lock ends: both entries are written, in order
        finally:
            release.cancel()
            locker.close()
        await wait_for(pilot, lambda: app.log_writer.pending == 0, "the log written")
        main = threading.get_ident()
        assert [e for e, _ in app.log_writer.written] == ["open", "open"]
        assert all(thread != main for _, thread in app.log_writer.written)
        await pilot.pause(1.0)  # nothing more comes; the app's own workspace (its
        # snapshot of tags, notes, lists, marks) has nothing to read again for a log entry
        assert app.research.reloads == 0
    assert opened(PgWorkspace.open(pg_archive).log()) == [ids[0], ids[1]]
    assert app.log_writer.failures == []


async def test_a_log_write_that_fails_is_said_in_one_sentence(pg_archive: str) -> None:
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        with connect(pg_archive, autocommit=True) as admin:  # the log's table is gone
            admin.execute("ALTER TABLE workspace_log RENAME TO workspace_log_gone")
        await pilot.press("escape", "enter")
        await wait_for(pilot, lambda: app.log_writer.failures, "the failure")
        assert isinstance(app.screen, DocumentScreen)
        said = [n.message for n in app._notifications]
        assert any(m.startswith("Your research log could not record the opening of") for m in said)
        assert "Traceback" not in " ".join(said)
        sentence = app.log_writer.failures[0]
        assert sentence.endswith(".") and sentence.count(". ") == 0, sentence
        await pilot.press("n")  # the view still answers
        await pilot.pause()
        assert app.screen.record["id"] == "rec-00001"


async def test_a_local_workspace_logs_the_open(tmp_path: Path) -> None:
    db = tmp_path / "archive.json"
    add_to_store(db, make_records(5))
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        first = screen.result.ids()[0]
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen) and app.screen.record["id"] == first
        await wait_for(pilot, lambda: app.log_writer.written, "the log written")
        assert [e for e, _ in app.log_writer.written] == ["open"]
        assert app.log_writer.written[0][1] != threading.get_ident()
    assert opened(Workspace.open().log()) == [first]
