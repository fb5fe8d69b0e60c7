"""Export records to files reference managers, spreadsheets and other programs read.

Formats stream one record at a time, so an export of 100,000 records never holds
more than one rendered record in memory.  ``write_export`` writes to a temporary
file next to the target and renames it into place only when every record was
written: an error or an interrupt leaves no partial file behind.

* ``bibtex``, ``ris``, ``csl-json``: as ``citations`` renders them, with the record's
  people, places and subjects in each format's slot for extra data (``carried_fields``),
  so an import of the file brings them back; never as authors.
* ``csv``: one row per record, the standard fields (``records.py``) as columns,
  list fields joined with ``"; "``, UTF-8, a header row.  Keys outside the standard
  fields are not in the CSV; use ``json`` to keep everything.
* ``json``: a JSON array of the records exactly as stored; it imports back to the
  same records.

By default an export is safe to open: control, bidirectional and invisible characters
(an escape sequence in a title) are made visible (``sanitize.visible``; in JSON they
are ``\\uXXXX`` escapes, which read back exactly), and a CSV cell a spreadsheet would
run as a formula (``=``, ``+``, ``-``, ``@``, or a tab or line end before one) starts
with ``'``. ``raw=True`` keeps every character as stored; ``csv_formulas=True`` only
leaves formulas unquoted.
"""

from __future__ import annotations

import csv
import errno
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO

import orjson

from archive_tui.atomic import atomic_write
from archive_tui.carried_fields import export_csl_item, export_entry
from archive_tui.errors import FileProblem
from archive_tui.export_markdown import Annotations, markdown_entry
from archive_tui.sanitize import LAYOUT, clean_record, escape_json, visible

FORMATS = ("bibtex", "ris", "csv", "json", "csl-json")
ALL_FORMATS = (*FORMATS, "markdown")
"""``markdown`` (``export_markdown``) is written too, but not offered where FORMATS is."""

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
    "markdown": ".md",
}

CSV_COLUMNS = (
    "id", "date", "title", "summary", "text", "collection", "document_type", "language",
    "source", "url", "classification", "subjects", "people", "places",
)  # fmt: skip
LIST_SEPARATOR = "; "
ANNOTATION_COLUMNS = ("tags", "note")
"""Added after CSV_COLUMNS when an export carries your tags and notes."""

PROGRESS_EVERY = 1000
"""``progress(count)`` is called after every this many records, and once at the end."""

Progress = Callable[[int], object]


def _check_format(fmt: str) -> None:
    if fmt not in ALL_FORMATS:
        known = ", ".join(ALL_FORMATS)
        raise ValueError(f"unknown export format {fmt!r}; choose one of: {known}")


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


FORMULA_STARTS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
"""A cell whose first character (after any blanks) is one of these, a spreadsheet may
run as a formula: ``=cmd|' /C calc'!A0``, ``+SUM(...)``, ``@SUM(1,1)`` (and their
full-width forms)."""


def neutralise_formula(cell: str) -> str:
    """``'`` before a cell a spreadsheet would run (OWASP's advice); others unchanged."""
    if cell[:1] in ("\t", "\r"):
        return "'" + cell
    start = cell.lstrip(" \n")
    return "'" + cell if start[:1] in FORMULA_STARTS else cell


class ExportError(FileProblem, OSError):
    """An export that could not be written; the message names the file the user gave."""

    TEMPLATE = "Cannot write {path}: {reason}"


def export_records(
    records: Iterable[dict],
    fmt: str,
    out: TextIO,
    progress: Progress | None = None,
    *,
    raw: bool = False,
    csv_formulas: bool = False,
    annotations: Annotations | None = None,
    style: str = "archive",
) -> int:
    """Write records to ``out`` in ``fmt``, one at a time; return how many were written.

    ``annotations`` (record id -> (tags, note), e.g. ``Workspace.annotations_of``) adds
    your tags and notes: BibTeX ``keywords``/``note``, RIS ``KW``/``N1``, CSL-JSON
    ``keyword``/``note``, CSV ``tags``/``note`` columns; without it the output is as
    before. ``style`` is the citation style of the ``markdown`` format.

    ``out`` should be opened with ``newline=""`` for CSV (the csv module's rule); the
    other formats write ``\\n`` line ends. ``raw`` keeps every character exactly (no
    control character made visible, no formula quoted); ``csv_formulas`` leaves only
    formulas as they are.
    """
    _check_format(fmt)
    count = 0
    if not raw and fmt in ("bibtex", "ris", "markdown"):
        records = (clean_record(record) for record in records)  # type: ignore[misc]

    def tick() -> None:
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)

    def notes_of(record: dict) -> tuple[Sequence[str], str | None]:
        if annotations is None:
            return (), None
        tags, note = annotations(str(record.get("id", "")))
        if raw:
            return tags, note
        return [visible(t, LAYOUT) for t in tags], None if note is None else visible(note, LAYOUT)

    if fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS + (ANNOTATION_COLUMNS if annotations else ()))
        for record in records:
            cells = [_csv_cell(record.get(column)) for column in CSV_COLUMNS]
            if annotations:
                tags, note = notes_of(record)
                cells += [_csv_cell(list(tags)), note or ""]
            if not raw:
                cells = [visible(cell, LAYOUT) for cell in cells]
            if not (raw or csv_formulas):
                cells = [neutralise_formula(cell) for cell in cells]
            writer.writerow(cells)
            count += 1
            tick()
    elif fmt in ("json", "csl-json"):
        out.write("[")
        for record in records:
            item = record if fmt == "json" else export_csl_item(record, *notes_of(record))
            text = _json_dumps(item, indent=fmt == "csl-json")
            if not raw:  # \\uXXXX escapes: safe to show, and they read back exactly
                text = escape_json(text)
            out.write(("\n" if count == 0 else ",\n") + text)
            count += 1
            tick()
        out.write("\n]\n" if count else "]\n")
    elif fmt == "markdown":
        for record in records:
            out.write(markdown_entry(record, lambda _id, r=record: notes_of(r), style))
            count += 1
            tick()
    else:  # bibtex, ris: entries separated by a blank line
        for record in records:
            if count:
                out.write("\n")
            out.write(export_entry(record, fmt, *notes_of(record)))
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
    raw: bool = False,
    csv_formulas: bool = False,
    annotations: Annotations | None = None,
    style: str = "archive",
) -> int:
    """Export to a file atomically; return how many records were written.

    Raises FileExistsError if ``path`` exists and ``overwrite`` is false (checked
    before the export starts and again at the moment the file is put in place), and
    ExportError (an OSError naming ``path``) when it cannot be written: a full disk,
    a read-only folder. On any error the temporary file is removed and ``path`` is
    left as it was. ``raw`` and ``csv_formulas``: see :func:`export_records`.
    """
    _check_format(fmt)
    target = Path(path)
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} already exists")
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder")
    try:
        with atomic_write(target, text=True, overwrite=overwrite) as out:
            return export_records(
                records,
                fmt,
                out,
                progress,
                raw=raw,
                csv_formulas=csv_formulas,
                annotations=annotations,
                style=style,
            )
    except (FileExistsError, IsADirectoryError, ExportError):
        raise
    except OSError as error:
        raise _export_error(target, error) from None


def _export_error(target: Path, error: OSError) -> ExportError:
    """An ExportError naming ``target``, still the same kind of OSError (FileNotFoundError,
    PermissionError...) so callers that tell them apart keep working."""
    reason = (error.strerror or str(error)).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    if error.errno == errno.ENOSPC:
        reason = "the disk is full (no space left on the device); nothing was written"
    elif error.errno == errno.EFBIG:
        reason = "the file would be larger than this system allows; nothing was written"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = f"{reason}: the folder {target.parent} does not let you create files there"
    elif error.errno == errno.ENOENT and not target.parent.is_dir():
        reason = f"the folder {target.parent} does not exist"
    kind = type(error) if type(error) is not OSError else None
    cls = _export_error_class(kind) if kind is not None else ExportError
    problem = cls(target, reason)
    problem.errno = error.errno
    problem.strerror = reason
    problem.filename = str(target)
    return problem


_ERROR_CLASSES: dict[type, type[ExportError]] = {}


def _export_error_class(kind: type[OSError]) -> type[ExportError]:
    if kind not in _ERROR_CLASSES:
        _ERROR_CLASSES[kind] = type(f"Export{kind.__name__}", (ExportError, kind), {})
    return _ERROR_CLASSES[kind]
