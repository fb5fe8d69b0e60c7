"""Snapshots of the document view and the help screen at 80x24 and 160x50.

Deterministic: a fixed archive written to a temp folder, no clock or timing on screen.
Update after an intended change with ``pytest tests/test_snapshots_screens.py --snapshot-update``
and look at the SVGs in tests/__snapshots__/test_snapshots_screens/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from archive_tui.archive import Archive
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.help import HelpScreen

RECORDS = [
    {
        "id": "snap-1962-10-memo",
        "date": "1962-10",
        "title": "Memorandum on the Soviet missiles in Cuba [b]draft[/b]",
        "summary": "The Soviet missiles and what to do about them; dated to the month only.",
        "text": (
            "The missiles were first seen on photographs taken over western Cuba.\n\n"
            "A second paragraph, with a control character \x1b[31m shown as a picture, "
            "and more words about the missiles so that the text wraps on a narrow screen."
        ),
        "collection": "Snapshot Collection",
        "document_type": "Memorandum",
        "language": "English",
        "people": ["Nikita Khrushchev", "John F. Kennedy"],
        "places": ["Havana"],
        "subjects": ["Cuban Missile Crisis"],
        "source": "Snapshot Archive, Box 1",
        "classification": "Secret",
        "url": "https://example.org/snap-1962-10-memo",
    },
    *(
        {
            "id": f"snap-related-{n}",
            "date": f"1962-11-{n + 1:02d}",
            "title": f"Telegram {n} on the Cuban crisis",
            "subjects": ["Cuban Missile Crisis"],
            "people": ["Nikita Khrushchev"],
        }
        for n in range(4)
    ),
]


class SnapHost(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("question_mark", "help", "Help")]

    def __init__(self, archive: Any, *, document: bool) -> None:
        super().__init__()
        self.archive = archive
        self.document = document

    def compose(self) -> ComposeResult:
        yield Static("Host screen")

    def on_mount(self) -> None:
        if self.document:
            result = self.archive.search("missiles")
            self.push_screen(DocumentScreen(self.archive, result, 0))

    def action_help(self) -> None:
        self.push_screen(HelpScreen())


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    archive = Archive.open(tmp_path / "records.json", create=True)
    archive.add(RECORDS)
    return archive


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_document_view(snap_compare: Any, archive: Archive, size: tuple[int, int]) -> None:
    assert snap_compare(SnapHost(archive, document=True), terminal_size=size)


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_help_screen(snap_compare: Any, archive: Archive, size: tuple[int, int]) -> None:
    assert snap_compare(
        SnapHost(archive, document=False), press=["question_mark"], terminal_size=size
    )
