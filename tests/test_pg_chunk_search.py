"""Queries of plain words evaluated chunk by chunk (pg/chunk_search.py) on a real
PostgreSQL: each asserted to have taken that path, and its answer (total, page, scores,
facets, later pages) equal to the general statement's on the same database."""

from __future__ import annotations

import pytest

from archive_tui.pg.archive import PgArchive

PLAIN = [
    "soviet",
    "soviet union",
    "soviet union cuba",  # every match holds each: tf without the check (chunk_search._impact)
    "soviet (union OR soviet)",  # one word held by every match and also in an OR
    "cuba nucl*",  # a prefix's words, none held by every match
    "soviet OR cuba",
    "cuba -soviet",
    "soviet -(union OR cuba)",
    "-cuba soviet",
    "(soviet OR nuclear) AND -union",
    "gromyko",
    "Громыко",
    "manac’h",
    "pine",
    "nucl*",
    "gr?myko",
    "zeppelinoid",
    "soviet zeppelinoid",
    "cuba OR zeppelinoid",
    '"soviet union"',
    'title:"soviet union"',
    '"manac’h notes"',
    "title:soviet",
    "summary:zeppelinoid",
]
GENERAL = [
    '"soviet union" cuba',
    "title:nucl*",  # two words in one field
    "title:soviet cuba",
    "collection:Collection 1",
    "date:1960",
    "people:gromyko",
]


def made(i: int, **extra: object) -> dict:
    words = ["soviet union", "cuba", "nuclear test", "nuclearization", "berlin"]
    return {
        "id": f"rec-{i:04d}",
        "date": f"{1950 + i % 30}-{1 + i % 12:02d}" + ("" if i % 4 else f"-{1 + i % 27:02d}"),
        "title": f"Record {i} on the {words[i % 5]} question, part {i % 7}",
        "summary": f"{'Gromyko' if i % 3 else 'Громыко'} and Piné discuss {words[i % 4]} "
        f"item {i}; Manac’h notes it{' twice: soviet soviet' if i % 11 == 0 else ''}.",
        "people": [f"Person {i % 13}", "Gromyko, Andrei"],
        "subjects": ["Cold War", f"topic {i % 5}"],
        "collection": f"Collection {i % 3}",
        **extra,
    }


@pytest.fixture
def pg_archive(pg_open: PgArchive) -> PgArchive:
    archive = pg_open
    # three imports: three chunks; then an update and a removal leave dead docs in them
    archive.add([made(i) for i in range(120)])
    archive.add([made(i) for i in range(120, 200)])
    archive.add([made(i) for i in range(200, 260)])
    archive.add([made(i, summary=f"Now about cuba and zeppelinoid {i}") for i in (5, 130, 201)])
    archive.remove(["rec-0007", "rec-0150"])
    return archive


def answer(archive: PgArchive, query: str, sort: str, chunks: bool) -> tuple:
    archive.chunk_search = chunks
    try:
        result = archive.search(query, sort=sort, limit=10)
        later = [h.record["id"] for h in result.page(10, 15)]
    finally:
        archive.chunk_search = True
    page = [(h.record["id"], h.score) for h in result.hits]
    walked = result.chunk_plan is not None and result.chunk_plan.walk
    return (result.driver, walked), result.total, page, later, result.facets, result.facet_path


@pytest.mark.parametrize("sort", ["relevance", "date", "-date", "title"])
def test_plain_words_run_chunk_by_chunk_and_answer_as_the_general_statement(
    pg_archive: PgArchive, sort: str
) -> None:
    """Every way: a word alone (its arrays read directly), a prefix alone (its words
    summed), AND/OR/NOT (set operations and probes), and, sorted by date or title, a
    common word's page by walking the sort's index."""
    walks = 0
    for query in PLAIN:
        (path, walked), *chunked = answer(pg_archive, query, sort, chunks=True)
        (general_path, _), *general = answer(pg_archive, query, sort, chunks=False)
        # the title sort of a rare word: its few matches' titles, in the general statement;
        # a word in one field: only by relevance (its set needs each entry's field)
        general_ok = (sort == "title" and not walked) or (":" in query and sort != "relevance")
        assert path == "chunks" or general_ok, query
        assert general_path in ("scan", "postings"), query
        assert chunked == general, (query, sort)
        assert chunked[-1] == "numpy" or path != "chunks"  # facets from the matching docs
        walks += walked
    # the common words sorted by date or title walk the index, and only those
    assert (walks >= 8) if sort != "relevance" else (walks == 0)
    found = pg_archive.search("zeppelinoid", sort=sort)
    assert found.total == 3 and (found.driver == "chunks") == (sort != "title")
    assert pg_archive.search("soviet cuba").total > 0


def test_removed_and_replaced_versions_never_match(pg_archive: PgArchive) -> None:
    """The removed records and the old text of the updated ones are dead docs of their
    chunks: left out of the total, the page and the facets."""
    chunks = pg_archive._query(
        "SELECT chunk, cardinality(dead), (SELECT count(*) FROM unnest(seqs) s WHERE s = 0) "
        "FROM archive_chunks ORDER BY chunk"
    )
    assert [dead for _, dead, _ in chunks] == [2, 2, 1, 0]  # 5 and 7; 130 and 150; 201; none
    assert all(dead == zeros for _, dead, zeros in chunks)
    everything = pg_archive.search("record", limit=300)
    assert everything.driver == "chunks" and everything.total == 258
    ids = {h.record["id"] for h in everything.hits}
    assert "rec-0007" not in ids and "rec-0150" not in ids
    changed = pg_archive.search("gromyko item 5")  # the old summary of rec-0005
    assert changed.driver == "chunks" and "rec-0005" not in [h.record["id"] for h in changed.hits]
    assert pg_archive.search("zeppelinoid 130").hits[0].record["id"] == "rec-0130"


def test_other_queries_keep_the_general_statement(pg_archive: PgArchive) -> None:
    for query in GENERAL:
        assert pg_archive.search(query).driver in ("scan", "postings"), query
    assert pg_archive.search("zeppelinoid", sort="title").driver != "chunks"  # 3 titles
    assert pg_archive.search("soviet", filters={"collection": "Collection 1"}).driver != "chunks"
    assert pg_archive.search("-soviet").driver == "scan"  # no word holds every match


@pytest.mark.parametrize("sort", ["date", "-date", "title"])
def test_filters_with_a_common_word_walk_the_index_and_count_from_the_arrays(
    pg_archive: PgArchive, sort: str
) -> None:
    """The filter panel's choices with a common word sorted by date or title: the walk
    keeps the records the filters keep, the total and counts come from the facet arrays
    (each filtered facet counted without its own filter), all as the general statement."""
    # records of a whole year: they start months before a date filter's first day
    pg_archive.add([made(i, date="1969", summary=f"Soviet item {i}") for i in range(300, 306)])
    for filters in (
        {"collection": "Collection 1"},
        {"collection": "Collection 1", "subjects": "topic 2"},
        {"people": "Person 3"},
        # a year, decade or date filter also bounds the walk of the date index
        {"decade": "1960s"},
        {"year": ["1955", "1971"], "collection": "Collection 2"},
        {"date_from": "1960", "date_to": "1965"},
        {"date_from": "1970-03"},
        {"date_from": "1969-06"},
        {"date_to": "1952-06-15", "decade": "1950s"},
    ):
        for query in ("soviet", "soviet OR cuba", "record -cuba"):
            (path, walked), *chunked = answer_filtered(pg_archive, query, filters, sort, True)
            (general_path, _), *general = answer_filtered(pg_archive, query, filters, sort, False)
            assert path == "chunks" and walked, (query, filters)
            assert general_path != "chunks"
            assert chunked == general, (query, filters, sort)
    decade = pg_archive.search("soviet", filters={"decade": "1960s"}, sort=sort)
    bounds = [f for f in decade.chunk_plan.filters if "date_key" in f]
    assert len(bounds) == 2  # the 1960s: from 1960-01-01, before 1970-01-01
    ranked = pg_archive.search("soviet", filters={"collection": "Collection 1"})
    assert ranked.driver != "chunks"  # by relevance every match's score and values


def answer_filtered(
    archive: PgArchive, query: str, filters: dict, sort: str, chunks: bool
) -> tuple:
    archive.chunk_search = chunks
    try:
        result = archive.search(query, filters=filters, sort=sort, limit=10)
        later = [h.record["id"] for h in result.page(10, 15)]
    finally:
        archive.chunk_search = True
    page = [(h.record["id"], h.score) for h in result.hits]
    walked = result.chunk_plan is not None and result.chunk_plan.walk
    return (result.driver, walked), result.total, page, later, result.facets


def test_the_histogram_comes_from_the_facet_arrays_and_equals_the_sql_one(
    pg_archive: PgArchive,
) -> None:
    """The timeline of every kind of search is made from the dates of the records its
    facets counted (no statement over every match again), and equals the one made in SQL."""
    cases = [
        ("soviet", {}, None),  # chunk statement
        ("soviet", {"collection": "Collection 1"}, "date"),  # walked, counted with filters
        ("collection:Collection 2 cuba", {}, None),  # general statement
        ("", {"subjects": "topic 1"}, None),  # filters only
        ("", {}, None),  # everything
        ("cuba", {"people": "Person 2"}, None),  # general, own facet counted apart
    ]
    for query, filters, sort in cases:
        result = pg_archive.search(query, filters=filters, sort=sort)
        made = result.histogram()
        assert result.histogram_path == "arrays", (query, filters)
        assert made.total > 0 and made == result.histogram_sql(), (query, filters)


@pytest.mark.parametrize("sort", ["date", "-date", "title"])
def test_filters_alone_walk_the_date_index_from_the_filters_first_day(
    pg_archive: PgArchive, sort: str
) -> None:
    """Filters only, with a year, decade or date filter: the page's statement is bounded
    by the days the filters allow (``bounds``) and gives the pages it gives without."""
    pg_archive.add([made(i, date="1969") for i in range(300, 306)])  # whole-year records
    for filters in (
        {"decade": "1960s"},
        {"year": "1969", "collection": "Collection 1"},
        {"date_from": "1969-06", "date_to": "1972"},
    ):
        result = pg_archive.search("", filters=filters, sort=sort, limit=10)
        assert result.filter_path == "arrays" and len(result.bounds) in (1, 2)
        bounded = [h.record["id"] for h in (*result.hits, *result.page(10, 15))]
        result.bounds = []
        free = [h.record["id"] for h in (*result.page(0, 10), *result.page(10, 15))]
        assert bounded == free and len(bounded) > 10, filters


@pytest.mark.parametrize("sort", ["relevance", "date", "-date"])
def test_a_prefix_of_common_and_rare_words_equals_the_general_statement(
    pg_archive: PgArchive, sort: str
) -> None:
    """``sov*``: soviet is in many records, sovkhoz, sovnarkom and sovietology in few; the
    common word is read as arrays, the rare ones' entries summed per doc; a record holding
    several of them is scored with all (as the general statement sums them)."""
    rare = ["sovkhoz", "sovnarkom", "sovietology sovkhoz", "soviet sovnarkom sovkhoz"]
    pg_archive.add([made(400 + i, summary=f"On {w} matters {i}") for i, w in enumerate(rare)])
    for query in ("sov*", "sov* -cuba", "sov?hoz"):
        (path, _), *chunked = answer(pg_archive, query, sort, chunks=True)
        (general, _), *expected = answer(pg_archive, query, sort, chunks=False)
        assert path == "chunks" and general != "chunks"
        assert chunked == expected, (query, sort)
    plan = pg_archive.search("sov*", sort=sort).chunk_plan
    assert len(plan.common) == 1 and len(plan.expansion) == 4  # soviet; 3 rare words


@pytest.mark.parametrize("query", ["sov*", "soviet OR sovkhoz OR sovnarkom"])
def test_by_relevance_only_the_rare_words_records_are_scored_when_they_fill_the_page(
    pg_archive: PgArchive, query: str
) -> None:
    """MaxScore (chunk_statement._maxscore), for a prefix with a common word and for an OR
    of words: when the page's worst score among the records holding a rarer word beats
    anything a record holding only the common word (soviet) can score, the others are not
    scored; further down, where short records saying soviet three times outscore long
    ones holding a rare word once, they are, and every page equals the general
    statement's."""
    filler = " ".join(f"filler{k}" for k in range(400))
    pg_archive.add(
        [made(500 + i, title=f"Sovkhoz {i}", summary=f"sovkhoz {i}") for i in range(12)]
        + [made(520 + i, title=f"Long {i}", summary=f"a sovnarkom {filler}") for i in range(12)]
        + [
            made(540 + i, title="Soviet soviet soviet", summary="soviet soviet soviet")
            for i in range(6)
        ]
    )
    archive = pg_archive
    first = archive.search(query, limit=10)
    assert first.driver == "chunks" and first.pruned is True
    soviet = pg_archive.dfs(["soviet"])["soviet"][0]
    plan = first.chunk_plan
    if plan.expansion:
        assert [tid for tid, _ in plan.common] == [soviet]
    else:
        assert plan.tids[plan.common_word[0]] == soviet
    pages = [(0, 10), (0, 20), (10, 15), (30, 40)]
    chunked = [[(h.record["id"], h.score) for h in first.page(o, n)] for o, n in pages]
    archive.chunk_search = False
    try:
        general = archive.search(query, limit=10)
        expected = [[(h.record["id"], h.score) for h in general.page(o, n)] for o, n in pages]
    finally:
        archive.chunk_search = True
    assert chunked == expected
    # the short soviet-only records do come before the long rare ones further down
    assert any(rid.startswith("rec-054") for rid, _ in chunked[1])
    assert first.total == general.total and first.facets == general.facets
