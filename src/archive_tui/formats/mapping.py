"""How the fields of bibliographic formats become record fields (documented in README).

authors -> ``people``; keywords -> ``subjects``; abstract -> ``summary``; note ->
``text``; URL -> ``url``; the date at its precision (a year stays a year); DOI and every
other field the reader does not map are kept under their own (lower-case) names, as the
record schema keeps unknown keys. A field whose name is one of ours but means something
else is kept with the format's prefix (``ris_type``). An entry without an id gets a stable
one from its content, so importing the same file again updates instead of duplicating.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

import orjson

from archive_tui.dates import DateError, parse_date
from archive_tui.records import KNOWN_FIELDS

_YEAR = re.compile(r"^\s*(\d{4})\s*$")
_SLASHED = re.compile(r"^\s*(\d{4})(?:[/-](\d{1,2})?(?:[/-](\d{1,2})?)?)?[/-]*(?:[T\s].*)?$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}  # fmt: skip


def date_from_parts(year: object, month: object = None, day: object = None) -> str | None:
    """``1962``, ``1962-10`` or ``1962-10-16`` from parts; None without a usable year."""
    try:
        y = int(str(year).strip())
    except (TypeError, ValueError):
        return None
    if month in (None, ""):
        return f"{y:04d}"
    m = month_number(month)
    if m is None:
        return None  # a month given but unreadable: not silently a whole year
    try:
        d = int(str(day).strip()) if day not in (None, "") else None
    except ValueError:
        d = None
    return f"{y:04d}-{m:02d}" if d is None else f"{y:04d}-{m:02d}-{d:02d}"


def month_number(month: object) -> int | None:
    """1-12 from ``10``, ``"10"``, ``"oct"``, ``"October"``; None otherwise."""
    if month in (None, ""):
        return None
    text = str(month).strip().rstrip(".").lower()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(text)


def date_from_text(text: object) -> str | None:
    """A date we store, from the forms files use (``1962/10/16/``, ``1962-10``, ``Oct 1962``).

    Kept as given when ``dates.parse_date`` reads it; None when no date can be read.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    try:
        parse_date(value)
        return value
    except DateError:
        pass
    match = _SLASHED.match(value)
    if match:
        return date_from_parts(*match.groups())
    return None


def split_list(value: object, separators: str = ";") -> list[str]:
    """A list field from a list, or from one string split at ``separators``."""
    if value is None:
        return []
    items: Iterable[object] = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        text = str(item)
        parts = re.split("[" + re.escape(separators) + "]", text) if separators else [text]
        out.extend(p.strip() for p in parts if p.strip())
    return out


def joined(value: object, separator: str = "\n") -> str:
    """A text field from one string or several (RIS repeats N1)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return separator.join(str(v) for v in value if str(v).strip())
    return str(value)


def assemble(
    fmt: str, mapped: Mapping[str, object], extra: Mapping[str, object]
) -> dict[str, object]:
    """A raw record from mapped fields (blank ones left out) and the unmapped ones kept.

    ``mapped`` uses our field names; ``extra`` the format's own. Without an ``id``, one
    is made from the content: ``fmt-`` and a hash.
    """
    record: dict[str, object] = {}
    for key, value in mapped.items():
        if value is None or value == "" or value == []:
            continue
        record[key] = value
    for key, value in extra.items():
        if value is None or value == "" or value == []:
            continue
        name = str(key).strip().lower()
        if name in KNOWN_FIELDS or name in record:
            name = f"{fmt.replace('-', '_')}_{name}"
        record[name] = value
    if not record.get("id"):
        digest = hashlib.sha1(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()
        record = {"id": f"{fmt.replace('-', '')}-{digest[:12]}", **record}
    else:
        record = {"id": record.pop("id"), **record}
    return record
