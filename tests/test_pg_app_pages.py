"""Scrolling past the first page of results in the app: on PostgreSQL each further block of
hits is read in a worker thread, so a slow (here: locked) database never freezes the app;
on a local archive the pages are in memory and read where they are drawn."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from pg_server import migrated
from test_app import make_records, ready, settle
from test_ui_live import wait_for

from archive_tui.archive import add_to_store
from archive_tui.pg import connect
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.widgets.result_pages import FAILED, LOADING
from archive_tui.ui.widgets.results import BLOCK_SIZE

SIZE = (100, 30)
COUNT = 130  # three blocks of hits


@pytest.fixture
def pg_archive(pg_db: str) -> str:
    return migrated(pg_db, make_records(COUNT))


def screen_text(app: ArchiveApp) -> str:
    results = app.main_screen.results
    return "\n".join(results.render_line(y).text for y in range(results.size.height))


async def test_a_page_from_postgresql_is_read_in_a_worker_while_the_app_answers(
    pg_archive: str,
) -> None:
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        results = screen.results
        assert screen.result.total == COUNT and results.pages_in_worker
        # another session locks the records: every read of them waits until it ends
        locker = connect(pg_archive)
        locker.execute("LOCK TABLE archive_records IN ACCESS EXCLUSIVE MODE")
        release = threading.Timer(30, locker.rollback)  # never left waiting for ever
        release.start()
        try:
            results.focus()
            await pilot.press("end")  # the last card: the third block, not read yet
            await wait_for(pilot, lambda: LOADING in screen_text(app), "a loading line")
            await pilot.press("up")  # the app still answers keys while the read waits
            await pilot.pause()
            assert results.cursor == COUNT - 2
            assert results.worker_page_reads == []  # still waiting on the lock
            locker.rollback()  # the lock ends: the block arrives
        finally:
            release.cancel()
            locker.close()
        await wait_for(pilot, lambda: results.hit(COUNT - 1) is not None, "the last block")
        await pilot.pause()
        last = results.hit(COUNT - 1).record
        assert last["id"] == screen.result.ids()[COUNT - 1]
        assert last["title"] in screen_text(app)
        main = threading.get_ident()
        assert [b for b, _ in results.worker_page_reads] == [(COUNT - 1) // BLOCK_SIZE]
        assert all(thread != main for _, thread in results.worker_page_reads)
        assert results.inline_page_reads == 0
        await pilot.press("enter")  # the selected card opens as any other
        await pilot.pause()
        assert app.screen.record["id"] == screen.result.ids()[COUNT - 2]


async def test_a_page_that_cannot_be_read_is_said_in_one_sentence(pg_archive: str) -> None:
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        with connect(pg_archive, autocommit=True) as admin:  # the server ends the session
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        screen.results.focus()
        await pilot.press("end")
        await wait_for(pilot, lambda: FAILED in screen_text(app), "the failure on the card")
        said = [n.message for n in app._notifications]
        assert any(m.startswith("More results could not be read: ") for m in said), said
        assert "Traceback" not in "".join(said)
        await pilot.press("home")  # the first page is still there
        await pilot.pause()
        assert screen.results.selected is not None


async def test_a_local_page_is_read_where_it_is_drawn(tmp_path: Path) -> None:
    db = tmp_path / "archive.json"
    add_to_store(db, make_records(COUNT))
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        assert not screen.results.pages_in_worker
        screen.results.focus()
        await pilot.press("end")
        await pilot.pause()
        assert screen.results.hit(COUNT - 1) is not None
        assert screen.results.inline_page_reads >= 1
        assert screen.results.worker_page_reads == []


def doc_text(app: ArchiveApp) -> str:
    return " ".join(str(app.screen.query_one(w).render()) for w in ("#doc-header", "#doc-title"))


async def test_the_document_view_reads_from_postgresql_in_workers(pg_archive: str) -> None:
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        ids = screen.result.ids()
        await pilot.press("escape", "enter")  # the first card: its record is already read
        await pilot.pause()
        doc = app.screen
        assert isinstance(doc, DocumentScreen) and doc.record["id"] == ids[0]
        await wait_for(pilot, lambda: ("related", doc_thread(doc)) in doc.worker_reads, "related")
        assert doc._related and "Related documents (" in str(
            doc.query_one("#doc-related").border_title
        )
        # a record not read yet, while another session holds the records: the app answers
        locker = connect(pg_archive)
        locker.execute("LOCK TABLE archive_records IN ACCESS EXCLUSIVE MODE")
        release = threading.Timer(30, locker.rollback)
        release.start()
        try:
            app.push_screen(DocumentScreen(app.archive, screen.result, 70))
            await pilot.pause()
            doc = app.screen
            await wait_for(pilot, lambda: "Reading the document" in doc_text(app), "loading")
            assert doc.record is None and doc.worker_reads == []
            locker.rollback()
        finally:
            release.cancel()
            locker.close()
        await wait_for(pilot, lambda: doc.record is not None, "the record read")
        assert doc.record["id"] == ids[70]
        assert doc.record["title"] in doc_text(app) and "71 of 130" in doc_text(app)
        await pilot.press("n")  # the next one: read in a worker too
        await wait_for(pilot, lambda: doc.record["id"] == ids[71], "the next record")
        main = threading.get_ident()
        reads = [what for what, thread in doc.worker_reads if thread != main]
        assert reads.count("record") == 2 and len(reads) == len(doc.worker_reads)


def doc_thread(doc: DocumentScreen) -> int:
    """The thread id of the document's related read (any but the main one)."""
    main = threading.get_ident()
    return next((t for what, t in doc.worker_reads if what == "related" and t != main), -1)


async def test_a_document_that_cannot_be_read_is_said_in_one_sentence(pg_archive: str) -> None:
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        with connect(pg_archive, autocommit=True) as admin:  # the server ends the session
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        app.push_screen(DocumentScreen(app.archive, screen.result, 70))
        await pilot.pause()
        await wait_for(pilot, lambda: "no longer available" in doc_text(app), "the failure")
        said = [n.message for n in app._notifications]
        assert any(m.startswith("The document could not be read: ") for m in said), said
        await pilot.press("escape")  # back to the list, which still answers
        await pilot.pause()
        assert app.screen is screen and screen.results.selected is not None


async def test_a_search_after_a_tag_runs_in_the_worker_on_postgresql(pg_archive: str) -> None:
    """Locally a search after a tag runs at once on the UI thread (within 15 ms, else the
    worker); a database cannot be stopped at a budget, so it always goes to the worker."""
    from test_research_app import type_text

    from archive_tui.pg.workspace import PgWorkspace

    PgWorkspace.open(pg_archive).add_tags(["rec-00002"], ["To read"])
    app = ArchiveApp(pg_archive, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, pilot)
        screen.search_input.value = 'tag:"to read"'
        await settle(app, pilot)
        assert screen.result.ids() == ["rec-00002"]
        app.marks["rec-00007"] = app.archive.get("rec-00007")  # marked in another search
        await pilot.press("escape", "t")
        await pilot.pause()
        await type_text(pilot, "to read")
        await pilot.press("enter")
        await pilot.pause()
        assert (screen.inline_searches, screen.inline_fallbacks) == (0, 1)
        await settle(app, pilot)
        assert sorted(screen.result.ids()) == ["rec-00002", "rec-00007"]
