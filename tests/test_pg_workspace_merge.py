"""``archive-tui workspace --import FILE --db postgresql://…``: a workspace file (a laptop's,
exported) merged into a researcher's workspace in PostgreSQL by the local merge's rules,
in one transaction. The same file merged into the same starting state, locally and in
the database, gives the same workspace. Real processes, a real server, a real role."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pg_roles
from test_cli import run_cli

from archive_tui.pg.workspace import PgWorkspace
from archive_tui.workspace import Workspace

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db

SETUP = (  # the same on both sides before the merge
    ("tag", "r1", "--add", "Berlin", "--force"),
    ("note", "r1", "--set", "Mine: Manac’h met Громыко.", "--force"),
    ("list", "Wall", "--add", "r2", "--force"),
    ("saved", "crisis", "--query", "missile"),
)
INCOMING = (  # what the laptop's workspace holds
    ("tag", "r1", "--add", "berlin", "wall", "--force"),
    ("tag", "r3", "--add", "Piné", "--force"),
    ("note", "r1", "--set", "Theirs: see the telegram.", "--force"),
    ("note", "r4", "--set", "A new note\x01 with a control character.", "--force"),
    ("list", "Wall", "--add", "r5", "r2", "--force"),
    ("list", "Chapter 3", "--add", "r6", "--force"),
    ("saved", "crisis", "--query", "cuba"),
    ("saved", "berlin", "--query", "wall", "--filter", "type=Telegram"),
)


def state(ws: Workspace | PgWorkspace) -> dict:
    return {
        "tags": ws.tagged(),
        "notes": ws.notes(),
        "lists": ws.lists(),
        "saved": [(s.name, s.query, dict(s.filters), s.sort) for s in ws.saved_searches()],
    }


def test_a_workspace_file_merges_into_the_database_as_locally(
    make_role: Callable[..., str], tmp_path: Path
) -> None:
    laptop = tmp_path / "laptop"
    for args in INCOMING:
        assert run_cli(*args, home=laptop).returncode == 0
    exported = tmp_path / "laptop-workspace.json"
    assert run_cli("workspace", "--export", exported, home=laptop).returncode == 0
    local_home, ann = tmp_path / "here", make_role("ann")
    for args in SETUP:
        assert run_cli(*args, home=local_home).returncode == 0
        assert run_cli(*args, "--db", ann).returncode == 0, args
    here = run_cli("workspace", "--import", exported, "--json", home=local_home)
    there = run_cli("workspace", "--import", exported, "--json", "--db", ann)
    assert there.returncode == here.returncode == 0, there.stderr
    report = json.loads(there.stdout)
    assert report == json.loads(here.stdout)
    assert report["notes_combined"] == ["r1"] and report["saved_added"] == [
        "crisis (imported)",
        "berlin",
    ]
    # the same workspace on both sides
    mine = PgWorkspace.open(ann)
    merged_locally = Workspace.open(local_home / "data" / "workspace.json")
    assert state(mine) == state(merged_locally)
    assert mine.tags("r1") == ["Berlin", "wall"]
    assert mine.lists()["Wall"] == ["r2", "r5"]
    assert "--- imported note ---\nTheirs: see the telegram." in mine.note("r1")
    # the laptop's log came along, in time order
    events = [e["event"] for e in mine.log()]
    assert events.count("tag") >= 3 and events.count("note") >= 3
    times = [e["at"] for e in mine.log()]
    assert times == sorted(times)
    # merging again changes nothing
    again = run_cli("workspace", "--import", exported, "--json", "--db", ann)
    assert json.loads(again.stdout)["records_tagged"] == 0
    assert state(PgWorkspace.open(ann)) == state(mine)


def test_a_bad_workspace_file_changes_nothing(
    make_role: Callable[..., str], tmp_path: Path
) -> None:
    ann = make_role("ann")
    assert run_cli("tag", "r1", "--add", "kept", "--force", "--db", ann).returncode == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"tags": {"1": {"id": "r1", "tags": ["x"]}', encoding="utf-8")
    proc = run_cli("workspace", "--import", bad, "--db", ann)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1
    assert str(bad) in proc.stderr
    assert PgWorkspace.open(ann).tagged() == {"r1": ["kept"]}
