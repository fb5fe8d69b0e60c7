"""CSV tables with a header row (a spreadsheet, our own ``export --format csv``).

Columns are matched to record fields by name, ignoring case (``Title``, ``Year``,
``Author``, ``Keywords``, ``Abstract``, ``Notes``, ``URL``, ``DOI`` …); ``--map
title=Title,date=Year`` names them explicitly. List fields are split at ``;``. Columns
not mapped are kept under their own names. The line of a row is where it starts (a
quoted cell may span lines).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from archive_tui.records import LIST_FIELDS

from . import MAP_FIELDS, Entries, Unreadable
from .mapping import assemble, date_from_text, split_list

# header (folded) -> our field, besides our own field names
_ALIASES = {
    "author": "people",
    "authors": "people",
    "creator": "people",
    "keywords": "subjects",
    "keyword": "subjects",
    "tags": "subjects",
    "abstract": "summary",
    "abstract note": "summary",
    "note": "text",
    "notes": "text",
    "year": "date",
    "publication year": "date",
    "key": "id",
    "item type": "document_type",
    "type": "document_type",
}
_FIELDS = MAP_FIELDS


def read_csv(text: str, column_map: Mapping[str, str] | None = None) -> Entries:
    """Every data row, in file order, as a raw record; ValueError for a bad ``column_map``."""
    reader = csv.reader(io.StringIO(text, newline=""))
    entries = Entries()
    try:
        header = next(reader)
    except StopIteration:
        return entries
    except csv.Error as error:
        entries.add(1, Unreadable(f"is not a CSV header row ({error})"))
        return entries
    columns = _columns(header, column_map or {})
    line = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            entries.add(line, Unreadable(f"is not a valid CSV row ({error})"))
            break
        if any(cell.strip() for cell in row):
            if len(row) > len(header):
                entries.add(line, Unreadable(f"has {len(row)} cells but the header {len(header)}"))
            else:
                entries.add(line, _record(header, columns, row))
        line = reader.line_num + 1
    return entries


def _columns(header: list[str], column_map: Mapping[str, str]) -> dict[int, str]:
    """Column number -> our field, for the columns that map to one."""
    by_name = {name.strip().casefold(): i for i, name in enumerate(header)}
    columns: dict[int, str] = {}
    for field, column in column_map.items():
        at = by_name.get(column.strip().casefold())
        if at is None:
            raise ValueError(
                f"has no column {column!r} (--map {field}={column}); "
                f"its columns are: {', '.join(header)}"
            )
        columns[at] = field
    taken = set(columns.values())
    for i, name in enumerate(header):
        if i in columns:
            continue
        key = name.strip().casefold()
        field = key if key in _FIELDS else _ALIASES.get(key)
        if field and field not in taken:
            columns[i] = field
            taken.add(field)
    return columns


def _record(header: list[str], columns: dict[int, str], row: list[str]) -> dict[str, object]:
    mapped: dict[str, object] = {}
    extra: dict[str, object] = {}
    for i, cell in enumerate(row):
        field = columns.get(i)
        if field is None:
            extra[header[i].strip() or f"column {i + 1}"] = cell
        elif field in LIST_FIELDS:
            mapped[field] = split_list(cell, ";")
        elif field == "date":
            mapped["date"] = date_from_text(cell) or cell.strip()
        else:
            mapped[field] = cell
    return assemble("csv", mapped, extra)
