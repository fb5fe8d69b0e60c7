"""Facet values match the form the user sees: display names, folded, a word of the value."""

from __future__ import annotations

import json

from test_cli import RECORDS, run_cli, search_json, write_json

from archive_tui.values import (
    close_values,
    expand_short_name,
    matching_values,
    short_name,
)

PEOPLE = sorted(
    ["Gromyko, Andrei A.", "Gromyko, Andrei Andreevich", "Rusk, Dean", "Manac’h, Étienne"]
)
COLLECTIONS = sorted(
    [
        "Foreign Relations of the United States, 1961–1963, Volume V",
        "Foreign Relations of the United States, 1964–1968, Volume XII",
        "Wilson Center Digital Archive",
    ]
)


def test_exact_value_wins_over_word_matches() -> None:
    assert [PEOPLE[i] for i in matching_values(PEOPLE, "Gromyko, Andrei A.")] == [
        "Gromyko, Andrei A."
    ]


def test_folded_value_matches_without_case_or_accents() -> None:
    assert [PEOPLE[i] for i in matching_values(PEOPLE, "manach, etienne")] == ["Manac’h, Étienne"]


def test_a_word_of_a_multi_word_value_matches_every_value_holding_it() -> None:
    found = [PEOPLE[i] for i in matching_values(PEOPLE, "gromyko")]
    assert found == ["Gromyko, Andrei A.", "Gromyko, Andrei Andreevich"]
    assert [PEOPLE[i] for i in matching_values(PEOPLE, "Громыко")] == found


def test_short_display_names_match() -> None:
    shown = short_name(COLLECTIONS[0])
    assert shown == "FRUS, 1961–1963, Volume V"
    assert [COLLECTIONS[i] for i in matching_values(COLLECTIONS, shown.lower())] == [COLLECTIONS[0]]
    assert len(matching_values(COLLECTIONS, "frus")) == 2
    assert expand_short_name("frus") == "Foreign Relations of the United States"
    assert expand_short_name("FRUS, 1961") == "Foreign Relations of the United States, 1961"
    assert expand_short_name("frustration") is None


def test_nothing_matches_and_close_values_are_offered() -> None:
    assert matching_values(PEOPLE, "gromykko") == []
    assert "Gromyko, Andrei A." in close_values(PEOPLE, "gromykko")
    assert close_values(PEOPLE, "zzzzzz") == []


def test_cli_filter_by_a_word_and_field_search_by_short_name(tmp_path) -> None:
    db = tmp_path / "a.json"
    source = write_json(
        tmp_path / "in.json",
        [*RECORDS, {**RECORDS[0], "id": "t-gromyko", "people": ["Gromyko, Andrei A."]}],
    )
    assert run_cli("--db", db, "import", source).returncode == 0
    by_word = search_json(db, "--filter", "person=gromyko")
    assert [h["id"] for h in by_word["hits"]] == ["t-gromyko"]
    frus = search_json(db, "collection:frus")
    assert {h["id"] for h in frus["hits"]} == {
        r["id"] for r in RECORDS if r["collection"].startswith("Foreign Relations")
    }
    shown = search_json(db, "--filter", "collection=FRUS, 1964–1968, Volume XII")
    assert [h["id"] for h in shown["hits"]] == ["t-1964-embassy"]


def test_cli_filter_that_matches_nothing_says_so_and_names_close_values(tmp_path) -> None:
    db = tmp_path / "a.json"
    source = write_json(tmp_path / "in.json", RECORDS)
    assert run_cli("--db", db, "import", source).returncode == 0
    proc = run_cli("--db", db, "search", "--filter", "person=bohlenn")
    assert proc.returncode == 0
    assert "No records match." in proc.stdout
    assert "bohlenn" in proc.stdout and "'Bohlen, Charles E.'" in proc.stdout
    result = json.loads(run_cli("--db", db, "search", "--filter", "place=Pariss", "--json").stdout)
    assert result["total"] == 0
    assert any("'Paris'" in note for note in result["notes"])


def test_shipped_archive_field_search_and_filter_find_what_cards_show() -> None:
    proc = run_cli("search", "collection:frus", "--limit", "0", "--json")
    assert json.loads(proc.stdout)["total"] >= 12_000
    proc = run_cli("search", "--filter", "person=gromyko", "--limit", "0", "--json")
    assert json.loads(proc.stdout)["total"] > 100
