"""The benchmark generator: deterministic, valid records, archives the app can open and search."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FRUS_PATH, REPO_ROOT

from archive_tui.records import validate_records
from archive_tui.text import tokenize


def _load_generate():
    spec = importlib.util.spec_from_file_location(
        "bench_generate", REPO_ROOT / "bench" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


generate = _load_generate()

pytestmark = pytest.mark.skipif(
    not FRUS_PATH.exists(), reason="the FRUS corpus (../shared/data) is not available"
)


def test_same_seed_gives_same_records_and_another_seed_does_not() -> None:
    first = generate.generate_records(200, seed=7)
    assert first == generate.generate_records(200, seed=7)
    other = generate.generate_records(200, seed=8)
    assert [r["text"] for r in other] != [r["text"] for r in first]


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    script = REPO_ROOT / "bench" / "generate.py"
    outs = [tmp_path / "a.json", tmp_path / "b.json"]
    for out in outs:
        subprocess.run(
            [sys.executable, str(script), "--count", "150", "--seed", "3", "-o", str(out)],
            check=True,
            capture_output=True,
        )
    assert outs[0].read_bytes() == outs[1].read_bytes()
    table = json.loads(outs[0].read_text(encoding="utf-8"))["records"]
    assert len(table) == 150


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    out = tmp_path / "archive.json"
    out.write_text("keep me", encoding="utf-8")
    with pytest.raises(FileExistsError):
        generate.write_archive(out, generate.generate_records(3))
    assert out.read_text(encoding="utf-8") == "keep me"


def test_records_validate_and_look_like_the_corpus() -> None:
    records = generate.generate_records(600, seed=1)
    assert len(validate_records(records)) == 600
    assert len({r["id"] for r in records}) == 600
    assert all(1945 <= int(r["date"][:4]) <= 1991 for r in records)
    assert {len(r["date"]) for r in records} == {4, 7, 10}  # some year and month precision
    assert all(len(r["text"]) <= 4000 for r in records)
    assert 2000 < sum(len(r["text"]) for r in records) / 600 < 4000
    assert all(0 <= len(r["people"]) <= 4 for r in records)
    assert all(1 <= len(r["subjects"]) <= 3 for r in records)
    assert 8 <= sum(len(r["title"].split()) for r in records) / 600 <= 16
    assert len({r["collection"] for r in records}) > 30
    assert len({r["document_type"] for r in records}) > 10


def test_generated_archive_opens_and_finds_its_words(tmp_path: Path) -> None:
    from archive_tui.archive import Archive

    records = generate.generate_records(500, seed=1)
    path = generate.write_archive(tmp_path / "gen.json", records)
    archive = Archive.open(path)
    assert len(archive) == 500

    # A rare word of one record's title finds that record.
    target = records[123]
    word = max(tokenize(target["title"]), key=len)
    result = archive.search(word, limit=500)
    assert result.total >= 1
    assert target["id"] in list(result.ids())

    # The Unicode names are there and are found by their plain spellings.
    for name, query in (("Громыко", "gromyko"), ("Piné", "pine"), ("Manac’h", "manach")):
        having = {r["id"] for r in records if any(p.startswith(name) for p in r["people"])}
        assert having, f"seed 1 should give someone named {name}"
        found = set(archive.search(query, limit=500).ids())
        assert having <= found


def test_provenance_is_stored_and_shaped_like_the_corpus() -> None:
    """Source notes are the corpus's own, and the derived fields are stored as an import
    stores them: a cold open reads them instead of parsing 100,000 notes, and the
    repository facet has the corpus's few values, not one a record."""
    from archive_tui.provenance import derived_fields

    records = generate.generate_records(600, seed=1)
    assert not any("Generated benchmark record" in r["source"] for r in records)
    assert sum("repository" in r for r in records) > 500
    assert len({r.get("repository") for r in records}) < 100
    plain = {k: v for k, v in records[7].items() if k not in derived_fields(records[7])}
    assert {**plain, **derived_fields(plain)} == records[7]
