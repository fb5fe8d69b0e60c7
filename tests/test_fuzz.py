"""Fuzzing (hypothesis, derandomized so a run is repeatable): no query and no import file
makes the parser, the search or the importer raise anything but their own clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from search_fixtures import write_archive

from archive_tui.archive import Archive
from archive_tui.importer import ImportFileError, read_import_file
from archive_tui.limits import ImportLimits
from archive_tui.query import parse_query
from archive_tui.records import ValidationFailed, validate_records
from archive_tui.search import highlight_spans

FUZZ = settings(
    max_examples=200,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# the pieces a query is made of, and the characters that break naive parsers
QUERY_PIECES = st.sampled_from(
    [
        " ", "(", ")", '"', "*", "?", "**", "-", "+", ":", "..", "OR", "AND", "NOT", "|",
        "title:", "date:", "id:", "person:", "type:", "soviet", "stalin", "gaulle", "pin",
        "Громыко", "Piné", "Manac’h", "1944", "1962-10", "\x1b[2J", "\u202e", "\u200b",
        "\n", "\t", "'", "_", "é", "ß", "ﬁ", "🙂",
    ]
)  # fmt: skip
QUERIES = st.one_of(
    st.lists(QUERY_PIECES, max_size=24).map("".join),
    st.text(max_size=60),
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Archive:
    return Archive.open(write_archive(tmp_path_factory.mktemp("fuzz") / "a.json"), use_cache=False)


@FUZZ
@given(QUERIES)
def test_any_query_parses_and_searches(archive: Archive, query: str) -> None:
    parsed = parse_query(query)
    assert all(isinstance(note, str) and note for note in parsed.notes)
    result = archive.search(query, limit=5)
    assert 0 <= result.total <= len(archive)
    assert len(result.hits) == min(5, result.total)
    for hit in result.hits:
        for name, spans in hit.highlights.items():
            value = hit.record.get(name) or ""
            assert all(0 <= a < b <= len(value) for a, b in spans), (name, spans)
    text = "Soviet Громыко Piné — Manac’h's 1944 " + query
    assert all(0 <= a < b <= len(text) for a, b in highlight_spans(text, parsed))


JSON_PIECES = st.sampled_from(
    [
        "[", "]", "{", "}", ",", ":", '"', '"id"', '"date"', '"title"', '"1944"', '"x"',
        "null", "true", "1e999", "-0", "12345678901234567890", "\\u0000", "\\ud800", "\n",
        " ", "\ufeff", "\x00", "é", '{"id": "a", "date": "1950", "title": "t"}',
    ]
)  # fmt: skip
FILES = st.one_of(
    st.lists(JSON_PIECES, max_size=30).map(lambda parts: "".join(parts).encode("utf-8")),
    st.binary(max_size=80),
)
SMALL = ImportLimits(max_file_bytes=10_000, max_record_chars=200, max_field_chars=50)


@FUZZ
@given(FILES)
def test_any_import_file_is_records_or_one_clear_error(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "in.json"
    path.write_bytes(data)
    for limits in (SMALL, None):
        try:
            raws = read_import_file(path, limits)
        except ImportFileError as error:
            message = str(error)
            assert message.startswith(f"Cannot import {path}: ") and "\n" not in message
            continue
        assert isinstance(raws, list)
        try:
            validate_records(raws)
        except ValidationFailed as failed:
            assert failed.errors


@FUZZ
@given(st.recursive(st.text(max_size=5), lambda c: st.lists(c, max_size=3), max_leaves=20))
def test_any_json_document_imports_or_fails_clearly(tmp_path: Path, value: object) -> None:
    path = tmp_path / "doc.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    try:
        raws = read_import_file(path)
    except ImportFileError:
        return
    if raws:  # strings and lists are never records
        with pytest.raises(ValidationFailed):
            validate_records(raws)
