"""`archive-tui search` with your workspace: real subprocesses, a real archive and a real
workspace file under ARCHIVE_TUI_HOME."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import run_cli, small_db  # noqa: F401  (a fixture)

from archive_tui.paths import workspace_path
from archive_tui.workspace import Workspace

VIENNA, PINE, MANACH = "t-1961-vienna", "t-1955-pine", "t-1969-manach"


def search_json(db: Path, *args: object) -> dict:
    proc = run_cli("--db", db, "search", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def found(result: dict) -> set[str]:
    return {hit["id"] for hit in result["hits"]}


def test_search_finds_tags_notes_and_lists_and_counts_them(small_db: Path) -> None:  # noqa: F811
    ws = Workspace.open()
    ws.add_tags([VIENNA, PINE], ["Berlin"])
    ws.set_note(MANACH, "Ask about the Berlin question in the archive of the Quai.")
    ws.add_to_list("chapter 3", [VIENNA])
    assert found(search_json(small_db, "tag:berlin")) == {VIENNA, PINE}
    assert found(search_json(small_db, "note:quai")) == {MANACH}
    assert found(search_json(small_db, "has:note")) == {MANACH}
    assert found(search_json(small_db, 'list:"Chapter 3"')) == {VIENNA}
    # a bare word finds the note too
    assert MANACH in found(search_json(small_db, "quai"))
    result = search_json(small_db, "--filter", "tag=berlin")
    assert found(result) == {VIENNA, PINE}
    assert result["facets"]["tags"] == {"Berlin": 2}
    assert result["facets"]["lists"] == {"chapter 3": 1}
    assert found(search_json(small_db, "--filter", "list=chapter 3")) == {VIENNA}
    text = run_cli("--db", small_db, "search", "tag:berlin")
    assert text.returncode == 0 and VIENNA in text.stdout


def test_a_corrupt_or_missing_workspace_never_fails_a_search(small_db: Path) -> None:  # noqa: F811
    assert search_json(small_db, "tag:berlin")["total"] == 0  # no workspace yet: fine
    path = workspace_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('{"tags": {"1": ', encoding="utf-8")
    proc = run_cli("--db", small_db, "search", "vienna", "--json")
    assert proc.returncode == 0
    assert VIENNA in found(json.loads(proc.stdout))
    assert "searching without your tags and notes" in proc.stderr
    assert str(path) in proc.stderr
    assert path.read_text(encoding="utf-8") == '{"tags": {"1": '  # left untouched
