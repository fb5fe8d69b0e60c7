"""Exports carry your tags and notes (BibTeX, RIS, CSL-JSON, CSV, Markdown) when asked,
read back with the tools a user would use and with our importer, and are unchanged
without a workspace."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import bibtexparser
import pytest
import rispy
from test_export import FRUS_D25

from archive_tui.export import export_records, write_export
from archive_tui.importer import read_import_file
from archive_tui.workspace import Workspace

NOTE = "Piné's cable: the French line hardens.\nSee also {Manac’h} at 100% & $5."
TAGS = ["Cuba trade", "Piné", "de Gaulle"]


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    ws = Workspace.open(tmp_path / "ws.json")
    ws.add_tags([FRUS_D25["id"]], TAGS)
    ws.set_note(FRUS_D25["id"], NOTE)
    return ws


def _export(fmt: str, ws: Workspace | None) -> str:
    out = io.StringIO(newline="")
    annotations = ws.annotations_of if ws is not None else None
    export_records([FRUS_D25], fmt, out, annotations=annotations)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json", "csv", "json"])
def test_without_annotations_every_format_is_unchanged(fmt: str, tmp_path: Path) -> None:
    empty = Workspace.open(tmp_path / "empty.json")
    assert _export(fmt, empty) == _export(fmt, None) or fmt == "csv"
    if fmt == "csv":  # the columns are there, empty
        rows = list(csv.DictReader(io.StringIO(_export(fmt, empty))))
        assert rows[0]["tags"] == "" and rows[0]["note"] == ""


def test_bibtex_keywords_and_note(workspace: Workspace, tmp_path: Path) -> None:
    text = _export("bibtex", workspace)
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    fields = library.entries[0].fields_dict
    assert fields["keywords"].value == "Cuba trade, Piné, de Gaulle"
    note = fields["note"].value
    assert note.startswith("Source: National Archives")  # the source note comes first
    assert "the French line hardens" in note and r"100\% \& \$5" in note
    path = tmp_path / "out.bib"
    path.write_text(text, encoding="utf-8")
    (record,) = read_import_file(path)  # our importer: keywords come back as subjects
    assert {"Cuba trade", "Piné", "de Gaulle"} <= set(record["subjects"])
    assert "the French line hardens" in record["text"]


def test_ris_kw_and_n1(workspace: Workspace, tmp_path: Path) -> None:
    text = _export("ris", workspace)
    (entry,) = rispy.loads(text)
    assert set(TAGS) <= set(entry["keywords"])
    assert "See also {Manac’h} at 100% & $5." in entry["notes"]
    path = tmp_path / "out.ris"
    path.write_text(text, encoding="utf-8")
    (record,) = read_import_file(path)
    assert set(TAGS) <= set(record["subjects"])


def test_csl_json_keyword_and_note(workspace: Workspace, tmp_path: Path) -> None:
    (item,) = json.loads(_export("csl-json", workspace))
    assert item["keyword"] == "Cuba trade, Piné, de Gaulle"
    assert item["note"].endswith(NOTE)
    path = tmp_path / "out.csl.json"
    path.write_text(_export("csl-json", workspace), encoding="utf-8")
    (record,) = read_import_file(path)
    assert set(TAGS) <= set(record["subjects"]) and record["id"] == FRUS_D25["id"]


def test_csv_tags_and_note_columns(workspace: Workspace) -> None:
    (row,) = csv.DictReader(io.StringIO(_export("csv", workspace)))
    assert row["tags"] == "Cuba trade; Piné; de Gaulle" and row["note"] == NOTE


def test_markdown_export_one_section_per_document(workspace: Workspace, tmp_path: Path) -> None:
    other = {**FRUS_D25, "id": "r2", "title": "Second\ndocument # title"}
    path = tmp_path / "list.md"
    count = write_export([FRUS_D25, other], "markdown", path, annotations=workspace.annotations_of)
    text = path.read_text(encoding="utf-8")
    assert count == 2 and text.count("\n## ") + text.startswith("## ") == 2
    assert "## Telegram From the Embassy in France" in text
    assert "- **Tags:** Cuba trade, Piné, de Gaulle" in text
    assert "- **Date:** 1964-02-12" in text and NOTE in text
    assert "- **Citation:** " in text
    assert "## Second document # title" in text  # a title cannot break the layout
