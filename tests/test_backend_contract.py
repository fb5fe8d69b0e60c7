"""One contract, two backends: the local engine and PostgreSQL give the same results.

The same records (the 14 Wilson Center seed records, every 40th FRUS record and a few
made to test folding and dates) go into a local JSON store and into a real PostgreSQL
database; every query below runs on both, and the totals, the ids of the first page in
order, every facet's counts, the histogram, the notes and the suggestions must be equal.

Ranking: PostgreSQL computes the local BM25F scores in the same single-precision steps
(pg/compile.py), and ties are broken the same way (date, then archive order), so the
order is asserted exactly. Where the two could still differ: a prefix or wildcard word
standing for more than 300 words keeps the 300 most frequent, and words tied in
frequency at that cut may be chosen differently (no query here reaches the cut);
the sum of a wildcard's expansions is added in a different order, which could swap two
records whose scores differ in the last bit only.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FRUS_PATH, SEED_PATH, SHIPPED_PATH
from pg_server import with_database

from archive_tui.archive import Archive, add_to_store
from archive_tui.backend import ArchiveBackend, open_backend

EXTRA = [
    {
        "id": "made-manach",
        "date": "1962-10",
        "title": "Note by Pierre Manac’h on the Cuban missile crisis",
        "summary": "Manac’h writes to Piné about Громыко and de Gaulle’s view.",
        "people": ["Manac’h, Pierre", "Громыко, Андрей"],
        "places": ["Paris", "Москва"],
        "subjects": ["Cuban Missile Crisis", "cold war"],
        "collection": "Made for the contract test",
        "document_type": "Note",
        "language": "French",
    },
    {
        "id": "made-pine",
        "date": "1962",
        "title": "Piné’s answer: the missile question",
        "summary": "An answer dated only to the year; Gromyko is named without accents.",
        "people": ["Gromyko, Andrei"],
        "subjects": ["Cold War"],
        "collection": "Made for the contract test",
        "document_type": "Letter",
        "language": "English",
    },
    {
        "id": "made-day",
        "date": "1962-10-16",
        "title": "Cuban missile photographs",
        "text": "The photographs show missile sites near San Cristóbal. Missile missile.",
        "collection": "Made for the contract test",
        "document_type": "Memorandum",
    },
]

QUERIES = [
    "",
    "soviet",
    "Soviet Union",
    "secretary state",
    "Громыко",
    "gromyko",
    "manach",
    "Manac’h",
    "pine",
    "gaulle",
    "gaulles",
    '"cuban missile"',
    '"united nations"',
    '"secretary of state"',
    '"de gaulle"',
    '"gaulles view"',
    '"manac h writes"',
    '"writes to pine"',
    '"pine s answer"',
    "berlin OR vienna",
    "soviet NOT union",
    "-soviet",
    "soviet -union (berlin OR moscow)",
    "(atomic OR nuclear) energy",
    "sov*",
    "commun*",
    "gr?myko",
    "mis*le",
    "m?ssile*",
    "title:missile",
    'title:"cuban missile"',
    "summary:soviet",
    "text:atomic",
    "person:gromyko",
    'person:"Gromyko, Andrei"',
    "place:moscow",
    "subject:cold",
    "collection:frus",
    "type:telegram",
    "lang:french",
    "id:made-pine",
    "id:MADE-PINE",
    "id:frus1948*",
    "admin:truman",
    "class:secret",
    "date:1962",
    "date:1962-10",
    "date:1962-10-16",
    "date:1948..1949",
    "date:..1950",
    "date:1960..",
    "soviet date:1948",
    "xqzv",
    "sovet",
    "missle",
    'unbalanced "quote',
    "title:",
    "tag:berlin",
    "'; DROP TABLE archive_records; --",
]

FILTERS: list[dict[str, Any]] = [
    {},
    {"collection": "Made for the contract test"},
    {"type": ["Telegram", "Note"]},
    {"people": "Gromyko, Andrei"},
    {"decade": "1960s", "language": "English"},
    {"date_from": "1948-03", "date_to": "1948-06"},
    {"date": "1962"},
    {"subjects": "nothing like this"},
    {"admin": "kennedy"},
]

SORTS = [None, "relevance", "date", "-date", "title"]


def contract_records() -> list[dict]:
    seed = json.loads(Path(SEED_PATH).read_text(encoding="utf-8"))
    if Path(FRUS_PATH).exists():
        frus = json.loads(Path(FRUS_PATH).read_text(encoding="utf-8"))
    else:  # the shipped archive holds the same FRUS records
        shipped = json.loads(Path(SHIPPED_PATH).read_text(encoding="utf-8"))["records"]
        frus = [r for r in shipped.values() if r["id"].startswith("frus")]
    return [*seed, *frus[::40], *EXTRA]


@pytest.fixture(scope="module")
def backends(pg_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The same records in a local store and in a PostgreSQL database of this module."""
    import psycopg

    from archive_tui.pg import connect
    from archive_tui.pg.migrations import migrate

    home = tmp_path_factory.mktemp("contract-home")
    records = contract_records()
    name = f"atui_contract_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    address = with_database(pg_server, name)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARCHIVE_TUI_HOME", str(home))
        store = home / "contract.json"
        add_to_store(store, records)
        local = Archive.open(store)
        with connect(address, autocommit=True) as conn:
            migrate(conn)
        pg = open_backend(address)
        pg.add(records)
        try:
            yield {"local": local, "pg": pg, "records": records}
        finally:
            pg.close()
            with psycopg.connect(pg_server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def observed(result: Any) -> dict:
    """Everything a user sees of a search, in a form two backends can be compared by."""
    hist = result.histogram()
    return {
        "total": result.total,
        "ids": [hit.record["id"] for hit in result.hits],
        "highlights": [hit.highlights for hit in result.hits],
        "facets": {k: list(v.items()) for k, v in result.facets.items()},
        "histogram": (hist.unit, hist.buckets, hist.undated),
        "notes": list(result.parsed.notes),
        "suggestions": list(result.suggestions),
        "sort": result.sort,
    }


def test_both_backends_meet_the_protocol(backends: dict) -> None:
    assert isinstance(backends["local"], ArchiveBackend)
    assert isinstance(backends["pg"], ArchiveBackend)
    assert len(backends["pg"]) == len(backends["local"]) == len(backends["records"])


@pytest.mark.parametrize("query", QUERIES)
def test_queries_give_the_same_results(backends: dict, query: str) -> None:
    local = backends["local"].search(query, limit=20)
    pg = backends["pg"].search(query, limit=20)
    assert observed(pg) == observed(local)


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: json.dumps(f, ensure_ascii=False))
@pytest.mark.parametrize("query", ["", "soviet", "missile OR gromyko", "date:1940..1970"])
def test_filters_give_the_same_results(backends: dict, query: str, filters: dict) -> None:
    local = backends["local"].search(query, filters=filters, limit=20)
    pg = backends["pg"].search(query, filters=filters, limit=20)
    assert observed(pg) == observed(local)


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("query", ["", "soviet", "state department", "date:1948"])
def test_sorts_give_the_same_order(backends: dict, query: str, sort: str | None) -> None:
    local = backends["local"].search(query, sort=sort, limit=50)
    pg = backends["pg"].search(query, sort=sort, limit=50)
    assert observed(pg) == observed(local)
    # scores as the local engine gives them (single precision)
    assert [h.score for h in pg.hits] == [h.score for h in local.hits]


def test_phrases_are_checked_by_word_positions(backends: dict) -> None:
    """Phrases are found by consecutive word positions (pg/phrase.py), never by reading a
    record's text: an apostrophe word's parts share its position (``"de gaulle"`` finds
    de Gaulle’s), a field phrase stays in its field; both engines find the same."""
    from archive_tui.pg import phrase

    pg = backends["pg"]
    before = phrase.stats()
    for query in ('"de gaulle"', '"cuban missile"', 'title:"cuban missile"', '"gaulle view"'):
        local = backends["local"].search(query, limit=20)
        assert observed(pg.search(query, limit=20)) == observed(local)
        assert local.total > 0, query
    after = phrase.stats()
    assert after["positions"] - before["positions"] == 4
    assert after["streams"] == before["streams"]  # no record text was read
    assert pg._query("SELECT count(*) FROM archive_streams") == [(0,)]


def test_pages_and_all_ids_match(backends: dict) -> None:
    local = backends["local"].search("state", limit=10)
    pg = backends["pg"].search("state", limit=10)
    for offset in (0, 10, 95, local.total - 3, local.total + 5):
        assert [h.id for h in pg.page(offset, 10)] == [h.id for h in local.page(offset, 10)]
    assert pg.ids() == list(local.ids())
    far = backends["pg"].search("state", offset=10_000)
    assert far.total == local.total and far.hits == []


def test_get_related_and_records_match(backends: dict) -> None:
    local, pg = backends["local"], backends["pg"]
    for record in backends["records"][:20:3] + EXTRA:
        assert pg.get(record["id"]) == local.get(record["id"])
        assert [r["id"] for r in pg.related(record["id"], 8)] == [
            r["id"] for r in local.related(record["id"], 8)
        ]
    assert pg.get("no such id") is None
    assert [r["id"] for r in pg.records()] == [r["id"] for r in local.records()]


def test_search_text_is_never_sql(backends: dict) -> None:
    """Hostile text is searched as words (bound parameters): the table is still there."""
    pg = backends["pg"]
    for query in ("'; DROP TABLE archive_records; --", 'title:"x\\" OR 1=1 --"', "%_*?"):
        pg.search(query)
    assert len(pg) == len(backends["records"])


@pytest.fixture(scope="module")
def annotations(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A workspace with tags, notes and lists on some of the contract records."""
    from archive_tui.annotations import AnnotationIndex
    from archive_tui.workspace import Workspace

    ws = Workspace.open(tmp_path_factory.mktemp("contract-ws") / "workspace.json")
    ws.add_tags(["made-manach", "made-pine", "wilson-1944-11-09-wilgress"], ["Berlin"])
    ws.add_tags(["made-day", "made-pine"], ["cold war", "photos"])
    ws.set_note("made-day", "The U-2 photographs of soviet missiles; ask Gromyko")
    ws.set_note("wilson-1944-11-09-wilgress", "Wilgress on soviet aims, see chapter 3")
    ws.set_note("orphan-id", "soviet note on a record no archive holds")
    ws.add_to_list("chapter 3", ["made-manach", "wilson-1944-11-09-wilgress"])
    return AnnotationIndex.from_workspace(ws)


ANNOTATION_QUERIES = [
    "tag:berlin",
    'tag:"cold war"',
    "tag:c*",
    'list:"chapter 3"',
    "note:soviet",
    'note:"soviet missiles"',
    "note:gromy*",
    "has:note",
    "has:tag -has:list",
    "soviet",
    "photographs OR wilgress",
    "chapter",
    "missile tag:berlin",
]


@pytest.mark.parametrize("query", ANNOTATION_QUERIES)
@pytest.mark.parametrize(
    "filters", [{}, {"tags": "Berlin"}, {"lists": "chapter 3", "type": "Note"}]
)
def test_annotations_give_the_same_results(
    backends: dict, annotations: Any, query: str, filters: dict
) -> None:
    local = backends["local"].search(query, filters=filters, limit=20, annotations=annotations)
    pg = backends["pg"].search(query, filters=filters, limit=20, annotations=annotations)
    assert observed(pg) == observed(local)
    assert [h.score for h in pg.hits] == [h.score for h in local.hits]
    assert "tags" in pg.facets and "lists" in pg.facets


def test_open_backend_picks_the_backend_by_address(backends: dict, tmp_path: Path) -> None:
    """A postgresql:// address opens PostgreSQL, anything else a local store file."""
    from archive_tui.pg.archive import PgArchive

    store = tmp_path / "one.json"
    add_to_store(store, EXTRA)
    local = open_backend(store)
    assert isinstance(local, Archive) and len(local) == len(EXTRA)
    pg = open_backend(backends["pg"].address)
    assert isinstance(pg, PgArchive) and len(pg) == len(backends["records"])
    pg.close()


def test_a_search_past_its_time_limit_is_stopped_and_says_so(backends: dict) -> None:
    """The server stops a search at its time limit: no error, no endless wait, a note."""
    pg = backends["pg"]
    result = pg.search('"secretary of state" OR "united nations" OR sov*', budget_s=0.001)
    assert result.cut_short and result.total == 0 and result.hits == []
    assert any("time limit" in note for note in result.parsed.notes)
    assert pg.search("soviet").total > 0  # the connection is fine afterwards
