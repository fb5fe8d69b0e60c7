"""The document view: shortened texts, the record's URL, marks, a new search, small screens.

Issue 8, items 9 and 11. Records are real shipped FRUS records in a real archive file;
screens run in a real Textual app (the whole ArchiveApp where the main screen matters).
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED_PATH
from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Input, Static

from archive_tui.archive import Archive
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.links import safe_url
from archive_tui.ui.screens.document import (
    DocumentBody,
    DocumentScreen,
    RecordSequence,
    RelatedList,
)
from archive_tui.ui.screens.main import MainScreen

SHORTENED_ID = "frus1952-54Guat-d6"  # text ends "President Arbenz…"; source "Source: …"
WHOLE_ID = "frus1948v01p1-d3"  # text not shortened


def shipped(*ids: str) -> list[dict]:
    table = json.loads(SHIPPED_PATH.read_text(encoding="utf-8"))["records"]
    by_id = {record["id"]: record for record in table.values()}
    return [by_id[record_id] for record_id in ids]


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    table = json.loads(SHIPPED_PATH.read_text(encoding="utf-8"))["records"]
    guatemala = [r for r in table.values() if r["id"].startswith("frus1952-54Guat-d")][:30]
    archive = Archive.open(tmp_path / "records.json", create=True)
    archive.add([*guatemala, *shipped(WHOLE_ID)])
    return archive


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("host")


def notes(app: App) -> list[str]:
    return [f"{note.title}\n{note.message}" for note in app._notifications]


def static_text(app: App, selector: str) -> str:
    visual = app.screen.query_one(selector, Static).visual
    return visual.plain if isinstance(visual, Content) else str(visual)


async def open_document(app: Host, pilot: Any, archive: Archive, record_id: str) -> None:
    app.push_screen(DocumentScreen(archive, RecordSequence([archive.get(record_id)]), 0))
    await pilot.pause()


async def test_a_shortened_text_says_so_with_a_link_to_the_full_document(
    archive: Archive,
) -> None:
    record = archive.get(SHORTENED_ID)
    assert record is not None and record["text"].endswith("…")
    url = record["url"]
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_document(app, pilot, archive, SHORTENED_ID)
        notice = app.screen.query_one("#doc-shortened", Static)
        assert notice.display
        assert static_text(app, "#doc-shortened").startswith(
            f"Text shortened — full document at {url}"
        )
        # the URL is a terminal hyperlink (OSC 8) in the notice and in the URL row
        links = [
            span.style.link
            for widget in app.screen.query(Static)
            if isinstance(widget.visual, Content)
            for span in widget.visual.spans
            if not isinstance(span.style, str) and span.style.link
        ]
        assert links.count(url) == 2
        strips = [notice.render_line(y) for y in range(notice.region.height)]
        assert url in "".join(segment.text for strip in strips for segment in strip)
        ansi = "".join(strip.render(app.console) for strip in strips)
        assert f";{url}\x1b\\" in ansi and "\x1b]8;id=" in ansi  # what the terminal gets
        # "Source" is said once: the label, then the source itself
        cells = [c.visual.plain for c in app.screen.query("#doc-meta Static")]
        source = cells[cells.index("Source") + 1]
        assert record["source"].startswith("Source: ")  # the record itself is unchanged
        assert source == record["source"].removeprefix("Source: ")
        app.pop_screen()
        await open_document(app, pilot, archive, WHOLE_ID)
        assert not app.screen.query_one("#doc-shortened", Static).display


def test_only_a_plain_web_address_becomes_a_link() -> None:
    assert safe_url(" https://history.state.gov/x/d1 ") == "https://history.state.gov/x/d1"
    for bad in (
        "https://evil\x1b]8;;\x1b\\x",
        "https://a b",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "",
        None,
        42,
    ):
        assert safe_url(bad) is None, bad


async def press_o_on_the_shortened_record(app: Host, pilot: Any, archive: Archive) -> None:
    """Open the shortened record, press o and wait for the open-url worker to finish."""
    await open_document(app, pilot, archive, SHORTENED_ID)
    await pilot.press("o")
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_o_opens_the_url_in_a_browser_and_copies_it(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\nprintf %s "$1" > {opened}\n')
    browser.chmod(browser.stat().st_mode | stat.S_IEXEC)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("BROWSER", str(browser))
    monkeypatch.setattr(webbrowser, "_tryorder", None)  # read $BROWSER afresh
    url = archive.get(SHORTENED_ID)["url"]  # type: ignore[index]
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await press_o_on_the_shortened_record(app, pilot, archive)
        assert app.clipboard == url
        assert any("browser" in n and "also copied" in n for n in notes(app))
    assert opened.read_text() == url


async def test_o_without_a_display_copies_the_url_and_says_why(
    archive: Archive, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    url = archive.get(SHORTENED_ID)["url"]  # type: ignore[index]
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await press_o_on_the_shortened_record(app, pilot, archive)
        assert app.clipboard == url
        assert any("No browser" in n and "copied" in n for n in notes(app))
        assert not [w for w in app.workers if w.group == "open-url"]
        app.copy_to_clipboard("")
        await pilot.press("u")
        await pilot.pause()
        assert app.clipboard == url
        assert any(n.startswith("\nCopied URL: https://") for n in notes(app))


async def test_a_record_without_url_says_so() -> None:
    record = {"id": "no-url", "date": "1962", "title": "No address", "text": "Cut here…"}
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(DocumentScreen(None, RecordSequence([record]), 0))
        await pilot.pause()
        assert "full document is at its source" in static_text(app, "#doc-shortened")
        await pilot.press("o", "u")
        await pilot.pause()
        assert app.clipboard == ""
        assert any("has no URL" in n for n in notes(app))


async def _main_ready(app: ArchiveApp, pilot: Any) -> MainScreen:
    for _ in range(100):
        await app.workers.wait_for_complete()
        await pilot.pause()
        main = app.main_screen
        if main.result is not None and not main._searching and not main._dirty:
            return main
    raise AssertionError("no results")


async def test_space_marks_the_open_record_and_slash_starts_a_new_search(
    archive: Archive,
) -> None:
    app = ArchiveApp(archive=archive, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        main = await _main_ready(app, pilot)
        for key in "arbenz":
            await pilot.press(key)
        await pilot.pause(0.3)
        main = await _main_ready(app, pilot)
        assert main.result is not None and main.result.total >= 2
        await pilot.press("enter", "enter")  # to the results, open the first
        await pilot.pause()
        document = app.screen
        assert isinstance(document, DocumentScreen)
        first = document.record["id"]  # type: ignore[index]
        await pilot.press("space")
        await pilot.pause()
        assert list(app.marks) == [first]
        assert "✓ marked" in static_text(app, "#doc-header")
        await pilot.press("n", "space")  # the next result, marked too
        await pilot.pause()
        second = document.record["id"]  # type: ignore[index]
        assert list(app.marks) == [first, second]
        await pilot.press("p", "space")  # unmark the first again
        await pilot.pause()
        assert list(app.marks) == [second]
        assert "marked" not in static_text(app, "#doc-header")
        # related documents open on top; `/` closes them all and goes to the search box
        await pilot.press("r", "enter")
        await pilot.pause()
        assert len([s for s in app.screen_stack if isinstance(s, DocumentScreen)]) == 2
        await pilot.press("slash")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is main
        assert isinstance(app.focused, Input) and app.focused.value == "arbenz"
        assert main.results.cursor == 0  # the card the document view was on
        card = "".join(main.results.render_line(y).text for y in range(14))
        assert "✓" in card  # the marked second result shows its mark
        assert "1 marked" in str(main.status.render())


async def test_20_by_5_shows_the_text_and_r_the_related_list(archive: Archive) -> None:
    app = Host()
    async with app.run_test(size=(20, 5)) as pilot:
        await open_document(app, pilot, archive, SHORTENED_ID)
        body = app.screen.query_one(DocumentBody)
        related = app.screen.query_one("#doc-related")
        assert body.region.height >= 2 and not related.region.height
        await pilot.press("r")
        await pilot.pause()
        assert app.focused is app.screen.query_one(RelatedList)
        assert related.region.height >= 3
        await pilot.press("escape")  # back to the text, not out of the document
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen) and app.focused is body
        assert body.region.height >= 2


@pytest.mark.parametrize("size", [(20, 5), (80, 24)])
async def test_nothing_shows_through_right_of_the_palette_key(
    archive: Archive, size: tuple[int, int]
) -> None:
    app = Host()
    async with app.run_test(size=size) as pilot:
        await open_document(app, pilot, archive, SHORTENED_ID)
        width, height = size
        widget, _ = app.screen.get_widget_at(width - 1, height - 1)
        assert widget.has_class("-command-palette"), widget
