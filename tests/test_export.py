"""Export: every format reads back with the tool a user would use, JSON re-imports to
the very same records, exports stream, and a file is written whole or not at all."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterator

import bibtexparser
import orjson
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware
from conftest import FRUS_PATH

from archive_tui.citations import bibtex_key, csl_item
from archive_tui.export import (
    CSV_COLUMNS,
    FORMATS,
    PROGRESS_EVERY,
    export_records,
    write_export,
)
from archive_tui.importer import read_import_file
from archive_tui.records import validate_records

FRUS_D25 = {
    "id": "frus1964-68v12-d25",
    "date": "1964-02-12",
    "title": "Telegram From the Embassy in France to the Department of State",
    "summary": "3857. We appear to be heading for a confrontation with French on Cuban trade.",
    "text": "Paris, February 12, 1964, 8 p.m. 3857. We appear to be heading for a "
    "confrontation with French on Cuban trade.",
    "collection": "Foreign Relations of the United States, 1964–1968, Volume XII, Western Europe",
    "subjects": ["Western Europe", "France"],
    "source": "Source: National Archives and Records Administration, RG 59, Central Files "
    "1964-66, STR 12-3 CUBA-FR. Confidential; Priority.",
    "document_type": "Telegram",
    "people": ["Alphand, Hervé", "Bohlen, Charles E."],
    "places": ["Paris"],
    "language": "English",
    "url": "https://history.state.gov/historicaldocuments/frus1964-68v12/d25",
}
CHEKIST = {
    "id": "wilson-2007-06-ussr-france-society",
    "date": "June, 2007",
    "title": "The USSR-France Society. Folder 71. The Chekist Anthology",
    "summary": "This note describes the relations between the U.S.S.R. – France Society.",
    "collection": "Wilson Center Digital Archive",
    "people": ["Mitrokhin"],
}
# Quotes, commas, newlines, LaTeX specials, Cyrillic, an unknown key with nested data.
TRICKY = {
    "id": "user-Громыко-1",
    "date": "1970-06-26",
    "title": 'Manac’h, "Piné" & {Громыко}: 100% $5 #1 a_b \\ done',
    "summary": 'Line one,\nline two; with "quotes" and a tab\tand\r\nCRLF.',
    "collection": "Papers of R&D",
    "subjects": ["A; B", "Ostpolitik"],
    "people": [],
    "places": ["Paris"],
    "url": "https://example.org/doc?id=5&x=100%25",
    "x-custom": {"box": 3, "folders": [1, 2], "note": None},
}
RECORDS = [FRUS_D25, CHEKIST, TRICKY]


def _export(records: list[dict], fmt: str) -> str:
    out = io.StringIO(newline="")
    assert export_records(records, fmt, out) == len(records)
    return out.getvalue()


# --------------------------------------------------------------------------- formats


def test_json_export_imports_back_to_the_same_records(tmp_path) -> None:
    path = tmp_path / "records.json"
    assert write_export(RECORDS, "json", path) == 3
    raws = read_import_file(path)
    assert raws == RECORDS
    assert validate_records(raws) == RECORDS
    assert json.loads(path.read_text(encoding="utf-8")) == RECORDS
    assert "Громыко" in path.read_text(encoding="utf-8")  # UTF-8, not \u escapes


@pytest.mark.skipif(not FRUS_PATH.exists(), reason="../shared/data/frus-records.json absent")
def test_json_export_of_real_frus_records_round_trips(tmp_path) -> None:
    records = orjson.loads(FRUS_PATH.read_bytes())[:500]
    path = tmp_path / "frus.json"
    write_export(records, "json", path)
    assert read_import_file(path) == records


def test_csv_reads_back_with_the_csv_module(tmp_path) -> None:
    path = tmp_path / "records.csv"
    assert write_export(RECORDS, "csv", path) == 3
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 3
    assert rows[0]["people"] == "Alphand, Hervé; Bohlen, Charles E."
    assert rows[0]["subjects"] == "Western Europe; France"
    assert rows[0]["collection"] == FRUS_D25["collection"]
    assert rows[1]["date"] == "June, 2007"
    assert rows[1]["text"] == ""
    assert rows[2]["title"] == TRICKY["title"]
    assert rows[2]["summary"] == TRICKY["summary"]  # newlines, quotes, CRLF kept
    assert rows[2]["people"] == ""
    assert rows[2]["subjects"] == "A; B; Ostpolitik"
    assert "x-custom" not in rows[2]


def test_bibtex_export_parses_back(tmp_path) -> None:
    path = tmp_path / "records.bib"
    write_export(RECORDS, "bibtex", path)
    library = bibtexparser.parse_string(
        path.read_text(encoding="utf-8"), append_middleware=[LatexDecodingMiddleware()]
    )
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == [bibtex_key(r) for r in RECORDS]
    titles = [e.fields_dict["title"].value for e in library.entries]
    assert titles == [r["title"] for r in RECORDS]
    assert library.entries[1].fields_dict["date"].value == "2007-06"
    # URLs are verbatim fields (biblatex, url.sty): read without LaTeX decoding.
    raw = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    assert raw.entries[2].fields_dict["url"].value == TRICKY["url"]


def test_ris_export_parses_back(tmp_path) -> None:
    path = tmp_path / "records.ris"
    write_export(RECORDS, "ris", path)
    with open(path, encoding="utf-8") as handle:
        entries = rispy.load(handle)
    assert [e["id"] for e in entries] == [r["id"] for r in RECORDS]
    assert [e["title"] for e in entries] == [r["title"] for r in RECORDS]
    assert [e["date"] for e in entries] == ["1964/02/12/", "2007/06//", "1970/06/26/"]
    assert entries[0]["urls"] == [FRUS_D25["url"]]


def test_csl_json_export_is_an_array_of_csl_items(tmp_path) -> None:
    path = tmp_path / "records.csl.json"
    write_export(RECORDS, "csl-json", path)
    items = json.loads(path.read_text(encoding="utf-8"))
    # the citation's item, plus the lists it cannot hold as authors in CSL's custom object
    assert [{k: v for k, v in i.items() if k != "custom"} for i in items] == [
        csl_item(r) for r in RECORDS
    ]
    assert items[0]["custom"]["people"] == ["Alphand, Hervé", "Bohlen, Charles E."]
    assert "author" not in items[0]
    assert items[1]["issued"] == {"date-parts": [[2007, 6]]}


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_export_is_still_a_valid_file(fmt: str) -> None:
    text = _export([], fmt)
    if fmt in ("json", "csl-json"):
        assert json.loads(text) == []
    elif fmt == "csv":
        assert text == ",".join(CSV_COLUMNS) + "\r\n"
    else:
        assert text == ""


def test_unknown_format_is_a_clear_error_and_writes_nothing(tmp_path) -> None:
    path = tmp_path / "out.xml"
    with pytest.raises(ValueError, match=r"unknown export format 'xml'.*bibtex"):
        write_export(RECORDS, "xml", path)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- streaming


def _many(n: int, out: io.StringIO, check_at: int) -> Iterator[dict]:
    """Records made on demand; at ``check_at`` the earlier ones must already be written."""
    for i in range(n):
        if i == check_at:
            assert out.getvalue().count("stream-") == check_at
        yield {
            "id": f"stream-{i:05d}",
            "date": f"19{50 + i % 40}-0{1 + i % 9}-1{i % 10}",
            "title": f"Telegram number {i} on Berlin",
            "summary": "Short summary with a comma, and “quotes”.",
            "collection": "Test Collection",
            "people": ["Rusk, Dean"],
        }


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_streams_and_reports_progress(fmt: str) -> None:
    out = io.StringIO(newline="")
    seen: list[int] = []
    count = export_records(_many(2500, out, check_at=1500), fmt, out, progress=seen.append)
    assert count == 2500
    assert PROGRESS_EVERY == 1000
    assert seen == [1000, 2000, 2500]
    assert out.getvalue().count("stream-") == 2500


def test_streamed_json_of_2000_records_round_trips(tmp_path) -> None:
    path = tmp_path / "many.json"
    expected = list(_many(2000, io.StringIO(), check_at=-1))
    assert write_export(iter(expected), "json", path) == 2000
    assert read_import_file(path) == expected


# --------------------------------------------------------------------------- atomic writing


def test_write_export_refuses_to_overwrite(tmp_path) -> None:
    path = tmp_path / "out.bib"
    path.write_text("my precious notes\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        write_export(RECORDS, "bibtex", path)
    assert path.read_text(encoding="utf-8") == "my precious notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bib"]


def test_write_export_overwrites_when_asked(tmp_path) -> None:
    path = tmp_path / "out.json"
    path.write_text("old\n", encoding="utf-8")
    os.chmod(path, 0o640)
    assert write_export(RECORDS, "json", path, overwrite=True) == 3
    assert json.loads(path.read_text(encoding="utf-8")) == RECORDS
    assert path.stat().st_mode & 0o777 == 0o640  # the file keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_new_export_file_gets_ordinary_permissions(tmp_path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    path = tmp_path / "out.ris"
    write_export(RECORDS, "ris", path)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def _failing(after: int) -> Iterator[dict]:
    yield from RECORDS[:after]
    raise RuntimeError("the archive went away")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_error_mid_export_leaves_no_file(tmp_path, fmt: str) -> None:
    path = tmp_path / "out.dat"
    with pytest.raises(RuntimeError, match="went away"):
        write_export(_failing(2), fmt, path)
    assert list(tmp_path.iterdir()) == []


def test_an_error_mid_export_leaves_the_old_file_untouched(tmp_path) -> None:
    path = tmp_path / "out.csv"
    path.write_text("id\nold\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        write_export(_failing(2), "csv", path, overwrite=True)
    assert path.read_text(encoding="utf-8") == "id\nold\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_export_into_a_missing_folder_fails_cleanly(tmp_path) -> None:
    with pytest.raises(FileNotFoundError):
        write_export(RECORDS, "json", tmp_path / "nowhere" / "out.json")
    assert list(tmp_path.iterdir()) == []
