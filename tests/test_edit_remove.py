"""`archive-tui remove` and `archive-tui edit`: real processes, a real editor script, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SHIPPED_PATH
from test_cli import RECORDS, digest, run_cli, write_json

from archive_tui.archive import Archive
from archive_tui.paths import user_archive_path
from archive_tui.store import RecordStore

SHIPPED_ID = "wilson-1944-11-09-wilgress"

# An "editor": a program called with the file, which rewrites it as the test says.
EDITOR = """\
import json, pathlib, sys
path = pathlib.Path(sys.argv[-1])
mode = pathlib.Path(__file__).with_suffix(".mode").read_text().split()
count_file = pathlib.Path(__file__).with_suffix(".count")
calls = int(count_file.read_text()) if count_file.exists() else 0
count_file.write_text(str(calls + 1))
step = mode[min(calls, len(mode) - 1)]
if step == "title":
    record = json.loads(path.read_text(encoding="utf-8"))
    record["title"] = "Edited title, Манак’h"
    record.setdefault("date", "1955-03-19")  # puts back what a "nodate" step took out
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
elif step == "broken":
    path.write_text('{"id": "x", "title": oops', encoding="utf-8")
elif step == "nodate":
    record = json.loads(path.read_text(encoding="utf-8"))
    del record["date"]
    path.write_text(json.dumps(record), encoding="utf-8")
elif step == "fail":
    sys.exit(3)
"""


@pytest.fixture
def editor(tmp_path: Path):
    script = tmp_path / "editor.py"
    script.write_text(EDITOR, encoding="utf-8")

    def with_steps(*steps: str) -> dict[str, str]:
        script.with_suffix(".mode").write_text(" ".join(steps))
        script.with_suffix(".count").unlink(missing_ok=True)
        return {"EDITOR": f"{sys.executable} {script}", "VISUAL": ""}

    return with_steps


def run_edit(*args: object, stdin: str = "", env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "archive_tui", "edit", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def user_records() -> dict[str, dict]:
    path = user_archive_path()
    if not path.exists():
        return {}
    return {r["id"]: r for r in RecordStore.open(path, read_only=True).load()}


# --------------------------------------------------------------------------- edit


def test_edit_saves_the_editors_changes_atomically(tmp_path, editor) -> None:
    db = tmp_path / "a.json"
    assert run_cli("--db", db, "import", write_json(tmp_path / "in.json", RECORDS)).returncode == 0
    proc = run_edit("--db", db, "t-1955-pine", env=editor("title"))
    assert proc.returncode == 0, proc.stderr
    assert "saved 't-1955-pine'" in proc.stdout
    shown = json.loads(run_cli("--db", db, "show", "t-1955-pine", "--json").stdout)
    assert shown["title"] == "Edited title, Манак’h"
    assert shown["summary"] == RECORDS[1]["summary"]
    found = json.loads(run_cli("--db", db, "search", "manakh", "--json").stdout)
    assert [h["id"] for h in found["hits"]] == ["t-1955-pine"]
    assert not list(tmp_path.glob("*.tmp*"))


def test_edit_of_a_shipped_record_becomes_an_override_and_remove_brings_it_back(editor) -> None:
    before = digest(SHIPPED_PATH)
    proc = run_edit(SHIPPED_ID, env=editor("title"))
    assert proc.returncode == 0, proc.stderr
    assert "overrides the shipped record" in proc.stdout
    assert digest(SHIPPED_PATH) == before
    assert user_records()[SHIPPED_ID]["title"] == "Edited title, Манак’h"
    shown = json.loads(run_cli("show", SHIPPED_ID, "--json").stdout)
    assert shown["title"] == "Edited title, Манак’h"

    removed = run_cli("remove", SHIPPED_ID)
    assert removed.returncode == 0, removed.stderr
    assert "removed 1 record from" in removed.stdout
    assert "shipped record 'wilson-1944-11-09-wilgress' shows again" in removed.stdout
    shown = json.loads(run_cli("show", SHIPPED_ID, "--json").stdout)
    assert shown["title"].startswith("Letter No. 402")
    assert digest(SHIPPED_PATH) == before


def test_an_invalid_edit_says_why_and_keeps_the_text_in_a_named_file(tmp_path, editor) -> None:
    db = tmp_path / "a.json"
    assert run_cli("--db", db, "import", write_json(tmp_path / "in.json", RECORDS)).returncode == 0
    before = digest(db)
    proc = run_edit("--db", db, "t-1955-pine", env=editor("broken"))  # answers: none (EOF)
    assert proc.returncode == 1
    assert "is not valid JSON at line 1" in proc.stderr
    assert "Open it again in the editor?" in proc.stderr
    kept = Path(proc.stderr.split("your text is kept in ")[1].split()[0])
    assert kept.read_text(encoding="utf-8") == '{"id": "x", "title": oops'
    assert digest(db) == before


def test_an_invalid_edit_can_be_reopened_and_fixed(tmp_path, editor) -> None:
    db = tmp_path / "a.json"
    assert run_cli("--db", db, "import", write_json(tmp_path / "in.json", RECORDS)).returncode == 0
    proc = run_edit("--db", db, "t-1955-pine", stdin="y\n", env=editor("nodate", "title"))
    assert proc.returncode == 0, proc.stderr
    assert "date is missing" in proc.stderr
    assert json.loads(run_cli("--db", db, "show", "t-1955-pine", "--json").stdout)["title"] == (
        "Edited title, Манак’h"
    )
    assert not list((user_archive_path().parent / "edits").glob("*.json"))


def test_edit_without_changes_or_with_a_failing_editor_writes_nothing(tmp_path, editor) -> None:
    db = tmp_path / "a.json"
    assert run_cli("--db", db, "import", write_json(tmp_path / "in.json", RECORDS)).returncode == 0
    before = digest(db)
    same = run_edit("--db", db, "t-1955-pine", env=editor("none"))
    assert same.returncode == 0 and "no changes" in same.stdout
    failed = run_edit("--db", db, "t-1955-pine", env=editor("fail"))
    assert failed.returncode == 1 and "exited with status 3" in failed.stderr
    missing = run_edit("--db", db, "no-such-id", env=editor("title"))
    assert missing.returncode == 1 and "no record with id 'no-such-id'" in missing.stderr
    assert digest(db) == before


# --------------------------------------------------------------------------- remove


def test_remove_takes_several_ids_and_says_how_many(tmp_path) -> None:
    db = tmp_path / "a.json"
    assert run_cli("--db", db, "import", write_json(tmp_path / "in.json", RECORDS)).returncode == 0
    proc = run_cli("--db", db, "remove", "t-1955-pine", "t-1961-vienna", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["removed"] == ["t-1955-pine", "t-1961-vienna"]
    left = json.loads(run_cli("--db", db, "search", "--json").stdout)
    assert left["total"] == len(RECORDS) - 2
    assert run_cli("--db", db, "show", "t-1955-pine").returncode == 1


def test_removing_a_shipped_only_record_is_refused_with_a_sentence(tmp_path) -> None:
    mine = write_json(tmp_path / "in.json", RECORDS[:1])
    assert run_cli("import", mine).returncode == 0
    before = digest(user_archive_path())
    proc = run_cli("remove", RECORDS[0]["id"], SHIPPED_ID)
    assert proc.returncode == 1
    assert f"'{SHIPPED_ID}' is a record of the shipped archive, which is never changed" in (
        proc.stderr
    )
    assert "nothing was removed" in proc.stderr
    assert digest(user_archive_path()) == before
    unknown = run_cli("remove", "no-such-id")
    assert unknown.returncode == 1 and "no record with id 'no-such-id'" in unknown.stderr


def test_archive_remove_reindexes_and_uncovers_the_base_record(tmp_path) -> None:
    base = tmp_path / "base.json"
    user = tmp_path / "user.json"
    Archive.open(base, create=True).add(RECORDS)
    archive = Archive.open(user, base=base)
    archive.add([{**RECORDS[1], "title": "My own copy of the Piné telegram"}])
    assert archive.search("own copy").total == 1
    assert archive.remove(["t-1955-pine", "not-there"]) == 1
    assert archive.search("own copy").total == 0
    assert archive.get("t-1955-pine")["title"] == RECORDS[1]["title"]
    assert archive.remove(["t-1955-pine"]) == 0  # a base record is never removed
    assert len(Archive.open(user, base=base)) == len(RECORDS)
