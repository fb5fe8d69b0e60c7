"""The document view, help, citation picker and export dialog, driven by keys like a user.

Every test opens a real TinyDB archive in a temp folder and runs the screens inside a real
Textual app (``App.run_test``); what is asserted is what the user sees (the text on the
screen, notifications) or gets (the clipboard, the exported file, the saved settings).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.widgets import OptionList, Static

from archive_tui import citations, settings
from archive_tui.archive import Archive
from archive_tui.carried_fields import export_entry
from archive_tui.importer import read_import_file
from archive_tui.ui.clipboard import copy_text
from archive_tui.ui.screens.cite import CitationPickerScreen
from archive_tui.ui.screens.document import DocumentScreen, RecordSequence
from archive_tui.ui.screens.export import ExportScreen
from archive_tui.ui.screens.help import HelpScreen

FULL = {
    "id": "test-full-1962",
    "date": "1962-10",
    "title": "Memorandum on the Soviet missiles in Cuba",
    "summary": "A summary of the Soviet position, month-precise.",
    "text": "Paragraph one about the missiles.\n\nParagraph two: the Soviet reply, "
    "quoted in full. The last line of the full text ends here: ZEBRA-END.",
    "collection": "Test Collection of Documents",
    "document_type": "Memorandum",
    "language": "English",
    "people": ["Nikita Khrushchev", "John F. Kennedy"],
    "places": ["Havana", "Moscow"],
    "subjects": ["Cuban Missile Crisis", "Nuclear weapons"],
    "source": "Test Archive, Box 7, Folder 3",
    "classification": "Top Secret",
    "url": "https://example.org/documents/test-full-1962",
}

HOSTILE = {
    "id": "test-hostile",
    "date": "1963-01-05",
    "title": "Title with [b]x[/b] and \x1b[31mred\x1b[0m and [link=http://evil]y[/]",
    "summary": "Summary [i]not italic[/i] \x07bell",
    "text": "Body with [b]x[/b] and \x1b[31mred\x1b[0m.",
    "subjects": ["Cuban Missile Crisis"],
    "people": ["Nikita Khrushchev"],
}


def _record(n: int, **extra: Any) -> dict:
    return {
        "id": f"test-{n:03d}",
        "date": f"1962-{(n % 12) + 1:02d}-{(n % 27) + 1:02d}",
        "title": f"Soviet telegram number {n}",
        "summary": f"Telegram {n} about the Soviet position.",
        "subjects": ["Cuban Missile Crisis"] if n % 2 else ["Berlin"],
        "people": ["Nikita Khrushchev"],
        **extra,
    }


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    """A real archive file with a fully filled record, a hostile one and 20 plain ones."""
    archive = Archive.open(tmp_path / "records.json", create=True)
    archive.add([FULL, HOSTILE, *(_record(n) for n in range(20))])
    return archive


class Host(App[None]):
    """A bare app to host the screens (the real app adds a main screen underneath)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("question_mark", "help", "Help")]

    def __init__(self) -> None:
        super().__init__()
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("host")

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def open(self, screen: Any) -> None:
        self.push_screen(screen, self.results.append)


def _plain(visual: object) -> str:
    return visual.plain if isinstance(visual, Content) else str(visual)


def screen_text(app: App) -> str:
    """The text of every Static and list option on the active screen (sans styles)."""
    parts = [_plain(widget.visual) for widget in app.screen.query(Static)]
    for options in app.screen.query(OptionList):
        parts.extend(_plain(option.prompt) for option in options.options)
    return "\n".join(parts)


def notifications(app: App) -> list[str]:
    """Title and body of every notification the app is showing."""
    return [f"{note.title}\n{note.message}" for note in app._notifications]


def doc_title(app: App) -> str:
    return app.screen.query_one("#doc-title", Static).visual.plain


def record_hit_position(result: Any, record_id: str) -> int:
    for position in range(result.total):
        if result.page(position, 1)[0].record["id"] == record_id:
            return position
    raise AssertionError(f"{record_id} not in the result")


# -- document view --------------------------------------------------------------------------


async def test_document_view_shows_every_field_and_the_full_text(archive: Archive) -> None:
    result = archive.search("missiles")
    position = record_hit_position(result, FULL["id"])
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(DocumentScreen(archive, result, position))
        await pilot.pause()
        text = screen_text(app)
        assert "October, 1962" in text  # month precision, no invented day
        assert FULL["title"] in text
        assert FULL["summary"] in text
        assert FULL["text"] in text  # the full text, not a preview
        for label, value in [
            ("Collection", FULL["collection"]),
            ("Type", "Memorandum"),
            ("Language", "English"),
            ("People", "Nikita Khrushchev; John F. Kennedy"),
            ("Places", "Havana; Moscow"),
            ("Subjects", "Cuban Missile Crisis; Nuclear weapons"),
            ("Source", FULL["source"]),
            ("Classification", "Top Secret"),
            ("URL", FULL["url"]),
            ("ID", FULL["id"]),
        ]:
            assert f"\n{label}\n{value}\n" in text, label
        # The end of the text can be scrolled to with G.
        body = app.screen.query_one("#doc-body")
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y > 0
        await pilot.press("g")
        await pilot.pause()
        assert body.scroll_y == 0


async def test_document_view_highlights_the_query_terms(archive: Archive) -> None:
    result = archive.search("missiles")
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(DocumentScreen(archive, result, record_hit_position(result, FULL["id"])))
        await pilot.pause()
        title = app.screen.query_one("#doc-title", Static).visual
        assert isinstance(title, Content)
        marked = {title.plain[span.start : span.end] for span in title.spans}
        assert marked == {"missiles"}


async def test_field_scoped_terms_are_highlighted_only_in_their_field(archive: Archive) -> None:
    result = archive.search("title:missiles soviet")
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(DocumentScreen(archive, result, record_hit_position(result, FULL["id"])))
        await pilot.pause()

        def marked(widget_id: str) -> set[str]:
            content = app.screen.query_one(widget_id, Static).visual
            assert isinstance(content, Content)
            return {content.plain[span.start : span.end].lower() for span in content.spans}

        assert marked("#doc-title") == {"missiles", "soviet"}
        # the text has "missiles" too, but the query asked for it in the title only
        assert marked("#doc-text") == {"soviet"}


async def test_n_and_p_move_and_escape_returns_the_current_position(archive: Archive) -> None:
    result = archive.search("telegram", sort="title")
    assert result.total >= 3
    titles = [hit.record["title"] for hit in result.page(0, 3)]
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(DocumentScreen(archive, result, 0))
        await pilot.pause()
        await pilot.press("n", "n", "p")
        await pilot.pause()
        assert doc_title(app) == titles[1]
        assert f"Result 2 of {result.total}" in screen_text(app)
        await pilot.press("p", "p")  # the second p is at the first result: it stays, and says so
        await pilot.pause()
        assert doc_title(app) == titles[0]
        assert any("first result" in note for note in notifications(app))
        await pilot.press("n", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, DocumentScreen)
        assert app.results == [1]


async def test_n_stops_at_the_last_result(archive: Archive) -> None:
    result = archive.search("telegram")
    last = result.total - 1
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(DocumentScreen(archive, result, last))
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.position == last
        assert any("last result" in note for note in notifications(app))


async def test_related_list_opens_a_related_record_and_escape_comes_back(
    archive: Archive,
) -> None:
    related = archive.related(FULL["id"])
    assert related, "the fixture shares subjects and people, so there must be related records"
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        first = DocumentScreen(archive, RecordSequence([FULL]), 0)
        app.open(first)
        await pilot.pause()
        assert related[0]["title"] in screen_text(app)  # listed under "Related documents"
        await pilot.press("r", "down", "enter")
        await pilot.pause()
        second = app.screen
        assert isinstance(second, DocumentScreen) and second is not first
        assert second.record is not None and second.record["id"] == related[1]["id"]
        assert related[1]["title"] in screen_text(app)
        assert f"Related 2 of {len(related)}" in screen_text(app)
        await pilot.press("n")  # the related list is a sequence of its own
        await pilot.pause()
        assert second.record["id"] == related[2]["id"]
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is first
        assert first.record is not None and first.record["id"] == FULL["id"]
        assert app.results == []  # the first document view is still open


async def test_c_copies_the_citation_in_the_default_style(archive: Archive) -> None:
    settings.set_default_style("chicago-note")
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(DocumentScreen(archive, RecordSequence([FULL]), 0))
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        expected = citations.cite(FULL, "chicago-note")
        assert app.clipboard == expected
        shown = notifications(app)
        first_words = " ".join(expected.split()[:2])
        assert any("Copied citation (Chicago" in note and first_words in note for note in shown)


async def test_hostile_record_is_shown_literally_and_copied_sanitized(archive: Archive) -> None:
    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        result = archive.search("hostile OR bell OR body")
        app.open(DocumentScreen(archive, result, record_hit_position(result, HOSTILE["id"])))
        await pilot.pause()
        text = screen_text(app)
        assert "Title with [b]x[/b] and ␛[31mred␛[0m and [link=http://evil]y[/]" in text
        assert "Summary [i]not italic[/i] ␇bell" in text
        assert "Body with [b]x[/b] and ␛[31mred␛[0m." in text
        assert "\x1b" not in text and "\x07" not in text
        # What reaches the terminal: the markup stays text, the escape is a visible ␛.
        svg = app.export_screenshot()
        assert "[b]x[/b]" in svg and "␛[31mred␛[0m" in svg
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard is not None
        assert "[b]x[/b]" in app.clipboard and "␛[31m" in app.clipboard
        assert "\x1b" not in app.clipboard
        assert all("\x1b" not in note for note in notifications(app))


# -- clipboard ------------------------------------------------------------------------------


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
async def test_copy_text_without_a_clipboard_backend(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import pyperclip

    # A server session: no display, no clipboard helper on PATH. pyperclip really fails here.
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pyperclip, "copy", pyperclip.lazy_load_stub_copy)
    monkeypatch.setattr(pyperclip, "paste", pyperclip.lazy_load_stub_paste)
    with pytest.raises(pyperclip.PyperclipException):
        pyperclip.copy("probe")
    monkeypatch.setattr(pyperclip, "copy", pyperclip.lazy_load_stub_copy)

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        copy_text(app, "Line one\x1b]0;title\x07\nLine two", what="citation (Test style)")
        for thread in threading.enumerate():
            if thread.name == "archive-tui-clipboard":
                thread.join(timeout=10)
        await pilot.pause()
        assert app.clipboard == "Line one␛]0;title␇\nLine two"
        assert notifications(app) == ["\nCopied citation (Test style): Line one␛]0;title␇ Line two"]


# -- help -----------------------------------------------------------------------------------


async def test_help_lists_keys_by_context_and_the_query_syntax() -> None:
    from archive_tui.query import QUERY_HELP

    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for heading in ("Everywhere", "Document view", "Citation picker", "Export dialog"):
            assert heading in text
        assert "Next result" in text and "Copy the citation (default style)" in text
        assert "Query syntax" in text
        assert QUERY_HELP.strip().splitlines()[0] in text
        for key in ("escape", "q", "question_mark"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, HelpScreen), key
            await pilot.press("question_mark")
            await pilot.pause()


# -- citation picker ------------------------------------------------------------------------


async def test_picker_copies_the_chosen_style_and_d_persists_the_default(
    isolated_home: Path,
) -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(CitationPickerScreen([FULL]))
        await pilot.pause()
        text = screen_text(app)
        assert citations.cite(FULL, "archive") in text  # the default style, previewed
        for style in citations.STYLES:
            assert citations.STYLE_LABELS[style] in text or style == "archive"
        target = citations.STYLES.index("mla")
        await pilot.press(*["down"] * target)
        await pilot.press("d")
        await pilot.pause()
        assert settings.default_style() == "mla"
        saved = json.loads((isolated_home / "config" / "settings.json").read_text())
        assert saved["default_style"] == "mla"
        await pilot.press("up", "enter")  # the style above MLA
        await pilot.pause()
        chosen = citations.STYLES[target - 1]
        assert app.results == [chosen]
        assert app.clipboard == citations.cite(FULL, chosen)
        assert settings.default_style() == "mla"  # choosing is not making default


async def test_picker_for_marked_records_is_a_bibliography_and_escape_cancels() -> None:
    records = [FULL, _record(1), _record(2)]
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(CitationPickerScreen(records))
        await pilot.pause()
        assert citations.bibliography(records, "archive") in screen_text(app)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.clipboard == citations.bibliography(records, citations.STYLES[1])
        app.open(CitationPickerScreen(records))
        await pilot.pause()
        clipboard = app.clipboard
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [citations.STYLES[1], None]
        assert app.clipboard == clipboard


# -- export ---------------------------------------------------------------------------------


async def _export(
    pilot: Any, app: Host, records: list[dict], keys: list[str], path: str | None = None
) -> None:
    app.open(ExportScreen(lambda: iter(records), len(records)))
    await pilot.pause()
    await pilot.press(*keys)
    if path is not None:
        field = app.screen.query_one("#export-path")
        field.value = path
    await pilot.pause()


async def test_export_writes_json_that_imports_back_and_reports_the_count(
    archive: Archive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    records = list(archive.records())
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        json_index = ExportScreen(lambda: iter(()), 0).formats.index("json")
        await _export(pilot, app, records, ["down"] * json_index + ["enter"])
        assert app.screen.query_one("#export-path").value == "archive-export.json"
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        target = tmp_path / "archive-export.json"
        assert app.results == [f"Exported {len(records)} records as JSON to {target}."]
        assert any(f"Exported {len(records)} records" in note for note in notifications(app))
    assert read_import_file(target) == records
    again = Archive.open(tmp_path / "again.json", create=True)
    again.add(read_import_file(target))
    assert list(again.records()) == records


async def test_export_never_overwrites_without_confirmation(tmp_path: Path) -> None:
    target = tmp_path / "mine.bib"
    target.write_text("precious\n")
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await _export(pilot, app, [FULL], ["tab"], path=str(target))
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text() == "precious\n"
        assert isinstance(app.screen, ExportScreen)
        assert "mine.bib already exists" in screen_text(app)
        # Changing the name drops the confirmation; coming back asks again.
        field = app.screen.query_one("#export-path")
        field.value = str(tmp_path / "other.bib")
        await pilot.pause()
        field.value = str(target)
        await pilot.pause()
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert target.read_text() == "precious\n"
        await pilot.press("enter")  # confirmed
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.results == [f"Exported 1 record as BibTeX to {target}."]
    assert target.read_text() == export_entry(FULL, "bibtex")  # the citation + people etc.


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/sub/out.bib", "does not exist"),
        ("folder", "is a folder"),
        ("/proc/archive-tui-export.bib", "/proc"),
    ],
)
async def test_export_errors_are_shown_in_the_dialog(
    tmp_path: Path, where: str, message: str
) -> None:
    (tmp_path / "folder").mkdir()
    path = where if where.startswith("/") else str(tmp_path / where)
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await _export(pilot, app, [FULL], ["tab"], path=path)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)  # still open, nothing lost
        shown = app.screen.query_one("#export-message", Static).visual
        assert message in str(getattr(shown, "plain", shown))
        assert app.results == []
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
    assert not os.path.exists(path) or os.path.isdir(path)


async def test_export_format_choice_sets_the_extension(tmp_path: Path) -> None:
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        await _export(pilot, app, [FULL], [])
        field = app.screen.query_one("#export-path")
        seen = [field.value]
        for _ in range(4):
            await pilot.press("down")
            await pilot.pause()
            seen.append(field.value)
        assert seen == [
            "archive-export.bib",
            "archive-export.ris",
            "archive-export.csv",
            "archive-export.json",
            "archive-export.csl.json",
        ]


# -- in the real app ------------------------------------------------------------------------


async def test_the_app_opens_a_result_in_the_document_view_and_comes_back(
    archive: Archive,
) -> None:
    from archive_tui.ui.app import ArchiveApp

    app = ArchiveApp(archive=archive, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.press(*"missiles")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.record is not None and app.screen.record["id"] == FULL["id"]
        await pilot.press("c")
        await pilot.pause()
        assert app.clipboard == citations.cite(FULL, settings.default_style())
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "Document view" in screen_text(app)
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert not isinstance(app.screen, (DocumentScreen, HelpScreen))


async def test_escape_during_an_export_cancels_it_and_leaves_no_file(tmp_path: Path) -> None:
    import asyncio

    paused, resume = threading.Event(), threading.Event()

    def records() -> Any:
        for n in range(3000):
            if n == 1500:  # progress(1000) has been reported; wait for the user's escape
                paused.set()
                resume.wait(10)
            yield _record(n)

    target = tmp_path / "big.json"
    app = Host()
    async with app.run_test(size=(80, 24)) as pilot:
        app.open(ExportScreen(records, 3000))
        await pilot.pause()
        app.screen.query_one("#export-path").value = str(target)
        app.screen.query_one("#export-path").focus()
        await pilot.pause()
        await pilot.press("enter")
        assert await asyncio.to_thread(paused.wait, 10)
        await pilot.press("escape")
        await pilot.pause()
        assert "Cancelling" in screen_text(app)
        resume.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.results == [None]
        assert any("Export cancelled" in note for note in notifications(app))
    assert list(tmp_path.iterdir()) == []
