"""Imports from BibTeX, RIS, CSV and CSL-JSON: real files, the real CLI, real records."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SHIPPED_PATH
from test_cli import digest, run_cli, write_json

from archive_tui.dates import parse_date
from archive_tui.export import export_records
from archive_tui.formats import read_entries


def shipped_sample() -> list[dict]:
    """Every Wilson Center record and every 40th FRUS document of the shipped archive."""
    tables = json.loads(SHIPPED_PATH.read_text(encoding="utf-8"))
    records = list(tables["records"].values())
    wilson = [r for r in records if not r["id"].startswith("frus")]
    frus = [r for r in records if r["id"].startswith("frus")][::40]
    assert len(wilson) == 14 and len(frus) > 300
    return wilson + frus


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    return shipped_sample()


def exported(records: list[dict], fmt: str, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        export_records(records, fmt, out)
    return path


def stored(db: Path) -> dict[str, dict]:
    tables = json.loads(db.read_text(encoding="utf-8"))
    return {r["id"]: r for r in tables["records"].values()}


# --------------------------------------------------------------------------- round trips


def test_our_json_export_imports_back_to_identical_records(sample, tmp_path) -> None:
    source = exported(sample, "json", tmp_path / "out.json")
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", source)
    assert proc.returncode == 0, proc.stderr
    assert f"imported {len(sample):,} records" in proc.stdout
    assert list(stored(db).values()) == sample


@pytest.mark.parametrize(
    ("fmt", "name"), [("bibtex", "out.bib"), ("ris", "out.ris"), ("csl-json", "out.csl.json")]
)
def test_bibliographic_exports_import_back_keeping_title_date_and_url(
    sample, tmp_path, fmt, name
) -> None:
    source = exported(sample, fmt, tmp_path / name)
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", source)
    assert proc.returncode == 0, proc.stderr
    back = stored(db)
    assert list(back) == [r["id"] for r in sample]
    for record in sample:
        again = back[record["id"]]
        assert again["title"] == " ".join(record["title"].split())
        assert parse_date(again["date"]) == parse_date(record["date"])  # at its precision
        assert again.get("url") == record.get("url")
        # the people a document mentions (never made its authors), its places and subjects
        for field in ("people", "places", "subjects"):
            assert again.get(field, []) == record.get(field, []), (record["id"], field)
    # a date given to the month only stays a month
    assert any(parse_date(r["date"]).day is None for r in back.values())
    assert any(r["people"] == ["I.V. Stalin", "Thorez"] for r in back.values())


TRICKY_LISTS = {
    "id": "lists-1",
    "date": "1962-10",
    "title": "Names that break naive list fields",
    "people": [
        "Gromyko, Andrei A.",
        "Manac’h, Étienne",
        "Громыко, Андрей",
        "I.V. Stalin",
        "Johnson and Johnson",
        "Smith AND Sons, Ltd.",
        "R&D {West} 100% $5 #1 a_b ~x^ \\ end",
        "a { lone brace",
        "and",
        "Piné; Pinay",
    ],
    "places": ["Washington, D.C.", "Bosnia and Herzegovina", "Rue d’Ulm"],
    "subjects": ["Arms Control and Disarmament", "Cuba; Soviet Union", "Cuba, 1962"],
}


@pytest.mark.parametrize(
    ("fmt", "name"), [("bibtex", "t.bib"), ("ris", "t.ris"), ("csl-json", "t.csl.json")]
)
def test_people_places_and_subjects_come_back_exactly_never_as_authors(tmp_path, fmt, name) -> None:
    source = exported([TRICKY_LISTS], fmt, tmp_path / name)
    text = source.read_text(encoding="utf-8")
    assert "author" not in text and "AU  -" not in text  # people are not the authors
    [record] = read_entries(text, fmt)
    for field in ("people", "places", "subjects"):
        assert record[field] == TRICKY_LISTS[field], field


def test_csv_export_imports_back_with_people_and_list_fields(sample, tmp_path) -> None:
    source = exported(sample, "csv", tmp_path / "out.csv")
    db = tmp_path / "db.json"
    assert run_cli("--db", db, "import", source).returncode == 0
    back = stored(db)
    for record in sample:
        again = back[record["id"]]
        assert again["title"] == record["title"]
        assert again.get("people", []) == record.get("people", [])
        assert again.get("url") == record.get("url")


# --------------------------------------------------------------------------- mapping

ZOTERO_BIB = r"""@article{smith1962,
  title = {The {Cuban} Missile Crisis \& the {OAS}},
  author = {Smith, Jane and Gromyko, Andrei A.},
  year = {1962},
  month = oct,
  keywords = {Cuba, Soviet Union},
  abstract = {How Caf\'e diplomacy -- and ``quarantine'' -- worked.},
  note = {Read in the archive.},
  doi = {10.1000/xyz_123},
  url = {https://example.org/a_b%20c},
  journal = {Diplomatic History}
}
"""


def test_bibtex_fields_map_as_documented() -> None:
    [record] = read_entries(ZOTERO_BIB, "bibtex")
    assert record == {
        "id": "smith1962",
        "title": "The Cuban Missile Crisis & the OAS",
        "people": ["Smith, Jane", "Gromyko, Andrei A."],
        "subjects": ["Cuba", "Soviet Union"],
        "summary": "How Café diplomacy -- and ``quarantine'' -- worked.",
        "text": "Read in the archive.",
        "doi": "10.1000/xyz_123",
        "url": "https://example.org/a_b%20c",
        "journal": "Diplomatic History",
        "date": "1962-10",
        "entry_type": "article",
    }


def test_ris_and_csl_json_fields_map_as_documented() -> None:
    ris = (
        "TY  - JOUR\nTI  - Berlin 1961\nAU  - Rusk, Dean\nAU  - Громыко, Андрей\nDA  - 1961/08//\n"
        "KW  - Berlin\nKW  - Wall\nAB  - A summary.\nN1  - First note\nN1  - Second note\n"
        "DO  - 10.1/abc\nUR  - https://example.org/x\nER  - \n"
    )
    [record] = read_entries(ris, "ris")
    assert record["title"] == "Berlin 1961"
    assert record["people"] == ["Rusk, Dean", "Громыко, Андрей"]
    assert record["date"] == "1961-08"
    assert record["subjects"] == ["Berlin", "Wall"]
    assert record["summary"] == "A summary."
    assert record["text"] == "First note\nSecond note"
    assert record["doi"] == "10.1/abc"
    assert record["url"] == "https://example.org/x"
    assert record["id"].startswith("ris-")
    csl = json.dumps(
        [
            {
                "id": "http://zotero.org/users/1/items/ABC",
                "type": "report",
                "title": "Notes on Vienna",
                "author": [{"family": "Kennan", "given": "George F."}, {"literal": "CIA"}],
                "issued": {"date-parts": [[1961, 6]]},
                "keyword": "Vienna, summit",
                "DOI": "10.2/def",
                "URL": "https://example.org/v",
            }
        ]
    )
    [item] = read_entries(csl, "csl-json")
    assert item["id"] == "http://zotero.org/users/1/items/ABC"
    assert item["people"] == ["Kennan, George F.", "CIA"]
    assert item["date"] == "1961-06"
    assert item["subjects"] == ["Vienna", "summit"]
    assert item["doi"] == "10.2/def"  # unknown keys kept, in lower case


def test_carried_fields_add_to_authors_and_keep_the_rest_of_csl_custom() -> None:
    ris = "TY  - GEN\nTI  - T\nAU  - Rusk, Dean\nC8  - Gromyko, Andrei A.\nPY  - 1961\nER  - \n"
    [record] = read_entries(ris, "ris")
    assert record["people"] == ["Rusk, Dean", "Gromyko, Andrei A."]
    item = {
        "id": "c1",
        "title": "T",
        "issued": {"date-parts": [[1961]]},
        "custom": {"places": ["Vienna"], "shelf": "B-12"},
    }
    [record] = read_entries(json.dumps([item]), "csl-json")
    assert record["places"] == ["Vienna"]
    assert record["custom"] == {"shelf": "B-12"}  # what is not ours stays


def test_zotero_csl_json_named_json_is_recognised_by_content(tmp_path) -> None:
    items = [{"id": "z1", "type": "book", "title": "A Book", "issued": {"date-parts": [[1950]]}}]
    source = write_json(tmp_path / "Exported Items.json", items)
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", source)
    assert proc.returncode == 0, proc.stderr
    assert stored(db)["z1"]["date"] == "1950"


def test_csv_map_names_the_columns(tmp_path) -> None:
    source = tmp_path / "sheet.csv"
    source.write_text(
        "Key,Heading,Yr,Creators,Extra\n"
        'k1,First paper,1962,"Rusk, Dean; Kennedy, John F.",x\n'
        "k2,Second paper,1963-05,,y\n",
        encoding="utf-8",
    )
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", source, "--map", "title=Heading,date=Yr,people=Creators")
    assert proc.returncode == 0, proc.stderr
    back = stored(db)
    assert back["k1"]["title"] == "First paper"
    assert back["k1"]["people"] == ["Rusk, Dean", "Kennedy, John F."]
    assert back["k2"]["date"] == "1963-05"
    assert back["k1"]["extra"] == "x"
    bad = run_cli("--db", db, "import", source, "--map", "date=Year")
    assert bad.returncode == 1
    assert "no column 'Year'" in bad.stderr and "Heading" in bad.stderr
    usage = run_cli("--db", db, "import", source, "--map", "colour=Heading")
    assert usage.returncode == 2 and "'colour' is not a record field" in usage.stderr


# --------------------------------------------------------------------------- invalid entries

BAD_BIB = """@misc{good1, title = {Fine}, year = {1950}}

@misc{nodate, title = {No date here}}

@misc{broken, title = {unclosed
"""


def test_every_invalid_entry_is_reported_with_its_line_and_nothing_is_written(tmp_path) -> None:
    source = tmp_path / "refs.bib"
    source.write_text(BAD_BIB, encoding="utf-8")
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", source)
    assert proc.returncode == 1
    assert "invalid: line 3 (id 'nodate'): date is missing" in proc.stderr
    assert "invalid: line 5: is not valid BibTeX" in proc.stderr
    assert "2 entries are invalid" in proc.stderr and "nothing was imported" in proc.stderr
    assert not db.exists()


def test_skip_invalid_writes_the_valid_ones_and_lists_the_rest(tmp_path) -> None:
    source = tmp_path / "refs.bib"
    source.write_text(BAD_BIB, encoding="utf-8")
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", source, "--skip-invalid", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["added"] == 1 and report["valid"] == 1
    assert [p.split(":")[0] for p in report["invalid"]] == ["line 3 (id 'nodate')", "line 5"]
    assert "skipped: line 3" in proc.stderr
    assert list(stored(db)) == ["good1"]


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("a.ris", "TY  - GEN\nTI  - ok\nPY  - 1950\nER  - \n\nTY  - GEN\nTI  - no end\n", "line 6"),
        ("a.ris", "TY  - GEN\nTI  - ok\nPY  - 1950\nER  - \nnot a tag\n", "line 5"),
        ("a.csv", "id,title,date\na,ok,1950\nb,bad date,1950-13-45\n", "line 3"),
        (
            "a.csl.json",
            '[\n {"id": "a", "title": "ok", "issued": {"date-parts": [[1950]]}},\n'
            ' {"id": "b", "type": "book"}\n]\n',
            "line 3",
        ),
    ],
)
def test_invalid_entries_of_each_format_name_their_line(tmp_path, name, text, where) -> None:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", source)
    assert proc.returncode == 1
    assert f"invalid: {where}" in proc.stderr
    assert not db.exists()


def test_format_option_overrides_the_extension(tmp_path) -> None:
    source = tmp_path / "refs.txt"
    source.write_text("TY  - GEN\nID  - r1\nTI  - ok\nPY  - 1950\nER  - \n", encoding="utf-8")
    db = tmp_path / "db.json"
    assert run_cli("--db", db, "import", source).returncode == 1  # read as JSON: not JSON
    proc = run_cli("--db", db, "import", source, "--format", "ris")
    assert proc.returncode == 0, proc.stderr
    assert "imported 1 record into" in proc.stdout  # one record, not "1 records"


def test_import_plural_and_dry_run_write_nothing(tmp_path) -> None:
    source = tmp_path / "refs.bib"
    source.write_text("@misc{only, title = {One}, year = {1950}}\n", encoding="utf-8")
    db = tmp_path / "db.json"
    proc = run_cli("--db", db, "import", source, "--dry-run")
    assert proc.returncode == 0
    assert "1 valid record in" in proc.stdout
    assert not db.exists()


# --------------------------------------------------------------------------- progress


def _import_with_stderr_on_a_terminal(source: Path, db: Path) -> str:
    """Run the import with stderr on a pseudo-terminal; what the terminal showed."""
    main, secondary = pty.openpty()
    env = dict(os.environ, COLUMNS="100")
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive_tui", "--db", str(db), "import", str(source)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=secondary,
        env=env,
        cwd=REPO_ROOT,
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    proc.wait(timeout=120)
    os.close(main)
    assert proc.returncode == 0
    return shown.decode("utf-8", "replace")


def test_a_progress_bar_shows_on_a_terminal_only(tmp_path) -> None:
    entries = "".join(
        f"TY  - GEN\nID  - r{i}\nTI  - Entry {i}\nPY  - 1950\nER  - \n\n" for i in range(3000)
    )
    source = tmp_path / "big.ris"
    source.write_text(entries, encoding="utf-8")
    on_terminal = _import_with_stderr_on_a_terminal(source, tmp_path / "a.json")
    assert "3,000/3,000" in on_terminal and "█" in on_terminal
    piped = run_cli("--db", tmp_path / "b.json", "import", source)
    assert piped.returncode == 0 and "█" not in piped.stderr
    assert digest(tmp_path / "a.json") == digest(tmp_path / "b.json")


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("a.bib", "% only a comment\n", "has no BibTeX entries"),
        ("a.csv", "title,date\n", "has no rows under its header"),
        ("a.csl.json", "[]", "has no CSL-JSON items"),
    ],
)
def test_a_file_without_entries_is_an_error_not_zero_imports(tmp_path, name, text, says) -> None:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    proc = run_cli("--db", tmp_path / "db.json", "import", source)
    assert proc.returncode == 1
    assert says in proc.stderr and str(source) in proc.stderr
