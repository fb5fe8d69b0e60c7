"""The app on a PostgreSQL archive (``--db postgresql://…`` or ARCHIVE_TUI_DB): the real app
under the pilot against a real server; search as you type, the document, and another
process's import heard through LISTEN/NOTIFY while the app runs."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_server import migrated
from test_app import make_records, ready, settle, status_text
from test_ui_live import wait_for

from archive_tui.archive import Archive, add_to_store
from archive_tui.person_page import entity_page
from archive_tui.pg import archive_live, connect
from archive_tui.pg.archive import PgArchive
from archive_tui.pg.archive_live import LivePgArchive
from archive_tui.pg.migrations import migrate
from archive_tui.pg.workspace import PgWorkspace
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.error import ErrorScreen

SIZE = (100, 30)


@pytest.fixture
def pg_archive(pg_db: str) -> str:
    """A database with the schema and 30 records; its address."""
    return migrated(pg_db, make_records(30))


async def test_the_app_searches_and_opens_a_document_in_postgresql(pg_archive: str) -> None:
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        assert isinstance(app.archive, LivePgArchive)
        assert "30 documents" in status_text(screen)
        await pilot.press(*"Telegram 7 ")
        await pilot.press("backspace")
        await settle(app, pilot)
        assert screen.result.total >= 1
        assert screen.results.selected.record["id"] == "rec-00007"
        assert screen.result.facets["collection"]  # facet counts from SQL
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.record["id"] == "rec-00007"
        assert "Telegram 7 about" in str(app.screen.query_one("#doc-title").render())
        assert isinstance(app.research.workspace, PgWorkspace)
    searches = [e for e in PgWorkspace.open(pg_archive).log() if e["event"] == "search"]
    assert [(e["query"], e.get("sort")) for e in searches] == [("Telegram 7", None)]


async def test_archive_tui_db_in_the_environment_opens_the_database(
    pg_archive: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ARCHIVE_TUI_DB", pg_archive)
    app = ArchiveApp(None, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        assert isinstance(app.archive, LivePgArchive)
        assert screen.result.total == 30


async def test_another_process_import_shows_up_through_notify(
    pg_archive: str, tmp_path: Path
) -> None:
    batch = [
        {"id": f"cli-{i}", "date": "1962-10", "title": f"Quokkatrope cable {i}"} for i in range(100)
    ]
    source = tmp_path / "batch.json"
    source.write_text(json.dumps(batch), encoding="utf-8")
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        old = app.archive
        done = subprocess.run(
            [sys.executable, "-m", "archive_tui", "import", str(source), "--db", pg_archive],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        await wait_for(
            pilot, lambda: "archive updated: +100 records" in status_text(screen), "+100", 10
        )
        await settle(app, pilot)
        assert app.archive is not old and len(app.archive) == 130
        assert "130 documents" in status_text(screen)
        assert app.archive.feed is not None and app.archive.feed.events >= 1  # heard, not polled
        assert app.last_reload_thread is not threading.main_thread()
        assert app.reloads == 1
        await pilot.pause(1.5)  # nothing new: nothing read again
        assert app.reloads == 1
        await pilot.press("slash", *"quokkatrope")
        await settle(app, pilot)
        assert screen.result.total == 100


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2", "cannot connect to"),
        (None, "no archive yet: run archive-tui db init"),
    ],
    ids=["unreachable", "not-initialised"],
)
async def test_a_database_that_cannot_be_used_is_one_sentence(
    pg_db: str, address: str | None, said: str
) -> None:
    app = ArchiveApp(address or pg_db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if isinstance(app.screen, ErrorScreen):
                break
        assert isinstance(app.screen, ErrorScreen)
        text = " ".join(
            str(app.screen.query_one(f"#error-{part}").render()) for part in ("title", "reason")
        )
        assert "The archive could not be opened." in text
        assert said in text
        assert "Traceback" not in text
        await pilot.press("q")
    assert app.return_code == 1


@pytest.fixture
def both(pg_db: str, tmp_path: Path) -> Iterator[tuple[Archive, PgArchive]]:
    """The contract records in a local store and in the database."""
    from test_backend_contract import contract_records

    records = contract_records()
    store = tmp_path / "local.json"
    add_to_store(store, records)
    with connect(pg_db, autocommit=True) as conn:
        migrate(conn)
    pg = PgArchive.open(pg_db)
    pg.add(records)
    yield Archive.open(store), pg
    pg.close()


def test_a_person_and_a_place_page_are_the_same_in_postgresql(
    both: tuple[Archive, PgArchive],
) -> None:
    local, pg = both
    facets = local.search("", limit=0).facets
    names = [("people", n) for n in list(facets["people"])[:3]]
    names += [("places", n) for n in list(facets["places"])[:2]]
    names.append(("people", "Nobody Atall"))
    for kind, name in names:
        mine, theirs = entity_page(local, kind, name), entity_page(pg, kind, name)
        assert theirs.total == mine.total, name
        assert (theirs.name, theirs.first, theirs.last) == (mine.name, mine.first, mine.last)
        assert theirs.record_ids == mine.record_ids
        assert theirs.people == mine.people and theirs.places == mine.places
        assert theirs.histogram == mine.histogram


async def test_a_lost_connection_is_said_once_then_the_app_reconnects(
    pg_archive: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archive_live, "RETRY_S", 0.5)
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        old = app.archive
        with connect(pg_archive, autocommit=True) as admin:  # as a server restart would
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        await wait_for(pilot, lambda: "lost the connection" in status_text(screen), "lost", 10)
        await wait_for(pilot, lambda: app.archive is not old, "reconnected", 10)
        assert app.archive.feed.reconnects == 1
        assert not app.archive.conn.broken
        await settle(app, pilot)
        archive = PgArchive.open(pg_archive)
        archive.add([{"id": "after", "date": "1990-01-01", "title": "Zeppelinoid report"}])
        archive.close()
        await wait_for(pilot, lambda: "+1 record" in status_text(screen), "+1", 10)
        await pilot.press("slash", *"zeppelinoid")
        await settle(app, pilot)
        assert screen.result.total == 1


async def test_cards_past_the_first_page_never_wait_behind_a_running_search(
    pg_db: str,
) -> None:
    with connect(pg_db, autocommit=True) as conn:
        migrate(conn)
    archive = PgArchive.open(pg_db)
    archive.add(make_records(130))
    archive.close()
    app = ArchiveApp(pg_db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        last = screen.result.ids()[-1]
        searching, done = threading.Event(), threading.Event()

        def long_search() -> None:  # holds the search connection as a slow search would
            with app.archive.lock:
                searching.set()
                done.wait(30)

        threading.Thread(target=long_search, daemon=True).start()
        searching.wait(5)
        try:
            await pilot.press("escape", "end")
            await pilot.pause()
            assert screen.results.cursor == 129
            assert screen.results.selected.record["id"] == last
            assert app.archive.side is not None and app.archive.side.queries >= 1
        finally:
            done.set()
