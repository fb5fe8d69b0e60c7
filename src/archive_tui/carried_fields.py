"""People, places and subjects carried through BibTeX, RIS and CSL-JSON exports.

A record's ``people`` are the people a document mentions, not its authors, so the
citation formats (``citations.py``) write no author. An export still has to bring
them back on import, so each format carries them, with ``places`` and ``subjects``,
where it allows extra data that citation styles and reference managers ignore:

* BibTeX: the non-standard fields ``people``, ``places``, ``subjects``, items joined
  by `` and `` as in a name list, escaped as every other value; an item holding the
  word "and" is braced (``{Arms Control and Disarmament}``) so it is never split.
* RIS: one item a line under a custom tag, ``C8`` (people) and ``C5`` (places), which
  neither Zotero nor EndNote use for the types we write; subjects are ``KW`` lines
  already (keywords are read back as subjects).
* CSL-JSON: the ``custom`` object of CSL-JSON schema 1.0.2, ``{"people": [...],
  "places": [...], "subjects": [...]}``, exact strings.

The readers in ``formats/`` map them back to the same fields; the human citation
styles never show them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from archive_tui.citations import bibtex_escape, cite, csl_item

CARRIED_FIELDS = ("people", "places", "subjects")
RIS_TAGS = {"people": "C8", "places": "C5"}
"""RIS custom tag of each carried field; subjects travel as KW (keywords)."""
CSL_CUSTOM = "custom"

_AND = re.compile(r"(?<!\S)and(?!\S)", re.IGNORECASE)
_AND_SEPARATOR = re.compile(r"\s+and\s+", re.IGNORECASE)


def carried_values(record: dict, field: str) -> list[str]:
    """The non-blank string items of a list field (a single string is a one-item list)."""
    value = record.get(field)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return []
    return [item for item in value if isinstance(item, str) and item.strip()]


def _one_line(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- writers


def bibtex_list(items: list[str]) -> str:
    """A BibTeX name-list value: items escaped, joined by `` and ``, braced when needed."""
    out = []
    for item in items:
        escaped = bibtex_escape(_one_line(item))
        out.append("{" + escaped + "}" if _AND.search(escaped) else escaped)
    return " and ".join(out)


def export_entry(record: dict, fmt: str, tags: Sequence[str] = (), note: str | None = None) -> str:
    """The record as ``cite(record, fmt)`` for ``bibtex`` / ``ris``, with the carried fields,
    and your ``tags`` and ``note`` when given (see :func:`annotate_entry`)."""
    entry = _carried_entry(record, fmt)
    return annotate_entry(entry, fmt, tags, note) if tags or note else entry


def _carried_entry(record: dict, fmt: str) -> str:
    entry = cite(record, fmt)
    if fmt == "bibtex":
        lines = [
            f"  {field} = {{{bibtex_list(values)}}}"
            for field in CARRIED_FIELDS
            if (values := carried_values(record, field))
        ]
        if not lines:
            return entry
        head, close, tail = entry.rpartition("\n}")
        return head + ",\n" + ",\n".join(lines) + close + tail
    if fmt == "ris":
        lines = [
            f"{tag}  - {_one_line(value)}\n"
            for field, tag in RIS_TAGS.items()
            for value in carried_values(record, field)
        ]
        head, end, tail = entry.rpartition("ER  - ")
        return head + "".join(lines) + end + tail
    raise ValueError(f"no carried fields for {fmt!r}")


def export_csl_item(record: dict, tags: Sequence[str] = (), note: str | None = None) -> dict:
    """``csl_item(record)`` with people, places and subjects in its ``custom`` object, and
    your tags as ``keyword`` (comma-separated, CSL's form) and note in ``note``."""
    item = csl_item(record)
    custom = {field: carried_values(record, field) for field in CARRIED_FIELDS}
    custom = {field: values for field, values in custom.items() if values}
    if custom:
        item[CSL_CUSTOM] = custom
    if tags:
        item["keyword"] = ", ".join(_one_line(tag) for tag in tags)
    if note and note.strip():
        item["note"] = f"{item['note']}\n\n{note}" if item.get("note") else note
    return item


_BIBTEX_NOTE = re.compile(r"^  note = \{(.*)\}(,?)$", re.MULTILINE)


def annotate_entry(entry: str, fmt: str, tags: Sequence[str], note: str | None) -> str:
    """A BibTeX / RIS entry with your tags (BibTeX ``keywords``, RIS ``KW``) and note
    (BibTeX ``note``, after the source note when there is one; RIS ``N1``, a line each)."""
    note = note if note and note.strip() else None
    if fmt == "bibtex":
        escaped = bibtex_escape(note.strip()) if note else None
        match = _BIBTEX_NOTE.search(entry) if escaped else None
        if match:  # one note field: the source, then yours
            joined = f"  note = {{{match.group(1)}\n\n{escaped}}}{match.group(2)}"
            entry = entry[: match.start()] + joined + entry[match.end() :]
            escaped = None
        lines = []
        if tags:
            lines.append(f"  keywords = {{{', '.join(bibtex_escape(_one_line(t)) for t in tags)}}}")
        if escaped:
            lines.append(f"  note = {{{escaped}}}")
        if not lines:
            return entry
        head, close, tail = entry.rpartition("\n}")
        return head + ",\n" + ",\n".join(lines) + close + tail
    if fmt == "ris":
        lines = [f"KW  - {_one_line(tag)}\n" for tag in tags]
        if note:
            lines += [f"N1  - {line.strip()}\n" for line in note.splitlines() if line.strip()]
        head, end, tail = entry.rpartition("ER  - ")
        return head + "".join(lines) + end + tail
    raise ValueError(f"no annotations for {fmt!r}")


# --------------------------------------------------------------------------- readers


def split_bibtex_list(raw: str) -> list[str]:
    """The items of a BibTeX name list, still in LaTeX: split at `` and `` outside braces.

    Braces count even after a backslash (BibTeX's rule; our escapes keep them paired).
    """
    items: list[str] = []
    depth = 0
    start = 0
    at = 0
    while at < len(raw):
        ch = raw[at]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and ch.isspace():
            match = _AND_SEPARATOR.match(raw, at)
            if match:
                items.append(raw[start:at])
                start = at = match.end()
                continue
        at += 1
    items.append(raw[start:])
    return [item.strip() for item in items if item.strip()]


def custom_lists(custom: object) -> tuple[dict[str, list[str]], object]:
    """The carried lists in a CSL ``custom`` object, and what is left of it (None if nothing)."""
    if not isinstance(custom, dict):
        return {}, custom
    found: dict[str, list[str]] = {}
    rest = dict(custom)
    for field in CARRIED_FIELDS:
        value = rest.get(field)
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            found[field] = [v for v in value if v.strip()]
            del rest[field]
    return found, rest or None
