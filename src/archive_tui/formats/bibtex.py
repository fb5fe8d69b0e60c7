"""BibTeX (and biblatex) files, parsed by bibtexparser 2; LaTeX escapes decoded.

The citation key becomes the id. Our own export (``citations._bibtex``) escapes only
LaTeX's special characters and writes every other character as UTF-8; those escapes are
undone exactly. Other LaTeX commands (``{\\"o}``, ``\\'e``) are decoded by pylatexenc one
command at a time, so ``--`` and ``~`` in plain text are never rewritten. The fields
``people``, ``places`` and ``subjects`` our export writes (``carried_fields``) are name
lists, split at `` and `` outside braces before their items are decoded.
"""

from __future__ import annotations

import re

from archive_tui.carried_fields import CARRIED_FIELDS, split_bibtex_list

from . import Entries, Unreadable
from .mapping import assemble, date_from_parts, date_from_text, joined, split_list

_EXACT = {
    r"\&": "&",
    r"\%": "%",
    r"\$": "$",
    r"\#": "#",
    r"\_": "_",
    r"\{": "{",
    r"\}": "}",
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
}
_LATEX = re.compile(
    r"\\text(?:backslash|asciitilde|asciicircum|braceleft|braceright)\{\}"
    r"|\\[&%$#_{}]"
    r"|\{\\[^{}]*\}"
    r"|\\[a-zA-Z]+(?:\{[^{}]*\})?"
    r"|\\[^a-zA-Z\s](?:\{[^{}]*\}|[a-zA-Z])?"
    r"|[{}]"
)
_VERBATIM = frozenset({"url", "doi", "eprint", "file"})  # read as written (no LaTeX)
_NAMES = ("author", "editor")
# fields of ours, by the BibTeX names our export and Zotero write
_DIRECT = {
    "title": "title",
    "abstract": "summary",
    "note": "text",
    "url": "url",
    "type": "document_type",
    "howpublished": "collection",
    "language": "language",
}


def decode_latex(text: str) -> str:
    """Undo LaTeX escapes and protective braces; plain text is returned as it is."""
    if "\\" not in text and "{" not in text and "}" not in text:
        return text
    converter = None

    def one(match: re.Match[str]) -> str:
        nonlocal converter
        token = match.group(0)
        if token in _EXACT:
            return _EXACT[token]
        if token in "{}":
            return ""
        if converter is None:
            from pylatexenc.latex2text import LatexNodes2Text

            converter = LatexNodes2Text()
        return converter.latex_to_text(token)

    return _LATEX.sub(one, text)


def read_bibtex(text: str) -> Entries:
    """Every entry of a BibTeX file, in file order, as raw records."""
    import bibtexparser
    from bibtexparser.model import Entry, ParsingFailedBlock

    library = bibtexparser.parse_string(text)
    entries = Entries()
    for block in library.blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, ParsingFailedBlock):
            reason = str(getattr(block, "error", "") or "").strip().split("\n")[-1].strip()
            reason = reason.split(". Note:")[0]  # advice to programmers, not to the user
            entries.add(line, Unreadable(f"is not valid BibTeX ({reason or 'cannot be read'})"))
        elif isinstance(block, Entry):
            entries.add(line, _record(block))
    return entries


def _record(entry) -> dict[str, object]:
    fields: dict[str, str] = {}
    carried: dict[str, list[str]] = {}
    for field in entry.fields:
        key = field.key.lower()
        value = str(field.value)
        if key in CARRIED_FIELDS:
            carried[key] = [decode_latex(item) for item in split_bibtex_list(value)]
            continue
        fields[key] = " ".join(value.split()) if key in _VERBATIM else decode_latex(value)
    mapped: dict[str, object] = {"id": entry.key}
    extra: dict[str, object] = {}
    for key, value in fields.items():
        if key in _DIRECT:
            mapped[_DIRECT[key]] = value
        elif key in _NAMES:
            mapped.setdefault("people", [])
            mapped["people"] += [n.strip() for n in re.split(r"\s+and\s+", value) if n.strip()]
        elif key == "keywords":
            mapped["subjects"] = split_list(value, ",;")
        elif key in ("date", "year", "month", "day"):
            continue
        else:
            extra[key] = value
    date = date_from_text(fields.get("date")) if fields.get("date") else None
    if date is None and fields.get("year"):
        date = date_from_parts(fields["year"], fields.get("month"), fields.get("day"))
    mapped["date"] = date or fields.get("date") or fields.get("year")
    for key, items in carried.items():  # after authors and keywords, which come first
        mapped[key] = [*mapped.get(key, []), *items]  # type: ignore[misc]
    if entry.entry_type.lower() not in ("misc",):
        extra["entry_type"] = entry.entry_type.lower()
    if isinstance(mapped.get("text"), list):
        mapped["text"] = joined(mapped["text"])
    return assemble("bibtex", mapped, extra)
