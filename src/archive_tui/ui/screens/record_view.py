"""How a record's fields are shown in the document view: safe text, highlights, labels.

Pure builders of Textual ``Content`` (no widgets): record text passes through
``sanitize.visible`` and is never parsed as markup; the query's terms are highlighted;
a label is never repeated in its value; a shortened text links to the full document;
a related record says what ties it to the open one.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content

from archive_tui.sanitize import one_line, visible

from ..links import link

#: Highlight of query terms: bold + underline survive NO_COLOR and the ANSI themes.
HIGHLIGHT_STYLE = "bold underline $text on $accent-muted"

#: (record key, label) in display order. `title`, `date`, `summary`, `text` are shown apart.
METADATA_FIELDS: tuple[tuple[str, str], ...] = (
    ("collection", "Collection"),
    ("document_type", "Type"),
    ("language", "Language"),
    ("people", "People"),
    ("places", "Places"),
    ("subjects", "Subjects"),
    ("source", "Source"),
    ("classification", "Classification"),
    ("url", "URL"),
    ("id", "ID"),
)
_SHOWN_APART = frozenset({"title", "date", "summary", "text"})
#: How a shortened text ends in the shipped archive (5,151 of 12,415 FRUS texts).
SHORTENED_MARK = "…"


def is_shortened(text: str) -> bool:
    """True when the record's text was cut short where it was collected (it ends with "…")."""
    return text.rstrip().endswith(SHORTENED_MARK)


def _as_text(value: object) -> str:
    """One metadata value as a display string (lists joined with '; ')."""
    if isinstance(value, (list, tuple)):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _present(value: object) -> bool:
    if isinstance(value, (list, tuple, dict)):
        return bool(value)
    return value is not None and str(value).strip() != ""


def display_date(raw: object) -> str:
    """The record's date at its own precision ("June, 2007"), or the raw value if unparsable."""
    from archive_tui.dates import DateError, parse_date

    try:
        return parse_date(raw).display
    except (DateError, TypeError, ValueError):
        return str(raw)


def highlighted(
    text: str, parsed: Any, *, field: str | None = None, single_line: bool = False
) -> Content:
    """``text`` made safe for the terminal, with the query's terms highlighted.

    ``field`` names the record field shown, so that a term scoped to another field
    (``title:treaty``) is not highlighted here.

    Spans are computed on the sanitised text; ``visible`` maps one character to one, so
    they line up with what is drawn.
    """
    safe = one_line(text) if single_line else visible(text)
    content = Content(safe)
    if parsed is None or getattr(parsed, "is_empty", False):
        return content
    try:
        from archive_tui.search import highlight_spans

        spans = highlight_spans(safe, parsed, field)
    except Exception:
        # Highlighting is a help, never a reason to fail to show a document.
        return content
    for start, end in spans:
        content = content.stylize(HIGHLIGHT_STYLE, start, end)
    return content


def shortened_notice(url: str | None) -> Content:
    """The line that says a text was cut short, and where the whole document is."""
    if url is None:
        return Content("Text shortened in this archive — the full document is at its source.")
    return Content.assemble(
        "Text shortened — full document at ",
        link(url),
        "  (o opens it, u copies it)",
    )


def related_prompt(record: dict, item: dict) -> Content:
    """A related record in two lines: its date and title, then what ties it to ``record``."""
    from archive_tui.related import why_related

    reasons = why_related(record, item)
    return Content.assemble(
        Content.styled(one_line(display_date(item.get("date"))), "bold"),
        "  ",
        Content(one_line(str(item.get("title", "")))),
        "\n",
        Content.styled(one_line(" · ".join(reasons) or "nearest in date"), "$text-muted"),
    )


def without_label(label: str, value: str) -> str:
    """``value`` without a leading copy of its own label ("Source: Department…" under
    "Source" -> "Department…"); the record itself is not changed."""
    head, colon, rest = value.partition(":")
    if (
        colon
        and rest.strip()
        and head.strip().casefold() in (label.casefold(), f"{label}s".casefold())
    ):
        return rest.lstrip()
    return value


def metadata_rows(record: dict) -> list[tuple[str, str]]:
    """(label, value) for every metadata field present, known fields first, then unknown keys."""
    rows = [
        (label, without_label(label, _as_text(record[key])))
        for key, label in METADATA_FIELDS
        if _present(record.get(key))
    ]
    known = {key for key, _ in METADATA_FIELDS} | _SHOWN_APART
    for key, value in record.items():
        if key in known or key.startswith("_") or not _present(value):
            continue
        if isinstance(value, dict):
            continue
        rows.append((key.replace("_", " ").capitalize(), _as_text(value)))
    return rows


def annotations_view(tags: tuple[str, ...] | list[str], note: str | None) -> Content | None:
    """Your tags and note on a record, for the document view (None: it has neither)."""
    if not tags and not (note and note.strip()):
        return None
    parts: list[Content | str] = []
    if tags:
        parts += [Content.styled("Tags  ", "bold $text-secondary")]
        parts += [Content(", ".join(one_line(t) for t in tags))]
    if note and note.strip():
        if tags:
            parts.append("\n")
        parts += [Content.styled("Note  ", "bold $text-secondary"), Content(visible(note.strip()))]
    return Content.assemble(*parts)
