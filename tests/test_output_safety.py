"""What a hostile record cannot do to the command line's output or to an export (issue 13).

A record's id or title cannot print a second result line or a fake field; escape
sequences never reach a pipe or a file unless --raw asks for the exact bytes; CSV
cells a spreadsheet would run start with '; export errors name the file.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import signal
import tempfile
from pathlib import Path

import pytest
from cli_helpers import run_cli

from archive_tui.export import export_records, neutralise_formula, write_export
from archive_tui.importer import read_import_file
from archive_tui.sanitize import INVISIBLE, visible

SPOOF_ID = "spoof-1\nJanuary 01, 1999    FAKE RESULT LINE  [fake-id]"
HOSTILE = [
    {
        "id": SPOOF_ID,
        "date": "1962-10-16",
        "title": "Cuba\nId:  spoofed-id\nClassification: TOP SECRET",
        "summary": "clip \x1b]52;c;ZWNobyBwd25lZA==\x07 and \x1b[2J clear \u202egnp.exe",
        "collection": "=cmd|' /C calc'!A0",
        "document_type": "+SUM(1,2)",
        "language": "@SUM(1,1)",
        "source": '=HYPERLINK("http://evil","x")',
        "classification": "\t=1+1",
        "people": ["-2+3", "Rusk, Dean"],
        "x-note": "zero\u200bwidth\ufeff",
        "sneaky\nkey": "value",
    }
]
CSV_FORMULAS = ("collection", "document_type", "language", "source", "classification", "people")


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    source = folder / "in.json"
    source.write_text(json.dumps(HOSTILE), encoding="utf-8")
    db = folder / "db.json"
    proc = run_cli("--db", db, "import", source)
    assert proc.returncode == 0, proc.stderr
    return db


# --------------------------------------------------------------------------- one-line fields


def test_a_newline_in_an_id_cannot_print_a_second_result_line(hostile_db: Path) -> None:
    proc = run_cli("--db", hostile_db, "search", "cuba")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2, lines  # one result line and the summary
    assert "FAKE RESULT LINE" in lines[0]
    assert not any(line.startswith("January 01, 1999") for line in lines)


def test_a_newline_in_a_title_cannot_print_fake_fields_in_show(hostile_db: Path) -> None:
    proc = run_cli("--db", hostile_db, "show", SPOOF_ID)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert not any(line.startswith("Id:  spoofed-id") for line in lines)
    assert not any(line.startswith("Classification: TOP SECRET") for line in lines)
    assert not any(line.startswith("January 01, 1999") for line in lines)
    assert not any(line.startswith("key") for line in lines)  # "sneaky\nkey" is one label


# --------------------------------------------------------------------------- escapes


@pytest.mark.parametrize("style", ["archive", "bibtex", "csl-json"])
def test_piped_cite_carries_no_escape_sequence(hostile_db: Path, style: str) -> None:
    proc = run_cli("--db", hostile_db, "cite", SPOOF_ID, "--style", style)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    assert "\u202e" not in proc.stdout


def test_cite_raw_keeps_the_exact_characters(hostile_db: Path) -> None:
    proc = run_cli("--db", hostile_db, "cite", SPOOF_ID, "--style", "ris", "--raw")
    assert proc.returncode == 0, proc.stderr
    assert "\x1b]52;c;" in proc.stdout


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csv", "json", "csl-json"])
def test_exports_carry_no_escape_sequence_unless_raw(
    hostile_db: Path, tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"out.{fmt}"
    proc = run_cli("--db", hostile_db, "export", "--format", fmt, "-o", target)
    assert proc.returncode == 0, proc.stderr
    text = target.read_text(encoding="utf-8")
    for char in ("\x1b", "\x07", "\u202e", "\u200b", "\ufeff"):
        assert char not in text, (fmt, char)
    piped = run_cli("--db", hostile_db, "export", "--format", fmt)
    assert "\x1b" not in piped.stdout and "\u202e" not in piped.stdout
    raw = tmp_path / f"raw.{fmt}"
    proc = run_cli("--db", hostile_db, "export", "--format", fmt, "-o", raw, "--raw")
    assert proc.returncode == 0, proc.stderr
    if fmt != "json" and fmt != "csl-json":
        assert "\x1b" in raw.read_text(encoding="utf-8")


def test_a_json_export_stays_exact_though_escaped(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_export(HOSTILE, "json", path)
    assert "\x1b" not in path.read_text(encoding="utf-8")
    assert "\u202e" not in path.read_text(encoding="utf-8")
    assert read_import_file(path) == HOSTILE  # \uXXXX escapes read back exactly


# --------------------------------------------------------------------------- CSV formulas


def test_csv_cells_a_spreadsheet_would_run_start_with_a_quote() -> None:
    out = io.StringIO(newline="")
    export_records(HOSTILE, "csv", out)
    row = next(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    for column in CSV_FORMULAS:
        assert row[column].startswith("'"), column
    assert row["collection"] == "'=cmd|' /C calc'!A0"
    assert row["classification"] == "'\t=1+1"
    assert row["title"].startswith("Cuba")  # ordinary cells are untouched


def test_csv_raw_keeps_formulas_for_exact_round_trips(hostile_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "raw.csv"
    proc = run_cli("--db", hostile_db, "export", "--format", "csv", "-o", target, "--csv-raw")
    assert proc.returncode == 0, proc.stderr
    with open(target, newline="", encoding="utf-8") as handle:
        row = next(csv.DictReader(handle))
    assert row["collection"] == "=cmd|' /C calc'!A0"
    assert row["document_type"] == "+SUM(1,2)"
    assert "\x1b" not in row["summary"]  # --csv-raw is about formulas only


@pytest.mark.parametrize(
    ("cell", "quoted"),
    [
        ("=1+1", True),
        ("+1", True),
        ("-1", True),
        ("@SUM(1)", True),
        ("\t=1", True),
        ("\r=1", True),
        (" =1", True),
        ("\uff1d1", True),
        ("a=1", False),
        ("Rusk, Dean", False),
        ("", False),
    ],
)
def test_neutralise_formula(cell: str, quoted: bool) -> None:
    assert neutralise_formula(cell) == ("'" + cell if quoted else cell)


# --------------------------------------------------------------------------- visible()


@pytest.mark.parametrize("code", INVISIBLE)
def test_invisible_characters_become_visible(code: int) -> None:
    text = f"a{chr(code)}b"
    shown = visible(text)
    assert chr(code) not in shown and len(shown) == len(text)


# --------------------------------------------------------------------------- export errors


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))


def test_an_export_that_cannot_be_written_names_the_file(tmp_path: Path) -> None:
    """A file-size limit fails the write as a full disk does: the message names the target."""
    records = [
        {"id": f"r{i}", "date": "1950", "title": "x" * 100, "summary": "y" * 500} for i in range(50)
    ]
    source = tmp_path / "in.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    db = tmp_path / "db.json"
    assert run_cli("--db", db, "import", source).returncode == 0
    target = tmp_path / "out" / "big.json"
    target.parent.mkdir()
    proc = run_cli(
        "--db", db, "export", "--format", "json", "-o", target, preexec_fn=_limit_file_size
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert str(target) in lines[0] and "nothing was written" in lines[0]
    assert list(target.parent.iterdir()) == []  # no temp file left behind


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="needs root and setpriv to run as a user who cannot write the folder",
)
def test_an_export_into_a_read_only_folder_names_the_target_not_a_temp_file() -> None:
    folder = Path(tempfile.mkdtemp(prefix="archive-tui-ro-"))
    try:
        folder.chmod(0o755)  # root's: another user may read, not create
        source = folder / "in.json"
        source.write_text(json.dumps(HOSTILE), encoding="utf-8")
        db = folder / "db.json"
        assert run_cli("--db", db, "import", source).returncode == 0
        for path in folder.iterdir():
            path.chmod(0o644)
        target = folder / "out.csv"
        setpriv = ("setpriv", "--reuid=54329", "--regid=54329", "--clear-groups")
        env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_TUI_HOME"}
        env["ARCHIVE_TUI_HOME"] = str(folder / "home")  # unwritable too: no cache, no matter
        cli_args = ["--db", str(db), "export", "--format", "csv", "-o", str(target)]
        proc = run_cli(*cli_args, env=env, prefix=setpriv)
        assert proc.returncode == 1
        assert f"Cannot write {target}: permission denied" in proc.stderr, proc.stderr
        assert ".tmp" not in proc.stderr
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="needs root and setpriv to run as a user who cannot write the folder",
)
def test_an_import_into_an_unwritable_folder_says_the_folder_is_not_writable() -> None:
    folder = Path(tempfile.mkdtemp(prefix="archive-tui-ro-"))
    try:
        folder.chmod(0o755)  # root's: another user may read, not create
        source = folder / "in.json"
        source.write_text(json.dumps(HOSTILE), encoding="utf-8")
        source.chmod(0o644)
        db = folder / "db.json"
        setpriv = ["setpriv", "--reuid=54329", "--regid=54329", "--clear-groups"]
        env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_TUI_HOME"}
        env["ARCHIVE_TUI_HOME"] = str(folder / "home")
        proc = run_cli("--db", str(db), "import", str(source), env=env, prefix=setpriv)
        assert proc.returncode == 1
        assert "Traceback" not in proc.stderr
        assert f"the folder {folder} is not writable" in proc.stderr, proc.stderr
        assert "cannot be locked" not in proc.stderr
        assert not db.exists()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
