"""The live archive: a store changed by a second writer is noticed by the running app, read
again in a worker (never on the UI thread) while the old results stay on screen, and
searched again; an Archive is a snapshot that never reloads by itself. Also: a new
keystroke cancels the running search, whose results are then never shown."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_app import make_records, ready, settle, status_text, write_store

from archive_tui.archive import Archive
from archive_tui.index import TokenIndex
from archive_tui.store import RecordStore
from archive_tui.ui.app import ArchiveApp

NEW = {
    "id": "late-arrival",
    "date": "1940-01-01",  # first in date order, so the selected card moves down one
    "title": "Zanzibarite memorandum added by another process",
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return write_store(tmp_path / "records.json", make_records(30))


# ---------------------------------------------------------------------------- the seam


def test_changed_on_disk_and_reopen_leave_the_snapshot_alone(db: Path) -> None:
    archive = Archive.open(db)
    assert not archive.changed_on_disk()
    Archive.open(db).add([NEW])  # a second writer
    assert archive.changed_on_disk()
    assert archive.get("late-arrival") is None and len(archive) == 30
    fresh = archive.reopen()
    assert fresh.get("late-arrival")["title"] == NEW["title"] and len(fresh) == 31
    assert not fresh.changed_on_disk()
    assert archive.search("zanzibarite").total == 0  # still the snapshot it was
    assert fresh.search("zanzibarite").total == 1


def test_a_lazy_snapshot_read_after_another_write_never_reloads(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Archive.open(db)  # writes the index cache
    Archive.wait_for_cache(Archive.open(db))
    warm = Archive.open(db)
    assert warm.lazy
    Archive.open(db).add([NEW])  # the file is replaced under warm's open descriptor

    def no(*args: object, **kwargs: object) -> None:
        raise AssertionError("a snapshot read reloaded or re-indexed the archive")

    monkeypatch.setattr(RecordStore, "load", no)
    monkeypatch.setattr(TokenIndex, "build", no)
    assert [r["id"] for r in warm.records()] == [r["id"] for r in make_records(30)]
    assert warm.get("rec-00029")["title"] == "Telegram 29 about the conference question"


# ---------------------------------------------------------------------------- the app


async def wait_for(pilot, condition, what: str, seconds: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"never: {what}")


@pytest.mark.parametrize("lazy", [False, True], ids=["loaded", "lazy"])
async def test_a_record_added_by_another_writer_shows_up_in_the_running_app(
    db: Path, lazy: bool
) -> None:
    if lazy:
        Archive.open(db).wait_for_cache()
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        assert app.archive is not None and app.archive.lazy == lazy
        old = app.archive
        await pilot.press("escape", "j", "j", "j")
        selected = screen.results.selected.record["id"]
        Archive.open(db).add([NEW])
        await wait_for(pilot, lambda: "archive updated: +1 record" in status_text(screen), "+1")
        await settle(app, pilot)
        assert app.archive is not old and len(app.archive) == 31
        assert "31 documents" in status_text(screen)
        assert screen.results.selected.record["id"] == selected  # moved down, still selected
        assert screen.results.cursor == 4
        # read in a worker thread, not on the UI thread
        assert app.last_reload_thread is not None
        assert app.last_reload_thread is not threading.main_thread()
        assert app.last_reload_thread.name != threading.current_thread().name
        assert app.reloads == 1
        await pilot.pause(2.5)  # more looks at the files: nothing new, nothing read again
        assert app.reloads == 1
        await pilot.press("slash", *"zanzibarite")
        await settle(app, pilot)
        assert screen.result.total == 1
        assert screen.results.selected.record["id"] == "late-arrival"


async def test_old_results_stay_on_screen_while_reloading(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    reopen = Archive.reopen

    def slow_reopen(self: Archive) -> Archive:
        release.wait(20)
        return reopen(self)

    monkeypatch.setattr(Archive, "reopen", slow_reopen)
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        Archive.open(db).add([NEW])
        await wait_for(pilot, lambda: "archive changed, reloading…" in status_text(screen), "…")
        # the interface answers meanwhile, with the old results
        await pilot.press("escape", "j")
        await pilot.pause()
        assert screen.results.cursor == 1
        assert "30 documents" in status_text(screen)
        release.set()
        await wait_for(pilot, lambda: "archive updated: +1 record" in status_text(screen), "+1")
        await settle(app, pilot)
        assert "31 documents" in status_text(screen)


async def test_an_import_by_the_cli_in_another_process_shows_up(db: Path, tmp_path: Path) -> None:
    batch = [
        {"id": f"cli-{i}", "date": "1962-10", "title": f"Quokkatrope cable {i}"} for i in range(100)
    ]
    source = tmp_path / "batch.json"
    source.write_text(json.dumps(batch), encoding="utf-8")
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        done = subprocess.run(
            [sys.executable, "-m", "archive_tui", "--db", str(db), "import", str(source)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        await wait_for(
            pilot, lambda: "archive updated: +100 records" in status_text(screen), "+100"
        )
        await pilot.press("slash", *"quokkatrope")
        await settle(app, pilot)
        assert screen.result.total == 100


async def test_a_store_broken_on_disk_keeps_the_old_archive_and_says_so(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        old = app.archive
        db.write_text("{ not json", encoding="utf-8")
        await wait_for(pilot, lambda: "cannot be read" in status_text(screen), "cannot be read")
        assert app.is_running and app.archive is old
        await pilot.press("slash", *"telegram")
        await settle(app, pilot)
        assert screen.result.total == 30


# ---------------------------------------------------------------------------- cancelling


async def test_a_new_keystroke_cancels_the_running_search(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = threading.Event()
    searched: list[str] = []
    search = Archive.search

    def gated(self: Archive, query: str = "", *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        searched.append(query)
        if query == "t":
            gate.wait(20)  # a slow search, still running when the next key comes
        return search(self, query, *args, **kwargs)

    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        monkeypatch.setattr(Archive, "search", gated)
        shown: list[str] = []
        done = screen._search_done

        def record(generation, result, position=None):  # type: ignore[no-untyped-def]
            shown.append(result.parsed.text)
            done(generation, result, position)

        monkeypatch.setattr(screen, "_search_done", record)
        await pilot.press("t")
        await wait_for(pilot, lambda: searched[-1:] == ["t"], "the slow search started")
        stop = screen._stop_search
        await pilot.press("e")
        await pilot.pause()
        assert stop.is_set()  # what the search is asked to stop by (should_stop)
        gate.set()
        await settle(app, pilot)
        assert "t" not in shown  # the cancelled search's results never reached the screen
        assert shown[-1] == "te" and screen.search_input.value == "te"


async def test_fast_typing_always_ends_with_the_results_of_the_whole_query(db: Path) -> None:
    # keystrokes faster than searches: each stops the running one (or one not yet started);
    # the search of what was typed last must still come, every time
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        for query in ('title:"Telegram 1"', "embassy -harvest", "conference"):
            screen.search_input.value = ""
            await pilot.press(*query)
            await settle(app, pilot)
            assert screen.result is not None and screen.result.parsed.text == query
            expected = app.archive.search(query, limit=1).total
            assert screen.result.total == expected


async def test_a_search_stopped_before_its_thread_started_still_hands_over(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        # two changes in one tick: the first search is stopped before its thread runs
        screen.query_text = "embassy"
        screen._request_search(immediate=True)
        screen.query_text = "conference"
        screen._request_search(immediate=True)
        await settle(app, pilot)
        assert screen.result.parsed.text == "conference"
        assert screen.result.total == app.archive.search("conference", limit=1).total


async def test_an_archive_that_still_looks_changed_is_not_read_again_and_again(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # e.g. an index cache that misremembers a file: the reopened archive still "differs"
    monkeypatch.setattr(Archive, "changed_on_disk", lambda self: True)
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await wait_for(pilot, lambda: app.reloads >= 1, "a first reload")
        await pilot.pause(3)
        assert app.reloads == 1
        Archive.open(db).add([NEW])  # a real change: read once more
        await wait_for(pilot, lambda: "+1 record" in status_text(screen), "+1")
        await pilot.pause(2)
        assert app.reloads == 2


async def test_back_from_a_document_after_a_reload_selects_the_same_record(db: Path) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("escape", "j", "j", "enter")
        await pilot.pause()
        opened = screen.results.selected.record["id"]
        Archive.open(db).add([NEW])  # sorts first: every card moves down one
        await wait_for(pilot, lambda: app.reloads == 1 and not screen._searching, "reload")
        await settle(app, pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.results.selected.record["id"] == opened
        assert screen.results.cursor == 3
