"""Enter, Tab and Escape in every text box of every screen leave the app running, and an
action that fails anyway is one sentence on screen plus a traceback in the user's log."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app import make_records, ready, settle, write_store
from textual.widgets import Input

from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.guard import error_log_path
from archive_tui.ui.screens.main import MainScreen

#: every text box a user can reach: (name, keys that open its screen/panel, its selector)
INPUTS = [
    ("search box", [], "#search"),
    ("filter narrowing box", ["escape", "f"], "#facet-narrow"),
    ("dates from", ["escape", "f"], "#date-from"),
    ("dates to", ["escape", "f"], "#date-to"),
    ("export path", ["escape", "e"], "#export-path"),
    ("command palette", ["ctrl+p"], "CommandInput"),
    ("tag dialog", ["escape", "t"], "#tag-input"),
    ("list dialog", ["escape", "l"], "#list-input"),
    ("save search dialog", ["escape", "S"], "#save-search-input"),
    ("document view tag dialog", ["escape", "enter", "t"], "#tag-input"),
]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # the export dialog writes relative paths here
    return write_store(tmp_path / "records.json", make_records(30))


@pytest.mark.parametrize("key", ["enter", "tab", "shift+tab", "escape"])
@pytest.mark.parametrize(("name", "opener", "selector"), INPUTS, ids=[i[0] for i in INPUTS])
@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
async def test_keys_in_every_input_keep_the_app_running(
    db: Path, name: str, opener: list[str], selector: str, key: str, size: tuple[int, int]
) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=size) as pilot:
        await ready(app, pilot)
        await pilot.press(*opener)
        await pilot.pause()
        box = app.screen.query_one(selector, Input)
        box.focus()
        await pilot.pause()
        for char in "1961":
            await pilot.press(char)
        await pilot.press(key)
        await settle(app, pilot)
        await pilot.pause()
        assert app.is_running, f"{key} in the {name} ended the app"
        assert not error_log_path().exists(), error_log_path().read_text()
        # and the app still answers: escape back to the main screen, then quit with q
        for _ in range(4):
            if isinstance(app.screen, MainScreen):
                break
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, MainScreen)
    assert app.return_code in (0, None)


async def test_a_failing_action_is_one_sentence_and_a_logged_traceback(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: MainScreen) -> None:
        raise RuntimeError("sort order table is missing")

    monkeypatch.setattr(MainScreen, "action_cycle_sort", broken)
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        app.marks["rec-00001"] = {"id": "rec-00001"}
        await pilot.press("escape", "s")  # to the results, then the broken sort key
        await pilot.pause()
        assert app.is_running
        shown = [str(n.message) for n in app._notifications]
        assert any("sort order table is missing" in m and "still running" in m for m in shown)
        log = error_log_path().read_text()
        assert "RuntimeError: sort order table is missing" in log and "Traceback" in log
        assert error_log_path().name in shown[-1]
        # the session goes on: the results still answer keys, the marks are kept
        await pilot.press("j")
        await pilot.pause()
        assert screen.results.cursor == 1
        assert "rec-00001" in app.marks


async def test_a_failing_message_handler_keeps_the_widget_alive(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive_tui.ui.widgets.filters import FilterPanel

    def broken(self: FilterPanel) -> None:
        raise ValueError("narrowing broke")

    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        monkeypatch.setattr(FilterPanel, "_refill", broken)  # what typing in the box calls
        screen.query_one("#facet-narrow", Input).focus()
        await pilot.press("a", "b")
        await pilot.pause()
        assert app.is_running
        assert screen.panel.is_attached, "the panel was removed after its handler failed"
        assert "narrowing broke" in error_log_path().read_text()
        await pilot.press("escape")
        await pilot.pause()
        assert screen.results.has_focus


async def test_a_failing_handler_in_the_document_view_keeps_the_session(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The document, export, citation and person screens report a failing handler as the
    main screen does: one sentence, a traceback in the log, the screen and the app go on."""
    from archive_tui.ui.screens.document import DocumentScreen

    def broken(self: DocumentScreen) -> None:
        raise ValueError("focus handling broke")

    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        monkeypatch.setattr(DocumentScreen, "on_descendant_focus", broken)
        await pilot.press("tab")
        await pilot.pause()
        assert app.is_running
        assert isinstance(app.screen, DocumentScreen)
        assert "focus handling broke" in error_log_path().read_text()
        for _ in range(3):  # the related list, then the text, then back to the list
            if isinstance(app.screen, MainScreen):
                break
            await pilot.press("escape")
            await pilot.pause()
        assert isinstance(app.screen, MainScreen)


KEYS = [
    *"abcdefghijklmnoprstuvwxyz",  # q is checked on its own: it quits where it is not text
    *"ABCDEFGHIJKLMNOPRSTUVWXYZ",
    *"0123456789",
    *"/?*:\"'-+()., ",
    "enter",
    "tab",
    "shift+tab",
    "up",
    "down",
    "left",
    "right",
    "pageup",
    "pagedown",
    "home",
    "end",
    "backspace",
    "delete",
    "space",
    "f1",
    "escape",
]
STARTS = {
    "search box": [],
    "results": ["escape"],
    "filter values": ["escape", "f"],
    "narrowing box": ["escape", "f", "shift+tab"],
    "dates": ["escape", "f", "shift+tab", "shift+tab"],
    "document": ["escape", "enter"],
    "chips": ["escape", "f", "enter", "escape", "shift+tab", "shift+tab"],
    "timeline": ["tab"],
}


@pytest.mark.parametrize("start", list(STARTS))
async def test_every_key_from_every_focus_keeps_the_app_running(db: Path, start: str) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press(*STARTS[start])
        await pilot.pause()
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running, f"{key!r} from the {start} ended the app"
        await settle(app, pilot)
        assert app.is_running
        assert not error_log_path().exists(), error_log_path().read_text()


@pytest.mark.parametrize(
    ("start", "quits"),
    [
        ([], False),  # the search box: q is a letter
        (["escape"], True),  # the results
        (["escape", "f"], False),  # the filter values: q narrows them
        (["escape", "enter"], True),  # the document
        (["escape", "f1"], False),  # help: q closes it
    ],
)
async def test_q_quits_where_it_is_not_text(db: Path, start: list[str], quits: bool) -> None:
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.press(*start)
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert app.is_running != quits
        if not quits:
            await pilot.press("ctrl+q")  # quits from anywhere
            await pilot.pause()
            assert not app.is_running


async def test_an_error_textual_ends_the_app_for_still_leaves_its_traceback_in_the_log(
    db: Path,
) -> None:
    # a timer callback is outside every handler Guarded wraps: Textual's last resort runs
    def boom() -> None:
        raise LookupError("timer went wrong")

    app = ArchiveApp(db, show_timing=False)
    with pytest.raises(LookupError):
        async with app.run_test(size=(80, 24)) as pilot:
            await ready(app, pilot)
            app.set_timer(0.01, boom)
            await pilot.pause(0.2)
    assert "LookupError: timer went wrong" in error_log_path().read_text()
