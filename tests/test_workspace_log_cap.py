"""The research log is capped: the workspace keeps the newest LOG_CAP entries and rolls the
older ones to a JSON-lines file beside it, so nothing is lost and the methods appendix
(``log --markdown``) still covers every search. Real files; the CLI as a real process."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import run_cli
from test_app import make_records, write_store

import archive_tui.workspace.state as state
from archive_tui.paths import workspace_path
from archive_tui.workspace import Workspace


@pytest.fixture
def small_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state, "LOG_CAP", 20)
    monkeypatch.setattr(state, "LOG_SLACK", 5)


def test_the_log_keeps_the_newest_entries_and_rolls_the_older_beside_it(
    tmp_path: Path, small_cap: None
) -> None:
    ws = Workspace.open(tmp_path / "workspace.json")
    for n in range(60):
        ws.log_search(f"query {n}", {}, n)
    kept = Workspace.open(tmp_path / "workspace.json").log()
    assert 20 <= len(kept) <= 25
    assert kept[-1]["query"] == "query 59"
    assert [e["query"] for e in kept] == [f"query {n}" for n in range(60 - len(kept), 60)]
    rolled = tmp_path / "workspace.log-older.jsonl"
    assert ws.older_log_path == rolled and rolled.exists()
    everything = Workspace.open(tmp_path / "workspace.json").log(older=True)
    assert [e["query"] for e in everything] == [f"query {n}" for n in range(60)]
    assert [e["count"] for e in everything] == list(range(60))


def test_a_crash_between_roll_and_write_repeats_nothing_and_loses_nothing(
    tmp_path: Path, small_cap: None
) -> None:
    ws = Workspace.open(tmp_path / "workspace.json")
    for n in range(24):
        ws.log_search(f"query {n}", {}, n)
    # as if the roll had been appended but the workspace never written: the same entries
    # are in both files
    table = ws.tables["log"]
    first = list(table.values())[:6]
    import orjson

    with ws.older_log_path.open("ab") as out:
        for event in first:
            out.write(orjson.dumps(event) + b"\n")
        out.write(b'{"at": "2026-11-30T07:00:00Z", "ev')  # and a torn last line
    events = Workspace.open(tmp_path / "workspace.json").log(older=True)
    assert [e["query"] for e in events] == [f"query {n}" for n in range(24)]


def test_log_markdown_covers_the_rolled_searches(tmp_path: Path, small_cap: None) -> None:
    db = write_store(tmp_path / "records.json", make_records(5))
    ws = Workspace.open(workspace_path())
    for n in range(40):
        ws.log_search(f"query {n}", {}, n)
    assert len(ws.log()) < 40
    target = tmp_path / "appendix.md"
    proc = run_cli("--db", db, "log", "--markdown", "-o", target)
    assert proc.returncode == 0, proc.stderr
    text = target.read_text(encoding="utf-8")
    assert "`query 0`" in text and "`query 39`" in text
    assert text.count("- 20") == 40  # one dated line per search
