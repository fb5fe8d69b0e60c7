"""Facet values a filter or a field term stands for, field by field.

Most fields match a wanted value as the user sees it (:func:`values.matching_values`).
Two know more: ``admin`` reads a president's name, nickname or initials
(``admin:jfk``, ``admin:"John F. Kennedy"``: administrations.match_admin), and ``people``
matches every name of a person whichever variant is typed (people_facet). The
``admin:``, ``class:``, ``handling:`` and ``repo:`` query fields are facet filters written
in the query (query.FacetValue).
"""

from __future__ import annotations

import numpy as np

from .administrations import match_admin
from .people_facet import person_value_ids, person_words_mask
from .query import FacetValue, Phrase, Term
from .values import close_values, matching_values, no_value_note


def value_ids(index, field: str, wanted: str) -> list[int]:
    """Ids of ``index.facets[field]``'s values that ``wanted`` stands for (may be empty)."""
    if field == "people":
        return person_value_ids(index, wanted)
    values = index.facets[field].values
    if field == "admin":
        names = set(match_admin(wanted))
        if names:
            return [i for i, v in enumerate(values) if v in names]
    return matching_values(values, wanted)


def facet_value_mask(index, node: FacetValue, notes: list[str]) -> np.ndarray:
    """Records holding a value of ``node.field`` that ``node.value`` stands for."""
    mask = np.zeros(index.n, bool)
    facet = index.facets.get(node.field)
    if facet is None:  # pragma: no cover - every FacetValue field is a facet
        return mask
    found = value_ids(index, node.field, node.value)
    if not found:
        close = close_values(facet.values, node.value)
        notes.append(no_value_note(node.field, node.value, close))
        return mask
    wanted = np.zeros(len(facet.values) + 1, bool)
    wanted[found] = True
    mask[np.asarray(facet.entry_doc)[wanted[np.asarray(facet.entry_value)]]] = True
    return mask


def person_term_mask(index, node: Term | Phrase) -> np.ndarray | None:
    """For ``person:`` words, the records of every person one of whose names holds them
    (ORed with the words' own matches); None for other nodes and wildcard words."""
    if node.field != "people":
        return None
    if isinstance(node, Term):
        if node.kind != "word":
            return None
        words = [node.text]
    else:
        words = list(node.tokens)
    return person_words_mask(index, words)
