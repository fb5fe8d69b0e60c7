"""The archive that ships with the app: complete, reproducible, and searchable as users expect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FRUS_PATH, REPO_ROOT, SEED_PATH, SHIPPED_PATH, warm_home

from archive_tui.dates import parse_date


def _is_placeholder(path: Path) -> bool:
    return not path.exists() or path.stat().st_size < 1000


pytestmark = pytest.mark.skipif(
    _is_placeholder(SHIPPED_PATH), reason="data/records.json is not built yet (placeholder)"
)

DE_GAULLE_STALIN = {
    "wilson-1944-12-02-de-gaulle-stalin",
    "wilson-1944-12-06-de-gaulle-stalin",
    "wilson-1944-12-08-de-gaulle-stalin",
}
PINE = "wilson-1955-03-19-molotov-kuznetsov"
MANACH = "wilson-1969-10-28-telegram-2142-08"
SOCIETY = "wilson-2007-06-ussr-france-society"


@pytest.fixture(scope="module")
def archive(
    tmp_path_factory: pytest.TempPathFactory, shipped_cache: Path | None
) -> Iterator[object]:
    """The shipped archive, opened once for the module, read-only, its cache in a temp folder."""
    from archive_tui.archive import Archive

    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("shipped-home")
        warm_home(home, shipped_cache)  # the index built once a session
        patch.setenv("ARCHIVE_TUI_HOME", str(home))
        opened = Archive.open(SHIPPED_PATH, read_only=True)
        opened.search("warm up", limit=1)  # build the index while the temp home is set
        yield opened


def ids(result: object, limit: int | None = None) -> list[str]:
    hits = result.hits if limit is None else result.hits[:limit]
    return [hit.record["id"] for hit in hits]


def test_it_holds_the_seed_and_every_frus_record(archive) -> None:
    assert len(archive) == 12_415
    facets = archive.search("", limit=0).facets
    assert facets["collection"]["Wilson Center Digital Archive"] == 14
    assert sum(facets["collection"].values()) == 12_415
    assert len(facets["collection"]) == 45  # the seed's collection + 44 FRUS volumes


def test_the_file_starts_with_the_seed_records() -> None:
    seed = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    with SHIPPED_PATH.open(encoding="utf-8") as f:
        assert f.readline().strip() == '{"records": {'
        first = f.readline().rstrip().rstrip(",")
    number, _, record = first.partition(": ")
    assert json.loads(number) == "1"
    assert json.loads(record) == seed[0]


def test_de_gaulle_finds_the_three_1944_conversations_with_stalin(archive) -> None:
    result = archive.search("de Gaulle", limit=20)
    assert result.total > 3  # FRUS mentions him often
    assert set(ids(result, 10)) >= DE_GAULLE_STALIN
    from archive_tui.search import Filters

    in_1944 = archive.search(
        "de Gaulle", filters=Filters.from_mapping({"date_from": "1944", "date_to": "1944"})
    )
    assert set(ids(in_1944)) == DE_GAULLE_STALIN


@pytest.mark.parametrize("query", ["Pine", "piné", "Piné"])
def test_pine_finds_the_pine_telegram(archive, query: str) -> None:
    assert PINE in ids(archive.search(query, limit=10))


@pytest.mark.parametrize("query", ["manach", "Manac'h", "Manac’h"])
def test_manach_finds_the_manach_telegram(archive, query: str) -> None:
    assert MANACH in ids(archive.search(query, limit=10))


def test_cyrillic_and_latin_gromyko_find_the_same_records(archive) -> None:
    latin = archive.search("Gromyko", limit=0)
    cyrillic = archive.search("Громыко", limit=0)
    assert latin.total > 50
    assert cyrillic.total == latin.total


def test_the_month_precise_record_keeps_its_precision(archive) -> None:
    record = archive.get(SOCIETY)
    assert record["date"] == "June, 2007"
    assert parse_date(record["date"]).display == "June, 2007"
    for query in ("date:2007", "date:2007-06", "society date:2007-06"):
        assert SOCIETY in ids(archive.search(query, limit=5)), query
    assert SOCIETY not in ids(archive.search("date:2007-05", limit=5))


def test_empty_query_lists_by_date_starting_with_the_1944_seed(archive) -> None:
    result = archive.search("", limit=20)
    assert result.sort == "date"
    first = ids(result)
    assert first[:5] == [
        "wilson-1944-11-09-wilgress",
        "wilson-1944-11-19-stalin-thorez",
        *sorted(DE_GAULLE_STALIN),
    ]
    assert first[5] == "wilson-1945-10-23-tass-digest"
    assert first[6].startswith("frus")  # the FRUS records begin in October 1947
    newest = archive.search("", sort="-date", limit=1)
    assert ids(newest) == [SOCIETY]


@pytest.mark.skipif(not FRUS_PATH.exists(), reason="../shared/data is not available")
def test_the_documented_build_reproduces_the_file_byte_for_byte(tmp_path: Path) -> None:
    built = tmp_path / "records.json"
    for source in (SEED_PATH, FRUS_PATH):
        proc = subprocess.run(
            [sys.executable, "-m", "archive_tui", "--db", built, "import", source],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env=dict(os.environ),
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
    assert built.read_bytes() == SHIPPED_PATH.read_bytes()


def test_the_default_cli_archive_is_the_shipped_one(isolated_home: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "archive_tui", "search", "de Gaulle", "--to", "1944", "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert {hit["id"] for hit in result["hits"]} == DE_GAULLE_STALIN
    assert not (isolated_home / "data" / "records.json").exists()  # reading creates nothing
