"""NUL characters (U+0000) in a record stored in PostgreSQL, whose text cannot hold them:
the record is kept byte for byte, found by search, its facets and title sort as locally
(pg/nul.py); an id with NUL is refused in one sentence, and nothing is imported."""

from __future__ import annotations

import json
from pathlib import Path

import test_pg_cli
from test_pg_cli import run_cli

from archive_tui.pg.archive import PgArchive

both = test_pg_cli.both  # the fixture: a local archive and a database, the same records

NUL_RECORDS = [
    {
        "id": "nul-1",
        "title": "Nul\x00title about the zebra\x00crossing",
        "date": "1961-04",
        "text": "A body with a\x00b, Ştefan and \x01 too.",
        "people": ["Ann\x00Smith", "Manac’h, Pierre"],
        "subjects": ["x\x00y", "esc\x01\x02ape"],
        "collection": "Nul\x00collection",
    },
    {"id": "nul-2", "title": "Nul\x01title", "date": "1961-05", "subjects": ["x\x01y"]},
]


def test_a_record_with_nul_is_stored_and_read_back_exactly(
    both: tuple[str, str], tmp_path: Path
) -> None:
    local, pg = both
    source = tmp_path / "nul.json"
    source.write_text(json.dumps(NUL_RECORDS), encoding="utf-8")
    for db in (local, pg):
        done = run_cli("import", str(source), "--db", db, "--json")
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["added"] == 2
    archive = PgArchive.open(pg)
    try:
        stored = archive.get("nul-1")
    finally:
        archive.close()
    for key, value in NUL_RECORDS[0].items():
        assert stored[key] == value  # every character, NUL included
    a = run_cli("show", "nul-1", "--json", "--db", local)
    b = run_cli("show", "nul-1", "--json", "--db", pg)
    assert b.returncode == 0 and b.stdout == a.stdout
    assert "\\u0000" in b.stdout
    for query in (["zebra"], ["crossing", "ştefan"], ["--filter", "subject=x\x01y"], ["nul"]):
        a = run_cli("search", *query, "--json", "--db", local)
        b = run_cli("search", *query, "--json", "--db", pg)
        assert b.returncode == 0, b.stderr
        assert json.loads(b.stdout)["total"] >= 1
        assert b.stdout == a.stdout  # hits, facets (NUL values as they are) and counts
    found = json.loads(run_cli("search", "zebra", "--json", "--db", pg).stdout)
    assert [h["id"] for h in found["hits"]] == ["nul-1"]
    assert found["facets"]["subjects"] == {"x\x00y": 1, "esc\x01\x02ape": 1}
    assert found["facets"]["collection"] == {"Nul\x00collection": 1}
    a = run_cli("search", "nul", "--sort", "title", "--db", local)
    b = run_cli("search", "nul", "--sort", "title", "--db", pg)
    assert b.stdout == a.stdout  # the title sort
    removed = run_cli("remove", "nul-1", "--db", pg)
    assert removed.returncode == 0, removed.stderr
    left = json.loads(run_cli("search", "--limit", "0", "--json", "--db", pg).stdout)
    assert "x\x00y" not in left["facets"]["subjects"]


def test_an_id_with_nul_is_refused_in_one_sentence(pg_db: str, tmp_path: Path) -> None:
    assert run_cli("db", "init", "--db", pg_db).returncode == 0
    source = tmp_path / "nul-id.json"
    good = {"id": "fine", "title": "Fine", "date": "1961"}
    source.write_text(json.dumps([good, {"id": "a\x00b", "title": "T", "date": "1961"}]))
    done = run_cli("import", str(source), "--db", pg_db)
    assert done.returncode == 1
    assert done.stderr == (
        "archive-tui: error: the record id 'a␀b' holds a NUL character, which a PostgreSQL "
        "archive cannot hold in an id; nothing was imported\n"
    )
    assert run_cli("show", "fine", "--db", pg_db).returncode == 1  # nothing kept
