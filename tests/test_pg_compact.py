"""Compacting PostgreSQL's posting lists (pg/compact.py): dead entries of replaced and
removed versions leave, small chunks merge, pre-0003 rows get positions; searches find
exactly what they found before. Real PostgreSQL (tests/pg_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_pg_phrase import RECORDS, _old_streams

from archive_tui.archive import Archive, add_to_store
from archive_tui.pg import DatabaseProblem, connect, phrase, records
from archive_tui.pg import compact as compact_module
from archive_tui.pg.archive import PgArchive
from archive_tui.pg.compact import compact
from archive_tui.pg.migrations import migrate

QUERIES = ['"secretary of state"', '"de gaulle"', "missile", "title:record", '"jones mary"']


def observed(archive, query: str) -> tuple[int, list[str], list[float]]:
    result = archive.search(query, limit=50)
    return result.total, [h.record["id"] for h in result.hits], [h.score for h in result.hits]


def entries(pg: PgArchive) -> tuple[int, int]:
    """(posting entries, of them live)."""
    return pg._query(
        "SELECT count(*), count(r.doc) FROM archive_postings p, unnest(p.docs) d "
        "LEFT JOIN archive_records r ON r.doc = d"
    )[0]


@pytest.fixture
def pg(pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ARCHIVE_TUI_HOME", str(tmp_path))
    monkeypatch.setattr(records, "_CHUNK", 4)
    with connect(pg_db, autocommit=True) as conn:
        migrate(conn)
    archive = PgArchive.open(pg_db)
    yield archive
    archive.close()


def test_compaction_drops_dead_entries_and_keeps_every_result(
    pg: PgArchive, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compact_module, "WRITE_DEAD_SHARE", 2.0)  # no rewrite while writing
    store = tmp_path / "local.json"
    assert pg.add(RECORDS) == (10, 0)
    changed = [
        dict(r, summary=f"Rewritten {i}: secretary of state") for i, r in enumerate(RECORDS[:6])
    ]
    assert pg.add(changed) == (0, 6)
    assert pg.remove(["ph-009"]) == 1
    add_to_store(store, RECORDS)
    add_to_store(store, changed)
    Archive.open(store).remove(["ph-009"])
    local = Archive.open(store)
    before = {q: observed(pg, q) for q in QUERIES}
    assert before == {q: observed(local, q) for q in QUERIES}
    total, live = entries(pg)
    assert total > live  # dead versions' entries pile up
    done = compact(pg.conn)
    assert done.dead == total - live and done.records > 0
    assert entries(pg) == (live, live)
    assert {q: observed(pg, q) for q in QUERIES} == before
    # every live record in exactly one chunk; a second compaction finds nothing to do
    placed = pg._query("SELECT count(*), count(DISTINCT d) FROM archive_chunks, unnest(docs) d")
    assert placed == [(9, 9)]
    assert compact(pg.conn).chunks == 0


def test_compaction_gives_pre_0003_rows_positions(pg: PgArchive, tmp_path) -> None:
    store = tmp_path / "local.json"
    assert pg.add(RECORDS) == (10, 0)
    add_to_store(store, RECORDS)
    prepared = records.prepare(RECORDS)
    docs = dict(pg._query("SELECT id, doc FROM archive_records"))
    with pg.conn.transaction():  # as 0001 left them: no chunks, no positions, texts
        pg._query("UPDATE archive_postings SET chunk = NULL, poss = NULL RETURNING 1")
        pg._query("DELETE FROM archive_chunks RETURNING 1")
        for record, text in zip(prepared, _old_streams(prepared), strict=True):
            pg._query(
                "INSERT INTO archive_streams (doc, stream) VALUES (%s, %s) RETURNING 1",
                (docs[record["id"]], text),
            )
    before = {q: observed(pg, q) for q in QUERIES}
    assert compact(pg.conn).records == 10
    assert pg._query("SELECT count(*) FROM archive_streams") == [(0,)]
    assert pg._query("SELECT count(*) FROM archive_postings WHERE chunk IS NULL") == [(0,)]
    # (a first read tells the archive of the compaction's generation: it drops the old
    # generation's lookups, and with them "these words have rows without positions")
    pg.search("")
    counted = phrase.stats()
    assert {q: observed(pg, q) for q in QUERIES} == before
    assert phrase.stats()["streams"] == counted["streams"]  # positions only now
    local = Archive.open(store)
    assert before == {q: observed(local, q) for q in QUERIES}


def test_a_failed_compaction_changes_nothing(pg: PgArchive) -> None:
    assert pg.add(RECORDS) == (10, 0)
    pg.add([dict(r, summary="changed") for r in RECORDS])
    rows = pg._query("SELECT term, chunk, docs FROM archive_postings ORDER BY term, chunk")
    pg._query("UPDATE archive_vocab SET term = term || '!' WHERE term = 'changed' RETURNING 1")
    with pytest.raises(DatabaseProblem, match="changed nothing"):
        compact(pg.conn, everything=True)
    assert pg._query("SELECT term, chunk, docs FROM archive_postings ORDER BY term, chunk") == rows


def test_an_import_rewrites_chunks_it_left_mostly_dead(pg: PgArchive, tmp_path) -> None:
    """Replacing most records of a chunk (or removing them) rewrites it in the same
    transaction: the dead entries do not wait for a compaction."""
    store = tmp_path / "local.json"
    assert pg.add(RECORDS[:4]) == (4, 0)  # one chunk of 4 (the fixture's chunk size)
    changed = [dict(r, summary="secretary of state, again") for r in RECORDS[:3]]
    assert pg.add(changed) == (0, 3)  # 3 of 4 dead: rewritten
    assert entries(pg)[0] == entries(pg)[1]
    add_to_store(store, RECORDS[:4])
    add_to_store(store, changed)
    local = Archive.open(store)
    assert {q: observed(pg, q) for q in QUERIES} == {q: observed(local, q) for q in QUERIES}
    assert pg.add(RECORDS[4:8]) == (4, 0)
    assert pg.remove(["ph-005"]) == 1  # 1 of 4 dead: left for a compaction
    total, live = entries(pg)
    assert total > live
    assert pg.remove(["ph-006", "ph-007"]) == 2  # 3 of 4 dead: rewritten
    assert entries(pg)[0] == entries(pg)[1]


def test_db_compact_on_the_command_line_drops_dead_entries_and_keeps_results(
    pg_db: str, tmp_path: Path
) -> None:
    import json
    import os
    import subprocess
    import sys

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "archive_tui", *args, "--db", pg_db],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=180,
        )

    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(RECORDS), encoding="utf-8")
    # one record of ten changed: too few dead entries for the import to compact itself
    second.write_text(json.dumps([dict(RECORDS[0], summary="Rewritten")]), encoding="utf-8")
    assert cli("db", "init").returncode == 0
    assert cli("import", str(first)).returncode == 0
    assert cli("import", str(second)).returncode == 0
    before = cli("search", '"secretary of state"', "--json")
    assert before.returncode == 0, before.stderr
    done = cli("db", "compact", "--all", "--json")
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    assert figures["dead_entries"] > 0 and figures["records"] == len(RECORDS)
    again = cli("db", "compact", "--json")
    assert json.loads(again.stdout)["dead_entries"] == 0
    after = cli("search", '"secretary of state"', "--json")
    assert json.loads(after.stdout)["hits"] == json.loads(before.stdout)["hits"]
    assert json.loads(after.stdout)["total"] > 0
    text = cli("db", "compact")
    assert text.returncode == 0 and "dead posting entries gone" in text.stdout
