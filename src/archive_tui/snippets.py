"""Keyword in context: the passage of a long text around the first match of a search.

A result card has room for a few lines. When the query matched deep in a document's text
and not in its summary, the card shows the words around that match instead of the
summary's first words, so the reader sees why the document was found.

Work is bounded for huge texts: :func:`first_match_spans` looks for the first match one
chunk at a time and stops there, and :func:`keyword_in_context` only reads a window of
the text around the first span. Cuts never fall inside a word when a space is near, never
between a character and its combining marks, a surrogate pair or a joined emoji sequence.

Pure functions on strings: no Textual, no Rich.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

Span = tuple[int, int]

ELLIPSIS = "…"
#: Characters looked at per step when searching a long text for its first match.
CHUNK = 8192
#: Characters re-read across a chunk boundary, so a phrase on the boundary is still found.
OVERLAP = 256
#: A text is searched no further than this for a first match (a card is a preview).
MAX_SCAN = 2_000_000
#: Of the snippet's width, the share given to the words before the match.
LEAD_SHARE = 0.3
#: How far a cut may move to land on a space rather than inside a word.
WORD_SLACK = 15

_ZWJ = "\u200d"


def _joins_previous(char: str) -> bool:
    """True when ``char`` belongs to the grapheme before it (a cut must not fall before it)."""
    if not char:
        return False
    code = ord(char)
    return (
        unicodedata.combining(char) != 0
        or unicodedata.category(char) in ("Mn", "Me", "Mc")
        or 0xDC00 <= code <= 0xDFFF  # low surrogate: second half of a pair
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or char == _ZWJ
    )


def safe_cut(text: str, index: int) -> int:
    """``index`` moved back to the nearest grapheme boundary of ``text`` (0 <= result <= len)."""
    index = max(0, min(index, len(text)))
    while 0 < index < len(text) and (_joins_previous(text[index]) or text[index - 1] == _ZWJ):
        index -= 1
    return index


def _word_start(text: str, index: int, floor: int) -> int:
    """A cut at or after ``index`` that starts a word, if a space is within reach."""
    if index <= floor or text[index - 1].isspace():
        return index
    for probe in range(index, min(len(text), index + WORD_SLACK)):
        if text[probe].isspace():
            return probe + 1
    return index


def _word_end(text: str, index: int, ceiling: int) -> int:
    """A cut at or before ``index`` that ends a word, if a space is within reach."""
    if index >= ceiling or text[index].isspace():
        return index
    for probe in range(index, max(0, index - WORD_SLACK), -1):
        if text[probe - 1].isspace():
            return probe - 1
    return index


def keyword_in_context(text: str, spans: Sequence[Span], width: int) -> tuple[str, list[Span]]:
    """About ``width`` characters of ``text`` around ``spans[0]``, on one line.

    Returns ``(snippet, spans_in_snippet)``: runs of white space become one space, a cut
    end is marked with "…", and the spans that fall inside are given as offsets into the
    snippet. No spans (or ``width`` < 1): the text's start. Only a window of ``text``
    around the first span is read, so a long text costs no more than a short one.
    """
    width = max(int(width), 1)
    if not text:
        return "", []
    first = spans[0] if spans else (0, 0)
    match_start = max(0, min(first[0], len(text)))
    match_end = max(match_start, min(first[1], len(text)))
    lead = int(width * LEAD_SHARE) if spans else 0
    # Room before the match; the match and what follows get the rest.
    start = max(0, match_start - lead)
    if start:
        start = safe_cut(text, _word_start(text, start, 0))
        start = min(start, match_start)
    # White space collapses, so read a little more than `width` characters.
    end = min(len(text), max(match_end, start + width) + WORD_SLACK)
    window = text[start:end]
    chars: list[str] = []
    offsets: list[int] = []  # offsets[i]: the index in `text` of snippet character i
    previous_space = True  # drop leading white space
    for i, char in enumerate(window):
        if char.isspace():
            if previous_space:
                continue
            char = " "
            previous_space = True
        else:
            previous_space = False
        chars.append(char)
        offsets.append(start + i)
    cut_start = start > 0
    budget = width - (1 if cut_start else 0)
    cut_end = len(chars) > budget or (end < len(text) and text[end:].strip() != "")
    if cut_end:
        budget -= 1
        keep = max(budget, 0)
        snippet_text = "".join(chars)
        keep = _word_end(snippet_text, keep, len(chars)) if keep < len(chars) else keep
        keep = safe_cut(snippet_text, keep)
        # keep the match itself even when a word boundary is far
        if keep == 0 and chars:
            keep = min(len(chars), max(budget, 1))
            while keep < len(chars) and (_joins_previous(chars[keep]) or chars[keep - 1] == _ZWJ):
                keep += 1
        chars, offsets = chars[:keep], offsets[:keep]
    while chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    body = "".join(chars)
    prefix = ELLIPSIS if cut_start else ""
    suffix = ELLIPSIS if cut_end else ""
    snippet = prefix + body + suffix
    shifted: list[Span] = []
    if offsets:
        from bisect import bisect_left

        for span_start, span_end in spans:
            if span_end <= offsets[0] or span_start > offsets[-1]:
                continue
            a = bisect_left(offsets, span_start)
            b = bisect_left(offsets, span_end)
            if b > a:
                shifted.append((a + len(prefix), b + len(prefix)))
    return snippet, shifted


def first_match_spans(
    text: str,
    find: Callable[[str], list[Span]],
    *,
    chunk: int = CHUNK,
    max_scan: int = MAX_SCAN,
) -> list[Span]:
    """Spans ``find`` reports in ``text``, for the first chunk of ``text`` that has any.

    ``find`` is e.g. ``lambda s: search.highlight_spans(s, parsed, "text")``. It is run on
    one chunk at a time (each starting on a space, so no word is cut at its front) and
    the search stops at the first chunk with a match: a 5 MB text whose match is on the
    first page costs one chunk. Offsets are into ``text``. Nothing within ``max_scan``
    characters: an empty list.
    """
    if len(text) <= chunk:
        return find(text)
    start = 0
    limit = min(len(text), max_scan)
    while start < limit:
        end = min(len(text), start + chunk)
        found = find(text[start:end])
        # A match touching the chunk's end may be a cut word: look again from before it.
        found = [s for s in found if s[1] < end - start or end == len(text)]
        if found:
            return [(a + start, b + start) for a, b in found]
        if end >= len(text):
            break
        following = max(start + 1, end - OVERLAP)
        space = text.find(" ", following, end)
        start = space + 1 if space != -1 else following
    return []


__all__ = ["ELLIPSIS", "first_match_spans", "keyword_in_context", "safe_cut"]
