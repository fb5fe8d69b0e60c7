"""Stopping a share from the app: the lists picker's ``S`` and the document view's ``S``
(a workspace in PostgreSQL only) end what ``s`` started; another researcher's role can
then no longer read the list or tag. A list that is not shared is said in one sentence;
on a local workspace the key is not there."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pg_roles
from test_app import make_records, ready
from test_pg_app_share import an_archive, open_tagged, said
from test_research_app import footer_text, picker_lines, type_text
from test_ui_live import wait_for

from archive_tui.archive import add_to_store
from archive_tui.pg.workspace import PgWorkspace
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.screens.document import DocumentScreen
from archive_tui.ui.screens.pickers import ListPicker
from archive_tui.ui.screens.prompt import PromptScreen
from archive_tui.workspace import Workspace

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db
SIZE = (100, 30)
EVERYONE = "archive_tui_users"


async def test_a_list_stops_being_shared_from_the_lists_picker(
    make_role: Callable[..., str], pg_workspace_db: str
) -> None:
    an_archive(pg_workspace_db)
    ann, bob = make_role("ann"), make_role("bob")
    mine = PgWorkspace.open(ann)
    mine.add_to_list("Berlin 1961", ["rec-00003", "rec-00001"])
    mine.add_to_list("Private", ["rec-00002"])
    mine.share("list", "Berlin 1961", EVERYONE)
    owner = pg_roles.role_of(ann)
    assert PgWorkspace.open(bob).shared_with_me().lists == {
        (owner, "Berlin 1961"): ["rec-00003", "rec-00001"]
    }
    app = ArchiveApp(ann, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("escape", "O")
        await pilot.pause()
        assert isinstance(app.screen, ListPicker) and "Private" in picker_lines(app)[1]
        assert "s share · S stop · esc" in str(app.screen.query_one("#picker-keys").render())
        await pilot.press("down", "S")  # not shared: one sentence, nothing changes
        await wait_for(pilot, lambda: any("nothing was changed" in m for m in said(app)), "no")
        assert said(app)[-1] == "Your list Private is not shared with a group; nothing was changed."
        await pilot.press("up", "S")  # shared with one group: it stops at once
        await wait_for(pilot, lambda: any("no longer" in m for m in said(app)), "stopped")
        assert said(app)[-1] == (
            f"The members of {EVERYONE} can no longer read your list Berlin 1961."
        )
        assert isinstance(app.screen, ListPicker)  # still in the picker
    assert PgWorkspace.open(bob).shared_with_me().lists == {}  # row-level security says no
    assert PgWorkspace.open(ann).shares() == []
    assert PgWorkspace.open(ann).lists()["Berlin 1961"] == ["rec-00003", "rec-00001"]


async def test_a_tag_stops_being_shared_with_one_group_from_the_document_view(
    make_role: Callable[..., str], pg_workspace_db: str
) -> None:
    an_archive(pg_workspace_db)
    ann, bob = make_role("ann"), make_role("bob")
    team = make_role("team", login=False)
    mine = PgWorkspace.open(ann)
    mine.add_tags(["rec-00000"], ["wall", "kept to myself"])
    mine.share("tag", "wall", EVERYONE)
    mine.share("tag", "wall", team)
    owner = pg_roles.role_of(ann)
    assert PgWorkspace.open(bob).shared_with_me().tags == {(owner, "wall"): ["rec-00000"]}
    app = ArchiveApp(ann, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_tagged(app, pilot, "wall")
        assert app.screen.record["id"] == "rec-00000"
        await pilot.press("S")  # one shared tag, two groups: which group?
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), "the question")
        assert app.screen.input_id == "unshare-input"
        assert sorted(app.screen.choices) == sorted([EVERYONE, team])
        await type_text(pilot, EVERYONE)
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("no longer" in m for m in said(app)), "stopped")
        assert said(app)[-1] == f"The members of {EVERYONE} can no longer read your tag wall."
        assert isinstance(app.screen, DocumentScreen)
    assert PgWorkspace.open(bob).shared_with_me().tags == {}  # bob is not in team
    assert [(s.kind, s.grantee) for s in PgWorkspace.open(ann).shares()] == [("tag", team)]


async def test_a_local_workspace_has_no_stop_sharing_key(tmp_path: Path) -> None:
    db = tmp_path / "archive.json"
    add_to_store(db, make_records(5))
    Workspace.open().add_to_list("Berlin 1961", ["rec-00001"])
    app = ArchiveApp(db, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("escape", "O")
        await pilot.pause()
        assert isinstance(app.screen, ListPicker) and "Stop sharing" not in footer_text(app)
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, ListPicker) and said(app) == []
        await pilot.press("escape", "enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen) and said(app) == []


async def test_which_tag_is_asked_when_several_of_the_record_s_tags_are_shared(
    make_role: Callable[..., str], pg_workspace_db: str
) -> None:
    an_archive(pg_workspace_db)
    ann, bob = make_role("ann"), make_role("bob")
    mine = PgWorkspace.open(ann)
    mine.add_tags(["rec-00000"], ["wall", "berlin", "kept to myself"])
    mine.share("tag", "wall", EVERYONE)
    mine.share("tag", "berlin", EVERYONE)
    owner = pg_roles.role_of(ann)
    app = ArchiveApp(ann, show_timing=False)
    async with app.run_test(size=SIZE) as pilot:
        await open_tagged(app, pilot, "wall")
        await pilot.press("S")  # two of its three tags are shared: which one?
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen), "the question")
        assert app.screen.input_id == "unshare-tag-input"
        assert sorted(app.screen.choices) == ["berlin", "wall"]
        await type_text(pilot, "berlin")
        await pilot.press("enter")  # shared with one group: it stops at once
        await wait_for(pilot, lambda: any("no longer" in m for m in said(app)), "stopped")
        assert said(app)[-1] == f"The members of {EVERYONE} can no longer read your tag berlin."
    assert PgWorkspace.open(bob).shared_with_me().tags == {(owner, "wall"): ["rec-00000"]}
