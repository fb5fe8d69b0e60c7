"""CSL-JSON, the export of Zotero, Mendeley and pandoc: a JSON array of items.

The array is read item by item (``json.JSONDecoder.raw_decode``) so each item's line is
known. Dates come from ``issued`` (``date-parts`` keep their precision; ``raw`` and
``literal`` are read as text); names ``{"family", "given"}`` become ``Family, Given``.
The ``custom`` object's ``people``, ``places`` and ``subjects`` (our export writes them
there, ``carried_fields``) become those fields; the rest of ``custom`` is kept.
"""

from __future__ import annotations

import json

from archive_tui.carried_fields import CSL_CUSTOM, custom_lists

from . import Entries, Unreadable
from .mapping import assemble, date_from_parts, date_from_text, split_list

_DIRECT = {
    "id": "id",
    "title": "title",
    "abstract": "summary",
    "note": "text",
    "URL": "url",
    "language": "language",
    "genre": "document_type",
    "archive_location": "source",
}
_CONTAINERS = ("container-title", "archive")  # the first one present is the collection
_NAMES = ("author", "editor", "interviewer", "recipient")
_DECODER = json.JSONDecoder()


def read_csl_json(text: str) -> Entries:
    """Every item of a CSL-JSON array, in file order, as raw records."""
    entries = Entries()
    at, line = _skip(text, 0, 1)
    if at >= len(text) or text[at] != "[":
        entries.add(line, Unreadable("is not a CSL-JSON array (it must start with '[')"))
        return entries
    at, line = _skip(text, at + 1, line)
    if at < len(text) and text[at] == "]":
        return entries
    while at < len(text):
        try:
            item, end = _DECODER.raw_decode(text, at)
        except json.JSONDecodeError as error:
            entries.add(error.lineno, Unreadable(f"is not valid JSON ({error.msg})"))
            return entries
        if isinstance(item, dict):
            entries.add(line, _record(item))
        else:
            entries.add(line, Unreadable("is not a CSL item (a JSON object)"))
        line += text.count("\n", at, end)
        at, line = _skip(text, end, line)
        if at < len(text) and text[at] == ",":
            at, line = _skip(text, at + 1, line)
            continue
        if at < len(text) and text[at] == "]":
            return entries
        entries.add(line, Unreadable("is not valid JSON (expected ',' or ']')"))
        return entries
    entries.add(line, Unreadable("is not valid JSON (the array is not closed)"))
    return entries


def _skip(text: str, at: int, line: int) -> tuple[int, int]:
    while at < len(text) and text[at] in " \t\r\n\ufeff":
        if text[at] == "\n":
            line += 1
        at += 1
    return at, line


def _name(value: object) -> str:
    if isinstance(value, dict):
        if value.get("literal"):
            return str(value["literal"]).strip()
        family, given = str(value.get("family", "")).strip(), str(value.get("given", "")).strip()
        return f"{family}, {given}" if family and given else family or given
    return str(value).strip()


def _date(issued: object) -> object:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return date_from_parts(*parts[0][:3]) or str(parts[0])
        for key in ("raw", "literal"):
            if issued.get(key):
                return date_from_text(issued[key]) or issued[key]
    if isinstance(issued, str):
        return date_from_text(issued) or issued
    return issued


def _record(item: dict) -> dict[str, object]:
    mapped: dict[str, object] = {}
    extra: dict[str, object] = {}
    carried: dict[str, list[str]] = {}
    for key, value in item.items():
        if key == CSL_CUSTOM:
            carried, extra[key] = custom_lists(value)
        elif key in _DIRECT:
            mapped[_DIRECT[key]] = None if value is None else str(value)
        elif key in _CONTAINERS and "collection" not in mapped:
            mapped["collection"] = value
        elif key in _NAMES and isinstance(value, list):
            mapped.setdefault("people", [])
            mapped["people"] += [n for n in (_name(v) for v in value) if n]  # type: ignore[operator]
        elif key == "keyword":
            mapped["subjects"] = split_list(value, ",;")
        elif key == "issued":
            mapped["date"] = _date(value)
        else:
            extra[key] = value
    for key, items in carried.items():  # after authors and keywords, which come first
        mapped[key] = [*mapped.get(key, []), *items]  # type: ignore[misc]
    return assemble("csl-json", mapped, extra)
