"""The PostgreSQL read side's fast paths: each one asserted to have run, and its answer
equal to the slow, obvious one (a fresh process reading everything, or SQL).
Real PostgreSQL (tests/pg_server.py)."""

from __future__ import annotations

import numpy as np
import pytest

from archive_tui.pg.archive import PgArchive
from archive_tui.pg.binary import ints_of
from archive_tui.pg.facet_counts import facet_loads


def made(i: int, **extra: object) -> dict:
    return {
        "id": f"rec-{i:04d}",
        "date": f"{1950 + i % 30}-{1 + i % 12:02d}",
        "title": f"Record {i} on the Soviet question, part {i % 7}",
        "summary": f"Gromyko and Piné discuss item {i}; Manac’h notes it.",
        "people": [f"Person {i % 13}", "Gromyko, Andrei"],
        "subjects": ["Cold War", f"topic {i % 5}"],
        "collection": f"Collection {i % 3}",
        **extra,
    }


@pytest.fixture
def pg_archive(pg_open: PgArchive) -> PgArchive:
    return pg_open


def fresh_facets(archive: PgArchive, query: str) -> dict:
    """The facets a new process (arrays read whole) counts."""
    other = PgArchive.open(archive.address)
    try:
        result = other.search(query)
        assert facet_loads(other) == {"full": 1} and result.facet_path == "numpy"
        return result.facets
    finally:
        other.close()


def test_binary_int_arrays_read_as_numpy(pg_archive: PgArchive) -> None:
    row = pg_archive._query(
        "SELECT array_send(ARRAY[1, -2, 9000000000]::bigint[]), "
        "array_send(ARRAY[7, 8]::integer[]), array_send('{}'::integer[]), "
        "array_send(NULL::integer[])"
    )[0]
    assert ints_of(row[0]).tolist() == [1, -2, 9000000000]
    assert ints_of(row[1]).tolist() == [7, 8]
    assert ints_of(row[2]).dtype == np.int64 and ints_of(row[2]).size == 0
    assert ints_of(row[3]).size == 0


def test_facet_arrays_read_only_what_each_write_changed(pg_archive: PgArchive) -> None:
    """After an import only the new records are read (appended), after an update the
    changed ones (merged), after a removal the live seqs too; the counts equal those of a
    process that reads everything."""
    pg_archive.add([made(i) for i in range(30)])
    first = pg_archive.search("soviet")
    assert first.facet_path == "numpy" and facet_loads(pg_archive) == {"full": 1}

    pg_archive.add([made(i) for i in range(30, 45)])
    second = pg_archive.search("soviet")
    assert facet_loads(pg_archive) == {"full": 1, "appended": 1}
    assert second.total == 45 and second.facets == fresh_facets(pg_archive, "soviet")

    pg_archive.add([made(3, collection="Elsewhere", people=["Someone, New"])])
    third = pg_archive.search("soviet")
    assert facet_loads(pg_archive)["merged"] == 1
    assert third.facets["collection"]["Elsewhere"] == 1
    assert third.facets == fresh_facets(pg_archive, "soviet")

    pg_archive.remove(["rec-0004", "rec-0040"])
    pg_archive.add([made(50)])
    fourth = pg_archive.search("soviet")
    assert facet_loads(pg_archive)["merged+removed"] == 1
    assert fourth.total == 44
    assert fourth.facets == fresh_facets(pg_archive, "soviet")
    assert pg_archive.search("").facets == fresh_facets(pg_archive, "")


def test_everything_is_counted_from_the_arrays_as_sql_counts_it(pg_archive: PgArchive) -> None:
    """The empty query's facets (every record) come from the arrays, equal to the counts
    made in SQL from the stored frequencies, people named two ways counted once."""
    pg_archive.add([made(i) for i in range(20)])
    pg_archive.add([made(20, people=["Gromyko, Andrei", "Gromyko, A."])])
    result = pg_archive.search("")
    assert result.facet_path == "numpy"
    assert result.facets == pg_archive.all_facet_counts()
    assert result.facets["people"]["Gromyko, Andrei"] == 21


def test_facet_value_ids_are_stored_in_the_row(pg_archive: PgArchive) -> None:
    """Migration 0002: the facet value ids are inline (MAIN), not in the TOAST table,
    also for records imported after it, and still found and filtered on."""
    pg_archive.add([made(i) for i in range(5)])
    storage = pg_archive._query(
        "SELECT attstorage, attcompression FROM pg_attribute "
        "WHERE attrelid = 'archive_records'::regclass AND attname = 'fv'"
    )[0]
    assert storage == ("m", "l")
    assert pg_archive.search("", filters={"collection": "Collection 1"}).total == 2


def observed(result) -> dict:
    return {
        "total": result.total,
        "hits": [(h.record["id"], h.score) for h in result.hits],
        "facets": result.facets,
        "histogram": result.histogram().buckets,
        "ids": result.ids()[:50],
        "page": [h.id for h in result.page(3, 5)],
    }


DRIVEN = [
    "zeppelinoid",
    "zeppelinoid OR manach",
    "manach",
    "record 7",
    "soviet OR part",
    '"soviet question"',
    "gromyko -collection:1",
    "item 3 OR item 5",
    "rec*",
    "title:soviet",
    "nosuchword",
    "soviet nosuchword",
]


def test_reading_by_posting_lists_finds_what_the_scan_finds(
    pg_archive: PgArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rare words: only the records of their posting lists are read (``driver``); forced
    either way, every query gives the same totals, pages, scores, facets and histogram."""
    from archive_tui.pg import driver

    pg_archive.chunk_search = False  # the general statement (test_pg_chunk_search.py)
    pg_archive.add([made(i) for i in range(200)])
    pg_archive.add([made(i, summary=f"A zeppelinoid {i}") for i in range(3)])  # updated
    assert pg_archive.search("zeppelinoid").driver == "postings"  # 3 of 200 records
    assert pg_archive.search("soviet").driver == "scan"  # every record
    assert pg_archive.search("-soviet").driver == "scan"  # NOT: no posting list covers it
    assert pg_archive.search("collection:1").driver == "scan"
    for query in DRIVEN:
        monkeypatch.setattr(driver, "DRIVER_SHARE", 0)  # always by posting lists
        by_postings = pg_archive.search(query, filters={"people": "Gromyko, Andrei"})
        monkeypatch.setattr(driver, "DRIVER_SHARE", 10**9)  # never
        by_scan = pg_archive.search(query, filters={"people": "Gromyko, Andrei"})
        assert by_scan.driver == "scan"
        assert observed(by_postings) == observed(by_scan), query
        if by_scan.total:
            assert by_postings.driver == "postings", query


def test_a_search_nobody_wants_any_more_is_cancelled_on_the_server(
    pg_archive: PgArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``should_stop`` turning true cancels the running statement (a 5 s one here): the
    search returns at once, cut short, saying so; the connection serves the next one."""
    import time

    from archive_tui.pg.result import STOPPED, PgSearchResult

    pg_archive.add([made(i) for i in range(10)])
    slow_run = PgSearchResult._run

    def slow(self: PgSearchResult) -> None:
        self._rows("SELECT pg_sleep(5)")
        slow_run(self)

    monkeypatch.setattr(PgSearchResult, "_run", slow)
    t0 = time.perf_counter()
    result = pg_archive.search("soviet", should_stop=lambda: time.perf_counter() > t0 + 0.1)
    took = time.perf_counter() - t0
    assert result.stopped and result.cut_short and took < 2.5
    assert result.total == 0 and result.hits == [] and STOPPED in result.parsed.notes
    monkeypatch.setattr(PgSearchResult, "_run", slow_run)
    # already true: nothing runs; never true: the whole search
    assert pg_archive.search("soviet", should_stop=lambda: True).stopped
    done = pg_archive.search("soviet", should_stop=lambda: False)
    assert not done.stopped and not done.cut_short and done.total == 10


def test_a_filtered_search_is_one_statement_with_each_filters_own_counts(
    pg_archive: PgArchive, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page, the total and every facet's counts — a filtered field's without its own
    filter — come from one statement (the query evaluated once), equal to what each filter
    alone gives."""
    pg_archive.add([made(i) for i in range(40)])
    reads: list[str] = []
    read = pg_archive._read

    def counted(settings: dict, sql: str, params: object = None) -> list[tuple]:
        reads.append(sql)
        return read(settings, sql, params)

    monkeypatch.setattr(pg_archive, "_read", counted)
    filters = {"collection": "Collection 1", "subjects": "topic 2"}
    both = pg_archive.search("soviet", filters=filters)
    assert len(reads) == 1 and both.total == len([i for i in range(40) if i % 15 == 7])
    without_collection = pg_archive.search("soviet", filters={"subjects": "topic 2"})
    without_subjects = pg_archive.search("soviet", filters={"collection": "Collection 1"})
    assert both.facets["collection"] == without_collection.facets["collection"]
    assert both.facets["subjects"] == without_subjects.facets["subjects"]
    assert both.facets["people"] != without_subjects.facets["people"]  # narrowed by both


FILTERS_ONLY = [
    {"collection": "Collection 1"},
    {"collection": ["Collection 1", "Collection 2"], "subjects": "topic 3"},
    {"date_from": "1955", "date_to": "1960-06"},
    {"date_from": "1970", "people": "Person 4"},
    {"subjects": "nothing like this"},
]


@pytest.mark.parametrize("filters", FILTERS_ONLY, ids=str)
def test_filters_only_are_counted_from_the_arrays_as_sql_counts_them(
    pg_archive: PgArchive, monkeypatch: pytest.MonkeyPatch, filters: dict
) -> None:
    """No query words: the total and the counts come from the facet arrays (the page
    from SQL), equal to the SQL path's; a date filter keeps what overlaps its range."""
    from archive_tui.pg.result import PgSearchResult

    pg_archive.add([made(i) for i in range(60)])
    pg_archive.add([made(5, date="1962-10-16"), made(6, date="1956")])  # updated
    fast = pg_archive.search("", filters=filters, sort="-date")
    assert fast.filter_path == "arrays"
    monkeypatch.setattr(PgSearchResult, "_from_arrays", lambda self, extra: False)
    slow = pg_archive.search("", filters=filters, sort="-date")
    assert slow.filter_path == ""
    assert observed(fast) == observed(slow)


def test_suggestions_come_from_a_table_read_once_a_generation(pg_archive: PgArchive) -> None:
    """A search that finds nothing suggests near words (as the local engine, tested in the
    contract suite) from the suggestible words read once per generation."""
    pg_archive.add([made(i) for i in range(60)])
    assert pg_archive.search("sovet").suggestions == ["soviet"]
    assert "suggest:2" in pg_archive._cache
    asked: list[str] = []
    query = pg_archive._query

    def counted(sql: str, params: object = None) -> list[tuple]:
        asked.append(sql)
        return query(sql, params)

    pg_archive._query = counted  # type: ignore[method-assign]
    assert pg_archive.search("gromykko").suggestions == ["gromyko"]
    assert not any("char_length" in sql for sql in asked)
    pg_archive.add([made(60), made(61)])  # a new generation: read again
    assert pg_archive.search("sovet").suggestions == ["soviet"]
    assert any("char_length" in sql for sql in asked)


def test_a_read_with_settings_sees_them_and_leaves_none_behind(pg_archive: PgArchive) -> None:
    """connection.read_with_settings: the settings and the statement go in one pipeline
    (one implicit transaction): the statement runs with them, the connection keeps none
    of them afterwards, and a statement that fails (its time limit) leaves the connection
    idle and usable, its settings gone too."""
    from archive_tui.pg.connection import read_with_settings

    conn = pg_archive.conn
    default = conn.execute("SHOW work_mem").fetchone()[0]
    rows = read_with_settings(
        conn,
        {"work_mem": "77MB", "jit": "off"},
        "SELECT current_setting('work_mem'), %s::int",
        (5,),
    )
    assert rows == [("77MB", 5)]
    assert conn.execute("SHOW work_mem").fetchone()[0] == default
    import psycopg

    with pytest.raises(psycopg.errors.QueryCanceled):
        read_with_settings(
            conn, {"statement_timeout": "50", "work_mem": "77MB"}, "SELECT pg_sleep(2)"
        )
    assert conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert conn.execute("SHOW work_mem").fetchone()[0] == default
    assert conn.execute("SHOW statement_timeout").fetchone()[0] == "0"
    assert read_with_settings(conn, {}, "SELECT 1") == [(1,)]


def test_a_search_asks_nothing_before_its_statement_when_the_words_are_known(
    pg_archive: PgArchive,
) -> None:
    """The archive's size, length and the words' document frequencies are kept for the
    generation they were read at: a search of known words makes one read (its
    statement). When another session writes meanwhile, the statement tells the newer
    generation and the search is made again with fresh figures: the same answer as a
    process that has never searched."""
    pg_archive.add([made(i) for i in range(40)])
    pg_archive.search("gromyko soviet")
    reads: list[str] = []
    query, read = pg_archive._query, pg_archive._read
    pg_archive._query = lambda sql, params=None: reads.append(sql) or query(sql, params)
    pg_archive._read = lambda settings, sql, params=None: (
        reads.append(sql) or read(settings, sql, params)
    )
    try:
        again = pg_archive.search("gromyko soviet")
        assert len(reads) == 1 and pg_archive.searched_again == 0
        other = PgArchive.open(pg_archive.address)
        other.add([made(i) for i in range(40, 70)])  # the generation moves
        other.close()
        reads.clear()
        moved = pg_archive.search("gromyko soviet")
    finally:
        pg_archive._query, pg_archive._read = query, read
    assert pg_archive.searched_again == 1 and len(reads) > 1
    fresh = PgArchive.open(pg_archive.address)
    try:
        expected = fresh.search("gromyko soviet")
    finally:
        fresh.close()
    assert again.total == 40 and moved.total == expected.total == 70
    assert [(h.record["id"], h.score) for h in moved.hits] == [
        (h.record["id"], h.score) for h in expected.hits
    ]
