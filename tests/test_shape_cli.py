"""Issue 11 in the CLI, through real subprocesses: import derives provenance, search --json
has the histogram, `timeline` draws it, new --filter fields, alias file problems on stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT

NODIS = "Source: National Archives, RG 59, POL 1. Secret; Nodis."
RECORDS = [
    {"id": "a", "date": "1961-03-01", "title": "Alpha memo", "source": NODIS},
    {"id": "b", "date": "1961-03-20", "title": "Beta memo"},
    {"id": "c", "date": "1962-01-05", "title": "Gamma memo", "people": ["Gromyko, Andrei A."]},
    {"id": "d", "date": "1963-11-23", "title": "Delta memo", "people": ["Gromyko, Andrei M."]},
]


def run_cli(*args: object, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, ARCHIVE_TUI_HOME=str(home), COLUMNS="60")
    proc = subprocess.run(
        [sys.executable, "-m", "archive_tui", *map(str, args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def _db(tmp_path: Path, home: Path) -> Path:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(RECORDS), encoding="utf-8")
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", src, home=home)
    assert proc.returncode == 0, proc.stderr
    return db


def test_import_stores_provenance_and_filters_use_it(tmp_path: Path, isolated_home) -> None:
    db = _db(tmp_path, isolated_home)
    stored = json.loads(db.read_text(encoding="utf-8"))["records"]
    alpha = next(r for r in stored.values() if r["id"] == "a")
    assert (alpha["classification"], alpha["handling"], alpha["repository"]) == (
        "Secret",
        ["Nodis"],
        "National Archives",
    )
    proc = run_cli("--db", db, "search", "--json", "--filter", "class=secret", home=isolated_home)
    assert [h["id"] for h in json.loads(proc.stdout)["hits"]] == ["a"]
    proc = run_cli("--db", db, "search", "--json", "--filter", "admin=lbj", home=isolated_home)
    assert [h["id"] for h in json.loads(proc.stdout)["hits"]] == ["d"]
    proc = run_cli(
        "--db", db, "search", "--json", "--filter", "person=Gromyko, Andrei M.", home=isolated_home
    )
    assert sorted(h["id"] for h in json.loads(proc.stdout)["hits"]) == ["c", "d"]
    again = run_cli("--db", db, "import", "--dry-run", tmp_path / "in.json", home=isolated_home)
    assert "add 0 and update 0" in again.stdout  # derived fields count as the same record


def test_search_json_has_an_exact_histogram(tmp_path: Path, isolated_home) -> None:
    db = _db(tmp_path, isolated_home)
    out = json.loads(run_cli("--db", db, "search", "--json", "memo", home=isolated_home).stdout)
    hist = out["histogram"]
    assert hist["unit"] == "month" and hist["undated"] == 0
    counts = {b["bucket"]: b["count"] for b in hist["buckets"]}
    assert len(counts) == 33  # 1961-03 .. 1963-11, empty months included
    assert (counts["1961-03"], counts["1962-01"], counts["1963-11"]) == (2, 1, 1)
    assert sum(counts.values()) + hist["undated"] == out["total"] == 4
    assert out["facets"]["admin"] == {"Kennedy": 3, "Johnson": 1}


def test_timeline_command_prints_the_chart(tmp_path: Path, isolated_home) -> None:
    db = _db(tmp_path, isolated_home)
    proc = run_cli("--db", db, "timeline", "memo", "--to", "1961-12", home=isolated_home)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "1961-03 " + "█" * 50 + " 2"  # 60 columns: the whole width
    assert lines[-1] == "2 records by month."
    assert len(lines) == 2 and all(len(line) <= 60 for line in lines)
    every = run_cli("--db", db, "timeline", "--from", "1950", home=isolated_home).stdout
    lines = every.splitlines()
    assert len(lines) == 34 and lines[-1] == "4 records by month."  # 33 months, gaps shown
    assert lines[1] == "1961-04" + " " * 52 + "0"  # an empty month: no bar
    none = run_cli("--db", db, "timeline", "zebra", home=isolated_home)
    assert none.returncode == 0 and none.stdout == "No records match.\n"
    as_json = json.loads(run_cli("--db", db, "timeline", "--json", home=isolated_home).stdout)
    assert as_json["total"] == 4 and as_json["unit"] == "month"


def test_bad_alias_lines_are_reported_on_stderr(tmp_path: Path, isolated_home) -> None:
    db = _db(tmp_path, isolated_home)
    data = isolated_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "people-aliases.txt").write_text("Gromyko, Andrei A.\n", encoding="utf-8")
    proc = run_cli("--db", db, "search", "memo", home=isolated_home)
    assert proc.returncode == 0
    assert proc.stderr.count("people-aliases.txt, line 1") == 1
    assert "memo" not in proc.stderr
