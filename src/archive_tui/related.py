"""Why two records are related: the short reasons shown beside a related document.

``Archive.related`` finds records sharing subjects and people, nearest in date first. Many
such records have the same title ("Telegram From the Delegation to the Foreign Ministers
Meeting to the Department of State"), so the list names what ties each one to the open
document: the day it is dated relative to it, the people, places and subjects both name,
and a shared volume or collection.

Pure functions on record dicts: no Textual, no index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from archive_tui.dates import DateError, parse_date
from archive_tui.text import fold

#: Names shown per field before "+N".
MAX_NAMES = 2
#: Dates further apart than this are not called "nearby".
NEARBY_DAYS = 92


def _values(record: dict, key: str) -> list[str]:
    value = record.get(key)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return []
    return [str(item) for item in value if str(item).strip()]


def shared_values(a: dict, b: dict, key: str) -> list[str]:
    """Values of list field ``key`` both records have (folded: accents and case ignored).

    In ``a``'s order and spelling.
    """
    theirs = {fold(value) for value in _values(b, key)}
    seen: set[str] = set()
    shared = []
    for value in _values(a, key):
        folded = fold(value)
        if folded in theirs and folded not in seen:
            seen.add(folded)
            shared.append(value)
    return shared


def short_person(name: str) -> str:
    """ "Gromyko, Andrei Andreivich" -> "Gromyko"; a name without a comma is kept whole."""
    head = name.split(",", 1)[0].strip()
    return head or name.strip()


def _names(values: Iterable[str], limit: int = MAX_NAMES) -> str:
    values = list(values)
    shown = ", ".join(values[:limit])
    if len(values) > limit:
        shown += f" +{len(values) - limit}"
    return shown


def date_relation(a: dict, b: dict) -> str | None:
    """How ``b``'s date stands to ``a``'s: "same day", "3 days later", "same month"...

    None when either date cannot be read or they are more than ``NEARBY_DAYS`` apart.
    Dates of different precision (a month, a day) are compared by their middles, and a
    month or year is never called a "day".
    """
    try:
        da, db = parse_date(a.get("date")), parse_date(b.get("date"))
    except (DateError, TypeError, ValueError):
        return None
    mid_a = (da.start + da.end) / 2
    mid_b = (db.start + db.end) / 2
    days = round(mid_b - mid_a)
    if abs(days) > NEARBY_DAYS:
        return None
    if da.precision == db.precision == "day":
        if days == 0:
            return "same day"
        unit = "day" if abs(days) == 1 else "days"
        return f"{abs(days)} {unit} {'later' if days > 0 else 'earlier'}"
    if (da.year, da.month) == (db.year, db.month) and da.month is not None:
        return "same month"
    return "within 3 months"


def collection_relation(a: dict, b: dict) -> str | None:
    """ "same volume" (a FRUS volume or any collection naming a volume), "same collection"."""
    ca, cb = str(a.get("collection") or "").strip(), str(b.get("collection") or "").strip()
    if not ca or fold(ca) != fold(cb):
        return None
    return "same volume" if "volume" in fold(ca) else "same collection"


def why_related(a: dict, b: dict) -> list[str]:
    """Short reasons ``b`` is related to ``a``, most telling first; empty when none.

    E.g. ``["2 days later", "people: Gromyko, Herter +3", "place: Geneva", "same volume",
    "subject: Conference of the Foreign Ministers…"]``.
    """
    reasons = [
        date_relation(a, b),
        _shared_reason(a, b, "people", "person", "people", show=short_person),
        _shared_reason(a, b, "places", "place", "places"),
        collection_relation(a, b),
        _shared_reason(a, b, "subjects", "subject", "subjects", limit=1),
    ]
    return [reason for reason in reasons if reason]


def _shared_reason(
    a: dict,
    b: dict,
    key: str,
    one: str,
    many: str,
    *,
    limit: int = MAX_NAMES,
    show: Callable[[str], str] | None = None,
) -> str | None:
    """ "place: Geneva", "people: Gromyko, Herter +3": the ``key`` values both records name."""
    shared = shared_values(a, b, key)
    if not shared:
        return None
    label = one if len(shared) == 1 else many
    return f"{label}: {_names(map(show, shared) if show else shared, limit)}"


__all__ = [
    "collection_relation",
    "date_relation",
    "shared_values",
    "short_person",
    "why_related",
]
