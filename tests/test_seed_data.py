"""The Wilson Center seed records are a faithful transcription of the saved search-results page."""

from __future__ import annotations

import json

import pytest
from conftest import SEED_PATH, SHARED_DIR

from archive_tui.dates import parse_date

PAGE_PATH = SHARED_DIR / "seed" / "search-results-page.txt"


@pytest.fixture(scope="module")
def seed() -> list[dict]:
    return json.loads(SEED_PATH.read_text(encoding="utf-8"))


def page_entries() -> list[tuple[str, str, str]]:
    """(date, title, summary) of each result, read from the page's own layout."""
    text = PAGE_PATH.read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n  • ")[1:]:
        date, title, summary = (part for part in block.split("\n\n") if part.strip())
        entries.append(
            (date, title.removeprefix("    "), summary.removeprefix("    ").rstrip("\n"))
        )
    return entries


def test_seed_has_fourteen_records_with_unique_stable_ids(seed: list[dict]) -> None:
    assert len(seed) == 14
    ids = [r["id"] for r in seed]
    assert len(set(ids)) == 14
    for record in seed:
        # The id scheme: "wilson-" + the date at its printed precision + "-" + a slug.
        assert record["id"].startswith(f"wilson-{parse_date(record['date']).iso}-")
        assert record["collection"] == "Wilson Center Digital Archive"


@pytest.mark.skipif(not PAGE_PATH.exists(), reason="../shared/seed is not available")
def test_seed_matches_the_page_character_for_character(seed: list[dict]) -> None:
    page = PAGE_PATH.read_text(encoding="utf-8")
    entries = page_entries()
    assert len(entries) == 14
    assert [(r["date"], r["title"], r["summary"]) for r in seed] == entries
    for record in seed:
        assert f"\n    {record['title']}\n" in page
        assert f"\n    {record['summary']}" in page
    # The characters that are easiest to lose in a transcription survive.
    joined = json.dumps(seed, ensure_ascii=False)
    assert "Manac’h" in joined and "Titov’s" in joined and "Piné" in joined
    assert "U.S.S.R. – France Society" in joined
    assert "June, 2007" in joined


def test_people_and_places_are_names_the_page_states(seed: list[dict]) -> None:
    for record in seed:
        stated = record["title"] + "\n" + record["summary"]
        for name in record.get("people", []) + record.get("places", []):
            assert name in stated, (record["id"], name)
    first = seed[0]
    assert first["people"] == ["L.D. Wilgress", "W.L. Mackenzie King"]
    assert first["places"] == ["Moscow"]


def test_seed_fields_are_only_what_the_page_gives(seed: list[dict]) -> None:
    allowed = {"id", "date", "title", "summary", "collection", "people", "places"}
    for record in seed:
        assert set(record) <= allowed
        assert "url" not in record
