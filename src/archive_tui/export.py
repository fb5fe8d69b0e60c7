"""Export records to files reference managers, spreadsheets and other programs read.

Formats stream one record at a time, so an export of 100,000 records never holds
more than one rendered record in memory.  ``write_export`` writes to a temporary
file next to the target and renames it into place only when every record was
written: an error or an interrupt leaves no partial file behind.

* ``bibtex``, ``ris``, ``csl-json``: as ``citations`` renders them.
* ``csv``: one row per record, the standard fields (``records.py``) as columns,
  list fields joined with ``"; "``, UTF-8, a header row.  Keys outside the standard
  fields are not in the CSV; use ``json`` to keep everything.
* ``json``: a JSON array of the records exactly as stored; it imports back to the
  same records.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TextIO

import orjson

from archive_tui.atomic import atomic_write
from archive_tui.citations import cite, csl_item

FORMATS = ("bibtex", "ris", "csv", "json", "csl-json")

FORMAT_LABELS: dict[str, str] = {
    "bibtex": "BibTeX (.bib)",
    "ris": "RIS (.ris)",
    "csv": "CSV spreadsheet (.csv)",
    "json": "JSON, re-importable (.json)",
    "csl-json": "CSL-JSON (.json)",
}

FORMAT_EXTENSIONS: dict[str, str] = {
    "bibtex": ".bib",
    "ris": ".ris",
    "csv": ".csv",
    "json": ".json",
    "csl-json": ".csl.json",
}

CSV_COLUMNS = (
    "id", "date", "title", "summary", "text", "collection", "document_type", "language",
    "source", "url", "classification", "subjects", "people", "places",
)  # fmt: skip
LIST_SEPARATOR = "; "

PROGRESS_EVERY = 1000
"""``progress(count)`` is called after every this many records, and once at the end."""

Progress = Callable[[int], object]


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of: {', '.join(FORMATS)}")


def _json_dumps(value: object, indent: bool) -> str:
    """orjson for speed; the standard library for what orjson refuses (very large ints)."""
    try:
        option = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(value, option=option).decode("utf-8")
    except TypeError:  # also lone surrogates: escaped as \udXXX they still round-trip
        return json.dumps(value, ensure_ascii=True, indent=2 if indent else None)


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return LIST_SEPARATOR.join("" if v is None else str(v) for v in value)
    return str(value)


def export_records(
    records: Iterable[dict], fmt: str, out: TextIO, progress: Progress | None = None
) -> int:
    """Write records to ``out`` in ``fmt``, one at a time; return how many were written.

    ``out`` should be opened with ``newline=""`` for CSV (the csv module's rule); the
    other formats write ``\\n`` line ends.
    """
    _check_format(fmt)
    count = 0

    def tick() -> None:
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)

    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        for record in records:
            writer.writerow([_csv_cell(record.get(column)) for column in CSV_COLUMNS])
            count += 1
            tick()
    elif fmt in ("json", "csl-json"):
        out.write("[")
        for record in records:
            item = record if fmt == "json" else csl_item(record)
            out.write(("\n" if count == 0 else ",\n") + _json_dumps(item, indent=fmt == "csl-json"))
            count += 1
            tick()
        out.write("\n]\n" if count else "]\n")
    else:  # bibtex, ris: entries separated by a blank line
        for record in records:
            if count:
                out.write("\n")
            out.write(cite(record, fmt))
            count += 1
            tick()
    if progress is not None and (count == 0 or count % PROGRESS_EVERY != 0):
        progress(count)
    return count


def write_export(
    records: Iterable[dict],
    fmt: str,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> int:
    """Export to a file atomically; return how many records were written.

    Raises FileExistsError if ``path`` exists and ``overwrite`` is false (checked
    before the export starts and again at the moment the file is put in place).
    On any error the temporary file is removed and ``path`` is left as it was.
    """
    _check_format(fmt)
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists")
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder")
    with atomic_write(target, text=True, overwrite=overwrite) as out:
        return export_records(records, fmt, out, progress)
