"""Facet values matched the way the user sees and types them.

Cards show ``FRUS, 1961–1963, Volume V`` and ``Gromyko, Andrei A.``; a user types
``collection=frus`` or ``person=gromyko``. A wanted value matches, in this order,
stopping at the first tier that finds anything:

1. the stored value exactly;
2. the stored value folded (case, accents, curly apostrophes, Cyrillic: ``fold``);
3. the value as displayed (its short name, ``FRUS, …``), folded;
4. every value holding all the wanted words, in its stored or displayed form.

Only the display is shortened: records, filters and citations keep the full name.
"""

from __future__ import annotations

import difflib
from bisect import bisect_left
from collections.abc import Sequence

from .text import fold, tokenize

#: Long names that start many values, and the short form historians use for them.
SHORT_NAMES = (("Foreign Relations of the United States", "FRUS"),)


def short_name(value: str) -> str:
    """``Foreign Relations of the United States, 1961–1963, …`` -> ``FRUS, 1961–1963, …``."""
    for long, short in SHORT_NAMES:
        if value.startswith(long):
            return short + value[len(long) :]
    return value


def expand_short_name(value: str) -> str | None:
    """The long form of a value that starts with a short name (``frus`` -> ``Foreign …``).

    None when ``value`` does not start with a short name as a whole word.
    """
    stripped = value.strip()
    for long, short in SHORT_NAMES:
        head = stripped[: len(short)]
        rest = stripped[len(short) :]
        if fold(head) == fold(short) and (not rest or not rest[0].isalnum()):
            return long + rest
    return None


def _norm(text: str) -> str:
    return " ".join(fold(text).split())


def matching_values(all_values: Sequence[str], wanted: str) -> list[int]:
    """Positions in ``all_values`` that ``wanted`` stands for (see the module docstring).

    ``all_values`` is sorted, as facets keep it: the exact tier is a binary search (were it
    not sorted, the folded tier still finds an exact value).
    """
    at = bisect_left(all_values, wanted)
    if at < len(all_values) and all_values[at] == wanted:
        return [at]
    folded = _norm(wanted)
    if not folded:
        return []
    same = [i for i, v in enumerate(all_values) if _norm(v) == folded]
    if same:
        return same
    shown = [i for i, v in enumerate(all_values) if _norm(short_name(v)) == folded]
    if shown:
        return shown
    words = set(tokenize(wanted))
    if not words:
        return []
    return [
        i
        for i, v in enumerate(all_values)
        if words <= set(tokenize(v)) | set(tokenize(short_name(v)))
    ]


WHOLE_VALUE_LIMIT = 5000
"""Up to this many values, close_values also compares whole values (else word by word)."""


def close_values(all_values: Sequence[str], wanted: str, limit: int = 5) -> list[str]:
    """Values close to ``wanted``, best first: the whole value spelled alike, then values
    with a word spelled like a word typed (``gromiko`` -> ``Gromyko, Andrei A.``)."""
    folded = _norm(wanted)
    if not folded:
        return []
    by_fold: dict[str, str] = {}
    for value in all_values:
        by_fold.setdefault(_norm(short_name(value)), value)
    found: list[str] = []
    if len(by_fold) <= WHOLE_VALUE_LIMIT:  # difflib over every value: too slow beyond
        found = [by_fold[c] for c in difflib.get_close_matches(folded, list(by_fold), limit, 0.6)]
        if len(found) >= limit:
            return found
    by_word: dict[str, list[str]] = {}
    for key, value in by_fold.items():
        for word in set(tokenize(key)):
            by_word.setdefault(word, []).append(value)
    for word in tokenize(wanted):
        for near in difflib.get_close_matches(word, list(by_word), 3, 0.75):
            for value in by_word[near]:
                if value not in found:
                    found.append(value)
                if len(found) >= limit:
                    return found
    return found


def no_value_note(field: str, wanted: str, close: Sequence[str]) -> str:
    """The sentence a search shows when a filter value matches no value of its field."""
    note = f"No {field} value matches {wanted!r}: that filter matches nothing."
    if close:
        note += " Close values: " + "; ".join(repr(short_name(v)) for v in close) + "."
    return note
