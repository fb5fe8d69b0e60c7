"""Wildcard words (``gr?myko``, ``*ism``, ``a*b*c``) matched in time linear in the word.

A naive translation (each ``*`` to ``.*``) backtracks: ``*?**?**?*q`` against 50,000
words took minutes. Here a pattern is split at its stars into fixed-length pieces
(letters and ``?``); the first piece must start the word, the last must end it, and
each middle piece is taken at its leftmost place after the previous one. Leftmost is
always right for a glob, so nothing is ever retried: the regular expression puts
each middle piece in an atomic group (``(?>.*?piece)``), which the engine never
re-enters. Runs of stars are one star.

Both the vocabulary scan (:func:`match_terms`) and the highlighter
(:func:`glob_word_spans`) use it.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

STAR_RUN = re.compile(r"\*{2,}")
CHECK_EVERY = 4096
"""The vocabulary scan asks ``should_stop`` after every this many words."""


def collapse(pattern: str) -> str:
    """``a**b***`` -> ``a*b*``: a run of stars means the same as one."""
    return STAR_RUN.sub("*", pattern)


def pieces(pattern: str) -> list[str]:
    """The fixed-length pieces between stars (``*a?*b`` -> ``["", "a?", "b"]``)."""
    return collapse(pattern).split("*")


def _glob_rx(pattern: str) -> str:
    """The pattern as a regular expression that backtracks at most linearly."""

    def fixed(piece: str) -> str:
        return "".join("." if c == "?" else re.escape(c) for c in piece)

    parts = pieces(pattern)
    if len(parts) == 1:
        return fixed(parts[0])
    first, *middle, last = parts
    # each middle piece at its leftmost place, never reconsidered (an atomic group);
    # the last one ends the word: one greedy run before a fixed-length tail
    return (
        fixed(first)
        + "".join(f"(?>.*?{fixed(piece)})" for piece in middle if piece)
        + ".*"
        + fixed(last)
    )


@lru_cache(maxsize=256)
def compile_glob(pattern: str) -> re.Pattern[str]:
    """A compiled matcher of whole words for ``pattern`` (use ``.fullmatch``)."""
    return re.compile(_glob_rx(pattern), re.S)


def glob_match(pattern: str, word: str) -> bool:
    """True when ``word`` matches ``pattern`` (``*`` any letters, ``?`` one letter)."""
    return compile_glob(pattern).fullmatch(word) is not None


def min_length(pattern: str) -> int:
    """The fewest characters a matching word has."""
    return len(pattern) - pattern.count("*")


def literal_prefix(pattern: str) -> str:
    """The letters before the first wildcard (words matching start with them)."""
    cut = [i for i in (pattern.find("*"), pattern.find("?")) if i >= 0]
    return pattern[: min(cut)] if cut else pattern


def match_terms(
    vocab: Sequence[str],
    lo: int,
    hi: int,
    pattern: str,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[list[int], bool]:
    """Rows ``lo`` .. ``hi`` of ``vocab`` whose word matches ``pattern``; and whether the
    scan finished (False when ``should_stop`` said to stop first)."""
    rx = compile_glob(pattern).fullmatch
    shortest = min_length(pattern)
    exact = "*" not in pattern
    out: list[int] = []
    for start in range(lo, hi, CHECK_EVERY):
        if should_stop is not None and start > lo and should_stop():
            return out, False
        end = min(hi, start + CHECK_EVERY)
        for i in range(start, end):
            word = vocab[i]
            n = len(word)
            if n < shortest or (exact and n != shortest):
                continue
            if rx(word) is not None:
                out.append(i)
    return out, True


# a folded word: letters, and apostrophes between letters (possessive: one pass)
_WORD = re.compile(r"(?<![^\W_])[^\W_]++(?:'[^\W_]++)*+")


def glob_word_spans(folded: str, patterns: Sequence[str]) -> list[tuple[int, int]]:
    """Spans of the words of ``folded`` text that match one of ``patterns``.

    Each word is looked at once (apostrophes inside it ignored, as the index does),
    so a giant word costs one pass, never a backtracking search.
    """
    matchers = [compile_glob(p).fullmatch for p in patterns]
    spans = []
    for m in _WORD.finditer(folded):
        word = m.group()
        if "'" in word:
            word = word.replace("'", "")
        if any(match(word) is not None for match in matchers):
            spans.append(m.span())
    return spans


_TOP = "\U0010ffff"


def expand_terms(
    vocab: Sequence[str],
    doc_freq: Callable[[np.ndarray], np.ndarray],
    pattern: str,
    kind: str,
    notes: list[str],
    max_terms: int,
    should_stop: Callable[[], bool] | None = None,
) -> list[int]:
    """Rows of the sorted ``vocab`` a ``prefix`` or ``wildcard`` term stands for.

    At most ``max_terms`` of them, the most frequent (``doc_freq(rows)``), and a note
    says when the cap cut some; a scan stopped by ``should_stop`` keeps what it found.
    """
    if kind == "wildcard":
        pattern = collapse(pattern)
        if pattern.endswith("*") and "*" not in pattern[:-1] and "?" not in pattern:
            kind, pattern = "prefix", pattern[:-1]
    literal = pattern if kind == "prefix" else literal_prefix(pattern)
    lo = bisect_left(vocab, literal)
    hi = bisect_left(vocab, literal + _TOP, lo) if literal else len(vocab)
    if kind == "prefix":
        rows = np.arange(lo, hi, dtype=np.int64)
    else:
        found, _finished = match_terms(vocab, lo, hi, pattern, should_stop)
        rows = np.array(found, np.int64)
    if len(rows) == 0:
        return []
    if len(rows) > max_terms:
        keep = np.argpartition(-doc_freq(rows), max_terms - 1)[:max_terms]
        shown = pattern + ("*" if kind == "prefix" else "")
        notes.append(
            f"{shown} matches {len(rows):,} words: the {max_terms} most frequent were searched."
        )
        rows = np.sort(rows[keep])
    return [int(t) for t in rows]
