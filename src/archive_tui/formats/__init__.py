"""Readers of the files reference managers write: BibTeX, RIS, CSV, CSL-JSON.

Each reader turns the text of a file into :class:`Entries`: raw record dicts in our
schema (``records.py``; mapped by ``mapping.py``, not yet validated), each with the line
its entry starts on, so that every invalid entry can be reported by line. An entry the
parser could not read at all stays in the list as an :class:`Unreadable` (never dropped
silently); validation refuses it, and the command line shows its reason.

The format is chosen by ``--format``, else by the file's extension (``.bib``, ``.ris``,
``.csv``, ``.csl.json``), else a JSON array of CSL items is recognised by its content.
JSON, JSON Lines and TinyDB files stay with ``importer.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from archive_tui.records import LIST_FIELDS, STRING_FIELDS

IMPORT_FORMATS = ("json", "bibtex", "ris", "csv", "csl-json")
"""What ``archive-tui import --format`` accepts (``json`` also reads JSON Lines and TinyDB)."""

MAP_FIELDS = ("id", "date", "title", *STRING_FIELDS, *LIST_FIELDS)
"""The record fields ``--map FIELD=COLUMN`` may name."""

_EXTENSIONS = {".bib": "bibtex", ".bibtex": "bibtex", ".ris": "ris", ".csv": "csv"}


class Unreadable(str):
    """An entry the parser could not read; the str is the reason."""


class Entries(list):
    """Raw records (or Unreadable) in file order, with ``lines[i]``: where entry i starts."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int] = []

    def add(self, line: int, item: object) -> None:
        self.append(item)
        self.lines.append(line)


def format_of(path: Path, explicit: str | None = None) -> str:
    """The format to read ``path`` as: ``explicit``, else by extension, else ``json``."""
    if explicit:
        return explicit
    name = path.name.lower()
    if name.endswith((".csl.json", ".csljson")):
        return "csl-json"
    return _EXTENSIONS.get(path.suffix.lower(), "json")


def looks_like_csl(document: object) -> bool:
    """A JSON array of CSL items (Zotero's, Mendeley's export) rather than our records."""
    if not isinstance(document, list) or not document:
        return False
    first = document[0]
    return (
        isinstance(first, dict)
        and "date" not in first
        and ("issued" in first or ("type" in first and "title" in first))
    )


def read_entries(text: str, fmt: str, column_map: Mapping[str, str] | None = None) -> Entries:
    """The entries of ``text`` read as ``fmt`` (one of IMPORT_FORMATS but json).

    ValueError, its message a reason ("has no BibTeX entries"), for a bad column map or a
    file with no entry at all (most likely a file of another format).
    """
    if fmt == "bibtex":
        from .bibtex import read_bibtex

        entries = read_bibtex(text)
    elif fmt == "ris":
        from .ris import read_ris

        entries = read_ris(text)
    elif fmt == "csv":
        from .csv_table import read_csv

        entries = read_csv(text, column_map)
    elif fmt == "csl-json":
        from .csl_json import read_csl_json

        entries = read_csl_json(text)
    else:
        raise ValueError(f"cannot be read as {fmt!r}; choose one of: {', '.join(IMPORT_FORMATS)}")
    if not entries:
        raise ValueError(f"has no {_NAMES[fmt]} (read as {fmt}; see --format)")
    return entries


_NAMES = {
    "bibtex": "BibTeX entries",
    "ris": "RIS entries",
    "csv": "rows under its header",
    "csl-json": "CSL-JSON items",
}


def parse_column_map(text: str) -> dict[str, str]:
    """``title=Title,date=Year`` -> {"title": "Title", "date": "Year"}; ValueError saying why."""
    mapping: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise ValueError(f"bad --map item {item!r}: expected FIELD=COLUMN, e.g. date=Year")
        if field.strip() not in MAP_FIELDS:
            raise ValueError(
                f"bad --map item {item!r}: {field.strip()!r} is not a record field "
                f"(one of: {', '.join(MAP_FIELDS)})"
            )
        mapping[field.strip()] = column.strip()
    return mapping


def validate_entries(
    raws: list[object], progress: Callable[[int, int], object] | None = None
) -> tuple[list[dict], list[str]]:
    """The valid records of a batch and one sentence per invalid entry, in file order.

    An entry is named by its line when the reader knew it (``line 12 (id 'x'): title is
    missing``), else by its position; an id repeated in the batch is invalid where it
    repeats. ``progress(done, total)`` is called every PROGRESS_EVERY entries.
    """
    from archive_tui.records import RecordError, ensure_record

    lines = getattr(raws, "lines", None)
    records: list[dict] = []
    problems: list[str] = []
    first_seen: dict[str, str] = {}
    total = len(raws)
    for position, raw in enumerate(raws, start=1):
        where = f"line {lines[position - 1]}" if lines is not None else f"record {position}"
        if progress is not None and position % PROGRESS_EVERY == 0:
            progress(position, total)
        if isinstance(raw, Unreadable):
            problems.append(f"{where}: {raw}")
            continue
        try:
            record = ensure_record(raw, position)
        except RecordError as error:
            if error.record_id is not None:
                where += f" (id {error.record_id!r})"
            problems.append(f"{where}: {error.reason}")
            continue
        earlier = first_seen.setdefault(record["id"], where)
        if earlier != where:
            problems.append(f"{where} (id {record['id']!r}): the id repeats {earlier}")
            continue
        records.append(record)
    if progress is not None:
        progress(total, total)
    return records, problems


PROGRESS_EVERY = 500
