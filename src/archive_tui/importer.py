"""Read a file of records to import, whatever common shape it has.

Three shapes are recognised from the content, not the file name:

* a JSON array of records (``[{...}, {...}]``);
* JSON Lines: one record object per line, blank lines allowed;
* a TinyDB file (an object of tables): table ``records`` if present, else ``_default``,
  else every table in order. A single record object is read as a batch of one, and
  ``{"records": [...]}`` as its list.

Only a regular file is read (a named pipe or ``/dev/zero`` is refused at once), and
the size limits of ``limits.py`` apply: the file, each record, each field, each word.

This module only parses. The caller validates the raw records with
``records.validate_records`` (which names each bad record by position) and stores them.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path

from archive_tui import formats
from archive_tui.errors import FileProblem, json_error_phrase
from archive_tui.limits import DEFAULT_LIMITS, FLAGS, ImportLimits, check_records

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


class ImportFileError(FileProblem, ValueError):
    """A file that cannot be read as records; the message names the path (and line/column)."""

    TEMPLATE = "Cannot import {path}: it {reason}"


class ImportLimitError(ImportFileError):
    """Records over a size limit; ``problems`` has one sentence for each."""

    TEMPLATE = "Cannot import {path}: {reason}"

    def __init__(self, path: os.PathLike[str] | str, problems: list[str]) -> None:
        self.problems = problems
        more = len(problems) - 1
        reason = problems[0] + (
            f" (and {more:,} more record{'s' if more != 1 else ''} over a limit)" if more else ""
        )
        super().__init__(path, reason + "; nothing was imported")


def read_import_file(
    path: os.PathLike[str] | str,
    limits: ImportLimits | None = DEFAULT_LIMITS,
    *,
    fmt: str | None = None,
    column_map: Mapping[str, str] | None = None,
) -> list[object]:
    """The raw records in ``path`` (not yet validated), in file order.

    ``fmt`` (else the extension) may name a format of ``formats/`` (BibTeX, RIS, CSV,
    CSL-JSON): then the list is a ``formats.Entries``, which knows each entry's line.
    Raises ImportFileError for a file that cannot be read or parsed (or is not a regular
    file), ImportLimitError when it or a record is over a size limit (``limits``; None:
    no size limit).
    """
    path = Path(path)
    limits = limits or ImportLimits(0, 0, 0, 0)
    data = _read(path, limits.max_file_bytes)
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
            entries = formats.read_entries(text, chosen, column_map)
        except ValueError as error:
            raise ImportFileError(path, str(error)) from None
        return _checked(path, entries, limits)
    try:
        # The standard parser, not orjson: orjson turns integers over 64 bits into floats,
        # silently altering them; json keeps them, and validation then names the record.
        document = json.loads(text)
    except json.JSONDecodeError as error:
        lines = _json_lines(path, text)
        if lines is not None:
            return _checked(path, lines, limits)
        raise ImportFileError(
            path,
            f"is not valid JSON at line {error.lineno}, column {error.colno} "
            f"({json_error_phrase(error.msg)})",
            line=error.lineno,
            column=error.colno,
        ) from None
    except RecursionError:
        raise _too_deep(path) from None
    if fmt is None and formats.looks_like_csl(document):  # Zotero's "Exported Items.json"
        return _checked(path, formats.read_entries(text, "csl-json"), limits)
    return _checked(path, _records_of(path, document), limits)


def _too_deep(path: Path) -> ImportFileError:
    return ImportFileError(
        path,
        "nests lists or objects deeper than can be read (about a thousand levels); "
        "records are objects of strings and lists",
    )


def _checked(path: Path, raws: list[object], limits: ImportLimits) -> list[object]:
    problems = check_records(raws, limits)
    if problems:
        raise ImportLimitError(path, problems)
    return raws


_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


def _read(path: Path, max_bytes: int = 0) -> bytes:
    """The file's bytes: only a regular file, only up to ``max_bytes`` (0: any size)."""
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        _check_regular(path, info, max_bytes)
        # O_NONBLOCK: a file swapped for a pipe after the check cannot block the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            _check_regular(path, os.fstat(handle.fileno()), max_bytes)
            data = handle.read(max_bytes + 1) if max_bytes else handle.read()
    except FileNotFoundError:
        raise ImportFileError(path, "does not exist") from None
    except IsADirectoryError:
        raise ImportFileError(path, "is a folder, not a file") from None
    except OSError as error:
        raise ImportFileError(path, f"cannot be read ({error.strerror or error})") from None
    if max_bytes and len(data) > max_bytes:  # it grew while we read it
        raise _too_big(path, len(data), max_bytes)
    return data


def _check_regular(path: Path, info: os.stat_result, max_bytes: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise ImportFileError(
            path, f"is {kind}, not a file; import reads only regular files (save it to one)"
        )
    if max_bytes and info.st_size > max_bytes:
        raise _too_big(path, info.st_size, max_bytes)


def _too_big(path: Path, size: int, max_bytes: int) -> ImportFileError:
    return ImportFileError(
        path,
        f"is {size / 1e6:,.1f} MB, over the import limit of {max_bytes / 1e6:,.0f} MB "
        f"({FLAGS['max_file_bytes']} raises it)",
    )


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
        except RecursionError:
            raise _too_deep(path) from None
        except json.JSONDecodeError as error:
            if not records:
                return None
            raise ImportFileError(
                path,
                f"is JSON Lines, but line {number} is not valid JSON "
                f"at column {error.colno} ({json_error_phrase(error.msg)})",
                line=number,
                column=error.colno,
            ) from None
        if not records and not isinstance(value, dict):
            return None
        records.append(value)
    return records or None
