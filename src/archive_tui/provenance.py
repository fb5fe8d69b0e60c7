"""Provenance and classification, read from a FRUS record's source note and text.

A FRUS source note says where a document is kept and how it was classified::

    Source: National Archives, RG 59, Central Files 1967–69, POL 33–6 KOR N–US. Secret;
    Immediate; Nodis. Drafted by ...

:func:`parse_provenance` reads it into a :class:`Provenance`: the classification (one of
:data:`CLASSIFICATIONS`), the handling caveats (``Immediate``, ``Nodis``, ...), the
repository (``National Archives``, ``Johnson Library``, ``Department of State``, ...), the
record group where stated (``RG 59``) and the file (the rest of the location).

The 1948–1951 volumes print no "Source:" note: the ``source`` field is a file number
(``501.BC Indonesia/2–2749: Telegram``) or a lot file (``IO Files: US/S/377``). FRUS cites
the Department of State's central decimal files and lot files that way, so the
repository is ``Department of State``. Their classification is printed after the
dateline, in small capitals that the text keeps in lower case (``Batavia, February 27,
1949—7 p. m. secret us urgent niact 207.``); it is read from there. Nothing is guessed: a
field the record does not state is None (or an empty tuple). A published source
(``Department of State Bulletin``, ``Public Papers``) is no repository.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

# fmt: off
CLASSIFICATIONS = (
    "Top Secret", "Secret", "Confidential", "Restricted", "Limited Official Use",
    "Official Use Only", "Unclassified", "No classification marking",
)
# fmt: on
_CLASS_BY_FOLD = {c.lower(): c for c in CLASSIFICATIONS}
_CLASS_ALT = "|".join(sorted((re.escape(c) for c in CLASSIFICATIONS), key=len, reverse=True))
# The classification sentence: at a sentence start, optionally "Personal and", then the
# marking, then handling caveats after ";" (or "—", "/") up to the sentence's end.
_CLASS_STRICT = re.compile(
    rf"(?:^|(?<=\.\s))(?:Personal and )?(?P<c>{_CLASS_ALT})(?P<h>(?:\s*[;—–/][^.]*)?)(?:\.|$)",
    re.IGNORECASE,
)
# Typos in the notes: the marking after a comma or a space, not a full stop.
_CLASS_LOOSE = re.compile(
    rf"(?<![\w-])(?:Personal and )?(?P<c>{_CLASS_ALT})(?P<h>(?:\s*[;—–/][^.]*)?)\.(?:\s|$)",
    re.IGNORECASE,
)
# Handling words the notes print alone (no classification in the note).
HANDLING_ONLY = (
    "Eyes Only", "Exclusively Eyes Only", "Nodis", "Exdis", "Limdis", "Priority", "Immediate",
    "Niact", "Personal and Private", "Personal", "Official-Informal", "Official–Informal",
)  # fmt: skip
_HANDLING_ONLY = re.compile(
    rf"(?:^|(?<=\.\s))(?P<h>(?:{'|'.join(map(re.escape, HANDLING_ONLY))})"
    rf"(?:\s*;\s*[^.]*)?)\.(?:\s|$)"
)
_SOURCE_PREFIX = re.compile(r"(?i)\bsource\s*[:;]\s*")
_RECORD_GROUP = re.compile(r"\bRG\s?(\d+)\b")
# The 1948-51 file numbers: "890F.6363/9–1548", "501.BC Indonesia/2–2749", "320.2–AC/4–2051".
_DECIMAL_FILE = re.compile(r"^\d{3}[A-Za-z]?(?:\.[\w()–-]+|\s[A-Z]{2}\b)")  # "501 BC": a typo
# The Department's lot files: "Lot 54 D 423", "IO Files: US/S/377", "Policy Planning Staff Files".
_LOT_FILE = re.compile(r"(?i)\blot\s?\d+\s?D\s?\d+\b|^[A-Z][\w/() –-]{1,40} Files\b")
# The text's marking after the dateline: "..., 1949—7 p. m. secret us urgent niact 207."
_EARLY_CLASS = r"top secret|secret|confidential|restricted|unclassified"
_EARLY_HANDLING = (
    r"us urgent|urgent|niact|most immediate|operational immediate|immediate|priority"
    r"|eyes only|nodis|exdis|limdis|personal|official business-informal|topad"
)
_TEXT_MARKING = re.compile(
    r"\b1[89]\d\d\b"  # the dateline's year, then its time if any
    r"(?:,?\s*[—–-]?\s*\d{1,2}(?::\d\d)?\s*[ap]\.\s?m\.|,?\s*[—–-]\s*(?:noon|midnight)|,\s*\d{4}Z)?"
    r"(?:\s*\.?\s*\[[^\]\n]{0,60}\])?"  # "[Received February 21—1:20 p. m.]", "[Extract]"
    rf"\s*[.\]]*\s+(?=(?:{_EARLY_CLASS}|{_EARLY_HANDLING})\b)"  # "1949.] confidential"
    rf"(?P<c>{_EARLY_CLASS})?(?P<h>(?:\s*\b(?:{_EARLY_HANDLING})\b)*)",
    re.IGNORECASE,
)
_ABBREVIATION = re.compile(r"(?i)\b(?:vol|no|nos|p|pp|jr|sr|mr|mrs|dr|st|ibid|ca|cf)$")
_PUBLISHED = (  # published sources, not repositories
    "department of state bulletin", "public papers", "american foreign policy",
    "the presidential campaign", "department of state press release", "documents on",
)  # fmt: skip
_REPOSITORY_FIXES = (  # typos in the notes -> the name
    (re.compile(r"(?i)^dep\w*t (?:of|or|fo) s\w{2,5}$"), "Department of State"),  # typos
    (re.compile(r"(?i)^national archives(?: and records administration)?$"), "National Archives"),
    (re.compile(r"(?i)^central intell\w* agency(?: files)?$"), "Central Intelligence Agency"),
    (re.compile(r"(?i)^washington national records center$"), "Washington National Records Center"),
    (re.compile(r"(?i)^(\w+) library$"), None),  # "Eisenhower library" -> "Eisenhower Library"
)


_REPOSITORY_STARTS = (  # a note that lost its "Source:" starts so
    "department of state", "national archives", "central intelligence agency",
    "washington national records center",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a record's source note (or, for 1948–51, its text) says about the document."""

    classification: str | None = None  # one of CLASSIFICATIONS
    handling: tuple[str, ...] = ()  # "Immediate", "Nodis", ... as printed (whitespace tidied)
    repository: str | None = None  # "National Archives", "Johnson Library", ...
    record_group: str | None = None  # "RG 59"
    file: str | None = None  # the rest of the location: "Central Files 1967–69, POL 33–6 KOR N–US"


def parse_provenance(record: dict[str, Any]) -> Provenance:
    """Read a record's ``source`` (and its ``text``, for the early volumes); never raises."""
    source = record.get("source")
    source = " ".join(source.split()) if isinstance(source, str) else ""
    text = record.get("text")
    text = text if isinstance(text, str) else ""
    prefix = _SOURCE_PREFIX.search(source)
    if prefix is not None:
        note = source[prefix.end() :]
        while (again := _SOURCE_PREFIX.match(note)) is not None:  # "Source: Source: ..."
            note = note[again.end() :]
        found = _from_note(note)
    elif source[:40].lower().startswith(_REPOSITORY_STARTS) and "." in source:
        found = _from_note(source)  # a note that lost its "Source:"
    else:
        return _from_early(source, text)
    if found.classification is None and not found.handling:  # printed under the dateline?
        classification, handling = _text_marking(text)
        found = replace(found, classification=classification, handling=handling)
    return found


def _from_note(note: str) -> Provenance:
    """A "Source:" note: location, then the classification sentence, then other remarks."""
    m = _CLASS_STRICT.search(note) or _CLASS_LOOSE.search(note)
    if m is not None:
        classification = _CLASS_BY_FOLD[m["c"].lower()]
        handling = _handling(m["h"])
        location = note[: m.start()]
    else:
        classification = None
        h = _HANDLING_ONLY.search(note)
        handling = _handling(";" + h["h"]) if h else ()
        location = note[: h.start()] if h else _first_sentence(note)
    repository, record_group, file = _location(location)
    return Provenance(classification, handling, repository, record_group, file)


def _handling(text: str) -> tuple[str, ...]:
    """``; Immediate; Nodis`` -> ("Immediate", "Nodis"); empty parts dropped.

    Parts are cut at ``;``, ``—`` and ``/`` (not at ``–``: ``Official–Informal`` is one).
    """
    parts = re.split(r"\s*[;—/]\s*", text.strip())
    return tuple(_handling_name(p) for p in parts if p.strip(" ,"))


def _first_sentence(note: str) -> str:
    """The note up to the first full stop that ends a sentence (not ``Vol.``, ``No.``)."""
    for m in re.finditer(r"\.(?=\s+[A-Z(\[]|$)", note):
        if not _ABBREVIATION.search(note[: m.start()]):
            return note[: m.start()]
    return note


def _location(location: str) -> tuple[str | None, str | None, str | None]:
    """Repository, record group and file of a location such as ``National Archives, RG 59,
    Central Files 1967–69, POL 33–6 KOR N–US``."""
    location = location.strip(" .,;:")
    if not location:
        return None, None, None
    if location.lower().startswith(_PUBLISHED):
        return None, None, None
    head, sep, rest = location.partition(",")
    head = head.strip()
    if ":" in head and not head.lower().startswith(("department", "national")):
        head, _, before = head.partition(":")  # "Central Intelligence Agency: Job 79-S01060A"
        rest = before + sep + rest
    elif head.lower().startswith("central intelligence agency job"):
        rest, head = head[len("central intelligence agency") :] + sep + rest, head[:27]
    head = head.strip()
    rg_in_head = _RECORD_GROUP.search(head)  # "National Archives and Records Administration RG 59"
    if rg_in_head is not None:
        rest = head[rg_in_head.start() :] + sep + rest
        head = head[: rg_in_head.start()].strip()
    elif re.match(r"(?i)department of state \w", head):  # "Department of State Atomic Energy Files"
        rest = head[len("department of state ") :] + sep + rest
        head = "Department of State"
    repository = _repository_name(head)
    rest = rest.strip(" ,;:")
    record_group = None
    rg = _RECORD_GROUP.search(rest)
    if rg is not None and rg.start() < 20:  # "RG 59, ..." right after the repository
        record_group = f"RG {rg.group(1)}"
        rest = (rest[: rg.start()] + rest[rg.end() :]).strip(" ,;:")
    return repository, record_group, rest or None


def _repository_name(head: str) -> str:
    for pattern, name in _REPOSITORY_FIXES:
        m = pattern.match(head)
        if m is not None:
            return name if name is not None else f"{m.group(1)[0].upper()}{m.group(1)[1:]} Library"
    return head


def _from_early(source: str, text: str) -> Provenance:
    """The 1948–51 shape: a file number or lot file, and the marking after the dateline."""
    repository = file = None
    if source:
        file = re.sub(r":\s*(Telegram|Airgram|Despatch|Circular [\w ]+)\s*$", "", source).strip()
        if _DECIMAL_FILE.match(source):
            repository, file = "Department of State", f"Central Files, {file}"
        elif re.match(r"(?i)department of (?!state)\w+", source):  # "Department of Defense Files"
            repository = " ".join(source.split()[:3])
            file = file[len(repository) :].strip(" ,:") or None
        elif _LOT_FILE.search(source) or source.lower().startswith("department of state"):
            repository = "Department of State"
            if file.lower().startswith("department of state"):
                file = file[len("department of state") :].strip(" ,") or None
    if repository is None:  # a source of no known shape: its file would only repeat it
        file = None
    classification, handling = _text_marking(text)
    return Provenance(classification, handling, repository, None, file)


def _text_marking(text: str) -> tuple[str | None, tuple[str, ...]]:
    """The classification and handling printed right after the dateline (first 200 chars)."""
    m = _TEXT_MARKING.search(text[:200])
    if m is None or not (m["c"] or m["h"].strip()):
        return None, ()
    classification = _CLASS_BY_FOLD[m["c"].lower()] if m["c"] else None
    words = re.findall(rf"(?i){_EARLY_HANDLING}", m["h"])
    return classification, tuple(_handling_name(w) for w in words)


# Handling words in one spelling whatever the note's case: "EXDIS" -> "Exdis".
_HANDLING_NAMES = {
    n.lower(): n
    for n in (
        "Nodis", "Exdis", "Limdis", "Noforn", "Niact", "Eyes Only", "Exclusively Eyes Only",
        "Priority", "Immediate", "Operational Immediate", "Most Immediate", "Flash", "Routine",
        "Sensitive", "Personal", "Personal and Private", "Official-Informal", "US Urgent",
        "Urgent", "Topad", "Official Business-Informal", "Limited Distribution",
        "Limit Distribution", "No Foreign Dissem", "Controlled Dissem", "Presidential Handling",
    )
}  # fmt: skip


def _handling_name(word: str) -> str:
    tidy = " ".join(word.replace("–", "-").split()).strip(" ,")
    return _HANDLING_NAMES.get(tidy.lower(), tidy)


# The keys a record keeps, derived at import (see derived_fields).
DERIVED_KEYS = ("classification", "handling", "repository", "record_group", "source_file")


def derived_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The derived keys to store with ``record`` (only those with a value).

    ``classification`` (str) is the record format's own optional field: a record that
    already has one keeps it, and it is not in the result. ``handling`` is a list of
    str; ``repository``, ``record_group`` and ``source_file`` are str.
    """
    p = parse_provenance(record)
    out: dict[str, Any] = {}
    given = record.get("classification")
    if p.classification and not (isinstance(given, str) and given.strip()):
        out["classification"] = p.classification
    if p.handling:
        out["handling"] = list(p.handling)
    if p.repository:
        out["repository"] = p.repository
    if p.record_group:
        out["record_group"] = p.record_group
    if p.file:
        out["source_file"] = p.file
    return out


#: The keys whose presence says "derived at import" (classification may be the record's own).
STORED_KEYS = DERIVED_KEYS[1:]


def provenance_facet_values(record: dict[str, Any]) -> tuple[object, object, object]:
    """(classification, handling, repository) of ``record`` for the index's facets.

    A record imported with derived fields gives them as stored (a user's edit wins); one
    without any (an archive imported before they existed) is parsed now, the same way.
    """
    get = record.get
    if any(k in record for k in STORED_KEYS):
        return get("classification"), get("handling"), get("repository")
    given = get("classification")
    p = parse_provenance(record)
    if isinstance(given, str) and given.strip():
        return given, list(p.handling), p.repository
    return p.classification, list(p.handling), p.repository


def add_derived_fields(records: list[dict]) -> list[dict]:
    """``records`` (validated, new dicts) with their derived keys added in place; the same list.

    A key the record already has is left as it is (a user's own value wins).
    """
    for record in records:
        for key, value in derived_fields(record).items():
            record.setdefault(key, value)
    return records
