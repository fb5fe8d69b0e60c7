"""Citations of archive records in the styles historians use, and in reference-manager formats.

The records are documents without authors (the ``people`` field lists people a
document mentions, not who wrote it), so every style starts with the title and no
author is ever invented.  Two kinds of record are told apart:

* FRUS documents (id ``frus…`` or a collection starting "Foreign Relations of the
  United States") are documents *published in a volume*: they are cited, as the
  Office of the Historian recommends, by the volume and the document number
  (``Document 25``), then the document's URL.
* Everything else (Wilson Center Digital Archive and other archives) is an
  unpublished archival document: title, date, the source note (where the original
  is kept), the collection (the archive or database that holds it), then the URL.

Formatting is written here rather than delegated to citeproc-py: citeproc-py ships
no Chicago/MLA/APA style files (they would have to be vendored) and fails on the
official APA and Chicago styles; the forms below are few and tested string for string.
Parts a record lacks are left out together with their punctuation.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from urllib.parse import quote

from archive_tui.dates import MONTHS, DateError, DocDate, parse_date

STYLES = ("archive", "chicago-note", "chicago-bib", "mla", "apa", "bibtex", "ris", "csl-json")

STYLE_LABELS: dict[str, str] = {
    "archive": "Archive's own form",
    "chicago-note": "Chicago 17th, note",
    "chicago-bib": "Chicago 17th, bibliography",
    "mla": "MLA 9th",
    "apa": "APA 7th",
    "bibtex": "BibTeX",
    "ris": "RIS (Zotero, EndNote)",
    "csl-json": "CSL-JSON",
}

FRUS_SERIES = "Foreign Relations of the United States"
WILSON_CENTER = "Wilson Center Digital Archive"

_MLA_MONTHS = (
    "Jan.", "Feb.", "Mar.", "Apr.", "May", "June",
    "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.",
)  # fmt: skip
_DOC_NUMBER_IN_ID = re.compile(r"-d(\d+[A-Za-z]?)$")
_DOC_NUMBER_IN_URL = re.compile(r"/d(\d+[A-Za-z]?)/?$")
_TERMINAL = ".?!…"
_LEADING_ARTICLE = re.compile(r"^(?:the|an|a)\s+", re.IGNORECASE)


# --------------------------------------------------------------------------- record parts


def _text(record: dict, key: str) -> str:
    """A field as one line of text: runs of whitespace (newlines too) become one space."""
    value = record.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return " ".join(value.split())


def _date(record: dict) -> DocDate | None:
    try:
        return parse_date(record.get("date"))
    except DateError:
        return None


def _date_long(record: dict) -> str:
    """``November 9, 1944`` / ``June 2007`` / ``1944``; an unparseable date is given as stored."""
    parsed = _date(record)
    return parsed.long if parsed else _text(record, "date")


def is_frus(record: dict) -> bool:
    """True for a document of the Foreign Relations of the United States series."""
    return str(record.get("id", "")).startswith("frus") or _text(record, "collection").startswith(
        FRUS_SERIES
    )


def frus_document_number(record: dict) -> str:
    """``25`` for ``frus1964-68v12-d25`` (from the id, else from the URL); "" if none."""
    match = _DOC_NUMBER_IN_ID.search(str(record.get("id", ""))) or _DOC_NUMBER_IN_URL.search(
        _text(record, "url")
    )
    return match.group(1) if match else ""


def _frus_volume(record: dict) -> str:
    """The volume's full title; the bare series title when the record names no volume."""
    return _text(record, "collection") or FRUS_SERIES


def _source(record: dict) -> str:
    """The source note without a trailing period (the style adds its own punctuation)."""
    source = _text(record, "source")
    if source.endswith(".") and not source.endswith(".."):
        source = source[:-1]
    return source


def _collection(record: dict) -> str:
    collection = _text(record, "collection")
    if not collection and "wilsoncenter.org" in _text(record, "url"):
        return WILSON_CENTER
    return collection


# --------------------------------------------------------------------------- punctuation


def _ends_terminal(text: str) -> bool:
    """Whether text ends a sentence (ignoring closing quotes/brackets after the mark)."""
    stripped = text.rstrip("\"'”’)]")
    return bool(stripped) and stripped[-1] in _TERMINAL


def _join(parts: Sequence[str], sep: str = ", ") -> str:
    """Join the non-empty parts; never doubles a period or puts a comma after ? or !."""
    out = ""
    for part in parts:
        if not part:
            continue
        if not out:
            out = part
            continue
        mark = sep.strip()
        tail = out.rstrip("\"'”’)]")
        if (mark == "." and _ends_terminal(out)) or (mark in (",", ";", ":") and tail[-1:] in "?!"):
            out += " " + part
        else:
            out += sep + part
    return out


def _end(text: str, mark: str = ".") -> str:
    """Close a citation with mark unless it already ends a sentence."""
    if not text or _ends_terminal(text):
        return text
    return text + mark


def _quoted(title: str, mark: str = "") -> str:
    """American-style quoted title with the following comma or period inside the quotes.

    Double quotes inside the title become single quotes, as in any nested quotation.
    """
    inner = title.replace('"', "'").replace("“", "‘").replace("”", "’")
    ends_question = inner.rstrip("'’")[-1:] in ("?", "!")
    if mark and not (_ends_terminal(inner) and (mark == "." or ends_question)):
        inner += mark
    return f'"{inner}"'


def _no_scheme(url: str) -> str:
    """MLA 9 leaves out ``http://`` and ``https://``."""
    return re.sub(r"^https?://", "", url)


def _mla_date(parsed: DocDate | None, raw: str) -> str:
    if parsed is None:
        return raw
    if parsed.day is not None:
        return f"{parsed.day} {_MLA_MONTHS[parsed.month - 1]} {parsed.year}"
    if parsed.month is not None:
        return f"{MONTHS[parsed.month - 1]} {parsed.year}"
    return str(parsed.year)


def _apa_date(parsed: DocDate | None, raw: str) -> str:
    if parsed is None:
        return f"({raw})" if raw else "(n.d.)"
    if parsed.day is not None:
        return f"({parsed.year}, {MONTHS[parsed.month - 1]} {parsed.day})"
    if parsed.month is not None:
        return f"({parsed.year}, {MONTHS[parsed.month - 1]})"
    return f"({parsed.year})"


# --------------------------------------------------------------------------- plain-text styles


def _archive(record: dict) -> str:
    title, date, url = _text(record, "title"), _date_long(record), _text(record, "url")
    if is_frus(record):
        # Office of the Historian: document, volume, "Document N", then the URL appended.
        number = frus_document_number(record)
        head = _quoted(title, ",") if title else ""
        body = _join([date, _frus_volume(record), f"Document {number}" if number else ""])
        line = _end(_join([head, body], " "))
    else:
        # Wilson Center house form: "Title", date, archive, source. (comma outside quotes)
        # The comma stays outside the quotes even after "?": "Is It War?", 1962, …
        rest = _join([date, _collection(record), _source(record)])
        head = _quoted(title) if title else ""
        line = _end(f"{head}, {rest}" if head and rest else head or rest)
    return f"{line}\n{url}" if url else line


def _chicago(record: dict, *, note: bool) -> str:
    """Chicago 17th notes-bibliography: a note is one comma-separated sentence, a
    bibliography entry the same elements as period-separated sentences."""
    sep = ", " if note else ". "
    title, date, url = _text(record, "title"), _date_long(record), _text(record, "url")
    head = _quoted(title, sep.strip()) if title else ""
    if is_frus(record):
        number = frus_document_number(record)
        volume = ("in " if note else "In ") + _frus_volume(record)
        container = _join([volume, f"doc. {number}" if number else ""])
        parts = [date, container, url]
    else:
        parts = [date, _source(record), _collection(record), url]
    body = _join(parts, sep)
    if not note and body:
        body = body[0].upper() + body[1:]
    return _end(_join([head, body], " "))


def _mla(record: dict) -> str:
    """MLA 9th: "Title." Date of composition. Container, location."""
    title, url = _text(record, "title"), _no_scheme(_text(record, "url"))
    date = _mla_date(_date(record), _text(record, "date"))
    head = _quoted(title, ".") if title else ""
    if is_frus(record):
        number = frus_document_number(record)
        container = _join([_frus_volume(record), f"doc. {number}" if number else "", url])
        parts = [date, container]
    else:
        parts = [date, _source(record), _join([_collection(record), url])]
    return _end(_join([head, _join(parts, ". ")], " "))


def _apa(record: dict) -> str:
    """APA 7th, no author: the title takes the author's place, then (date)."""
    title, url = _text(record, "title"), _text(record, "url")
    date = _apa_date(_date(record), _text(record, "date"))
    if is_frus(record):
        number = frus_document_number(record)
        volume = "In " + _frus_volume(record)
        if number:
            volume += f" (Document {number})"
        parts = [_end(title), _end(date), _end(volume)]
    else:
        parts = [_end(title), _end(date), _end(_source(record)), _end(_collection(record))]
    text = _join(parts, " ")
    return _join([text, url], " ")  # APA puts no period after a URL


# --------------------------------------------------------------------------- BibTeX

_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
# BibTeX counts braces even after a backslash, so a lone brace needs a brace-free form.
_UNBALANCED_BRACES = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
_BIBTEX_SPECIAL = re.compile("[" + re.escape("".join(_BIBTEX_ESCAPES)) + "]")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:.\-]+")


def _braces_balanced(text: str) -> bool:
    if "{" not in text and "}" not in text:
        return True
    depth = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def bibtex_escape(text: str) -> str:
    """Escape LaTeX's special characters; every other character (é, Г, …) stays as UTF-8.

    Braces become ``\\{`` ``\\}`` when they pair up (what Zotero writes and every
    decoder reads), ``\\textbraceleft{}`` ``\\textbraceright{}`` when they do not.
    """
    table = _BIBTEX_ESCAPES
    if not _braces_balanced(text):
        table = {**_BIBTEX_ESCAPES, **_UNBALANCED_BRACES}
    return _BIBTEX_SPECIAL.sub(lambda m: table[m.group(0)], text)


def bibtex_key(record: dict) -> str:
    """A stable citation key: the id when it is a safe key, else a readable form plus a hash.

    The hash of the exact id keeps two ids that differ only in unsafe characters apart.
    """
    record_id = str(record.get("id", ""))
    ascii_id = unicodedata.normalize("NFKD", record_id).encode("ascii", "ignore").decode()
    safe = _KEY_UNSAFE.sub("-", ascii_id).strip("-")
    if safe and safe == record_id:
        return safe
    digest = hashlib.sha1(record_id.encode("utf-8")).hexdigest()[:8]
    return f"{safe or 'record'}-{digest}"


def _bibtex_url(url: str) -> str:
    """URLs are read verbatim (url package, biblatex): only characters that would break
    the field (braces, backslash, whitespace) are percent-encoded."""
    return re.sub(r"[{}\\\s]", lambda m: quote(m.group(0), safe=""), url)


def _bibtex(record: dict) -> str:
    parsed = _date(record)
    fields: list[tuple[str, str]] = []
    title = _text(record, "title")
    if title:
        # Double braces keep the title's capitals: BibTeX styles lowercase @misc titles.
        fields.append(("title", "{" + bibtex_escape(title) + "}"))
    if _text(record, "document_type"):
        fields.append(("type", bibtex_escape(_text(record, "document_type"))))
    if parsed is not None:
        fields.append(("date", parsed.iso))
        fields.append(("year", str(parsed.year)))
    if is_frus(record):
        number = frus_document_number(record)
        howpublished = _join([_frus_volume(record), f"Document {number}" if number else ""])
    else:
        howpublished = _collection(record)
    if howpublished:
        fields.append(("howpublished", bibtex_escape(howpublished)))
    if _source(record):
        fields.append(("note", bibtex_escape(_text(record, "source"))))
    if _text(record, "url"):
        fields.append(("url", _bibtex_url(_text(record, "url"))))
    if _text(record, "summary"):
        fields.append(("abstract", bibtex_escape(_text(record, "summary"))))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{bibtex_key(record)},\n{body}\n}}\n"


# --------------------------------------------------------------------------- RIS


def _ris(record: dict) -> str:
    """RIS as Zotero and EndNote import it; one tag a line, no author tag."""
    parsed = _date(record)
    frus = is_frus(record)
    lines = [("TY", "GEN" if frus else "MANSCPT")]
    if _text(record, "id"):
        lines.append(("ID", _text(record, "id")))
    if _text(record, "title"):
        lines.append(("TI", _text(record, "title")))
    if parsed is not None:
        month = f"{parsed.month:02d}" if parsed.month else ""
        day = f"{parsed.day:02d}" if parsed.day else ""
        lines.append(("DA", f"{parsed.year:04d}/{month}/{day}/"))
        lines.append(("PY", str(parsed.year)))
    elif _text(record, "date"):
        lines.append(("DA", _text(record, "date")))
    collection = _frus_volume(record) if frus else _collection(record)
    if collection:
        lines.append(("T2", collection))
    number = frus_document_number(record) if frus else ""
    if number:
        lines.append(("N1", f"Document {number}"))
    if _text(record, "document_type"):
        lines.append(("M3", _text(record, "document_type")))
    if _text(record, "source"):
        lines.append(("N1", _text(record, "source")))
    if _text(record, "summary"):
        lines.append(("AB", _text(record, "summary")))
    for subject in record.get("subjects") or ():
        if isinstance(subject, str) and subject.strip():
            lines.append(("KW", " ".join(subject.split())))
    if _text(record, "language"):
        lines.append(("LA", _text(record, "language")))
    if _text(record, "url"):
        lines.append(("UR", _text(record, "url")))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\n" for tag, value in lines)


# --------------------------------------------------------------------------- CSL-JSON


def csl_item(record: dict) -> dict:
    """The record as a CSL-JSON item (what citeproc processors, Zotero and pandoc read).

    FRUS documents are ``document``s in a container (the volume) with the document
    number; other records are ``manuscript``s with ``archive`` (the collection) and
    ``archive_location`` (the source note).  Dates keep their precision in date-parts.
    """
    item: dict = {"id": str(record.get("id", ""))}
    frus = is_frus(record)
    item["type"] = "document" if frus else "manuscript"
    if _text(record, "title"):
        item["title"] = _text(record, "title")
    parsed = _date(record)
    if parsed is not None:
        item["issued"] = {"date-parts": [[p for p in (parsed.year, parsed.month, parsed.day) if p]]}
    elif _text(record, "date"):
        item["issued"] = {"raw": _text(record, "date")}
    if _text(record, "document_type"):
        item["genre"] = _text(record, "document_type")
    if frus:
        item["container-title"] = _frus_volume(record)
        item["collection-title"] = FRUS_SERIES
        number = frus_document_number(record)
        if number:
            item["number"] = number
        if _text(record, "source"):
            item["note"] = _text(record, "source")
    else:
        if _collection(record):
            item["archive"] = _collection(record)
        if _text(record, "source"):
            item["archive_location"] = _text(record, "source")
    if _text(record, "summary"):
        item["abstract"] = _text(record, "summary")
    if _text(record, "language"):
        item["language"] = _text(record, "language")
    if _text(record, "url"):
        item["URL"] = _text(record, "url")
    return item


# --------------------------------------------------------------------------- public API

_FORMATTERS = {
    "archive": _archive,
    "chicago-note": lambda r: _chicago(r, note=True),
    "chicago-bib": lambda r: _chicago(r, note=False),
    "mla": _mla,
    "apa": _apa,
    "bibtex": _bibtex,
    "ris": _ris,
}


def _check_style(style: str) -> None:
    if style not in STYLES:
        raise ValueError(f"unknown citation style {style!r}; choose one of: {', '.join(STYLES)}")


def cite(record: dict, style: str = "archive") -> str:
    """One record in one style, as plain text (no markup: a terminal cannot show italics)."""
    _check_style(style)
    if style == "csl-json":
        return json.dumps(csl_item(record), ensure_ascii=False, indent=2)
    return _FORMATTERS[style](record)


def title_sort_key(record: dict) -> tuple[str, int, str]:
    """Alphabetical by title as bibliographies sort works without an author: a leading
    "The", "A" or "An" and accents are ignored; ties go by date, then id."""
    title = _LEADING_ARTICLE.sub("", _text(record, "title").lstrip("\"'“‘(["))
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", title) if not unicodedata.combining(ch)
    ).casefold()
    parsed = _date(record)
    return (folded, parsed.sort_key if parsed else 0, str(record.get("id", "")))


def bibliography(records: Sequence[dict], style: str) -> str:
    """Several records, ordered as the style wants.

    Chicago bibliography, MLA and APA sort alphabetically by title (there are no
    authors); notes and the archive form keep the given order, notes numbered.
    Reference-list styles list a record once even if it is given twice.
    """
    _check_style(style)
    if style != "chicago-note":
        seen: set[str] = set()
        unique = []
        for record in records:
            key = str(record.get("id", ""))
            if key not in seen:
                seen.add(key)
                unique.append(record)
        records = unique
    if style in ("chicago-bib", "mla", "apa"):
        records = sorted(records, key=title_sort_key)
    if style == "csl-json":
        return json.dumps([csl_item(r) for r in records], ensure_ascii=False, indent=2)
    if style in ("bibtex", "ris"):
        return "\n".join(_FORMATTERS[style](r) for r in records)
    if style == "chicago-note":
        return "\n\n".join(f"{n}. {cite(r, style)}" for n, r in enumerate(records, start=1))
    return "\n\n".join(cite(r, style) for r in records)
