"""The one tokenizer shared by the index, the query parser and highlighting.

Search must treat ``Piné`` and ``Pine``, ``Manac’h`` and ``manach``, ``Громыко`` and
``Gromyko`` as the same word, and it must do so identically when indexing, when
reading a query and when highlighting, or matches and highlights drift apart.

Folding is the cold-open cost of the archive (tens of millions of characters), so
the fast path works on bytes: non-ASCII characters are folded one by one through a
cached table (NFKD, drop combining marks, casefold, Cyrillic to Latin), the result
is encoded and mapped through a 256-byte table that lower-cases ASCII and turns
every separator into a space, and ``bytes.split`` cuts the tokens.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterator

APOSTROPHES = "'’‘ʼ"  # all written as ASCII ' after folding; removed inside words

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "і": "i", "є": "ye", "ґ": "g", "ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c",
    "џ": "dz", "ѕ": "dz", "ў": "u",
}  # fmt: skip

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_INNER_APOSTROPHE = re.compile(r"(?<=[^\W_])'(?=[^\W_])")
_TOKEN_FOLD_CACHE: dict[str, str] = {}  # char -> folded text, separators -> " "
_PLAIN_FOLD_CACHE: dict[str, str] = {}  # char -> folded text, punctuation kept

# bytes table: ASCII letters lower-cased, digits and ' kept, other ASCII -> space,
# bytes >= 0x80 (UTF-8 of letters that survived folding, e.g. CJK) kept.
_BYTE_TABLE = bytes(
    (ord(chr(i).lower()) if chr(i).isalnum() or chr(i) == "'" else 0x20) if i < 0x80 else i
    for i in range(256)
)
# Characters that belong to words when spans are found in the original text: letters,
# digits, the usual combining-mark blocks, and apostrophes between word characters.
_MARKS = (
    "\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u0900-\u0903"
    "\u093a-\u094f\u0951-\u0957\u0962\u0963\u0981-\u0983\u09bc-\u09d7\u0e31\u0e34-\u0e3a"
    "\u0e47-\u0e4e\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u302a-\u302f\u3099\u309a\ufe20-\ufe2f"
)
_WORD = rf"(?:[^\W_]|[{_MARKS}])"
_SPAN_RE = re.compile(rf"{_WORD}+(?:[{APOSTROPHES}]{_WORD}+)*")


def _fold_char(char: str, *, keep_punctuation: bool) -> str:
    """Fold one non-ASCII character (uncached)."""
    out = []
    for c in unicodedata.normalize("NFKD", char):
        if unicodedata.combining(c):
            continue
        c = c.casefold()
        for d in c:
            d = _CYRILLIC.get(d, d)
            if d in APOSTROPHES:
                out.append("'")
            elif keep_punctuation or d.isascii() or unicodedata.category(d)[0] in "LNM":
                out.append(d)
            else:
                out.append(" ")
    folded = "".join(out)
    if folded and not keep_punctuation and not any(c.isalnum() or c == "'" for c in folded):
        return " "  # "…" -> " ", not "...": keeps highlight offsets aligned
    return folded


def _token_fold_match(match: re.Match[str]) -> str:
    char = match.group()
    folded = _TOKEN_FOLD_CACHE.get(char)
    if folded is None:
        folded = _TOKEN_FOLD_CACHE[char] = _fold_char(char, keep_punctuation=False)
    return folded


def _plain_fold_match(match: re.Match[str]) -> str:
    char = match.group()
    folded = _PLAIN_FOLD_CACHE.get(char)
    if folded is None:
        folded = _PLAIN_FOLD_CACHE[char] = _fold_char(char, keep_punctuation=True)
    return folded


def fold(s: str) -> str:
    """Case-, accent- and script-folded text: ``Manac’h`` -> ``manach``, ``Громыко`` -> ``gromyko``.

    Punctuation other than apostrophes is kept, so folded titles still sort and read
    sensibly; use :func:`tokenize` to get words.
    """
    if not s.isascii():
        s = _NON_ASCII.sub(_plain_fold_match, s)
    s = s.lower()
    if "'" in s:
        s = _INNER_APOSTROPHE.sub("", s)
    return s


def _fold_encode_error(error: UnicodeError) -> tuple[bytes, int]:
    """Codec error handler: a run of non-ASCII characters -> their folded UTF-8 bytes."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    cache = _TOKEN_FOLD_CACHE
    out = []
    for char in error.object[error.start : error.end]:
        folded = cache.get(char)
        if folded is None:
            folded = cache[char] = _fold_char(char, keep_punctuation=False)
        out.append(folded)
    return "".join(out).encode("utf-8", "surrogatepass"), error.end


_FOLD_ERRORS = "archive-tui-fold"
codecs.register_error(_FOLD_ERRORS, _fold_encode_error)


def fold_bytes(s: str) -> bytes:
    """Folded text as bytes with every separator a space and apostrophes kept as ``'``.

    ``fold_bytes(s).split()`` gives the raw tokens; a raw token may still hold ``'``
    (``gaulle's``): :func:`canonical` and :func:`token_parts` resolve it. This is the
    index's fast path: the ASCII codec copies plain text at C speed and hands each run
    of other characters to :func:`_fold_encode_error` (about twice as fast as a regex
    substitution over the whole text).
    """
    return s.encode("ascii", _FOLD_ERRORS).translate(_BYTE_TABLE)


def fold_aligned(s: str) -> str | None:
    """``s`` folded character for character (same length, separators kept), or None.

    Highlighting runs its patterns over this so match offsets are offsets into ``s``;
    None when some character folds to more or fewer than one (``ж`` -> ``zh``).
    """
    if s.isascii():
        return s.lower()
    out = _NON_ASCII.sub(_token_fold_match, s)
    if len(out) != len(s):
        return None
    cache = _TOKEN_FOLD_CACHE
    if any(len(cache[c]) != 1 for c in set(_NON_ASCII.findall(s))):
        return None
    out = out.lower()
    return out if len(out) == len(s) else None


def canonical(raw: bytes) -> bytes:
    """The indexed form of a raw token: apostrophes removed (``gaulle's`` -> ``gaulles``)."""
    return raw.replace(b"'", b"") if b"'" in raw else raw


def token_parts(raw: bytes) -> list[bytes]:
    """The pieces of an apostrophe word, also indexed so ``gaulle`` finds ``Gaulle's``.

    Empty when the token has fewer than two non-empty pieces.
    """
    if b"'" not in raw:
        return []
    parts = [p for p in raw.split(b"'") if p]
    return parts if len(parts) > 1 else []


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogatepass")


def tokenize(s: str) -> list[str]:
    """Folded word tokens of ``s``, digits kept: ``"De Gaulle’s 1944 visit"`` ->
    ``["de", "gaulles", "1944", "visit"]``."""
    out = []
    for raw in fold_bytes(s).split():
        token = canonical(raw)
        if token:
            out.append(_decode(token))
    return out


def iter_token_spans(s: str) -> Iterator[tuple[str, tuple[str, ...], int, int]]:
    """Yield ``(token, parts, start, end)`` for every word of ``s`` (offsets into ``s``).

    ``parts`` are the apostrophe pieces (``("gaulle", "s")`` for ``Gaulle's``), so a
    highlighter can mark a word that matched through one of its parts.
    """
    for match in _SPAN_RE.finditer(s):
        start, end = match.span()
        for raw in fold_bytes(match.group()).split():
            token = canonical(raw)
            if token:
                parts = tuple(_decode(p) for p in token_parts(raw))
                yield _decode(token), parts, start, end


def token_spans(s: str) -> list[tuple[str, int, int]]:
    """``(folded token, start, end)`` for every word of ``s``, offsets into ``s``."""
    return [(token, start, end) for token, _parts, start, end in iter_token_spans(s)]
