"""A person's and a place's page (person_page, no Textual): documents, first and last
appearance, company; on hand-made records and on the shipped archive."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHIPPED_PATH, warm_home
from shipped_records import shipped_records

from archive_tui.archive import Archive
from archive_tui.person_page import documents, entity_page

RECORDS = [
    {"id": "a", "date": "1961-03-02", "title": "A", "people": ["Gromyko, Andrei A.", "Rusk, Dean"],
     "places": ["Geneva"]},
    {"id": "b", "date": "1959-07", "title": "B", "people": ["Gromyko, Andrei Andreevich"],
     "places": ["Geneva", "Moscow"]},
    {"id": "c", "date": "1962-10", "title": "C",
     "people": ["Gromyko, Andrei Andreivich", "Rusk, Dean", "Dobrynin, Anatoli F."]},
    {"id": "d", "date": "1962", "title": "D year-precise", "people": ["Gromyko, Andrei A."]},
    {"id": "e", "date": "1962-10-20", "title": "E", "people": ["Rusk, Dean"], "places": ["Paris"]},
]  # fmt: skip


@pytest.fixture
def small(tmp_path: Path) -> Archive:
    archive = Archive.open(tmp_path / "records.json", create=True)
    archive.add(RECORDS)
    return archive


def test_a_person_page_counts_every_variant_and_lists_company(small: Archive) -> None:
    page = entity_page(small, "people", "Gromyko, Andrei Andreivich")
    assert page.name == "Gromyko, Andrei A."
    assert page.record_ids == ["b", "a", "d", "c"]  # by the day each date starts
    assert (page.first, page.last) == ("1959-07", "1962-10")
    assert page.people == [("Rusk, Dean", 2), ("Dobrynin, Anatoli F.", 1)]
    assert page.places == [("Geneva", 2), ("Moscow", 1)]
    assert page.histogram.unit == "year"
    assert page.histogram.buckets == [("1959", 1), ("1960", 0), ("1961", 1), ("1962", 2)]
    assert [r["id"] for r in documents(small, page)] == ["b", "a", "d", "c"]


def test_a_place_page_and_an_unknown_name(small: Archive) -> None:
    page = entity_page(small, "places", "Geneva")
    assert (page.name, page.total, page.first, page.last) == ("Geneva", 2, "1959-07", "1961-03-02")
    assert page.places == [("Moscow", 1)]  # never the place itself
    assert page.people[0] == ("Gromyko, Andrei A.", 2)
    empty = entity_page(small, "people", "Nobody, X.")
    assert (empty.total, empty.first, empty.last, empty.people) == (0, None, None, [])
    with pytest.raises(ValueError, match="unknown page kind"):
        entity_page(small, "subjects", "Berlin")  # type: ignore[arg-type]


# -- the shipped archive ------------------------------------------------------------------

shipped = pytest.mark.skipif(
    not SHIPPED_PATH.exists() or SHIPPED_PATH.stat().st_size < 1000,
    reason="data/records.json is not built",
)


@pytest.fixture(scope="module")
def archive(
    tmp_path_factory: pytest.TempPathFactory, shipped_cache: Path | None
) -> Iterator[Archive]:
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("page-home")
        warm_home(home, shipped_cache)  # the index built once a session
        patch.setenv("ARCHIVE_TUI_HOME", str(home))
        yield Archive.open(SHIPPED_PATH, read_only=True)


@shipped
def test_gromyko_on_the_shipped_archive(archive: Archive) -> None:
    page = entity_page(archive, "people", "Gromyko, Andrei Andreevich")
    named = {
        r["id"]: r
        for r in shipped_records().values()
        if any(n.startswith("Gromyko, Andrei") or n == "Gromiko" for n in r.get("people") or ())
    }  # "Gromiko": the shipped alias file's merge (a Wilson Center briefing)
    assert page.name == "Gromyko, Andrei A."
    assert set(page.record_ids) == set(named) and page.total == 593
    assert (page.first, page.last) == ("1955-05-13", "1980-08-07")
    top = [name for name, _ in page.people]
    assert top[:3] == ["Khrushchev, Nikita S.", "Rusk, Dean", "Dobrynin, Anatoli F."]
    rusk = sum(1 for r in named.values() if any(n.startswith("Rusk, Dean") for n in r["people"]))
    assert dict(page.people)["Rusk, Dean"] == rusk == 169
    assert page.places[0] == ("Washington", 266)
    assert sum(c for _, c in page.histogram.buckets) + page.histogram.undated == 593


@shipped
def test_berlin_on_the_shipped_archive(archive: Archive) -> None:
    page = entity_page(archive, "places", "Berlin")
    held = [r for r in shipped_records().values() if "Berlin" in (r.get("places") or ())]
    assert page.total == len(held) == 74
    assert (page.first, page.last) == ("1955-03-31", "1968-03-25")
    names = Counter(n for r in held for n in set(r.get("people") or ()))
    # one person: "Brandt, Willy" 11, "… Willi" 6, "… Willy (Herbert Frahm)" 1
    assert page.people[0] == ("Brandt, Willy", 18)
    assert sum(c for n, c in names.items() if n.startswith("Brandt, Will")) == 18
