"""Two researchers (two PostgreSQL roles) on one archive: the app of one sees the other's
shared tags and lists live in the document view, and never the other's private notes or
unshared tags. The real app under the pilot, real roles, row-level security."""

from __future__ import annotations

from collections.abc import Callable

import pg_roles
from test_app import make_records, ready, settle
from test_ui_live import wait_for
from test_ws_ui import annotations_text

from archive_tui.pg import connect
from archive_tui.pg.archive import PgArchive
from archive_tui.pg.workspace import PgWorkspace
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db


async def test_another_researchers_shared_tags_and_lists_show_up_live(
    make_role: Callable[..., str], pg_workspace_db: str
) -> None:
    archive = PgArchive.open(pg_workspace_db)
    archive.add(make_records(30))
    archive.close()
    with connect(pg_workspace_db, autocommit=True) as conn:  # researchers read the archive
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO archive_tui_users")
    ann, bob = make_role("ann"), make_role("bob")
    owner = pg_roles.role_of(ann)
    mine = PgWorkspace.open(ann)
    mine.add_tags(["rec-00003"], ["wall"])
    mine.share("tag", "wall", "archive_tui_users")
    mine.add_tags(["rec-00003"], ["kept to myself"])
    mine.set_note("rec-00003", "KESTREL said so")
    app = ArchiveApp(bob, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(app, pilot)
        await pilot.press(*"Telegram 3 ")
        await pilot.press("backspace")
        await settle(app, pilot)
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.record["id"] == "rec-00003"
        await wait_for(pilot, lambda: f"{owner}: #wall" in annotations_text(app), "shared tag")
        await wait_for(pilot, lambda: app.shared.listening, "listening", 10)
        reads = app.shared.reads
        mine.add_to_list("Berlin 1961", ["rec-00003"])  # not shared yet: nothing to see
        mine.share("list", "Berlin 1961", "archive_tui_users")  # now it is
        await wait_for(
            pilot,
            lambda: f"{owner}'s list Berlin 1961" in annotations_text(app),
            "the shared list, live",
            10,
        )
        assert app.shared.reads > reads and app.shared.news >= 1  # heard, then read again
        shown = annotations_text(app)
        assert "KESTREL" not in shown and "kept to myself" not in shown
        mine.unshare("tag", "wall")
        await wait_for(pilot, lambda: "#wall" not in annotations_text(app), "unshared", 10)
