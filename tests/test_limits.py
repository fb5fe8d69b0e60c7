"""Import limits (issue 13): only regular files, bounded sizes, deep nesting named with the
file, each refusal one sentence with the flag that raises the limit; and read commands work
with no home folder at all."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from cli_helpers import run_cli
from conftest import REPO_ROOT
from search_fixtures import RECORDS, write_archive

from archive_tui.importer import ImportFileError, ImportLimitError, read_import_file
from archive_tui.limits import DEFAULT_LIMITS, ImportLimits


def one_sentence(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# --------------------------------------------------------------------------- file kinds


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    line = one_sentence(run_cli("--db", tmp_path / "db.json", "import", fifo, timeout=30))
    assert str(fifo) in line and "named pipe" in line
    assert not (tmp_path / "db.json").exists()


def test_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    line = one_sentence(run_cli("--db", tmp_path / "db.json", "import", "/dev/zero", timeout=30))
    assert "/dev/zero" in line and "device" in line


def test_a_file_over_the_size_limit_is_refused_and_the_flag_raises_it(tmp_path: Path) -> None:
    records = [{"id": f"r{i}", "date": "1950", "title": "t " * 200} for i in range(3_000)]
    source = tmp_path / "in.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    assert source.stat().st_size > 1_000_000
    db = tmp_path / "db.json"
    line = one_sentence(run_cli("--db", db, "import", source, "--max-file-mb", "1"))
    assert str(source) in line and "--max-file-mb" in line
    assert not db.exists()
    proc = run_cli("--db", db, "import", source, "--max-file-mb", "2")
    assert proc.returncode == 0, proc.stderr


# --------------------------------------------------------------------------- records


def test_the_50_mb_one_word_title_is_refused_with_a_sentence(tmp_path: Path) -> None:
    source = tmp_path / "big.json"
    source.write_text(json.dumps([{"id": "big", "date": "1950", "title": "a" * 50_000_000}]))
    with pytest.raises(ImportLimitError) as caught:
        read_import_file(source)
    message = str(caught.value)
    assert message.startswith(f"Cannot import {source}: record 1 (id 'big'): title has ")
    assert "--max-field-chars" in message and message.endswith("nothing was imported")


@pytest.mark.parametrize(
    ("record", "flag"),
    [
        ({"title": "word " * 500_000}, "--max-field-chars"),
        ({"title": "x", "text": "a" * 1_500}, "--max-token-chars"),
        ({"title": "x", "summary": "b " * 1_000_000, "text": "c " * 1_000_000}, "--max-record"),
    ],
    ids=["field", "token", "record"],
)
def test_each_limit_names_its_flag_and_the_flag_lifts_it(
    tmp_path: Path, record: dict, flag: str
) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"id": "x1", "date": "1950", **record}]), encoding="utf-8")
    db = tmp_path / "db.json"
    line = one_sentence(run_cli("--db", db, "import", source))
    assert "record 1 (id 'x1')" in line and flag in line
    assert not db.exists()
    full_flag = next(
        f
        for f in ("--max-field-chars", "--max-token-chars", "--max-record-chars")
        if f.startswith(flag)
    )
    proc = run_cli("--db", db, "import", source, full_flag, "0")
    assert proc.returncode == 0, proc.stderr


def test_every_record_over_a_limit_is_counted(tmp_path: Path) -> None:
    records = [{"id": f"r{i}", "date": "1950", "title": "z" * 2_000} for i in range(3)]
    source = tmp_path / "in.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(ImportLimitError) as caught:
        read_import_file(source)
    assert len(caught.value.problems) == 3
    assert "(and 2 more records over a limit)" in str(caught.value)


def test_deep_nesting_is_named_with_the_file(tmp_path: Path) -> None:
    source = tmp_path / "deep.json"
    source.write_text("[" * 100_000 + "]" * 100_000)
    line = one_sentence(run_cli("--db", tmp_path / "db.json", "import", source))
    assert str(source) in line and "nests" in line
    lines = tmp_path / "deep.jsonl"
    lines.write_text('{"id": "a", "date": "1950", "title": "t"}\n' + "[" * 100_000 + "\n")
    line = one_sentence(run_cli("--db", tmp_path / "db.json", "import", lines))
    assert str(lines) in line and "nests" in line


def test_a_record_nested_past_the_store_limit_is_refused(tmp_path: Path) -> None:
    nested: object = "leaf"
    for _ in range(DEFAULT_LIMITS.max_depth + 5):
        nested = {"k": nested}
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"id": "n", "date": "1950", "title": "t", "x": nested}]))
    with pytest.raises(ImportLimitError, match="nests lists or objects more than"):
        read_import_file(source)


def test_the_shipped_archive_is_within_the_default_limits() -> None:
    shipped = REPO_ROOT / "data" / "seed" / "wilson-center-seed.json"
    assert read_import_file(shipped, DEFAULT_LIMITS)


def test_no_limits_reads_anything(tmp_path: Path) -> None:
    source = tmp_path / "in.json"
    source.write_text(json.dumps([{"id": "x", "date": "1950", "title": "a" * 3_000_000}]))
    assert len(read_import_file(source, ImportLimits(0, 0, 0, 0))) == 1
    assert len(read_import_file(source, None)) == 1


# --------------------------------------------------------------------------- JSON errors


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ('[{"id": "x", "title": "abc', "a string starts here and is never closed"),
        ('[{"id": "x",, }]', "a key in double quotes was expected here"),
        ('[{"id" "x"}]', "a colon (:) was expected here"),
    ],
)
def test_json_errors_are_whole_phrases(tmp_path: Path, text: str, phrase: str) -> None:
    source = tmp_path / "bad.json"
    source.write_text(text)
    with pytest.raises(ImportFileError) as caught:
        read_import_file(source)
    assert str(caught.value).endswith(f"({phrase})")


# --------------------------------------------------------------------------- no home folder


def _free_uid() -> int:
    for uid in range(54321, 54421):
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid
    pytest.skip("no free uid")


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0 or not shutil.which("setpriv"),
    reason="needs root and setpriv to run as a uid without a passwd entry",
)
def test_read_commands_work_with_no_home_folder() -> None:
    """An arbitrary container uid: no passwd entry, no HOME, no XDG folders."""
    uid = _free_uid()
    folder = Path(tempfile.mkdtemp(prefix="archive-tui-nohome-"))
    try:
        folder.chmod(0o755)
        db = write_archive(folder / "small.json", RECORDS)
        db.chmod(0o644)
        before = sorted(p.name for p in folder.iterdir())
        env = {
            k: v
            for k, v in os.environ.items()
            if k != "HOME" and not k.startswith("XDG_") and k != "ARCHIVE_TUI_HOME"
        }
        setpriv = ("setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups")
        as_nobody = {"env": env, "prefix": setpriv}
        proc = run_cli("--db", db, "search", "soviet", **as_nobody)
        assert proc.returncode == 0, proc.stderr
        assert "wilgress" in proc.stdout
        assert proc.stderr.count("no index cache") == 1, proc.stderr
        proc = run_cli("search", "gromyko", "--limit", "1", **as_nobody)  # the shipped archive
        assert proc.returncode == 0, proc.stderr
        assert "1 of" in proc.stdout or "record" in proc.stdout
        for args in (("show", "wilgress"), ("cite", "wilgress"), ("stats",)):
            proc = run_cli("--db", db, *args, **as_nobody)
            assert proc.returncode == 0, (args, proc.stderr)
        assert sorted(p.name for p in folder.iterdir()) == before  # nothing written
        proc = run_cli("import", db, **as_nobody)  # where would it go? a sentence says
        assert proc.returncode == 1 and "--db" in proc.stderr, proc.stderr
    finally:
        shutil.rmtree(folder, ignore_errors=True)
