"""The workspace commands with `--db postgresql://…`: real subprocesses, a real server,
the connecting role's rows; the local workspace file is never touched."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pg_roles
import pytest
from test_cli import run_cli

from archive_tui.paths import workspace_path
from archive_tui.pg.workspace import PgWorkspace
from archive_tui.workspace import Workspace

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db


@pytest.fixture
def ann(make_role: Callable[..., str]) -> str:
    return make_role("ann")


def cli_json(address: str, *args: object) -> dict:
    proc = run_cli(*args, "--db", address, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_annotating_commands_work_on_the_database(ann: str, tmp_path: Path) -> None:
    # --force: the ids are not checked against an archive here (records are another module's)
    out = cli_json(ann, "tag", "r1", "r2", "--add", "Berlin 1961", "Piné", "--force")
    assert out["records"][0] == {"id": "r1", "tags": ["Berlin 1961", "Piné"]}
    assert cli_json(ann, "tag", "r1", "--remove", "pine")["records"] == [
        {"id": "r1", "tags": ["Berlin 1961"]}
    ]
    assert cli_json(ann, "tags")["tags"] == [
        {"tag": "Berlin 1961", "count": 2},
        {"tag": "Piné", "count": 1},
    ]
    assert cli_json(ann, "note", "r1", "--set", "Manac’h met Громыко.", "--force")["saved"]
    assert run_cli("note", "r1", "--db", ann).stdout == "Manac’h met Громыко.\n"
    assert cli_json(ann, "list", "Wall", "--add", "r2", "r1", "--force")["ids"] == ["r2", "r1"]
    assert cli_json(ann, "lists")["lists"] == [{"name": "Wall", "count": 2}]
    saved = cli_json(ann, "saved", "wall", "--query", "berlin wall", "--sort", "date")
    assert saved["saved"] == {"name": "wall", "query": "berlin wall", "filters": {},
                              "sort": "date"}  # fmt: skip
    assert [s["name"] for s in cli_json(ann, "saved")["saved"]] == ["wall"]
    assert cli_json(ann, "history")["history"] == []
    events = [e["event"] for e in cli_json(ann, "log")["log"]]
    assert events == ["tag", "tag", "tag", "note"]
    summary = cli_json(ann, "workspace")
    assert summary["tagged records"] == 2 and summary["notes"] == 1 and "***@" in summary["path"]
    # the rows are the role's in the database, and the local file was never written
    assert PgWorkspace.open(ann).lists() == {"Wall": ["r2", "r1"]}
    assert not workspace_path().exists()
    # the database workspace exported as a file the local workspace reads
    target = tmp_path / "from-pg.json"
    assert cli_json(ann, "workspace", "--export", target)["entries"] >= 5
    local = Workspace.open(target)
    assert local.tags("r1") == ["Berlin 1961"] and local.note("r1") == "Manac’h met Громыко."
    assert local.lists() == {"Wall": ["r2", "r1"]}
    # and merged back (tests/test_pg_workspace_merge.py): it holds nothing new
    merged = cli_json(ann, "workspace", "--import", target)
    assert (merged["records_tagged"], merged["notes_added"], merged["lists_changed"]) == (0, 0, 0)


def test_archive_tui_db_in_the_environment_chooses_the_database(ann: str) -> None:
    proc = run_cli("tag", "r9", "--add", "from env", "--force", ARCHIVE_TUI_DB=ann)
    assert proc.returncode == 0, proc.stderr
    assert PgWorkspace.open(ann).tags("r9") == ["from env"]
    assert not workspace_path().exists()


def test_a_database_problem_is_one_sentence(make_role: Callable[..., str]) -> None:
    outsider = make_role("outsider", researcher=False)
    proc = run_cli("tags", "--db", outsider)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "archive-tui db add-user" in proc.stderr
    proc = run_cli("tags", "--db", "postgresql://nobody:secret@127.0.0.1:1/none")
    assert proc.returncode == 1 and "cannot connect" in proc.stderr
    assert "secret" not in proc.stderr and "Traceback" not in proc.stderr


def test_share_a_list_with_a_group_from_the_command_line(
    make_role: Callable[..., str], pg_workspace_db: str
) -> None:
    from archive_tui.pg import connect

    ann, bob, eve = make_role("ann"), make_role("bob"), make_role("eve")
    team = make_role("team", login=False)
    with connect(pg_workspace_db, autocommit=True) as admin:
        admin.execute(f'GRANT "{team}" TO "{pg_roles.role_of(bob)}"')
    cli_json(ann, "list", "Berlin 1961", "--add", "r2", "r1", "--force")
    cli_json(ann, "note", "r1", "--set", "private thought", "--force")
    out = cli_json(ann, "share", "list", "berlin 1961", "--with", team)
    assert out == {"command": "share", "kind": "list", "name": "berlin 1961", "with": team}
    owner = pg_roles.role_of(ann)
    assert cli_json(bob, "shared")["lists"] == [
        {"owner": owner, "name": "Berlin 1961", "ids": ["r2", "r1"]}
    ]
    assert f"{owner}'s list Berlin 1961: 2 records" in run_cli("shared", "--db", bob).stdout
    assert run_cli("note", "r1", "--db", bob).stdout == "'r1' has no note\n"
    assert cli_json(eve, "shared") == {"mine": [], "lists": [], "tags": []}
    assert cli_json(ann, "shared")["mine"] == [
        {"kind": "list", "name": "berlin 1961", "with": team}
    ]
    assert cli_json(ann, "share", "list", "Berlin 1961", "--stop")["stopped"] == 1
    assert cli_json(bob, "shared")["lists"] == []
    proc = run_cli("shared")  # the local workspace cannot share
    assert proc.returncode == 1 and "sharing needs a workspace in PostgreSQL" in proc.stderr
    proc = run_cli("share", "tag", "x", "--with", "atui_no_such_role", "--db", ann)
    assert proc.returncode == 2 and "no role named" in proc.stderr
