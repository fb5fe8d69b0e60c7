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

import os
from pathlib import Path

import orjson

from archive_tui.store import describe_json_error

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ImportFileError(ValueError):
    """A file that cannot be read as records; the message names the path (and line/column)."""

    def __init__(
        self,
        path: os.PathLike[str] | str,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(f"Cannot import {self.path}: it {reason}")

    def __str__(self) -> str:
        return f"Cannot import {self.path}: it {self.reason}"


def read_import_file(path: os.PathLike[str] | str) -> list[object]:
    """The raw records in ``path`` (not yet validated), in file order.

    Raises ImportFileError for a file that cannot be read or parsed.
    """
    path = Path(path)
    data = _read(path)
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    elif data.startswith(_UTF16_BOMS):
        raise ImportFileError(path, "is UTF-16 text; save it as UTF-8")
    if not data.strip():
        raise ImportFileError(path, "is empty")
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        lines = _json_lines(path, data)
        if lines is not None:
            return lines
        reason, line, column = describe_json_error(data, error)
        raise ImportFileError(path, reason, line=line, column=column) from None
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


def _json_lines(path: Path, data: bytes) -> list[object] | None:
    """Parse JSON Lines, or None when the file does not look like it.

    It looks like JSON Lines when its first non-blank line is a whole JSON object by
    itself; then a line that is not JSON is an error naming that line.
    """
    records: list[object] = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            if not records:
                return None
            reason, _, column = describe_json_error(line, error)
            # The line was parsed alone, so its "line 1" is the file's line `number`.
            reason = reason.replace(" at line 1, column", " at column")
            reason = reason.replace(", line 1, column", ", column")
            raise ImportFileError(
                path, f"is JSON Lines, but line {number} {reason}", line=number, column=column
            ) from None
        if not records and not isinstance(value, dict):
            return None
        records.append(value)
    return records or None
