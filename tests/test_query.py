"""The query language: every operator, and every malformed query read leniently."""

from __future__ import annotations

import pytest

from archive_tui.dates import parse_date
from archive_tui.query import (
    MAX_TERMS,
    QUERY_HELP,
    And,
    DateRange,
    IdMatch,
    Not,
    Or,
    Phrase,
    Term,
    parse_query,
)


def tree(text: str) -> str:
    return parse_query(text).describe()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("soviet union", "(soviet AND union)"),
        ('"cuban missile"', '"cuban missile"'),
        ("berlin OR vienna", "(berlin OR vienna)"),
        ("berlin or vienna", "(berlin OR vienna)"),
        ("a b OR c d", "(a AND (b OR c) AND d)"),
        ("NOT cuba", "NOT cuba"),
        ("not cuba berlin", "(NOT cuba AND berlin)"),
        ("-cuba berlin", "(NOT cuba AND berlin)"),
        ("+berlin", "berlin"),
        ("cold-war", '"cold war"'),
        ("(berlin OR vienna) -wall", "((berlin OR vienna) AND NOT wall)"),
        ("a AND b", "(a AND b)"),
        ("sovi*", "sovi*"),
        ("gr?myko", "gr?myko"),
        ("title:treaty", "title:treaty"),
        ("TITLE:Treaty", "title:treaty"),
        ('person:"Rusk, Dean"', 'people:"rusk dean"'),
        ("place:moscow subject:cuba", "(places:moscow AND subjects:cuba)"),
        ("type:telegram lang:english", "(document_type:telegram AND language:english)"),
        (
            "collection:frus summary:wall",  # a short display name also means its long form
            '((collection:frus OR collection:"foreign relations of the united states") '
            "AND summary:wall)",
        ),
        ("text:wall", "text:wall"),
        ("title:(berlin OR wall)", "(title:berlin OR title:wall)"),
        ("title:sovi*", "title:sovi*"),
        ("id:frus1964-68v12-d25", "id:frus1964-68v12-d25"),
        ("id:frus1964*", "id:frus1964*"),
        ("NOT NOT cuba", "cuba"),
        ("Громыко", "gromyko"),
        ("Manac’h", "manach"),
    ],
)
def test_operators(query: str, expected: str) -> None:
    parsed = parse_query(query)
    assert parsed.describe() == expected
    assert parsed.notes == []


def test_terms_for_highlighting_skip_negated_words() -> None:
    parsed = parse_query('"cuban missile" sovi* -berlin title:kennedy')
    assert parsed.terms == ("cuban", "missile", "sovi*", "kennedy")


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        ("date:1944", "1944-01-01", "1944-12-31"),
        ("date:1944-11", "1944-11-01", "1944-11-30"),
        ("date:1944..1955", "1944-01-01", "1955-12-31"),
        ("date:1962-10-16..1962-10-28", "1962-10-16", "1962-10-28"),
        ("date:..1950", None, "1950-12-31"),
        ("date:1989..", "1989-01-01", None),
    ],
)
def test_dates(query: str, start: str | None, end: str | None) -> None:
    root = parse_query(query).root
    assert isinstance(root, DateRange)
    assert root.start == (parse_date(start).start if start else None)
    assert root.end == (parse_date(end).end if end else None)


def test_node_types() -> None:
    root = parse_query('a "b c" OR id:x -date:1950 sovi*').root
    assert isinstance(root, And)
    a, either, negated, prefix = root.children
    assert a == Term("a")
    assert isinstance(either, Or) and either.children == (Phrase(("b", "c")), IdMatch("x"))
    assert isinstance(negated, Not) and isinstance(negated.child, DateRange)
    assert prefix == Term("sovi", None, "prefix")


def test_empty_query_is_empty_and_has_no_words() -> None:
    for text in ("", "   ", "date:1950"):
        parsed = parse_query(text)
        assert not parsed.has_words
    assert parse_query("").is_empty
    assert not parse_query("date:1950").is_empty


# Malformed input: never raises, says how it was read, reads it sensibly.
@pytest.mark.parametrize(
    ("query", "expected", "note"),
    [
        ('"cuban missile', '"cuban missile"', "Unbalanced quote"),
        ('person:"Rusk, Dean', 'people:"rusk dean"', "Unbalanced quote"),
        ("(berlin OR vienna", "(berlin OR vienna)", "Unbalanced parenthesis"),
        ("berlin)", "berlin", "Unmatched )"),
        ("OR", "(everything)", "OR needs"),
        ("berlin OR", "berlin", "OR needs"),
        ("OR berlin", "berlin", "OR needs"),
        ("NOT", "(everything)", "NOT needs"),
        ("berlin -", "berlin", None),
        ("berlin NOT", "berlin", "NOT needs"),
        ("*", "(everything)", "alone matches everything"),
        ("??", "(everything)", "alone matches everything"),
        ("title:", "(everything)", "title: needs a value"),
        ("title: berlin", "berlin", "title: needs a value"),
        ("date:19x4", "(everything)", "date:19x4 is not a date range"),
        ("date:1960..1950 cuba", "cuba", "ends before it starts"),
        ("date:", "(everything)", "date: needs a value"),
        ("cu\x00ba\x1b[31m", "(cu AND ba AND 31m)", "Control characters"),
        ("cu\ufeffba\u2060x\u061cy", "(cu AND ba AND x AND y)", "Control characters"),
        ("so***vi**et", "so*vi*et", None),
        ("author:smith", '"author smith"', "Unknown field author"),
        ("u.s*a", '"u s a"', "Wildcards work within one word"),
        ("()", "(everything)", None),
    ],
)
def test_malformed_queries_are_read_leniently(query: str, expected: str, note: str | None) -> None:
    parsed = parse_query(query)
    assert parsed.describe() == expected
    if note is not None:
        assert any(note in n for n in parsed.notes), parsed.notes


def test_very_long_queries_are_capped_with_a_note() -> None:
    parsed = parse_query(" ".join(f"w{i}" for i in range(200)))
    assert isinstance(parsed.root, And) and len(parsed.root.children) == MAX_TERMS
    assert any("first 64 terms" in n for n in parsed.notes)
    huge = parse_query("x" * 10_000 + " y")
    assert any("Query cut" in n for n in huge.notes)


def test_random_garbage_never_raises() -> None:
    import random

    rng = random.Random(7)
    alphabet = ['"', "(", ")", "-", "+", "*", "?", ":", " ", "OR ", "NOT ", "a", "title:", "date:"]
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        parsed = parse_query(text)
        assert isinstance(parsed.notes, list)
        parsed.describe()


def test_deep_nesting_is_survived() -> None:
    parsed = parse_query("(" * 500 + "a" + ")" * 500)
    assert parsed.terms == ("a",)


def test_help_documents_every_operator() -> None:
    for piece in ('"', " OR ", "NOT", "-", "+", "*", "?", "title:", "person:", "date:1944..1955"):
        assert piece in QUERY_HELP
