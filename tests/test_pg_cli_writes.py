"""``remove`` and ``edit`` with ``--db postgresql://…`` (and ARCHIVE_TUI_DB): the same output
and ``--json`` as on a local archive holding the same records, from real ``archive-tui``
processes against a real throwaway database; annotations outlive a removed record."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pg_roles
import pytest
import test_pg_cli
from conftest import REPO_ROOT
from test_pg_cli import run_cli

from archive_tui.pg.connection import redact

both = test_pg_cli.both  # the fixture: a local archive and a database, the same records
make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db

# An "editor": rewrites the title; with a .meanwhile file next to it, it first has another
# process import a changed version of the record (a colleague saving while you edit).
EDITOR = """\
import json, pathlib, subprocess, sys
path = pathlib.Path(sys.argv[-1])
meanwhile = pathlib.Path(__file__).with_suffix(".meanwhile")
if meanwhile.exists():
    db, source = meanwhile.read_text().split("\\n")[:2]
    subprocess.run([sys.executable, "-m", "archive_tui", "import", source, "--db", db],
                   check=True, capture_output=True)
record = json.loads(path.read_text(encoding="utf-8"))
record["title"] = "Edited title, Манак’h"
path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
"""


def _same_but_where(local: str, pg: str, *args: str) -> tuple[str, str]:
    """Run on both; the outputs equal once each archive's name is replaced by ARCHIVE."""
    a = run_cli(*args, "--db", local)
    b = run_cli(*args, "--db", pg)
    for proc in (a, b):
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
    assert a.returncode == b.returncode, (a.stderr, b.stderr)
    norm_a = (a.stdout + a.stderr).replace(local, "ARCHIVE")
    norm_b = (b.stdout + b.stderr).replace(redact(pg), "ARCHIVE")
    assert norm_b == norm_a
    return a.stdout, b.stdout


def test_remove_is_the_same_as_locally_and_keeps_annotations(both: tuple[str, str]) -> None:
    local, pg = both
    for db in (local, pg):  # a tag and a list on a record that will be removed
        tagged = run_cli("tag", "made-manach", "--add", "keep-me", "--db", db)
        assert tagged.returncode == 0, tagged.stderr
        assert run_cli("list", "reading", "--add", "made-manach", "--db", db).returncode == 0
    _same_but_where(local, pg, "remove", "made-manach", "no-such-id")  # all or nothing
    assert '"made-manach"' in run_cli("show", "made-manach", "--json", "--db", pg).stdout
    out, _ = _same_but_where(local, pg, "remove", "made-manach", "made-pine", "--json")
    assert json.loads(out)["removed"] == ["made-manach", "made-pine"]
    gone = run_cli("show", "made-manach", "--db", pg)
    assert gone.returncode == 1 and "no record with id 'made-manach'" in gone.stderr
    _same_but_where(local, pg, "search", "manac’h", "--json")
    # the workspace keeps the removed record's tag and list: an orphan, as locally
    out, _ = _same_but_where(local, pg, "workspace", "--orphans", "--json")
    assert json.loads(out)["orphans"] == [
        {"id": "made-manach", "tags": ["keep-me"], "note": None, "lists": ["reading"],
         "marked": False}
    ]  # fmt: skip
    _same_but_where(local, pg, "workspace", "--orphans")
    _same_but_where(local, pg, "tags")


def test_remove_through_the_environment_variable(both: tuple[str, str]) -> None:
    _local, pg = both
    done = run_cli("remove", "made-pine", env={"ARCHIVE_TUI_DB": pg})
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"removed 1 record from {redact(pg)}\n"
    assert run_cli("show", "made-pine", "--db", pg).returncode == 1


@pytest.fixture
def editor(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR, encoding="utf-8")
    return script, {"EDITOR": f"{sys.executable} {script}", "VISUAL": ""}


def run_edit(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "archive_tui", "edit", *args],
        input="",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, **env},
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    return proc


def test_edit_is_the_same_as_locally(both: tuple[str, str], editor) -> None:
    local, pg = both
    _script, env = editor
    outs = []
    for db in (local, pg):
        done = run_edit("made-manach", "--db", db, "--json", env=env)
        assert done.returncode == 0, done.stderr
        outs.append(json.loads(done.stdout))
    outs[0]["archive"] = outs[1]["archive"] = "ARCHIVE"
    assert outs[1] == outs[0] == {
        "command": "edit", "id": "made-manach", "archive": "ARCHIVE", "saved": True,
        "overrides_shipped": False,
    }  # fmt: skip
    a = run_cli("show", "made-manach", "--json", "--db", local)
    b = run_cli("show", "made-manach", "--json", "--db", pg)
    assert json.loads(b.stdout)["title"] == "Edited title, Манак’h"
    assert b.stdout == a.stdout
    found = run_cli("search", "Манак’h", "--json", "--db", pg)
    assert [h["id"] for h in json.loads(found.stdout)["hits"]] == ["made-manach"]
    # text output: the address (password hidden) where a local edit names its file
    done = run_edit("made-pine", env={**env, "ARCHIVE_TUI_DB": pg})
    assert done.stdout == f"saved 'made-pine' in {redact(pg)}\n"
    missing = run_edit("no-such-id", "--db", pg, env=env)
    assert missing.returncode == 1
    assert missing.stderr == "archive-tui: error: no record with id 'no-such-id'\n"


def test_an_edit_never_overwrites_a_colleagues_change(
    both: tuple[str, str], editor, tmp_path: Path
) -> None:
    _local, pg = both
    script, env = editor
    theirs = json.loads(run_cli("show", "made-manach", "--json", "--db", pg).stdout)
    theirs["summary"] = "A colleague's summary."
    source = tmp_path / "theirs.json"
    source.write_text(json.dumps([theirs]), encoding="utf-8")
    script.with_suffix(".meanwhile").write_text(f"{pg}\n{source}\n")
    done = run_edit("made-manach", "--db", pg, env=env)
    assert done.returncode == 1
    assert "was changed in" in done.stderr and "your edit was not saved" in done.stderr
    kept = Path(done.stderr.rsplit("your text is kept in ", 1)[1].strip())
    assert json.loads(kept.read_text(encoding="utf-8"))["title"] == "Edited title, Манак’h"
    stored = json.loads(run_cli("show", "made-manach", "--json", "--db", pg).stdout)
    assert stored == theirs  # the colleague's version stands


# Every command, once on each: the same output once the archive's (and the workspace's)
# name is replaced. `serve` runs the app in a browser: tests/test_pg_app_serve.py.
SWEEP: tuple[tuple[str, ...], ...] = (
    ("search", "soviet", "--limit", "3"),
    ("timeline", "soviet", "--json"),
    ("timeline", "--filter", "type=Telegram"),
    ("show", "made-pine", "--json"),
    ("stats",),
    ("import", "{records}", "--json"),
    ("cite", "made-pine", "--style", "mla"),
    ("export", "missile", "--format", "ris"),
    ("tag", "made-pine", "--add", "crisis"),
    ("tags", "--json"),
    ("note", "made-pine", "--set", "Read again; Piné’s hand."),
    ("note", "made-pine", "--json"),
    ("list", "reading", "--add", "made-pine", "made-manach"),
    ("lists", "--json"),
    ("export", "--list", "reading", "--format", "csv"),
    ("saved", "crisis", "--query", "missile"),
    ("saved", "crisis", "--run", "--limit", "3"),
    ("saved", "--json"),
    ("history", "--json"),
    ("workspace", "--json"),
    ("workspace", "--orphans"),
    ("remove", "made-pine", "--json"),
    ("workspace", "--orphans", "--json"),
    ("edit", "made-manach", "--json"),
)


def test_every_command_answers_as_locally(both: tuple[str, str], tmp_path: Path) -> None:
    local, pg = both
    records = tmp_path / "one.json"
    records.write_text(json.dumps([{"id": "new-1", "title": "A new one", "date": "1961"}]))
    from archive_tui.cli import build_parser
    from archive_tui.paths import workspace_path

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    covered = {args[0] for args in SWEEP} | {"serve", "log", "share", "shared", "db"}
    assert set(commands) == covered  # a new command must be tried on a database here
    env = {"EDITOR": "true", "VISUAL": ""}  # an editor that changes nothing
    for args in SWEEP:
        args = tuple(a.replace("{records}", str(records)) for a in args)
        a = run_cli(*args, "--db", local, env=env)
        b = run_cli(*args, "--db", pg, env=env)
        for proc in (a, b):
            assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr
        assert a.returncode == b.returncode == 0, (args, a.stderr, b.stderr)

        def norm(text: str, name: str) -> str:
            return text.replace(name, "ARCHIVE").replace(str(workspace_path()), "ARCHIVE")

        assert norm(b.stdout, redact(pg)) == norm(a.stdout, local), args
    # log, share, shared and db: the research log holds times, share needs roles
    # (tests/test_pg_workspace_cli.py); here they answer on the database, in one sentence
    assert "## Searches" in run_cli("log", "--markdown", "--db", pg).stdout
    assert run_cli("shared", "--db", pg).returncode == 0
    assert run_cli("db", "status", "--db", pg).returncode == 0
    refused = run_cli("share", "list", "reading", "--with", "no_such_group_x", "--db", pg)
    assert refused.returncode == 2 and refused.stderr.endswith(
        "archive-tui share: error: there is no role named 'no_such_group_x' to share with\n"
    )


def test_a_researcher_may_not_remove_or_edit_an_importer_may(
    pg_workspace_db: str, make_role, editor, tmp_path: Path
) -> None:
    """The database decides who changes records (0013): a refusal is one sentence, and
    the edited text is kept in a named file."""
    from archive_tui.pg import connect

    source = tmp_path / "two.json"
    source.write_text(json.dumps([{"id": "r1", "title": "One", "date": "1961"},
                                  {"id": "r2", "title": "Two", "date": "1962"}]))  # fmt: skip
    assert run_cli("import", str(source), "--db", pg_workspace_db).returncode == 0
    reader = make_role("reader")
    refused = run_cli("remove", "r1", "--db", reader)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("archive-tui: error: the database refused: permission denied")
    assert "db add-user YOUR_ROLE, with --importer" in refused.stderr
    _script, env = editor
    refused = run_edit("r1", "--db", reader, env=env)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "the database refused: permission denied" in refused.stderr
    kept = Path(refused.stderr.split("your edit was not saved and is kept in ")[1].strip())
    assert json.loads(kept.read_text(encoding="utf-8"))["title"] == "Edited title, Манак’h"
    assert json.loads(run_cli("show", "r1", "--json", "--db", reader).stdout)["title"] == "One"
    importer = make_role("importer")
    with connect(pg_workspace_db, autocommit=True) as admin:
        admin.execute(f'GRANT archive_tui_importers TO "{pg_roles.role_of(importer)}"')
    assert run_cli("remove", "r1", "--db", importer).returncode == 0
    assert run_edit("r2", "--db", importer, env=env).returncode == 0
    assert run_cli("show", "r1", "--db", importer).returncode == 1
    edited = json.loads(run_cli("show", "r2", "--json", "--db", importer).stdout)
    assert edited["title"] == "Edited title, Манак’h"
