"""The search's filters (the filter panel's choices) as SQL conditions over the records.

Each active filter becomes one condition, by field, so that a facet can be counted without
its own filter (result.py); and, for a search of filters only, the same filters as value
ids and a date range that the facet arrays answer (facet_counts.FacetArrays.filter_rows).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..annotation_search import ANNOTATION_FACETS
from ..facets import FACET_FIELDS
from ..search import QUERY_FIELD_NAMES, Filters, filter_date_range
from .compile import FALSE, Compiler, date_sql


def filter_sql(
    archive: Any,
    c: Compiler,
    filters: Filters,
    notes: list[str],
    annot: Any = None,
    plain: dict[str, Any] | None = None,
) -> dict[str, str]:
    """One SQL condition per active filter (search.filter_masks), by field; the same as
    value ids and a date range in ``plain`` (and whether workspace filters are active)."""
    out: dict[str, str] = {}
    plain = {} if plain is None else plain
    plain.update(values={}, dates=None)
    for name, values in filters.facets.items():
        name = QUERY_FIELD_NAMES.get(name, name)
        if name in ANNOTATION_FACETS:
            continue
        if name not in FACET_FIELDS or not values:
            continue
        found: list[int] = []
        for value in values:
            found += archive.match_values(name, value, notes)
        cond = c.values_in(list(dict.fromkeys(found)))
        out[name] = cond if name not in out else f"({out[name]} OR {cond})"
        plain["values"].setdefault(name, []).extend(found)
    start, end = filter_date_range(filters, notes)
    if start is not None or end is not None:
        out["date"] = date_sql(c, start, end)
        plain["dates"] = (start, end)
    mine = annotation_filters(c, filters, notes, annot)
    plain["annotations"] = bool(mine)
    out.update(mine)
    return out


def annotation_filters(
    c: Compiler, filters: Filters, notes: list[str], annot: Any
) -> dict[str, str]:
    """The ``tags`` / ``lists`` filters (without a workspace: they match nothing)."""
    if annot is None:
        return {f: FALSE for f in ANNOTATION_FACETS if filters.facets.get(f)}
    masks = annot.search.filter_masks(filters.facets, notes)
    return {name: c.seq_in(annot.seqs(np.flatnonzero(mask)))[0] for name, mask in masks.items()}
