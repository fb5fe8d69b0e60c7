"""RIS files (Zotero, EndNote, Mendeley), each entry parsed by rispy.

rispy skips what it cannot read without a word, and gives no line numbers, so the file
is cut into entries here (``TY`` to ``ER``), each handed to rispy: a line outside an entry
and an entry without ``ER`` are reported with their line instead of vanishing. The custom tags
our export writes (``carried_fields.RIS_TAGS``: ``C8`` people, ``C5`` places, one a line)
are read back into those fields.
"""

from __future__ import annotations

import re

from archive_tui.carried_fields import RIS_TAGS

from . import Entries, Unreadable
from .mapping import assemble, date_from_text, joined

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -( |$)")
# rispy's names of the fields of ours (see rispy.TAG_KEY_MAPPING)
_DIRECT = {
    "id": "id",
    "title": "title",
    "primary_title": "title",
    "abstract": "summary",
    "url": "url",
    "language": "language",
    "secondary_title": "collection",
    "type_of_work": "document_type",
}
_NAMES = ("authors", "first_authors", "secondary_authors", "tertiary_authors")
# rispy's names of the custom tags (C8 -> custom8) that carry our list fields
_CARRIED = {f"custom{tag[1:]}": field for field, tag in RIS_TAGS.items()}


def read_ris(text: str) -> Entries:
    """Every entry of an RIS file, in file order, as raw records."""
    import rispy
    from rispy.config import LIST_TYPE_TAGS

    list_tags = [*LIST_TYPE_TAGS, *RIS_TAGS.values()]  # repeated, not only the first kept

    entries = Entries()
    start: int | None = None
    chunk: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.lstrip("\ufeff")
        tag = _TAG.match(line)
        if start is None:
            if not line.strip():
                continue
            if tag and tag.group(1) == "TY":
                start, chunk = number, [line]
            else:
                entries.add(number, Unreadable(f"is not an RIS tag line: {line[:40]!r}"))
            continue
        chunk.append(line)
        if tag and tag.group(1) == "ER":
            try:
                parsed = rispy.loads("\n".join(chunk) + "\n", list_tags=list_tags)
            except Exception as error:  # rispy raises plain IOError/ValueError on bad tags
                entries.add(start, Unreadable(f"is not valid RIS ({error})"))
            else:
                if parsed:
                    entries.add(start, _record(parsed[0]))
                else:
                    entries.add(start, Unreadable("is an RIS entry rispy cannot read"))
            start, chunk = None, []
    if start is not None:
        entries.add(start, Unreadable("is an RIS entry without its closing ER line"))
    return entries


def _record(fields: dict[str, object]) -> dict[str, object]:
    mapped: dict[str, object] = {}
    extra: dict[str, object] = {}
    for key, value in fields.items():
        if key in _DIRECT and _DIRECT[key] not in mapped:
            mapped[_DIRECT[key]] = joined(value, " ")
        elif key in _NAMES:
            mapped.setdefault("people", [])
            mapped["people"] += [str(n).strip() for n in value if str(n).strip()]  # type: ignore[union-attr]
        elif key == "keywords":
            mapped["subjects"] = [str(k).strip() for k in value if str(k).strip()]  # type: ignore[union-attr]
        elif key in _CARRIED:
            items = [str(v).strip() for v in value if str(v).strip()]  # type: ignore[union-attr]
            mapped[_CARRIED[key]] = [*mapped.get(_CARRIED[key], []), *items]  # type: ignore[misc]
        elif key == "notes":
            mapped["text"] = joined(value)
        elif key == "urls":
            urls = [str(u) for u in value]  # type: ignore[union-attr]
            mapped.setdefault("url", urls[0] if urls else "")
            if len(urls) > 1:
                extra["urls"] = urls
        elif key in ("date", "year"):
            continue
        else:
            extra[key] = value
    date = date_from_text(fields.get("date")) or date_from_text(fields.get("year"))
    mapped["date"] = date or fields.get("date") or fields.get("year")
    return assemble("ris", mapped, extra)
