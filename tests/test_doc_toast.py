"""The copy notification is two short lines, and brief; the full text is kept (item 10)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets._toast import Toast

from archive_tui import citations, settings
from archive_tui.archive import Archive
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.clipboard import NOTIFY_TIMEOUT, _preview


def _records(count: int) -> list[dict]:
    return [
        {
            "id": f"bib-{n:02d}",
            "date": f"1962-10-{n + 1:02d}",
            "title": f"Telegram {n} From the Embassy in the Soviet Union to the Department",
            "summary": f"Telegram {n} on the missiles.",
            "collection": "Foreign Relations of the United States, 1961–1963, Volume XI",
            "source": "Source: Department of State, Central Files, 611.3722/10–2262.",
            "url": f"https://history.state.gov/historicaldocuments/frus1961-63v11/d{n}",
        }
        for n in range(12)
    ]


async def test_a_bibliography_copy_is_a_two_line_toast_over_nothing_else(tmp_path: Path) -> None:
    settings.set_default_style("chicago-bib")
    archive = Archive.open(tmp_path / "records.json", create=True)
    records = _records(12)
    archive.add(records)
    app = ArchiveApp(archive=archive, show_timing=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        for _ in range(50):
            await app.workers.wait_for_complete()
            await pilot.pause()
            if app.main_screen.result is not None and app.main_screen.result.total == 12:
                break
        await pilot.press("enter")  # search box -> results
        for _ in range(12):
            await pilot.press("space", "down")
        await pilot.pause()
        assert len(app.marks) == 12
        await pilot.press("c")
        await pilot.pause()
        await pilot.pause()
        expected = citations.bibliography(list(app.marks.values()), "chicago-bib")
        assert app.clipboard == expected  # the clipboard has all of it
        assert expected.count("\n") >= 12
        for _ in range(20):
            toasts = list(app.screen.query(Toast))
            if toasts and toasts[0].region.height:
                break
            await pilot.pause(0.02)
        assert len(toasts) == 1
        toast = toasts[0]
        # title + first words, with the toast's padding: 4 rows, not 16
        assert toast.region.height <= 4, toast.region
        notes = list(app._notifications)
        assert notes[-1].timeout <= NOTIFY_TIMEOUT <= 5
        message = notes[-1].message
        assert "\n" not in message
        assert message.startswith("Copied bibliography") and "(chicago-bib)" in message
        assert expected.split()[0] in message  # its first words


def test_preview_is_the_first_words_on_one_line() -> None:
    text = "Kennan, George F.\n   “Telegram From the Embassy in the Soviet Union.” Foreign…"
    shown = _preview(text, 36)
    assert shown == "Kennan, George F. “Telegram From…"
    assert _preview("Short one.", 36) == "Short one."
    assert _preview("x" * 100, 36) == "x" * 35 + "…"
