"""Suggestions for unknown words ("did you mean") of a PostgreSQL archive, as search.suggest.

Asking the database for every word of a similar length and measuring the edit distance
of each in Python took ~1 s at 100k records (70,000 candidates) for every search that
found nothing — every typo while typing. As the local engine does, the suggestible words
(df >= 2 where there are >= 50 records, letters only, >= 3 letters) are read once per
database generation, the first time a search finds nothing, with their letter counts;
a cheap lower bound of the edit distance (the bag distance) leaves a few candidates for
the exact measure.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..search import _levenshtein, near_by_letters


def suggestion_table(archive: Any, min_df: int) -> tuple[list[str], np.ndarray, Any, Any]:
    """(words, their df, lengths, letter histograms) sorted by length (cached per
    generation on the archive)."""
    key = f"suggest:{min_df}"
    found = archive._cache.get(key)
    if found is None:
        rows = archive._query(
            "SELECT term, df FROM archive_vocab WHERE df >= %s AND char_length(term) >= 3",
            (min_df,),
        )
        rows = sorted((r for r in rows if r[0].isalpha()), key=lambda r: len(r[0]))
        words = [t for t, _ in rows]
        df = np.array([d for _, d in rows], np.int64)
        lengths = np.fromiter(map(len, words), np.int32, len(words))
        blob = np.frombuffer("".join(words).encode("utf-32-le"), np.uint32)
        cols = np.where((blob >= 97) & (blob <= 122), blob - 97, 26).astype(np.intp)
        hist = np.zeros((len(words), 27), np.int16)
        np.add.at(hist, (np.repeat(np.arange(len(words)), lengths), cols), 1)
        found = archive._cache[key] = (words, df, lengths, np.minimum(hist, 100).astype(np.int8))
    return found


def suggest_words(archive: Any, unknown: list[str], min_df: int, limit: int) -> list[str]:
    """Known words within edit distance 2 of the ``unknown`` ones (the first four), most
    frequent first, then alphabetical (search.suggest)."""
    words, df, lengths, hist = suggestion_table(archive, min_df)
    found: dict[str, int] = {}
    for word in unknown[:4]:
        if not 3 <= len(word) <= 40:
            continue
        for i in near_by_letters(word, lengths, hist).tolist():
            if _levenshtein(word, words[i], 2) <= 2:
                found[words[i]] = max(found.get(words[i], 0), int(df[i]))
    return sorted(found, key=lambda t: (-found[t], t))[:limit]
