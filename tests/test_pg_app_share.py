"""Sharing a list from the app: the lists picker's ``s`` (a workspace in PostgreSQL only)
lets a group read the list; another researcher's role then reads it through row-level
security. A refusal is one sentence; on a local workspace the key is not there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pg_roles
from test_app import make_records, ready, settle
from test_research_app import footer_text, picker_lines, type_text
from test_ui_live import wait_for

from archive_tui.archive import add_to_store
from archive_tui.pg import connect
from archive_tui.pg.archive import PgArchive
from archive_tui.pg.workspace import PgWorkspace
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.pickers import ListPicker
from archive_tui.ui.screens.prompt import PromptScreen
from archive_tui.workspace import Workspace

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db
SIZE = (100, 30)


def said(app: ArchiveApp) -> list[str]:
    return [n.message for n in app._notifications]


def an_archive(address: str) -> None:
    """Ten records in the database at ``address``, readable by every researcher."""
    archive = PgArchive.open(address)
    archive.add(make_records(10))
    archive.close()
    with connect(address, autocommit=True) as conn:  # researchers read the archive
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO archive_tui_users")


async def open_tagged(app: ArchiveApp, pilot, tag: str) -> None:  # type: ignore[no-untyped-def]
    """Search ``tag:<tag>`` and open the first result in the document view."""
    screen = await ready(app, pilot)
    screen.search_input.value = f"tag:{tag}"
    await settle(app, pilot)
    await pilot.press("escape", "enter")
    await pilot.pause()
    assert isinstance(app.screen, DocumentScreen)


async def share_from_picker(app: ArchiveApp, pilot, role: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("escape", "O")
    await pilot.pause()
    assert isinstance(app.screen, ListPicker)
    assert "Berlin 1961" in picker_lines(app)[0]
    assert "Share" in footer_text(app)
    await pilot.press("s")
    await pilot.pause()
    assert isinstance(app.screen, PromptScreen)
    await type_text(pilot, role)
    await pilot.press("enter")


async def test_a_list_is_shared_from_the_lists_picker(
    make_role: Callable[..., str], pg_workspace_db: str
) -> None:
    archive = PgArchive.open(pg_workspace_db)
    archive.add(make_records(10))
    archive.close()
    with connect(pg_workspace_db, autocommit=True) as conn:  # researchers read the archive
        conn.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO archive_tui_users")
    ann, bob = make_role("ann"), make_role("bob")
    PgWorkspace.open(ann).add_to_list("Berlin 1961", ["rec-00003", "rec-00001"])
    assert PgWorkspace.open(bob).shared_with_me().lists == {}
    app = ArchiveApp(ann, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await share_from_picker(app, pilot, "no_such_group")  # refused: one sentence
        await wait_for(pilot, lambda: any("nothing was shared" in m for m in said(app)), "no")
        assert "there is no role named 'no_such_group' to share with; nothing was shared." in (
            said(app)
        )
        assert isinstance(app.screen, ListPicker)  # still in the picker, nothing lost
        await pilot.press("s")
        await pilot.pause()
        await type_text(pilot, "archive_tui_users")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("may now read" in m for m in said(app)), "shared")
    owner = pg_roles.role_of(ann)
    # the other researcher reads it now, through row-level security
    assert PgWorkspace.open(bob).shared_with_me().lists == {
        (owner, "Berlin 1961"): ["rec-00003", "rec-00001"]
    }
    assert [(s.kind, s.grantee) for s in PgWorkspace.open(ann).shares()] == [
        ("list", "archive_tui_users")
    ]


async def test_a_local_workspace_has_no_share_key(tmp_path: Path) -> None:
    db = tmp_path / "archive.json"
    add_to_store(db, make_records(5))
    Workspace.open().add_to_list("Berlin 1961", ["rec-00001"])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("escape", "O")
        await pilot.pause()
        assert isinstance(app.screen, ListPicker) and "Share" not in footer_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ListPicker)  # nothing asked


async def test_a_tag_is_shared_from_the_document_view(
    make_role: Callable[..., str], pg_workspace_db: str
) -> None:
    an_archive(pg_workspace_db)
    ann, bob = make_role("ann"), make_role("bob")
    PgWorkspace.open(ann).add_tags(["rec-00000"], ["wall", "kept to myself"])
    app = ArchiveApp(ann, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_tagged(app, pilot, "wall")
        assert app.screen.record["id"] == "rec-00000"
        await pilot.press("s")  # two tags: which one?
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen) and app.screen.input_id == "share-tag-input"
        await type_text(pilot, "wall")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen) and app.screen.input_id == "share-input"
        await type_text(pilot, "archive_tui_users")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("may now read your tag" in m for m in said(app)), "ok")
    owner = pg_roles.role_of(ann)
    assert PgWorkspace.open(bob).shared_with_me().tags == {(owner, "wall"): ["rec-00000"]}
