"""Issue 11 wired in: administration, provenance and People facets and fields, on hand-made
records in a real archive file (imported, searched, filtered as a user would)."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_tui.archive import Archive
from archive_tui.search import Filters
from archive_tui.store import RecordStore

NODIS = (
    "Source: National Archives, RG 59, Central Files 1967–69, POL 33–6 KOR N–US. "
    "Secret; Immediate; Nodis."
)
JOHNSON_LIB = "Source: Johnson Library, National Security File, Vietnam. Top Secret; Eyes Only."
CIA = "Source: Central Intelligence Agency Files, Job 80–B01285A. Confidential."

RECORDS = [
    {"id": "k21", "date": "1963-11-21", "title": "Before Dallas", "source": NODIS},
    {"id": "k22", "date": "1963-11-22", "title": "Handover day", "source": JOHNSON_LIB},
    {"id": "j23", "date": "1963-11-23", "title": "After Dallas", "source": CIA},
    {"id": "m63", "date": "1963-11", "title": "A November memo"},
    {"id": "n69", "date": "1969-03-02", "title": "Nixon era", "source": NODIS},
    {"id": "undated-ish", "date": "1950", "title": "A year", "classification": "Restricted"},
]

PEOPLE = [
    {"id": "g1", "date": "1962-10-01", "title": "One", "people": ["Gromyko, Andrei A."]},
    {"id": "g2", "date": "1962-10-02", "title": "Two", "people": ["Gromyko, Andrei Andreivich"]},
    {
        "id": "g3",
        "date": "1962-10-03",
        "title": "Three",
        "people": ["Gromyko, Andrei Andreevich", "Dulles, John Foster"],
    },
    {"id": "g4", "date": "1962-10-04", "title": "Four", "people": ["Dulles, Allen W."]},
    {"id": "g5", "date": "1962-10-05", "title": "Five", "people": ["Kennedy, John F."]},
    {"id": "g6", "date": "1962-10-06", "title": "Six", "people": ["Kennedy, Robert F."]},
    {"id": "g7", "date": "1962-10-07", "title": "Seven", "people": ["Ascham, Robert A."]},
]


def _archive(tmp_path: Path, records: list[dict], name: str = "a.json") -> Archive:
    archive = Archive.open(tmp_path / name, create=True)
    archive.add(records)
    return archive


def ids(result) -> set[str]:
    return set(result.ids())


# --- administration ---------------------------------------------------------------------


def test_admin_field_and_facet_follow_the_exact_date(tmp_path: Path) -> None:
    archive = _archive(tmp_path, RECORDS)
    assert ids(archive.search("admin:kennedy")) == {"k21", "k22", "m63"}
    assert ids(archive.search("admin:johnson")) == {"k22", "j23", "m63"}
    assert ids(archive.search("admin:lbj -admin:jfk")) == {"j23"}
    assert ids(archive.search('admin:"Richard Nixon"')) == {"n69"}
    assert ids(archive.search("", filters={"admin": "Truman"})) == {"undated-ish"}
    facet = archive.search("", limit=0).facets["admin"]
    assert facet == {"Kennedy": 3, "Johnson": 3, "Nixon": 1, "Truman": 1}


def test_an_admin_value_naming_no_president_says_so(tmp_path: Path) -> None:
    result = _archive(tmp_path, RECORDS).search("admin:lincoln")
    assert result.total == 0
    assert any("No admin value matches 'lincoln'" in n for n in result.parsed.notes)


# --- provenance -------------------------------------------------------------------------


def test_import_stores_the_derived_provenance_fields(tmp_path: Path) -> None:
    archive = _archive(tmp_path, RECORDS)
    stored = {r["id"]: r for r in RecordStore.open(tmp_path / "a.json").load()}
    k21 = stored["k21"]
    assert k21["classification"] == "Secret"
    assert k21["handling"] == ["Immediate", "Nodis"]
    assert k21["repository"] == "National Archives"
    assert k21["record_group"] == "RG 59"
    assert k21["source_file"] == "Central Files 1967–69, POL 33–6 KOR N–US"
    assert stored["undated-ish"]["classification"] == "Restricted"  # the record's own, kept
    assert "handling" not in stored["m63"]  # nothing stated, nothing stored
    assert archive.get("k21")["source"] == NODIS


def test_class_handling_and_repo_fields_find_what_the_notes_say(tmp_path: Path) -> None:
    archive = _archive(tmp_path, RECORDS)
    assert ids(archive.search("class:secret")) == {"k21", "n69"}
    assert ids(archive.search('class:"top secret"')) == {"k22"}
    assert ids(archive.search("handling:nodis")) == {"k21", "n69"}
    assert ids(archive.search('handling:"eyes only"')) == {"k22"}
    assert ids(archive.search('repo:"johnson library"')) == {"k22"}
    assert ids(archive.search('repo:"central intelligence agency"')) == {"j23"}
    assert ids(archive.search("class:restricted")) == {"undated-ish"}
    assert ids(archive.search("", filters={"class": "confidential"})) == {"j23"}
    assert ids(archive.search("", filters={"handling": "Nodis", "admin": "Nixon"})) == {"n69"}
    facets = archive.search("", limit=0).facets
    assert facets["classification"] == {
        "Secret": 2,
        "Top Secret": 1,
        "Confidential": 1,
        "Restricted": 1,
    }
    assert facets["repository"] == {
        "National Archives": 2,
        "Johnson Library": 1,
        "Central Intelligence Agency": 1,
    }
    assert facets["handling"]["Nodis"] == 2


def test_an_old_archive_without_derived_fields_still_gets_the_facets(tmp_path: Path) -> None:
    """Records written before import derived anything: parsed when the index is built."""
    path = tmp_path / "old.json"
    RecordStore.open(path, create=True).upsert([dict(r) for r in RECORDS])
    stored = RecordStore.open(path).load()
    assert not any("repository" in r for r in stored)  # really the old shape
    archive = Archive.open(path)
    assert ids(archive.search("class:secret handling:nodis")) == {"k21", "n69"}
    assert ids(archive.search('repo:"johnson library"')) == {"k22"}


def test_facet_field_without_a_value_is_noted_not_an_error(tmp_path: Path) -> None:
    result = _archive(tmp_path, RECORDS).search("class: dallas")
    assert ids(result) == {"k21", "j23"}
    assert any("class: needs a value" in n for n in result.parsed.notes)


# --- people as entities -----------------------------------------------------------------


def test_people_facet_shows_one_name_a_person_with_the_summed_count(tmp_path: Path) -> None:
    archive = _archive(tmp_path, PEOPLE)
    people = archive.search("", limit=0).facets["people"]
    gromykos = [name for name in people if name.startswith("Gromyko")]
    assert gromykos == ["Gromyko, Andrei A."]
    assert people["Gromyko, Andrei A."] == 3
    # different people stay apart
    assert people["Dulles, John Foster"] == 1 and people["Dulles, Allen W."] == 1
    assert people["Kennedy, John F."] == 1 and people["Kennedy, Robert F."] == 1
    # the document keeps the name as it gives it
    assert archive.get("g2")["people"] == ["Gromyko, Andrei Andreivich"]


def test_person_field_and_filter_match_every_variant(tmp_path: Path) -> None:
    archive = _archive(tmp_path, PEOPLE)
    assert ids(archive.search("person:andreivich")) == {"g1", "g2", "g3"}
    assert ids(archive.search('person:"Gromyko, Andrei A."')) == {"g1", "g2", "g3"}
    for wanted in ("Gromyko, Andrei Andreevich", "Gromyko, Andrei A.", "gromyko"):
        assert ids(archive.search("", filters={"person": wanted})) == {"g1", "g2", "g3"}
    assert ids(archive.search("", filters={"person": "Dulles, Allen W."})) == {"g4"}
    assert ids(archive.search("person:robert")) == {"g6", "g7"}  # words still match


def test_users_alias_file_merges_and_bad_lines_are_noted(tmp_path: Path, isolated_home) -> None:
    data = isolated_home / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "people-aliases.txt").write_text(
        "# mine\nDulles, Allen W. (Ascham, Robert A.)\nthis line means nothing\n",
        encoding="utf-8",
    )
    archive = _archive(tmp_path, PEOPLE)
    people = archive.search("", limit=0).facets["people"]
    assert people["Dulles, Allen W."] == 2 and "Ascham, Robert A." not in people
    assert ids(archive.search('person:"Ascham, Robert A."')) == {"g4", "g7"}
    assert len(archive.notes) == 1
    assert "people-aliases.txt, line 3" in archive.notes[0]
    assert "this line means nothing" in archive.notes[0]


# --- histogram --------------------------------------------------------------------------


def test_search_result_histogram_is_exact_and_adds_up(tmp_path: Path) -> None:
    records = [*RECORDS, {"id": "bad", "date": "1963-11-30", "title": "x"}]
    archive = _archive(tmp_path, records)
    hist = archive.search("").histogram()
    assert hist.unit == "year"
    assert hist.buckets[0] == ("1950", 1)
    assert dict(hist.buckets)["1963"] == 5 and dict(hist.buckets)["1969"] == 1
    assert hist.total == 7 == sum(c for _, c in hist.buckets) + hist.undated
    narrow = archive.search("", filters=Filters.from_mapping({"date": "1963"})).histogram()
    assert narrow.unit == "month" and narrow.buckets == [("1963-11", 5)]
    assert archive.search("nothing-matches-this").histogram().total == 0


@pytest.mark.parametrize("query", ["", "admin:kennedy", "class:secret OR dallas"])
def test_histogram_total_is_the_result_total(tmp_path: Path, query: str) -> None:
    result = _archive(tmp_path, RECORDS).search(query)
    assert result.histogram().total == result.total
