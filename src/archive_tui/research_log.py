"""The research log as a methods appendix: what was searched, when, with how many results,
and the citations of the documents consulted and kept.

``archive-tui log --markdown`` writes it; the events are ``Workspace.log()`` entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from archive_tui.citations import cite
from archive_tui.export_markdown import TEXT_STYLES
from archive_tui.sanitize import one_line


def describe_filters(filters: Mapping[str, Any] | None) -> str:
    """``collection=FRUS; year=1961`` (empty for none)."""
    parts = []
    for key, value in (filters or {}).items():
        values = value if isinstance(value, list | tuple) else [value]
        parts += [f"{key}={v}" for v in values if v not in (None, "")]
    return "; ".join(parts)


def when(event: Mapping[str, Any]) -> str:
    """``2026-11-30 07:02 UTC`` from the event's ISO time."""
    at = str(event.get("at", ""))
    return f"{at[:10]} {at[11:16]} UTC" if len(at) >= 16 else at


def log_markdown(
    events: Iterable[Mapping[str, Any]],
    get_record: Callable[[str], dict | None],
    kept_ids: Iterable[str] = (),
    style: str = "archive",
) -> str:
    """The appendix as Markdown; a record no longer in the archive is named by its id."""
    if style not in TEXT_STYLES:
        style = "archive"
    events = list(events)
    out = ["# Research log", ""]
    searches = [e for e in events if e.get("event") == "search"]
    out += ["## Searches", ""]
    if not searches:
        out.append("No searches were logged.")
    for event in searches:
        query = one_line(str(event.get("query") or "")).replace("`", "'") or "(every record)"
        filters = describe_filters(event.get("filters"))
        where = f", filters {one_line(filters)}" if filters else ""
        count = event.get("count")
        results = f": {count:,} result{'' if count == 1 else 's'}" if isinstance(count, int) else ""
        out.append(f"- {when(event)}: `{query}`{where}{results}")
    opened = list(dict.fromkeys(str(e.get("id")) for e in events if e.get("event") == "open"))
    for title, ids in (("Documents consulted", opened), ("Documents kept", list(kept_ids))):
        out += ["", f"## {title}", ""]
        if not ids:
            out.append("None.")
        for record_id in ids:
            record = get_record(record_id)
            if record is None:
                out.append(f"- `{one_line(record_id)}` (no longer in the archive)")
            else:
                out.append("- " + " ".join(one_line(cite(record, style)).split()))
    return "\n".join(out) + "\n"
