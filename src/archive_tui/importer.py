"""Read a file of records to import, whatever common shape it has.

Three shapes are recognised from the content, not the file name:

* a JSON array of records (``[{...}, {...}]``);
* JSON Lines: one record object per line, blank lines allowed;
* a TinyDB file (an object of tables): table ``records`` if present, else ``_default``,
  else every table in order. A single record object is read as a batch of one, and
  ``{"records": [...]}`` as its list.

This module only parses. The caller validates the raw records with
``records.validate_records`` (which names each bad record by position) and stores them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from archive_tui import formats
from archive_tui.errors import FileProblem

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ImportFileError(FileProblem, ValueError):
    """A file that cannot be read as records; the message names the path (and line/column)."""

    TEMPLATE = "Cannot import {path}: it {reason}"


def read_import_file(
    path: os.PathLike[str] | str,
    *,
    fmt: str | None = None,
    column_map: Mapping[str, str] | None = None,
) -> list[object]:
    """The raw records in ``path`` (not yet validated), in file order.

    ``fmt`` (else the extension) may name a format of ``formats/`` (BibTeX, RIS, CSV,
    CSL-JSON): then the list is a ``formats.Entries``, which knows each entry's line.
    Raises ImportFileError for a file that cannot be read or parsed.
    """
    path = Path(path)
    data = _read(path)
    if data.startswith(_UTF16_BOMS):
        raise ImportFileError(path, "is UTF-16 text; save it as UTF-8")
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        column = bad.start - (data.rfind(b"\n", 0, bad.start) + 1) + 1
        raise ImportFileError(
            path,
            f"is not UTF-8 text (byte {bad.start}, line {line}, column {column}); save it as UTF-8",
            line=line,
            column=column,
        ) from None
    del data
    if not text.strip():
        raise ImportFileError(path, "is empty")
    chosen = formats.format_of(path, fmt)
    if chosen != "json":
        try:
            return formats.read_entries(text, chosen, column_map)
        except ValueError as error:
            raise ImportFileError(path, str(error)) from None
    try:
        # The standard parser, not orjson: orjson turns integers over 64 bits into floats,
        # silently altering them; json keeps them, and validation then names the record.
        document = json.loads(text)
    except json.JSONDecodeError as error:
        lines = _json_lines(path, text)
        if lines is not None:
            return lines
        raise ImportFileError(
            path,
            f"is not valid JSON at line {error.lineno}, column {error.colno} ({error.msg})",
            line=error.lineno,
            column=error.colno,
        ) from None
    if fmt is None and formats.looks_like_csl(document):  # Zotero's "Exported Items.json"
        return formats.read_entries(text, "csl-json")
    return _records_of(path, document)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(path, "does not exist") from None
    except IsADirectoryError:
        raise ImportFileError(path, "is a folder, not a file") from None
    except OSError as error:
        raise ImportFileError(path, f"cannot be read ({error.strerror or error})") from None


def _records_of(path: Path, document: object) -> list[object]:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if isinstance(document.get("records"), list):  # {"records": [...]}, a common export
            return document["records"]
        if _is_tinydb(document):
            return _tinydb_records(document)
        return [document]
    raise ImportFileError(
        path, "holds a single JSON value, not records (expected an array or objects)"
    )


def _is_tinydb(document: dict) -> bool:
    """An object of tables, each an object of documents (a record has string fields)."""
    return all(isinstance(table, dict) for table in document.values())


def _tinydb_records(tables: dict) -> list[object]:
    for name in ("records", "_default"):
        if name in tables:
            return list(tables[name].values())
    return [doc for table in tables.values() for doc in table.values()]


def _json_lines(path: Path, text: str) -> list[object] | None:
    """Parse JSON Lines, or None when the file does not look like it.

    It looks like JSON Lines when its first non-blank line is a whole JSON object by
    itself; then a line that is not JSON is an error naming that line.
    """
    records: list[object] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            if not records:
                return None
            raise ImportFileError(
                path,
                f"is JSON Lines, but line {number} is not valid JSON "
                f"at column {error.colno} ({error.msg})",
                line=number,
                column=error.colno,
            ) from None
        if not records and not isinstance(value, dict):
            return None
        records.append(value)
    return records or None
