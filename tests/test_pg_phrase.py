"""Phrases in PostgreSQL by word positions (pg/phrase.py) against the local engine.

Records made for the edges: a phrase may not cross a field, a list item or a gap (a token
with no letters); an apostrophe word's parts share its position; a word twice in a
phrase; a field phrase stays in its field. Imported in several chunks (each its own
position space), then updated and removed: an old version's positions never match. Rows
written before phrase positions (migration 0003) are still found through their token text,
a path that is logged and counted. Real PostgreSQL (tests/pg_server.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from archive_tui.archive import Archive, add_to_store
from archive_tui.index import NF, TokenIndex
from archive_tui.pg import connect, phrase, records
from archive_tui.pg.archive import PgArchive
from archive_tui.pg.migrations import migrate


def made(i: int, **fields: object) -> dict:
    return {"id": f"ph-{i:03d}", "date": f"{1950 + i}", "title": f"Record {i}", **fields}


RECORDS = [
    made(1, title="Letter of the secretary", summary="Of state matters, briefly."),
    made(2, summary="The secretary of state met the press."),
    made(3, people=["Smith, John", "Jones, Mary"], summary="John met Mary."),
    made(4, summary="The secretary -- of state: a gap in between?"),
    made(5, summary="De Gaulle’s view and de gaulle again; missile missile crisis."),
    made(6, title="The secretary of state", summary="nothing else"),
    made(7, summary="Secretary of State Dulles, and the secretary of the state."),
    made(8, text="A long text: of of of state state secretary of state of secretary."),
    made(9, summary="gaulle view; the missile crisis"),
    made(10, summary="Missile missile missile."),
]

PHRASES = [
    '"secretary of state"',
    '"of state"',
    '"secretary of"',
    '"smith john"',
    '"john jones"',
    '"jones mary"',
    '"de gaulle"',
    '"gaulle view"',
    '"gaulles view"',
    '"missile missile"',
    '"missile missile missile"',
    '"missile crisis"',
    'title:"secretary of state"',
    'summary:"secretary of state"',
    'title:"of state"',
    '"state secretary of state of"',
    '"secretary of state" -dulles',
    '"of the state" OR "missile crisis"',
    '"no such words"',
]


def hits(result) -> tuple[int, list[str]]:
    return result.total, [h.record["id"] for h in result.hits]


@pytest.fixture
def both(pg_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ARCHIVE_TUI_HOME", str(tmp_path))
    monkeypatch.setattr(records, "_CHUNK", 3)  # several chunks, each its own positions
    with connect(pg_db, autocommit=True) as conn:
        migrate(conn)
    pg = PgArchive.open(pg_db)
    store = tmp_path / "local.json"
    yield pg, store
    pg.close()


def check(pg: PgArchive, store: Path) -> None:
    local = Archive.open(store)
    for query in PHRASES:
        assert hits(pg.search(query, limit=50)) == hits(local.search(query, limit=50)), query


def test_phrases_match_the_local_engine_across_chunks_updates_and_removals(both) -> None:
    pg, store = both
    assert pg.add(RECORDS[:7]) == (7, 0)
    assert pg.add(RECORDS[7:]) == (3, 0)
    add_to_store(store, RECORDS)
    assert pg._query("SELECT count(*) FROM archive_chunks") == [(4,)]
    before = phrase.stats()
    check(pg, store)
    found = pg.search('"secretary of state"', limit=50)
    assert sorted(h.record["id"] for h in found.hits) == [
        "ph-002",
        "ph-004",
        "ph-006",
        "ph-007",
        "ph-008",
    ]  # not 1: title and summary
    assert pg.search('"jones mary"').total == 1 and pg.search('"john jones"').total == 0
    assert phrase.stats()["positions"] > before["positions"]
    assert phrase.stats()["streams"] == before["streams"]
    # a new version without the phrase: its old positions (still in the lists) never match
    changed = [dict(RECORDS[1], summary="The press met nobody."), made(11, summary="of state")]
    assert pg.add(changed) == (1, 1)
    add_to_store(store, changed)
    assert pg.remove(["ph-007"]) == 1
    assert Archive.open(store).remove(["ph-007"]) == 1
    check(pg, store)
    found = pg.search('"secretary of state"', limit=50)
    assert sorted(h.record["id"] for h in found.hits) == ["ph-004", "ph-006", "ph-008"]


def _old_streams(batch_records: list[dict]) -> list[str]:
    """Each record's token text as written before migration 0003 (rows.py then)."""
    index = TokenIndex.build(batch_records)
    stream = np.asarray(index.stream)
    words = np.empty(len(index.vocab) + 1, dtype=object)
    words[0] = "|"
    words[1:] = index.vocab
    slots = words[stream + 1]
    parts = np.asarray(index.part_positions)
    part_term = np.repeat(np.arange(len(index.vocab)), np.diff(index.part_ptr))
    for pos, tid in zip(parts.tolist(), part_term.tolist(), strict=True):
        slots[pos] = f"{slots[pos]}/{index.vocab[tid]}"
    seg = np.asarray(index.seg_start)
    for f in range(NF):
        at = seg[f::NF]
        slots[at] = [f"#{f} {s}" for s in slots[at].tolist()]
    ends = np.append(seg[::NF][1:], len(stream))
    bounds = zip(seg[::NF].tolist(), ends.tolist(), strict=True)
    return [" ".join(slots[a:b].tolist()) for a, b in bounds]


def test_rows_without_positions_are_found_through_their_text_logged_and_counted(
    both, caplog: pytest.LogCaptureFixture
) -> None:
    """An archive imported before migration 0003: its posting rows have no positions and
    its records a token text each. Its phrases are still found (more slowly), said in the
    log and counted; records imported since are found by positions alongside."""
    pg, store = both
    old, new = RECORDS[:6], RECORDS[6:]
    assert pg.add(old) == (6, 0)
    prepared = records.prepare(old)
    docs = dict(pg._query("SELECT id, doc FROM archive_records"))
    with pg.conn.transaction():  # as 0001 left them: no chunks, no positions, texts
        pg._query("UPDATE archive_postings SET chunk = NULL, poss = NULL RETURNING 1")
        pg._query("DELETE FROM archive_chunks RETURNING 1")
        for record, text in zip(prepared, _old_streams(prepared), strict=True):
            pg._query(
                "INSERT INTO archive_streams (doc, stream) VALUES (%s, %s) RETURNING 1",
                (docs[record["id"]], text),
            )
    assert pg.add(new) == (4, 0)
    add_to_store(store, RECORDS)
    before = phrase.stats()
    with caplog.at_level(logging.WARNING, logger="archive_tui.pg.phrase"):
        check(pg, store)
    assert phrase.stats()["streams"] > before["streams"]
    assert "archive-tui db compact" in caplog.text
