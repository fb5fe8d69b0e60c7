"""Search semantics on a small hand-made archive: exact ids, ranking, facets, paging, highlights."""

from __future__ import annotations

from pathlib import Path

import pytest
from search_fixtures import IDS, RECORDS, write_archive

from archive_tui.archive import Archive
from archive_tui.query import parse_query
from archive_tui.search import SORTS, Filters, highlight_spans


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    path = write_archive(tmp_path_factory.mktemp("search") / "archive.json")
    return Archive.open(path, use_cache=False)


def ids(archive: Archive, query: str, **kw) -> list[str]:
    return [hit.id for hit in archive.search(query, limit=100, **kw).hits]


def idset(archive: Archive, query: str, **kw) -> set[str]:
    result = archive.search(query, limit=100, **kw)
    assert result.total == len(result.hits)
    return {hit.id for hit in result.hits}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("soviet", {"wilgress", "khrushchev", "gromyko", "degaulle", "estimate"}),
        ("soviet union", {"wilgress", "khrushchev", "gromyko", "degaulle"}),
        ('"soviet union"', {"wilgress", "khrushchev", "gromyko", "degaulle"}),
        ('"soviet missiles"', {"khrushchev", "estimate"}),
        ('"missiles soviet"', set()),
        ("Piné", {"pine"}),
        ("pine", {"pine"}),
        ("PINE", {"pine"}),
        ("Manac’h", {"manach"}),
        ("Manac'h", {"manach"}),
        ("manach", {"manach"}),
        ("Громыко", {"gromyko"}),
        ("gromyko", {"gromyko"}),
        ("gaulle", {"degaulle"}),
        ("Gaulle's", {"degaulle"}),
        ('"de gaulle"', {"degaulle"}),
        ('"de gaulle’s meeting with"', {"degaulle"}),
        ('"gaulle meeting"', {"degaulle"}),
        ('"general de gaulle"', {"degaulle"}),
        ('"meeting de gaulle"', set()),
        ("1944", {"wilgress"}),
        ("sovi*", {"wilgress", "khrushchev", "gromyko", "degaulle", "estimate"}),
        ("gr?myko", {"gromyko"}),
        ("k*y", {"khrushchev", "gromyko"}),  # kennedy
        ("berlin OR vienna", {"rusk", "wall"}),
        ("cuba -khrushchev", {"estimate", "gromyko"}),
        ("cuba NOT missiles", {"gromyko"}),
        ("+berlin", {"rusk", "wall"}),
        ("(berlin OR cuba) -wall", {"rusk", "estimate", "gromyko", "khrushchev"}),
        ("-cuba -soviet", {"pine", "manach", "wall", "alliance", "rusk"}),
        ("title:soviet", {"wilgress"}),
        ("summary:wall", {"wall"}),
        ("text:piné", {"pine"}),
        ('person:"Rusk, Dean"', {"rusk"}),
        ("person:kennedy", {"khrushchev", "gromyko"}),
        ('person:"kennedy rusk"', set()),
        ("place:moscow", {"wilgress", "khrushchev", "degaulle"}),
        ("subject:cuba", {"estimate", "gromyko", "khrushchev"}),
        ('subject:"soviet union" place:washington', {"gromyko"}),
        ("type:telegram", {"wall", "pine"}),
        ('type:"memorandum of conversation"', {"degaulle", "manach", "gromyko"}),
        ("lang:french", {"pine"}),
        ("collection:frus -cuba", {"alliance", "rusk", "wall"}),
        ("source:anything", set()),
        ("id:wall", {"wall"}),
        ("id:gro*", {"gromyko"}),
        ("id:nothing", set()),
        ("date:1944", {"wilgress", "degaulle"}),
        ("date:1962-10", {"estimate", "gromyko", "khrushchev"}),
        ("date:1962-10-16..1962-10-20", {"estimate", "gromyko"}),
        ("date:..1950", {"wilgress", "degaulle", "rusk", "alliance"}),
        ("date:1989..", {"wall"}),
        ("date:1969-05", {"manach"}),  # a year-precise record overlaps any of its months
        ("soviet date:1962", {"khrushchev", "gromyko", "estimate"}),
        ("wilgress", {"wilgress"}),
    ],
)
def test_query_semantics(archive: Archive, query: str, expected: set[str]) -> None:
    assert idset(archive, query) == expected


@pytest.mark.parametrize(
    "query",
    ['"cuban', "(cuba OR", "cuba)", "OR", "NOT", "*", "title:", "date:19x4", "a" * 10_000, "\x07"],
)
def test_malformed_queries_search_without_raising(archive: Archive, query: str) -> None:
    result = archive.search(query)
    assert result.parsed.notes
    assert result.total >= 0


def test_malformed_queries_are_read_sensibly(archive: Archive) -> None:
    assert idset(archive, '"cuban missile') == {"khrushchev"}
    assert idset(archive, "(berlin OR vienna") == {"rusk", "wall"}
    assert idset(archive, "title:") == set(IDS)
    assert idset(archive, "cuba date:19x4") == {"estimate", "gromyko", "khrushchev"}


def test_a_title_match_ranks_above_text_matches(archive: Archive) -> None:
    # "alliance" is once in one title, and three times in the other record's summary and text
    assert ids(archive, "alliance") == ["alliance", "degaulle"]
    assert ids(archive, "berlin")[0] == "wall"  # title + summary + text + place


def test_default_sort_is_relevance_with_words_and_date_without(archive: Archive) -> None:
    assert archive.search("cuba").sort == "relevance"
    assert archive.search("").sort == "date"
    assert archive.search("date:1944..1970").sort == "date"
    assert ids(archive, "") == [
        "wilgress",  # 1944-11-09
        "degaulle",  # 1944-12-02
        "rusk",  # 1947-10-20
        "alliance",  # 1950-06
        "pine",  # 1955-03
        "estimate",  # 1962-10 (month-precise sorts before the days of its month)
        "gromyko",  # 1962-10-18
        "khrushchev",  # 1962-10-27
        "manach",  # 1969
        "wall",  # 1989-11-10
    ]


def test_sorts(archive: Archive) -> None:
    assert ids(archive, "cuba", sort="date") == ["estimate", "gromyko", "khrushchev"]
    assert ids(archive, "cuba", sort="-date") == ["khrushchev", "gromyko", "estimate"]
    assert ids(archive, "cuba", sort="title") == ["gromyko", "estimate", "khrushchev"]
    assert ids(archive, "type:telegram", sort="title") == ["wall", "pine"]
    for sort in SORTS:
        assert idset(archive, "soviet", sort=sort) == idset(archive, "soviet")
    result = archive.search("cuba", sort="sideways")
    assert result.sort == "relevance" and result.parsed.notes


def test_relevance_scores_are_descending(archive: Archive) -> None:
    scores = [hit.score for hit in archive.search("soviet union", limit=20).hits]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_paging_walks_the_same_order(archive: Archive) -> None:
    for sort in SORTS:
        full = archive.search("", sort=sort, limit=100)
        result = archive.search("", sort=sort, offset=3, limit=4)
        assert result.total == 10 and result.offset == 3
        assert [h.id for h in result.hits] == [h.id for h in full.hits][3:7]
        pages = [h.id for off in range(0, 10, 3) for h in result.page(off, 3)]
        assert pages == [h.id for h in full.hits]
        assert list(result.ids()) == [h.id for h in full.hits]
        assert result.page(10, 5) == [] and result.page(8, 100)[-1].id == full.hits[-1].id
    soviet = archive.search("soviet", limit=2)
    assert len(soviet.hits) == 2 and soviet.total == 5
    assert [h.id for h in soviet.page(2, 3)] == ids(archive, "soviet")[2:]


def test_facets_count_the_current_results(archive: Archive) -> None:
    facets = archive.search("cuba").facets
    assert facets["collection"] == {"FRUS": 3}
    assert facets["people"] == {
        "Kennedy, John F.": 2,
        "Gromyko, Andrei": 1,
        "Khrushchev, Nikita S.": 1,
    }
    assert next(iter(facets["people"])) == "Kennedy, John F."  # most frequent first
    assert facets["subjects"] == {"Cuba": 3, "Soviet Union": 2}
    assert facets["decade"] == {"1960s": 3} and facets["year"] == {"1962": 3}
    everything = archive.search("").facets
    assert everything["language"] == {"English": 8, "French": 1, "Russian": 1}
    assert everything["decade"] == {"1960s": 4, "1940s": 3, "1950s": 2, "1980s": 1}
    assert sum(everything["year"].values()) == 10


def test_filters_combine_with_the_query_and_the_facets_follow(archive: Archive) -> None:
    # values ORed within a field, ANDed across fields
    filters = Filters.from_mapping({"type": ["Letter", "Telegram"], "collection": "FRUS"})
    result = archive.search("", filters=filters, limit=100)
    assert [h.id for h in result.hits] == ["khrushchev", "wall"]
    # each field is counted under the other fields' filters but not its own, so the
    # values a user may still add (ORed) stay listed with what they would add
    assert result.facets["document_type"] == {
        "Intelligence Estimate": 1,
        "Letter": 1,
        "Memorandum": 1,
        "Memorandum of Conversation": 1,
        "Paper": 1,
        "Telegram": 1,
    }
    assert result.facets["collection"] == {"FRUS": 2, "Wilson Center": 2}
    assert result.facets["people"] == {"Kennedy, John F.": 1, "Khrushchev, Nikita S.": 1}
    one = archive.search("", filters={"collection": "FRUS"})
    assert one.total == 6 and one.facets["collection"] == {"FRUS": 6, "Wilson Center": 4}
    assert archive.search("cuba", filters={"collection": "FRUS"}).facets["collection"] == {
        "FRUS": 3
    }
    assert idset(archive, "soviet", filters={"people": "Kennedy, John F."}) == {
        "gromyko",
        "khrushchev",
    }
    # unknown value: nothing matches; values match case- and accent-insensitively too
    assert idset(archive, "", filters={"places": "Atlantis"}) == set()
    assert idset(archive, "", filters={"person": "manac'h, etienne"}) == {"manach"}


def test_date_filters_respect_precision(archive: Archive) -> None:
    def dated(date_from: str | None, date_to: str | None) -> set[str]:
        return idset(archive, "", filters=Filters(date_from=date_from, date_to=date_to))

    assert dated("1962", "1962") == {"estimate", "gromyko", "khrushchev"}
    assert dated("1962-10-20", "1962-10-31") == {"estimate", "khrushchev"}
    assert dated("1955-03-15", "1955-03-15") == {"pine"}  # month-precise record, day filter
    assert dated("1969-02", None) == {"manach", "wall"}
    assert dated(None, "1947") == {"wilgress", "degaulle", "rusk"}
    assert dated("1950-06", "1950-06") == {"alliance"}


def test_filters_api() -> None:
    f = Filters.from_mapping(
        {"type": "Telegram", "subject": ["Cuba", "Cuba", "France"], "date": "1944..1950"}
    )
    assert f.facets == {"document_type": ("Telegram",), "subjects": ("Cuba", "France")}
    assert (f.date_from, f.date_to) == ("1944", "1950")
    g = f.with_value("place", "Moscow").without_value("subjects", "Cuba")
    assert g.facets == {
        "document_type": ("Telegram",),
        "subjects": ("France",),
        "places": ("Moscow",),
    }
    assert g.without_value("document_type", "Telegram").facets == {
        "subjects": ("France",),
        "places": ("Moscow",),
    }
    assert Filters().is_empty() and not f.is_empty()
    assert Filters.from_mapping(None).is_empty()
    with pytest.raises(ValueError, match="unknown filter field 'colour'"):
        Filters.from_mapping({"colour": "red"})
    with pytest.raises(ValueError, match="date_from '19x4'"):
        Filters.from_mapping({"date_from": "19x4"})


def test_bad_date_in_filters_object_is_noted_not_raised(archive: Archive) -> None:
    result = archive.search("cuba", filters=Filters(date_from="someday"))
    assert result.total == 3
    assert any("someday" in note for note in result.parsed.notes)


def test_hit_highlights_land_on_the_words(archive: Archive) -> None:
    hit = archive.search("gaulle stalin", limit=1).hits[0]
    title = hit.record["title"]
    assert [title[a:b] for a, b in hit.highlights["title"]] == ["Gaulle", "Stalin"]
    summary = hit.record["summary"]
    assert [summary[a:b] for a, b in hit.highlights["summary"]] == ["Stalin", "Gaulle"]
    hit = archive.search("громыко", limit=1).hits[0]
    assert [hit.record["title"][a:b] for a, b in hit.highlights["title"]] == ["Громыко"]
    assert [hit.record["summary"][a:b] for a, b in hit.highlights["summary"]] == ["Gromyko"]
    hit = archive.search("pine", limit=1).hits[0]
    assert [hit.record["summary"][a:b] for a, b in hit.highlights["summary"]] == ["Piné"]
    # a field-scoped word is highlighted only in its field
    hit = archive.search("title:telegram wall", limit=1).hits[0]
    assert [hit.record["title"][a:b] for a, b in hit.highlights["title"]] == ["Telegram", "Wall"]
    assert hit.highlights["summary"] == [(4, 8)]  # "wall", not "telegram" (title only)
    assert archive.search("").hits[0].highlights == {"title": [], "summary": []}


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("General de Gaulle’s visit to Moscow", "gaulle", ["Gaulle"]),
        ("General de Gaulle’s visit to Moscow", '"de gaulle"', ["de Gaulle"]),
        ("General de Gaulle’s visit", "gaulles", ["Gaulle’s"]),
        ("The Soviet—Union and sovietization", "sovi*", ["Soviet", "sovietization"]),
        ("The Soviet—Union and soviets", '"soviet union"', ["Soviet—Union"]),
        ("Громыко and Gromyko; Grimyko", "gr?myko", ["Громыко", "Gromyko", "Grimyko"]),
        ("Хрущёв met Zhukov (Жуков)", "zhukov khrushchev", ["Хрущёв", "Zhukov", "Жуков"]),
        ("Piné… Pine, PINE.", "pine", ["Piné", "Pine", "PINE"]),
        ("no match here", "cuba", []),
        ("cuba without cuba", "-cuba", []),
        ("1944 and 19445", "1944", ["1944"]),
    ],
)
def test_highlight_spans(text: str, query: str, expected: list[str]) -> None:
    spans = highlight_spans(text, parse_query(query))
    assert [text[a:b] for a, b in spans] == expected


def test_suggestions_when_nothing_matches(archive: Archive) -> None:
    result = archive.search("gromiko")
    assert result.total == 0 and result.suggestions == ["gromyko"]
    assert archive.search("kenedy cuba").suggestions == ["kennedy"]
    assert archive.search("cuba").suggestions == []
    assert archive.search("xqzvw").suggestions == []


def test_elapsed_time_and_echo(archive: Archive) -> None:
    result = archive.search("cuba", filters={"type": "Letter"})
    assert result.elapsed_ms > 0
    assert result.query == "cuba" and result.filters.facets == {"document_type": ("Letter",)}
    assert result.hits[0].date.year == 1962


def test_every_record_field_is_reachable(archive: Archive) -> None:
    for record in RECORDS:
        assert record["id"] in idset(archive, f"id:{record['id']}")
        assert record["id"] in idset(archive, f'title:"{record["title"]}"')


def test_empty_archive_searches(tmp_path: Path) -> None:
    archive = Archive.open(tmp_path / "empty.json", create=True)
    result = archive.search("anything", filters={"type": "Letter"})
    assert result.total == 0 and result.hits == [] and result.facets["collection"] == {}
    assert archive.search("").total == 0


def test_facet_counts_match_a_plain_count_for_every_path() -> None:
    import random
    from collections import Counter

    import numpy as np

    from archive_tui.dates import parse_date
    from archive_tui.index import TokenIndex
    from archive_tui.search import facet_counts

    rng = random.Random(3)
    records = [
        {
            "id": f"r{i}",
            "date": f"{rng.randint(1940, 1990)}-{rng.randint(1, 12):02d}",
            "title": f"record {i}",
            "collection": rng.choice(["A", "B", "C"]),
            "people": rng.sample([f"Person {k}" for k in range(400)], rng.randint(0, 3)),
            "places": rng.sample(["Paris", "Moscow", "Bonn"], rng.randint(0, 2)),
        }
        for i in range(600)
    ]
    index = TokenIndex.build(records)
    for fraction in (0.0, 0.05, 0.5, 0.95, 1.0):
        mask = np.array([rng.random() < fraction for _ in records])
        got = facet_counts(index, mask)
        chosen = [r for r, m in zip(records, mask, strict=True) if m]
        want = {
            "collection": Counter(r["collection"] for r in chosen),
            "people": Counter(p for r in chosen for p in r["people"]),
            "places": Counter(p for r in chosen for p in r["places"]),
            "year": Counter(str(parse_date(r["date"]).year) for r in chosen),
        }
        for name, counts in want.items():
            assert got[name] == dict(counts), (fraction, name)
            values = list(got[name].values())
            assert values == sorted(values, reverse=True)


def test_relevance_pages_of_a_mid_sized_result(tmp_path: Path) -> None:
    records = [
        {"id": f"r{i:03d}", "date": f"{1950 + i % 30}", "title": f"Report {i} on Berlin"}
        for i in range(120)
    ]
    archive = Archive.open(write_archive(tmp_path / "mid.json", records), use_cache=False)
    result = archive.search("berlin", limit=5)
    assert result.total == 120 and len(result.hits) == 5
    walked = [h.id for off in range(0, 120, 7) for h in result.page(off, 7)]
    assert sorted(walked) == sorted(r["id"] for r in records)
    assert walked == list(result.ids())
    few = archive.search("report 7", limit=2)  # a handful of hits, a tiny page
    assert [h.id for h in few.page(0, 10)] == list(few.ids())
