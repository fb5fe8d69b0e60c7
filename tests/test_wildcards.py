"""Wildcards cost time linear in the words they scan; a search has a deadline and a cancel hook."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
import textwrap
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from search_fixtures import write_archive

from archive_tui.archive import Archive
from archive_tui.query import MAX_WILDCARDS, Term, parse_query, positive_nodes
from archive_tui.search import MAX_EXPANSIONS, execute, highlight_spans
from archive_tui.wildcard import collapse, glob_match, match_terms

PATHOLOGICAL = "*?**?**?**?**?**?**?**?**?**?*q"


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    path = write_archive(tmp_path_factory.mktemp("wild") / "archive.json")
    return Archive.open(path, use_cache=False)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(st.text("ab*?", max_size=8), st.text("ab", max_size=10))
def test_glob_match_agrees_with_fnmatch(pattern: str, word: str) -> None:
    assert glob_match(pattern, word) == fnmatch.fnmatchcase(word, pattern)


def test_runs_of_stars_are_one_star() -> None:
    assert collapse("a***b**") == "a*b*"
    root = parse_query("so**vi***et").root
    assert root == Term("so*vi*et", None, "wildcard")
    assert parse_query("sov***").root == Term("sov", None, "prefix")


def test_the_vocabulary_scan_stops_when_asked() -> None:
    vocab = [f"w{i:06d}" for i in range(20_000)]
    found, finished = match_terms(vocab, 0, len(vocab), "w*", should_stop=lambda: True)
    assert not finished and 0 < len(found) < len(vocab)
    found, finished = match_terms(vocab, 0, len(vocab), "w*9")
    assert finished and len(found) == 2_000


def test_pathological_wildcards_and_highlights_finish() -> None:
    """Each of these backtracked for minutes (issue 13); a hang guard, not a timing test."""
    code = textwrap.dedent(
        f"""
        from archive_tui.archive import Archive
        from archive_tui.query import parse_query
        from archive_tui.search import highlight_spans, execute
        from archive_tui.index import TokenIndex
        words = ["a" * n + "b" for n in range(1, 40)] * 50 + ["aaaq", "xaq"]
        records = [{{"id": str(i), "date": "1950", "title": w}} for i, w in enumerate(words)]
        index = TokenIndex.build(records)
        result = execute(index, records, {PATHOLOGICAL!r}, limit=5, budget_s=None)
        assert not result.cut_short
        text = " ".join(["a" * 60] * 200)
        for q in ({PATHOLOGICAL!r}, "a*a*a*a*a*a*a*a*a*a*a*b", "*a?*a?*a?*a?*a?*a?*c"):
            assert highlight_spans(text, parse_query(q)) == []
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_wildcard_highlights_still_land(archive: Archive) -> None:
    for text, query, expected in [
        ("Громыко and Gromyko; Grimyko", "gr?m**yko", ["Громыко", "Gromyko", "Grimyko"]),
        ("The Soviet Union and sovietization", "s*v*t*", ["Soviet", "sovietization"]),
        ("General de Gaulle’s visit", "g*s", ["Gaulle’s"]),
        ("abcabc abcab", "*bc", ["abcabc"]),
    ]:
        spans = highlight_spans(text, parse_query(query))
        assert [text[a:b] for a, b in spans] == expected, query


def test_a_wildcard_expanding_to_too_many_words_says_so(tmp_path) -> None:
    count = MAX_EXPANSIONS + 5
    records = [{"id": f"r{i}", "date": "1950", "title": f"w x{i:04d}y"} for i in range(count)]
    archive = Archive.open(write_archive(tmp_path / "a.json", records), use_cache=False)
    result = archive.search("x*y")
    assert result.total == MAX_EXPANSIONS
    assert any(f"the {MAX_EXPANSIONS} most frequent" in note for note in result.parsed.notes)


def test_a_search_told_to_stop_returns_with_a_note(archive: Archive) -> None:
    result = archive.search("soviet", should_stop=lambda: True)
    assert result.cut_short
    assert result.total == 0
    assert any("stopped" in note and "incomplete" in note for note in result.parsed.notes)
    full = archive.search("soviet")
    assert not full.cut_short and full.total > 0
    assert not any("stopped" in note for note in full.parsed.notes)


def test_a_search_out_of_time_returns_with_a_note(archive: Archive) -> None:
    result = execute(archive.index, archive._records, "soviet OR stalin", budget_s=0)
    assert result.cut_short
    assert any("time limit" in note for note in result.parsed.notes)


@pytest.mark.parametrize("query", ["aaaa*", "a*a", "*a?a*", "aa*aa*"])
def test_a_giant_word_is_highlighted_in_one_pass(query: str) -> None:
    """The old highlighter kept regex state for every letter: 120 bytes a character."""
    text = "x " + "a" * 1_000_000 + " y"
    parsed = parse_query(query)
    tracemalloc.start()
    try:
        spans = highlight_spans(text, parsed)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert spans == [(2, 1_000_002)]
    assert peak < 10 * len(text), peak


def test_a_query_uses_at_most_max_wildcards_wildcard_words() -> None:
    query = " ".join(f"*{c}?*" for c in "abcdefghijklmnopqrst")
    parsed = parse_query(query)
    wild = [n for n in positive_nodes(parsed.root) if isinstance(n, Term)]
    assert len(wild) == MAX_WILDCARDS
    assert any(f"only the first {MAX_WILDCARDS}" in note for note in parsed.notes)


def test_an_expansion_is_remembered_with_its_note(tmp_path) -> None:
    count = MAX_EXPANSIONS + 5
    records = [{"id": f"r{i}", "date": "1950", "title": f"w x{i:04d}y"} for i in range(count)]
    archive = Archive.open(write_archive(tmp_path / "a.json", records), use_cache=False)
    first = archive.search("x*y")
    assert ("wildcard", "x*y") in archive.index._expansions  # the remembered path
    again = archive.search("x*y")
    assert again.total == first.total == MAX_EXPANSIONS
    assert again.parsed.notes == first.parsed.notes
    stopped = archive.search("x?*y", should_stop=lambda: True)
    assert stopped.cut_short and ("wildcard", "x?*y") not in archive.index._expansions
