"""Issue 11 on the shipped archive: exact expectations for People, admin:, class:, handling:,
repo: and the histogram (the index's facets against the stored records' own fields)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SHIPPED_PATH, warm_home
from shipped_records import shipped_records

pytestmark = pytest.mark.skipif(
    not SHIPPED_PATH.exists() or SHIPPED_PATH.stat().st_size < 1000,
    reason="data/records.json is not built",
)


@pytest.fixture(scope="module")
def archive(
    tmp_path_factory: pytest.TempPathFactory, shipped_cache: Path | None
) -> Iterator[object]:
    from archive_tui.archive import Archive

    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("shape-home")
        warm_home(home, shipped_cache)  # the index built once a session
        patch.setenv("ARCHIVE_TUI_HOME", str(home))
        opened = Archive.open(SHIPPED_PATH, read_only=True)
        opened.search("warm up", limit=1)
        yield opened


@pytest.fixture(scope="module")
def facets(archive) -> dict[str, dict[str, int]]:
    return archive.search("", limit=0).facets


def test_one_people_value_for_gromyko_and_khrushchev(archive, facets) -> None:
    people = facets["people"]
    assert [p for p in people if p.startswith(("Gromyko, Andrei", "Gromiko"))] == [
        "Gromyko, Andrei A."
    ]
    raw = Counter(
        name
        for r in shipped_records().values()
        for name in set(r.get("people") or ())
        if name.startswith("Gromyko, Andrei") or name == "Gromiko"
    )
    assert set(raw) >= {
        "Gromyko, Andrei A.",
        "Gromyko, Andrei Andreevich",
        "Gromyko, Andrei Andreivich",
    }
    docs = {r["id"] for r in shipped_records().values() if set(r.get("people") or ()) & set(raw)}
    assert people["Gromyko, Andrei A."] == len(docs)
    assert set(archive.search("person:andreivich").ids()) == docs
    assert [p for p in people if p.startswith("Khrushchev")] == ["Khrushchev, Nikita S."]


def test_different_people_stay_apart(facets) -> None:
    people = facets["people"]
    for name in (
        "Dulles, John Foster",
        "Dulles, Allen W.",
        "Kennedy, John F.",
        "Kennedy, Robert F.",
        "Johnson, Lyndon B.",
        "Johnson, U. Alexis",
    ):
        assert name in people, name


def test_the_shipped_alias_file_has_no_problem(archive) -> None:
    assert archive.notes == []


def test_admin_at_the_dallas_handover(archive) -> None:
    def at(query: str, day: str) -> list[str]:
        return archive.search(query, filters={"date": day}).ids()

    assert at("admin:kennedy", "1963-11-21") == ["frus1961-63v05-d377"]
    assert at("admin:johnson", "1963-11-21") == []
    assert at("admin:johnson", "1963-11-23") == ["frus1961-63v05-d378"]
    assert at("admin:kennedy", "1963-11-23") == []


def test_provenance_facets_equal_the_stored_fields(facets) -> None:
    records = shipped_records().values()
    assert facets["classification"] == {
        k: v for k, v in Counter(r.get("classification") for r in records).items() if k
    }
    assert facets["classification"]["Secret"] == 6531
    repos = Counter(r["repository"] for r in records if r.get("repository"))
    assert facets["repository"] == dict(repos)
    nodis = sum("Nodis" in (r.get("handling") or ()) for r in records)
    assert facets["handling"]["Nodis"] == nodis == 629


def test_hand_checked_source_notes(archive) -> None:
    """frus1964-68v12-d54: "National Archives and Records Administration, RG 59, Central
    Files 1964-66, DEF 4 NATO. Secret; Immediate; Nodis." """
    hit = set(archive.search('class:secret handling:nodis repo:"national archives"').ids())
    assert {"frus1964-68v12-d54", "frus1964-68v12-d66", "frus1964-68v12-d70"} <= hit
    record = archive.get("frus1964-68v12-d54")
    assert record["handling"] == ["Immediate", "Nodis"]
    assert record["record_group"] == "RG 59"
    assert record["source_file"] == "Central Files 1964-66, DEF 4 NATO"
    assert "frus1964-68v12-d54" not in archive.search("class:confidential").ids()


def test_histogram_adds_up_on_the_whole_archive_and_on_a_query(archive) -> None:
    for query, unit in (("", "year"), ("berlin", "year"), ("gromyko admin:kennedy", "month")):
        result = archive.search(query, limit=0)
        hist = result.histogram()
        assert hist.total == result.total
        assert hist.unit == unit  # Kennedy's 1961-01 .. 1963-11: three calendar years
    whole = archive.search("", limit=0).histogram()
    assert whole.buckets[0][0] == "1944" and whole.buckets[-1][0] == "2007"
    crisis = archive.search("", filters={"date": "1962-10-16..1962-10-28"}).histogram()
    assert crisis.unit == "month" and [b for b, _ in crisis.buckets] == ["1962-10"]
