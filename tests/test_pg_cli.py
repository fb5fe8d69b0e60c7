"""``--db postgresql://…`` (and ARCHIVE_TUI_DB) in the CLI: the same output as a local
archive holding the same records, JSON and text, from real ``archive-tui`` processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_backend_contract import EXTRA, contract_records


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "archive_tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=180,
    )


@pytest.fixture
def both(pg_db: str, tmp_path: Path) -> tuple[str, str]:
    """(local store path, database address) holding the same records, imported by the CLI."""
    source = tmp_path / "records.json"
    source.write_text(json.dumps(contract_records()[:120] + EXTRA), encoding="utf-8")
    local = str(tmp_path / "local.json")
    assert run_cli("db", "init", "--db", pg_db).returncode == 0
    for target in (local, pg_db):
        done = run_cli("import", str(source), "--db", target, "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["added"] == 123
    return local, pg_db


def same(local: str, pg: str, *args: str) -> str:
    a = run_cli(*args, "--db", local)
    b = run_cli(*args, "--db", pg)
    assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
    assert b.stdout == a.stdout
    return a.stdout


def test_search_json_and_text_are_the_same(both: tuple[str, str]) -> None:
    local, pg = both
    for query in (["soviet"], ["Громыко"], ['"cuban missile"'], ["sov*", "--sort", "title"]):
        out = same(local, pg, "search", *query, "--json", "--limit", "15")
        assert json.loads(out)["total"] > 0
        same(local, pg, "search", *query, "--limit", "5")
    same(local, pg, "search", "missile", "--filter", "type=Note", "--from", "1962", "--json")
    same(local, pg, "search", "--limit", "0")  # facets as text
    same(local, pg, "search", "missle")  # did you mean


def test_show_cite_export_are_the_same(both: tuple[str, str], tmp_path: Path) -> None:
    local, pg = both
    same(local, pg, "show", "made-manach", "--json")
    same(local, pg, "show", "made-manach")
    same(local, pg, "cite", "made-manach", "made-pine", "--style", "chicago-note", "--json")
    same(local, pg, "export", "missile", "--format", "bibtex")
    same(local, pg, "export", "soviet", "--format", "json")


def test_stats_json_has_the_local_keys_and_counts(both: tuple[str, str]) -> None:
    local, pg = both
    a = json.loads(run_cli("stats", "--json", "--db", local).stdout)
    b = json.loads(run_cli("stats", "--json", env={"ARCHIVE_TUI_DB": pg}).stdout)
    assert set(b) == set(a)
    for key in (
        "records",
        "date_min",
        "date_max",
        "collections",
        "people",
        "subjects",
        "vocabulary",
        "facets",
    ):
        assert b[key] == a[key], key
    assert "postgresql://" in b["path"]


def test_environment_address_and_a_bad_address(both: tuple[str, str]) -> None:
    local, pg = both
    by_env = run_cli("search", "soviet", "--json", env={"ARCHIVE_TUI_DB": pg})
    assert by_env.stdout == run_cli("search", "soviet", "--json", "--db", local).stdout
    bad = run_cli("search", "x", "--db", "postgresql://nobody@127.0.0.1:1/none")
    assert bad.returncode == 1 and "cannot connect" in bad.stderr
    assert "Traceback" not in bad.stderr
