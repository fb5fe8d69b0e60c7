"""The workspace commands as a user runs them: real subprocesses, a real archive and a
real workspace file under ARCHIVE_TUI_HOME."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import bibtexparser
from test_cli import run_cli, small_db  # noqa: F401  (a fixture)

from archive_tui.paths import workspace_path
from archive_tui.workspace import Workspace

VIENNA, PINE, MANACH = "t-1961-vienna", "t-1955-pine", "t-1969-manach"


def cli_json(db: Path, *args: object) -> dict:
    proc = run_cli("--db", db, *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_tag_add_remove_and_tags(small_db: Path) -> None:  # noqa: F811
    out = cli_json(small_db, "tag", VIENNA, PINE, "--add", "Berlin 1961", "Piné")
    assert out["records"] == [
        {"id": VIENNA, "tags": ["Berlin 1961", "Piné"]},
        {"id": PINE, "tags": ["Berlin 1961", "Piné"]},
    ]
    proc = run_cli("--db", small_db, "tag", VIENNA, "--remove", "pine")
    assert proc.returncode == 0 and proc.stdout == f"{VIENNA}: Berlin 1961\n"
    assert cli_json(small_db, "tags")["tags"] == [
        {"tag": "Berlin 1961", "count": 2},
        {"tag": "Piné", "count": 1},
    ]
    assert "Berlin 1961  (2 records)" in run_cli("--db", small_db, "tags").stdout


def test_tagging_an_unknown_id_is_refused_unless_forced(small_db: Path) -> None:  # noqa: F811
    proc = run_cli("--db", small_db, "tag", "no-such-id", "--add", "x")
    assert proc.returncode == 1
    assert "no record with id 'no-such-id'; nothing was tagged" in proc.stderr
    assert not workspace_path().exists()
    error = json.loads(run_cli("--db", small_db, "tag", "nope", "--add", "x", "--json").stdout)
    assert "nothing was tagged" in error["error"]
    assert cli_json(small_db, "tag", "nope", "--add", "x", "--force")["records"][0]["tags"] == ["x"]
    orphans = cli_json(small_db, "workspace", "--orphans")["orphans"]
    assert orphans == [{"id": "nope", "tags": ["x"], "note": None, "lists": [], "marked": False}]


def test_note_set_append_show_and_edit(small_db: Path, tmp_path: Path) -> None:  # noqa: F811
    assert cli_json(small_db, "note", VIENNA, "--set", "Громыко at lunch.")["saved"]
    run_cli("--db", small_db, "note", VIENNA, "--append", "Second paragraph.")
    proc = run_cli("--db", small_db, "note", VIENNA)
    assert proc.stdout == "Громыко at lunch.\n\nSecond paragraph.\n"
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys\np = sys.argv[1]\nt = open(p, encoding='utf-8').read()\n"
        "open(p, 'w', encoding='utf-8').write(t + '\\nEdited in $EDITOR.\\n')\n"
    )
    proc = run_cli(
        "--db", small_db, "note", VIENNA, "--edit", EDITOR=f"{sys.executable} {editor}", VISUAL=""
    )
    assert proc.returncode == 0 and "saved the note" in proc.stdout
    assert Workspace.open().note(VIENNA).endswith("Second paragraph.\nEdited in $EDITOR.\n")
    assert cli_json(small_db, "note", PINE) == {
        "command": "note",
        "id": PINE,
        "note": None,
        "saved": False,
    }


def test_lists_add_remove_rename_delete(small_db: Path) -> None:  # noqa: F811
    out = cli_json(small_db, "list", "Berlin 1961", "--add", VIENNA, PINE, MANACH)
    assert out["ids"] == [VIENNA, PINE, MANACH]
    assert cli_json(small_db, "list", "berlin 1961", "--remove", PINE)["ids"] == [VIENNA, MANACH]
    run_cli("--db", small_db, "list", "Berlin 1961", "--rename", "Vienna")
    assert cli_json(small_db, "lists")["lists"] == [{"name": "Vienna", "count": 2}]
    proc = run_cli("--db", small_db, "list", "Nope")
    assert proc.returncode == 1 and "no list named 'Nope'" in proc.stderr
    assert cli_json(small_db, "list", "vienna", "--delete")["deleted"]
    assert cli_json(small_db, "lists")["lists"] == []


def test_saved_search_save_list_and_run_like_search(small_db: Path) -> None:  # noqa: F811
    saved = cli_json(
        small_db,
        "saved",
        "paris",
        "--query",
        "telegram",
        "--filter",
        "place=Paris",
        "--sort",
        "date",
    )["saved"]
    assert saved == {
        "name": "paris",
        "query": "telegram",
        "filters": {"places": ["Paris"]},
        "sort": "date",
    }
    assert cli_json(small_db, "saved")["saved"] == [saved]
    ran = cli_json(small_db, "saved", "PARIS", "--run")
    searched = cli_json(small_db, "search", "telegram", "--filter", "place=Paris", "--sort", "date")
    assert ran == searched and ran["total"] >= 1
    proc = run_cli("--db", small_db, "saved", "nope", "--run")
    assert proc.returncode == 1 and "no saved search named 'nope'" in proc.stderr


def test_history_and_log(small_db: Path, tmp_path: Path) -> None:  # noqa: F811
    ws = Workspace.open()
    ws.add_history("berlin")
    ws.add_history("vienna")
    ws.log_search("vienna", {"places": ["Vienna"]}, 1)
    ws.log_event("open", id=VIENNA)
    ws.add_to_list("kept", [PINE])
    assert cli_json(small_db, "history") == {"history": ["berlin", "vienna"]}
    assert [e["event"] for e in cli_json(small_db, "log")["log"]] == ["search", "open"]
    run_cli("--db", small_db, "search", "telegram", "--filter", "place=Paris")
    logged = cli_json(small_db, "log")["log"][-1]
    assert logged["event"] == "search" and logged["query"] == "telegram"
    assert logged["filters"] == {"places": ["Paris"]} and logged["count"] >= 1
    target = tmp_path / "methods.md"
    proc = run_cli("--db", small_db, "log", "--markdown", "-o", target)
    assert proc.returncode == 0, proc.stderr
    text = target.read_text(encoding="utf-8")
    assert "## Searches" in text and "`vienna`, filters places=Vienna: 1 result" in text
    assert "`telegram`, filters places=Paris: " in text
    consulted = text.split("## Documents consulted")[1].split("## Documents kept")
    assert "Memorandum of Conversation, Vienna" in consulted[0]
    assert "Telegram to V. M. Molotov" in consulted[1]
    assert run_cli("--db", small_db, "log", "--markdown", "-o", target).returncode == 1


def test_workspace_path_export_import(small_db: Path, tmp_path: Path) -> None:  # noqa: F811
    assert cli_json(small_db, "workspace", "--path") == {"path": str(workspace_path())}
    run_cli("--db", small_db, "tag", VIENNA, "--add", "wall")
    run_cli("--db", small_db, "note", VIENNA, "--set", "mine")
    other = Workspace.open(tmp_path / "other.json")
    other.set_note(VIENNA, "theirs")
    other.add_tags([PINE], ["paris"])
    moved = tmp_path / "moved.json"
    assert cli_json(small_db, "workspace", "--export", moved)["entries"] >= 2
    assert Workspace.open(moved).tags(VIENNA) == ["wall"]
    proc = run_cli("--db", small_db, "workspace", "--import", tmp_path / "other.json")
    assert proc.returncode == 0, proc.stderr
    assert f"the note of '{VIENNA}' differed: both are kept" in proc.stdout
    ws = Workspace.open()
    assert ws.note(VIENNA) == "mine\n\n--- imported note ---\ntheirs"
    assert ws.tags(PINE) == ["paris"]


def test_export_a_list_as_markdown_and_bibtex(small_db: Path, tmp_path: Path) -> None:  # noqa: F811
    run_cli("--db", small_db, "list", "Berlin 1961", "--add", VIENNA, PINE)
    run_cli("--db", small_db, "tag", VIENNA, "--add", "summit", "Khrushchev")
    run_cli("--db", small_db, "note", VIENNA, "--set", "Kennedy shaken.")
    md = tmp_path / "list.md"
    out = cli_json(small_db, "export", "--list", "berlin 1961", "--format", "markdown", "-o", md)
    assert out["exported"] == 2
    text = md.read_text(encoding="utf-8")
    assert text.index("Memorandum of Conversation, Vienna") < text.index("Molotov")  # list order
    assert "- **Tags:** summit, Khrushchev" in text and "Kennedy shaken." in text
    bib = run_cli("--db", small_db, "export", "--list", "Berlin 1961", "--format", "bibtex")
    entries = {e.key: e.fields_dict for e in bibtexparser.parse_string(bib.stdout).entries}
    assert entries[VIENNA]["keywords"].value == "summit, Khrushchev"
    assert "Kennedy shaken." in entries[VIENNA]["note"].value
    plain = run_cli(
        "--db",
        small_db,
        "export",
        "--list",
        "Berlin 1961",
        "--format",
        "bibtex",
        "--no-annotations",
    )
    assert "keywords" not in plain.stdout
    Workspace.open().set_marked([PINE])
    marked = run_cli("--db", small_db, "export", "--marks", "--format", "ris")
    assert marked.stdout.count("ER  -") == 1 and "Molotov" in marked.stdout
    events = [e for e in Workspace.open().log() if e["event"] == "export"]
    assert [e["format"] for e in events] == ["markdown", "bibtex", "bibtex", "ris"]


def test_a_corrupt_workspace_is_one_sentence_and_left_alone(small_db: Path) -> None:  # noqa: F811
    path = workspace_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"tags": {"1": ', encoding="utf-8")
    for args in (("tags",), ("tag", VIENNA, "--add", "x"), ("note", VIENNA, "--set", "y")):
        proc = run_cli("--db", small_db, *args)
        assert proc.returncode == 1
        assert proc.stderr.startswith(f"archive-tui: error: Workspace {path} is not valid JSON")
        assert proc.stderr.count("\n") == 1
    assert path.read_text(encoding="utf-8") == '{"tags": {"1": '
    proc = run_cli("--db", small_db, "export", "--format", "ris", "vienna")
    assert proc.returncode == 0 and "exporting without your tags and notes" in proc.stderr
