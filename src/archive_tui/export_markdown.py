"""A Markdown export of documents with your tags and notes, for Obsidian, Zettlr or a draft.

One section per document: a heading with its title, then its citation (the default
style), its date, its id, its tags, and your note as written. A title or a tag cannot
break the layout (each is one line); a note is your own Markdown and is kept as is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from archive_tui.citations import STYLES, cite
from archive_tui.sanitize import one_line

Annotations = Callable[[str], tuple[Sequence[str], str | None]]
"""A record id -> (its tags, its note or None); ``Workspace.annotations_of`` is one."""

TEXT_STYLES = tuple(s for s in STYLES if s not in ("bibtex", "ris", "csl-json"))


def markdown_heading(title: str) -> str:
    """An export's first lines: ``# title`` and a blank line."""
    return f"# {one_line(title)}\n\n"


def markdown_entry(
    record: dict, annotations: Annotations | None = None, style: str = "archive"
) -> str:
    """One document's section; ``style`` must be a text style (a data format falls back)."""
    if style not in TEXT_STYLES:
        style = "archive"
    tags, note = annotations(str(record.get("id", ""))) if annotations else ((), None)
    title = " ".join(one_line(str(record.get("title") or record.get("id") or "")).split())
    lines = [f"## {title}", ""]
    citation = " ".join(one_line(cite(record, style)).split())
    lines.append(f"- **Citation:** {citation}")
    if record.get("date"):
        lines.append(f"- **Date:** {one_line(str(record['date']))}")
    lines.append(f"- **ID:** `{one_line(str(record.get('id', ''))).replace('`', '')}`")
    if tags:
        lines.append("- **Tags:** " + ", ".join(one_line(t) for t in tags))
    lines.append("")
    if note and note.strip():
        lines += [note.rstrip("\n"), ""]
    return "\n".join(lines) + "\n"
