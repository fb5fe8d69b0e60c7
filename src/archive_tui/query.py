"""The query language, read leniently into a small syntax tree.

The search box is searched on every keystroke, so half-typed queries (``"soviet``,
``(a OR``, ``title:``) are normal input, not errors. :func:`parse_query` never
raises: whatever it cannot read as written it reads the nearest sensible way and
says how in :attr:`ParsedQuery.notes`, short sentences for the status line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union

from .dates import DateError, parse_date_range
from .text import fold, tokenize
from .values import expand_short_name
from .wildcard import collapse

QUERY_HELP = """\
Search syntax (operators are case-insensitive)

  soviet union          both words, anywhere (title, summary, text, people, places, ...)
  "cuban missile"       the exact phrase
  berlin OR vienna      either word (OR binds tighter than the space: a b OR c = a and (b or c))
  NOT cuba   -cuba      without the word;  +word  requires it (same as a bare word)
  (berlin OR vienna) -wall   parentheses group
  sovi*   gr?myko       wildcards: * any letters, ? one letter (within one word)
  title:treaty          field search: title: summary: text: person: place: subject:
                        collection: type: lang: source: id:
  admin:kennedy  class:secret  handling:nodis  repo:"johnson library"
                        administration, classification, handling, repository
  person:"Rusk, Dean"   quote a field value that has spaces or commas
  date:1944   date:1944-11   date:1944..1955   date:1962-10-16..1962-10-28
  date:..1950   date:1989..    dates (a record dated only to a month or year matches
                        when its period overlaps the range)
  tag:berlin            your tags: tag:"cold war" (quote a name with spaces)
  list:"chapter 3"      the records in one of your lists
  note:wall  note:sov*  a word in your note (a bare word finds your notes too)
  has:note   has:tag    records you wrote a note on, tagged, or put in a list (has:list)

Accents, case and alphabet do not matter: Piné = pine, Manac’h = manach,
Громыко = gromyko. Words are ranked by relevance (a title match counts more than a
match in the text); a query with only dates or filters lists documents by date.
"""

MAX_QUERY_CHARS = 2000
MAX_TERMS = 64
MAX_WILDCARDS = 16  # wildcard words (each scans the vocabulary) in one query
MAX_DEPTH = 32

# query field name -> index field name ("date" and "id" are handled specially)
FIELD_ALIASES: dict[str, str] = {
    "title": "title",
    "summary": "summary",
    "text": "text",
    "body": "text",
    "person": "people",
    "people": "people",
    "place": "places",
    "places": "places",
    "subject": "subjects",
    "subjects": "subjects",
    "collection": "collection",
    "type": "document_type",
    "document_type": "document_type",
    "lang": "language",
    "language": "language",
    "source": "source",
    "id": "id",
    "date": "date",
}
# query fields that filter on a facet's values (facet_fields.py), not on indexed words
FACET_QUERY_FIELDS: dict[str, str] = {
    "admin": "admin",
    "administration": "admin",
    "class": "classification",
    "classification": "classification",
    "handling": "handling",
    "repo": "repository",
    "repository": "repository",
}
FIELD_ALIASES.update(FACET_QUERY_FIELDS)

# your annotations (the workspace): query field name -> what it searches
ANNOTATION_FIELDS: dict[str, str] = {
    "tag": "tag",
    "tags": "tag",
    "list": "list",
    "lists": "list",
    "note": "note",
    "notes": "note",
    "has": "has",
}
HAS_VALUES = ("note", "tag", "list")


def annotation_field_names() -> list[str]:
    """The annotation field names a user types (for completion and help), main ones first."""
    main = ["tag", "list", "note", "has"]
    return [*main, *(name for name in ANNOTATION_FIELDS if name not in main)]


_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2060\ufeff\u061c]"
)
_EXAMPLE = {"admin": "kennedy", "classification": "secret", "handling": "nodis"}
_EXAMPLE["repository"] = '"national archives"'
_FIELD = re.compile(r"([A-Za-z_]+):(.*)\Z", re.S)
_WILDCARD_WORD = re.compile(r"[^\W_]*[*?][^\W_*?]*(?:[*?][^\W_*?]*)*\Z")


# ----------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class Term:
    """One folded word; ``kind`` is ``word``, ``prefix`` (``sovi*``) or ``wildcard``."""

    text: str
    field: str | None = None
    kind: str = "word"


@dataclass(frozen=True)
class Phrase:
    """Folded words that must appear next to each other, in order."""

    tokens: tuple[str, ...]
    field: str | None = None


@dataclass(frozen=True)
class IdMatch:
    """``id:value``: the record id itself, exactly (or as a prefix with a trailing ``*``)."""

    value: str
    prefix: bool = False


@dataclass(frozen=True)
class DateRange:
    """``date:...``: inclusive day ordinals, None for an open end."""

    start: int | None
    end: int | None
    text: str


@dataclass(frozen=True)
class AnnotationMatch:
    """``tag:``, ``list:``, ``note:`` or ``has:`` (``field``): the user's annotations.

    ``value`` is folded (a tag or list name as ``annotations.tag_key`` compares it, a note
    word as ``text.tokenize`` gives it, or ``note``/``tag``/``list`` for ``has:``); ``kind``
    is ``word``, ``prefix`` (``note:sovi*``) or ``wildcard``; ``words``: a quoted note value
    of several words (all of them must be in the note).
    """

    field: str
    value: str
    kind: str = "word"
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class FacetValue:
    """``admin:kennedy``, ``class:secret``: records holding a facet value the text names."""

    field: str  # the facet: admin, classification, handling, repository
    value: str  # as typed


Node = Union[  # noqa: UP007
    Term, Phrase, IdMatch, DateRange, AnnotationMatch, FacetValue, And, Or, Not
]


@dataclass
class ParsedQuery:
    """A read query: the tree, what was assumed (notes), and the words to highlight."""

    text: str
    root: Node | None
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        """True when the query selects nothing by itself (every record matches)."""
        return self.root is None

    @property
    def terms(self) -> tuple[str, ...]:
        """Positive folded words and patterns (``sovi*``) of the query, for highlighting."""
        out: list[str] = []
        for node in positive_nodes(self.root):
            if isinstance(node, Term):
                out.append(node.text + "*" if node.kind == "prefix" else node.text)
            elif isinstance(node, Phrase):
                out.extend(node.tokens)
        return tuple(dict.fromkeys(out))

    @property
    def has_words(self) -> bool:
        """True when some positive word or phrase can be ranked (so sort by relevance)."""
        return any(isinstance(n, Term | Phrase) for n in positive_nodes(self.root))

    def describe(self) -> str:
        """The tree as compact text, e.g. ``(soviet AND (berlin OR vienna))``."""
        return describe(self.root) if self.root is not None else "(everything)"


def positive_nodes(node: Node | None) -> list[Node]:
    """Leaves that are not under a NOT."""
    if node is None:
        return []
    if isinstance(node, And | Or):
        out: list[Node] = []
        for child in node.children:
            out.extend(positive_nodes(child))
        return out
    if isinstance(node, Not):
        return []
    return [node]


def describe(node: Node) -> str:
    """Render a node as readable text (used in notes and tests)."""
    if isinstance(node, Term):
        prefix = f"{node.field}:" if node.field else ""
        return prefix + node.text + ("*" if node.kind == "prefix" else "")
    if isinstance(node, Phrase):
        prefix = f"{node.field}:" if node.field else ""
        return prefix + '"' + " ".join(node.tokens) + '"'
    if isinstance(node, IdMatch):
        return "id:" + node.value + ("*" if node.prefix else "")
    if isinstance(node, DateRange):
        return "date:" + node.text
    if isinstance(node, AnnotationMatch):
        return describe_annotation(node)
    if isinstance(node, FacetValue):
        return f"{node.field}:{node.value!r}"
    if isinstance(node, Not):
        return "NOT " + describe(node.child)
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(describe(c) for c in node.children) + ")"


# ----------------------------------------------------------------------------- lexer


@dataclass
class _Tok:
    kind: str  # "(", ")", "OR", "AND", "NOT", "-", "+", "WORD", "PHRASE", "FIELD"
    text: str = ""
    field: str | None = None  # FIELD: the query field name
    quoted: bool = False


def _quoted(text: str, i: int, notes: list[str], prefix: str) -> tuple[str, int]:
    """The body of the quote opening at ``text[i]`` and the index after it.

    An unclosed quote runs to the end of the query, and a note says so.
    """
    end = text.find('"', i + 1)
    if end < 0:
        body = text[i + 1 :]
        notes.append(f'Unbalanced quote: read as {prefix}"{body.strip()}".')
        return body, len(text)
    return text[i + 1 : end], end + 1


def _lex(text: str, notes: list[str]) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "()":
            toks.append(_Tok(c))
            i += 1
            continue
        if c == '"':
            body, i = _quoted(text, i, notes, "")
            toks.append(_Tok("PHRASE", body, quoted=True))
            continue
        if c in "-+" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] not in "-+)":
            toks.append(_Tok(c))  # -word / +word at the start of a token
            i += 1
            continue
        # a bare word: up to whitespace, a parenthesis or a quote
        j = i
        while j < n and not text[j].isspace() and text[j] not in '()"':
            j += 1
        word = text[i:j]
        i = j
        m = _FIELD.match(word)
        if m and (m.group(1).lower() in FIELD_ALIASES or m.group(1).lower() in ANNOTATION_FIELDS):
            name, value = m.group(1).lower(), m.group(2)
            if not value and i < n and text[i] == '"':
                value, i = _quoted(text, i, notes, f"{name}:")
                toks.append(_Tok("FIELD", value, field=name, quoted=True))
            elif not value and i < n and text[i] == "(":
                toks.append(_Tok("FIELD", "", field=name))  # field applies to the group
            else:
                toks.append(_Tok("FIELD", value, field=name))
            continue
        if m and m.group(2) and m.group(1).isalpha() and not m.group(2).startswith("/"):
            notes.append(f"Unknown field {m.group(1)}: searched as words.")
        upper = word.upper()
        if upper in ("OR", "AND", "NOT") or word in ("|", "||", "&&"):
            toks.append(_Tok({"|": "OR", "||": "OR", "&&": "AND"}.get(word, upper)))
        else:
            toks.append(_Tok("WORD", word))
    return _limit_nesting(toks, notes)


def _limit_nesting(toks: list[_Tok], notes: list[str]) -> list[_Tok]:
    """Drop parentheses nested deeper than MAX_DEPTH (and their partners)."""
    out: list[_Tok] = []
    kept: list[bool] = []
    for tok in toks:
        if tok.kind == "(":
            keep = sum(kept) < MAX_DEPTH
            kept.append(keep)
            if keep:
                out.append(tok)
            elif "Parentheses nested too deep: inner ones ignored." not in notes:
                notes.append("Parentheses nested too deep: inner ones ignored.")
        elif tok.kind == ")" and kept:
            if kept.pop():
                out.append(tok)
        else:
            out.append(tok)
    return out


# ----------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, toks: list[_Tok], notes: list[str]) -> None:
        self.toks = toks
        self.i = 0
        self.notes = notes
        self.leaves = 0
        self.capped = False
        self.wildcards = 0

    def _note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Node | None:
        return self.sequence(top=True)

    def sequence(self, top: bool = False, field: str | None = None) -> Node | None:
        items: list[Node] = []
        while (tok := self.peek()) is not None:
            if tok.kind == ")":
                if top:
                    self._note("Unmatched ) ignored.")
                    self.i += 1
                    continue
                break
            if tok.kind == "AND":
                self.i += 1
                if not items or self.peek() is None or self.peek().kind in (")", "OR", "AND"):
                    self._note("AND needs something on both sides: ignored.")
                continue
            if tok.kind == "OR":
                self._note("OR needs something on both sides: ignored.")
                self.i += 1
                continue
            node = self.or_expr(field)
            if node is not None:
                items.append(node)
        return _and(items)

    def or_expr(self, field: str | None) -> Node | None:
        left = self.unary(field)
        children = [left] if left is not None else []
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in (")", "OR", "AND"):
                self._note("OR needs something on both sides: ignored.")
                break
            right = self.unary(field)
            if right is not None:
                children.append(right)
        if not children:
            return None
        return children[0] if len(children) == 1 else Or(tuple(_flatten(children, Or)))

    def unary(self, field: str | None) -> Node | None:
        tok = self.peek()
        if tok is None:
            return None
        if tok.kind in ("NOT", "-"):
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in (")", "OR", "AND"):
                self._note("NOT needs a word after it: ignored.")
                return None
            child = self.unary(field)
            if child is None:
                return None
            if isinstance(child, Not):
                return child.child
            return Not(child)
        if tok.kind == "+":
            self.i += 1
            return self.unary(field)
        return self.atom(field)

    def atom(self, field: str | None) -> Node | None:
        tok = self.peek()
        if tok is None:
            return None
        self.i += 1
        if tok.kind == "(":
            node = self.sequence(field=field)
            if self.peek() is not None and self.peek().kind == ")":
                self.i += 1
            else:
                self._note("Unbalanced parenthesis: closed at the end.")
            return node
        if tok.kind == "WORD":
            return self.word(tok.text, field)
        if tok.kind == "PHRASE":
            return self.phrase(tok.text, field)
        if tok.kind == "FIELD":
            return self.field(tok)
        return None  # operators are consumed by callers

    # -- leaves

    def _count(self, n: int = 1) -> bool:
        if self.leaves + n > MAX_TERMS:
            if not self.capped:
                self._note(f"Query too long: only the first {MAX_TERMS} terms were used.")
                self.capped = True
            return False
        self.leaves += n
        return True

    def word(self, text: str, field: str | None) -> Node | None:
        if field in _ANNOTATION_TARGETS:  # tag:(a OR b): the group's words
            return self.annotation(field, text, quoted=False)
        if "*" in text or "?" in text:
            folded = collapse(fold(text))  # a run of stars is one star
            if _WILDCARD_WORD.match(folded):
                literal = folded.replace("*", "").replace("?", "")
                if not literal:
                    self._note(f"{text} alone matches everything: ignored.")
                    return None
                if folded.endswith("*") and "*" not in folded[:-1] and "?" not in folded:
                    return Term(folded[:-1], field, "prefix") if self._count() else None
                if self.wildcards >= MAX_WILDCARDS:
                    self._note(
                        f"Too many wildcard words: only the first {MAX_WILDCARDS} were used."
                    )
                    return None
                if not self._count():
                    return None
                self.wildcards += 1
                return Term(folded, field, "wildcard")
            self._note(f"Wildcards work within one word: {text} searched without them.")
            text = text.replace("*", " ").replace("?", " ")
        return self._words(tokenize(text), field)

    def phrase(self, text: str, field: str | None) -> Node | None:
        if field in _ANNOTATION_TARGETS:
            return self.annotation(field, text, quoted=True)
        tokens = tokenize(text)
        if not tokens:
            if text.strip():
                self._note(f'"{text.strip()}" has no words: ignored.')
            return None
        return self._words(tokens, field)

    def _words(self, tokens: list[str], field: str | None) -> Node | None:
        if not tokens:
            return None
        if not self._count(len(tokens)):
            return None
        if len(tokens) == 1:
            return Term(tokens[0], field)
        return Phrase(tuple(tokens), field)

    def field(self, tok: _Tok) -> Node | None:
        name = tok.field or ""
        if name in ANNOTATION_FIELDS:
            return self.annotation_field(tok)
        target = FIELD_ALIASES[name]
        value = tok.text
        if target == "date":
            return self.date(value)
        if target == "id":
            value = value.strip()
            if not value:
                self._note("id: needs a value: ignored.")
                return None
            if not self._count():
                return None
            if value.endswith("*") and not tok.quoted:
                if not value[:-1]:
                    self._note("id:* matches everything: ignored.")
                    return None
                return IdMatch(value[:-1], prefix=True)
            return IdMatch(value)
        if target in FACET_QUERY_FIELDS.values():
            return self.facet_value(name, target, value)
        if not tok.quoted and not value:
            nxt = self.peek()
            if nxt is not None and nxt.kind == "(":
                return self.atom(target)
            self._note(f"{name}: needs a value: ignored.")
            return None
        node = self.phrase(value, target) if tok.quoted else self.word(value, target)
        expanded = expand_short_name(value)  # collection:frus, as cards show it
        if expanded is not None:
            long = self.phrase(expanded, target)
            parts = tuple(n for n in (node, long) if n is not None)
            node = Or(parts) if len(parts) > 1 else (parts[0] if parts else None)
        return node

    def facet_value(self, name: str, target: str, value: str) -> Node | None:
        """``admin:kennedy``: one facet value, matched as the user sees it (no groups)."""
        value = " ".join(value.split())
        if not value:
            self._note(f"{name}: needs a value (e.g. {name}:{_EXAMPLE[target]}): ignored.")
            return None
        if not self._count():
            return None
        return FacetValue(target, value)

    def date(self, value: str) -> Node | None:
        value = value.strip()
        if not value:
            self._note("date: needs a value (e.g. date:1944 or date:1944..1955): ignored.")
            return None
        try:
            start, end = parse_date_range(value)
        except DateError as exc:
            self._note(f"date:{value} is not a date range ({exc.reason}): ignored.")
            return None
        if not self._count():
            return None
        return DateRange(start, end, value)

    # -- annotations (issue 10): tag:, list:, note:, has:

    def annotation_field(self, tok: _Tok) -> Node | None:
        name = tok.field or ""
        target = ANNOTATION_FIELDS[name]
        if not tok.quoted and not tok.text:
            nxt = self.peek()
            if nxt is not None and nxt.kind == "(" and target != "has":
                return self.atom(target)
            self._note(f"{name}: needs a value: ignored.")
            return None
        return self.annotation(target, tok.text, tok.quoted)

    def annotation(self, target: str, text: str, quoted: bool) -> Node | None:
        """One annotation leaf; a value it cannot use is noted and ignored."""
        value = " ".join(text.split())
        if not value:
            self._note(f"{target}: needs a value: ignored.")
            return None
        if target == "has":
            key = fold(value).rstrip("s")
            if key not in HAS_VALUES:
                self._note(f"has:{value} is not known (has:note, has:tag, has:list): ignored.")
                return None
            return AnnotationMatch("has", key) if self._count() else None
        kind = "word"
        if not quoted and ("*" in value or "?" in value):
            folded = collapse(fold(value))
            if not folded.replace("*", "").replace("?", ""):
                self._note(f"{target}:{value} alone matches everything: ignored.")
                return None
            if self.wildcards >= MAX_WILDCARDS:
                self._note(f"Too many wildcard words: only the first {MAX_WILDCARDS} were used.")
                return None
            self.wildcards += 1
            is_prefix = folded.endswith("*") and "*" not in folded[:-1] and "?" not in folded
            kind, value = ("prefix", folded[:-1]) if is_prefix else ("wildcard", folded)
            return AnnotationMatch(target, value, kind) if self._count() else None
        if target == "note":
            tokens = tuple(tokenize(value))
            if not tokens:
                self._note(f"note:{value} has no words: ignored.")
                return None
            if not self._count():
                return None
            return AnnotationMatch("note", tokens[0], "word", tokens if len(tokens) > 1 else ())
        return AnnotationMatch(target, fold(value), kind) if self._count() else None


_ANNOTATION_TARGETS = frozenset(("tag", "list", "note"))


def describe_annotation(node: AnnotationMatch) -> str:
    """``tag:"cold war"``, ``note:sovi*``, ``has:note``: as a user would type it."""
    value = " ".join(node.words) if node.words else node.value
    if node.kind == "prefix":
        value += "*"
    if " " in value or ":" in value:
        value = '"' + value + '"'
    return f"{node.field}:{value}"


def _flatten(children: list[Node], kind: type) -> list[Node]:
    out: list[Node] = []
    for child in children:
        if isinstance(child, kind):
            out.extend(child.children)  # type: ignore[attr-defined]
        else:
            out.append(child)
    return out


def _and(items: list[Node]) -> Node | None:
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    return And(tuple(_flatten(items, And)))


def parse_query(text: str) -> ParsedQuery:
    """Read a query; never raises. See :data:`QUERY_HELP` for the syntax."""
    notes: list[str] = []
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    original = text
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"Query cut to its first {MAX_QUERY_CHARS:,} characters.")
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
        notes.append("Control characters in the query were ignored.")
    toks = _lex(text, notes)
    parser = _Parser(toks, notes)
    try:
        root = parser.parse()
    except RecursionError:  # pragma: no cover - guarded by the depth limit
        root = None
        notes.append("Query too deeply nested: ignored.")
    return ParsedQuery(original, root, notes)
