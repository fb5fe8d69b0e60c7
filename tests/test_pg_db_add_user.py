"""`archive-tui db add-user`: an administrator makes a researcher from the command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
from conftest import SEED_PATH
from pg_roles import role_address


def _cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "archive_tui", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def test_add_user_makes_a_login_role_that_keeps_its_own_workspace(
    pg_db: str, tmp_path: Path
) -> None:
    assert _cli("db", "init", "--db", pg_db).returncode == 0
    assert _cli("import", str(SEED_PATH), "--db", pg_db).returncode == 0
    seed = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    first = seed[0]["id"]
    name = f"atui_new_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    try:
        made = _cli("db", "add-user", name, "--password-stdin", "--json", "--db", pg_db,
                    stdin=password + "\n")  # fmt: skip
        assert made.returncode == 0, made.stderr
        assert json.loads(made.stdout)["created"] is True
        again = _cli("db", "add-user", name, "--db", pg_db)
        assert again.returncode == 0 and "already existed" in again.stdout
        ann = role_address(pg_db, name, password)
        tagged = _cli("tag", first, "--add", "berlin", "--db", ann)
        assert tagged.returncode == 0, tagged.stderr
        tags = _cli("tags", "--json", "--db", ann)
        assert "berlin" in tags.stdout
        found = _cli("search", "tag:berlin", "--json", "--db", ann)
        assert json.loads(found.stdout)["total"] == 1, found.stderr
        own = tmp_path / "own.json"
        own.write_text(json.dumps([{**seed[0], "id": "ann-own-1"}]), encoding="utf-8")
        refused = _cli("import", str(own), "--db", ann)  # a researcher, not an importer
        assert refused.returncode == 1 and "permission denied" in refused.stderr
        # the password never went through argv, and it works for logging in
        with psycopg.connect(ann) as conn:
            assert conn.execute("SELECT current_user").fetchone() == (name,)
    finally:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{name}"')
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_a_role_that_is_no_researcher_is_refused_in_one_sentence(pg_db: str) -> None:
    assert _cli("db", "init", "--db", pg_db).returncode == 0
    name = f"atui_stranger_{uuid.uuid4().hex[:8]}"
    password = uuid.uuid4().hex
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
    try:
        result = _cli("search", "soviet", "--db", role_address(pg_db, name, password))
        assert result.returncode == 1
        assert "error: the database refused: permission denied" in result.stderr
        assert "db add-user" in result.stderr and "Traceback" not in result.stderr
        # the refusal is the last line (a note before it may say the workspace was refused too)
        assert "permission denied" in result.stderr.strip().splitlines()[-1]
    finally:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{name}"')
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def test_add_user_without_a_name_or_password_is_one_sentence(pg_db: str) -> None:
    assert _cli("db", "init", "--db", pg_db).returncode == 0
    nameless = _cli("db", "add-user", "--db", pg_db)
    assert nameless.returncode == 2 and "needs a role name" in nameless.stderr
    empty = _cli("db", "add-user", "x", "--password-stdin", "--db", pg_db, stdin="\n")
    assert empty.returncode == 2 and "empty password" in empty.stderr
    assert "Traceback" not in nameless.stderr + empty.stderr
