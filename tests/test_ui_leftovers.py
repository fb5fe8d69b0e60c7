"""Small things a user noticed in the app: the people alias file's bad lines are said in
the status line, cards of records without a summary show the text's opening, the person
page's footer fits 80 columns. Real store files, the real app under the pilot."""

from __future__ import annotations

from pathlib import Path

from test_app import make_records, ready, status_text, visible_text, write_store

from archive_tui.people_aliases import user_aliases_path
from archive_tui.ui.app import ArchiveApp


async def test_bad_lines_of_the_people_alias_file_are_said_in_the_status_line(
    tmp_path: Path,
) -> None:
    db = write_store(tmp_path / "records.json", make_records(12))
    aliases = user_aliases_path()
    aliases.parent.mkdir(parents=True, exist_ok=True)
    aliases.write_text("Person 1 = Person 2\nthis line means nothing\n", encoding="utf-8")
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await ready(app, pilot)
        await pilot.pause()
        text = status_text(screen)
        assert "People alias file" in text and "line 2" in text, text


async def test_a_card_without_a_summary_shows_the_opening_of_the_text(tmp_path: Path) -> None:
    records = make_records(3)
    for record in records:
        record.pop("summary")
    records[0]["text"] = "FROM THE AMBASSADOR.\n\nThe talks at Vienna went   badly for both sides."
    db = write_store(tmp_path / "records.json", records)
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await ready(app, pilot)
        drawn = visible_text(screen.results)
        assert "FROM THE AMBASSADOR. The talks at Vienna went badly for both sides." in drawn


def footer_keys_fit(screen) -> list[str]:  # type: ignore[no-untyped-def]
    """The footer keys that do not fit left of the palette key (cut by the edge)."""
    from textual.widgets import Footer
    from textual.widgets._footer import FooterKey

    footer = screen.query_one(Footer)
    keys = list(footer.query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    edge = palette[0].region.x if palette else footer.region.right
    return [
        f"{k.key_display} {k.description}"
        for k in keys
        if k not in palette and k.region.right > edge
    ]


async def test_the_person_page_and_document_footers_fit_80_columns(tmp_path: Path) -> None:
    from archive_tui.ui.screens.document import DocumentScreen
    from archive_tui.ui.screens.person import EntityScreen

    db = write_store(tmp_path / "records.json", make_records(12))
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(app, pilot)
        await pilot.press("escape", "enter")
        await pilot.pause(0.2)
        assert isinstance(app.screen, DocumentScreen)
        assert footer_keys_fit(app.screen) == []
        app.push_screen(EntityScreen("people", "Person 1", app.archive))
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        await pilot.pause(0.2)
        assert isinstance(app.screen, EntityScreen)
        assert footer_keys_fit(app.screen) == []
        del screen
