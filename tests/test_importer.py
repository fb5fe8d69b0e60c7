"""Import files in every supported shape, and clear errors for the ones that are not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FRUS_PATH, SEED_PATH

from archive_tui.importer import ImportFileError, read_import_file
from archive_tui.records import ValidationFailed, validate_records
from archive_tui.store import RecordStore

RECORDS = [
    {"id": "a", "date": "1944-11-09", "title": "Manac’h", "people": "Громыко, А. А."},
    {"id": "b", "date": "June, 2007", "title": "🕊️ Peace", "extra": {"k": [1, 2]}},
]


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def as_jsonl(records: list[dict]) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"


@pytest.mark.parametrize("bom", [False, True])
def test_json_array(tmp_path: Path, bom: bool) -> None:
    path = write(tmp_path / "in.json", json.dumps(RECORDS, ensure_ascii=False, indent=2), bom=bom)
    assert read_import_file(path) == RECORDS


@pytest.mark.parametrize("bom", [False, True])
def test_json_lines_with_blank_lines_and_crlf(tmp_path: Path, bom: bool) -> None:
    text = "\n" + as_jsonl(RECORDS).replace("\n", "\r\n\n   \n")
    assert read_import_file(write(tmp_path / "in.jsonl", text, bom=bom)) == RECORDS


def test_json_lines_keeps_line_separator_characters_inside_strings(tmp_path: Path) -> None:
    record = {"id": "a", "date": "1944", "title": "one\u2028two\u0085three"}
    path = write(tmp_path / "in.jsonl", as_jsonl([record, RECORDS[1]]))
    assert read_import_file(path)[0]["title"] == "one\u2028two\u0085three"


def test_single_record_object(tmp_path: Path) -> None:
    path = write(tmp_path / "one.json", json.dumps(RECORDS[0], indent=1))
    assert read_import_file(path) == [RECORDS[0]]


def test_object_holding_a_records_list(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json", json.dumps({"version": 1, "records": RECORDS}))
    assert read_import_file(path) == RECORDS


def test_plain_tinydb_file_uses_the_default_table(tmp_path: Path) -> None:
    tables = {"_default": {"1": RECORDS[0], "2": RECORDS[1]}, "other": {"1": {"x": 1}}}
    path = write(tmp_path / "db.json", json.dumps(tables))
    assert read_import_file(path) == RECORDS


def test_tinydb_file_prefers_the_records_table(tmp_path: Path) -> None:
    tables = {"_default": {"1": {"x": 1}}, "records": {"7": RECORDS[1], "9": RECORDS[0]}}
    path = write(tmp_path / "db.json", json.dumps(tables))
    assert read_import_file(path) == [RECORDS[1], RECORDS[0]]


def test_tinydb_file_without_known_tables_gives_all_tables(tmp_path: Path) -> None:
    tables = {"one": {"1": RECORDS[0]}, "two": {"1": RECORDS[1]}}
    path = write(tmp_path / "db.json", json.dumps(tables))
    assert read_import_file(path) == RECORDS


def test_an_archive_written_by_the_store_imports_back(tmp_path: Path) -> None:
    path = tmp_path / "archive.json"
    RecordStore.open(path, create=True).upsert(RECORDS)
    assert validate_records(read_import_file(path)) == validate_records(RECORDS)


def test_empty_array_is_no_records(tmp_path: Path) -> None:
    assert read_import_file(write(tmp_path / "none.json", "[]")) == []


def test_invalid_records_are_left_for_validation_to_report(tmp_path: Path) -> None:
    rows = [RECORDS[0], [1, 2], {"id": "c", "date": "soon", "title": "T"}]
    raws = read_import_file(write(tmp_path / "in.jsonl", as_jsonl(rows)))
    assert len(raws) == 3
    with pytest.raises(ValidationFailed) as caught:
        validate_records(raws)
    assert [e.position for e in caught.value.errors] == [2, 3]


def test_numbers_json_cannot_store_exactly_are_named_by_validation(tmp_path: Path) -> None:
    text = (
        '[{"id": "a", "date": "1944", "title": "T", "box": 123456789012345678901234567890},\n'
        ' {"id": "b", "date": "1944", "title": "T", "score": NaN}]'
    )
    raws = read_import_file(write(tmp_path / "in.json", text))
    assert raws[0]["box"] == 123456789012345678901234567890  # read exactly, not as a float
    with pytest.raises(ValidationFailed) as caught:
        validate_records(raws)
    reasons = [(e.position, e.reason) for e in caught.value.errors]
    assert reasons == [
        (1, "box holds an integer too large to store exactly"),
        (2, "score holds nan, which JSON cannot store"),
    ]


def test_malformed_json_lines_row_names_its_line(tmp_path: Path) -> None:
    text = as_jsonl(RECORDS[:1]) + "\n" + '{"id": "b", "date": "1944", title: "T"}\n'
    path = write(tmp_path / "in.jsonl", text)
    with pytest.raises(ImportFileError) as caught:
        read_import_file(path)
    error = caught.value
    assert (error.line, error.column) == (3, 29)
    assert str(path) in str(error)
    assert "line 3 is not valid JSON at column 29" in str(error)
    assert isinstance(error, ValueError)


def test_bad_json_array_names_line_and_column(tmp_path: Path) -> None:
    text = '[\n  {"id": "a", "date": "1944", "title": "T"},\n  {"id": }\n]'
    path = write(tmp_path / "in.json", text)
    with pytest.raises(ImportFileError) as caught:
        read_import_file(path)
    assert (caught.value.line, caught.value.column) == (3, 10)
    assert str(path) in str(caught.value)
    assert "is not valid JSON at line 3, column 10" in str(caught.value)


def test_truncated_json_array(tmp_path: Path) -> None:
    text = json.dumps(RECORDS, ensure_ascii=False, indent=1)
    path = write(tmp_path / "in.json", text[: len(text) // 2])
    with pytest.raises(ImportFileError, match="is not valid JSON at line"):
        read_import_file(path)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "is empty"),
        (b"\xef\xbb\xbf \n\t", "is empty"),
        (b"42", "holds a single JSON value"),
        (b'"text"', "holds a single JSON value"),
        (b'[{"id": "a", "title": "Caf\xe9"}]', "is not UTF-8 text (byte 26, line 1, column 27)"),
        ("[]".encode("utf-16"), "is UTF-16 text"),
        (b"id,date,title\na,1944,T\n", "is not valid JSON at line 1, column 1"),
    ],
)
def test_unreadable_content(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught:
        read_import_file(path)
    assert str(caught.value).startswith(f"Cannot import {path}: it {reason}")


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="does not exist"):
        read_import_file(tmp_path / "nope.json")
    with pytest.raises(ImportFileError, match="is a folder"):
        read_import_file(tmp_path)


def test_seed_file_imports_cleanly() -> None:
    records = validate_records(read_import_file(SEED_PATH))
    assert len(records) == 14
    assert records[0]["date"] == "November 09, 1944"


@pytest.mark.skipif(not FRUS_PATH.exists(), reason="shared FRUS data not present")
def test_frus_file_imports_cleanly() -> None:
    records = validate_records(read_import_file(FRUS_PATH))
    assert len(records) == 12401
