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


def date_key_bounds(archive: Any, plain: dict[str, Any]) -> tuple[int | None, int | None]:
    """A range of ``date_key`` (lowest, past the highest) that holds every record the
    filters keep, so that a walk of the date index starts and stops there
    (chunk_statement.py): a year or decade filter's years (a record's year is that of its
    first day); a date filter's range, widened by a year below (a record covers at most a
    year, so one that ends in the range starts at most 366 days before it)."""
    from datetime import date

    by_id = archive._facet_table()["by_id"]
    lows: list[int] = []
    highs: list[int] = []
    for name, width in (("year", 1), ("decade", 10)):
        ids = plain["values"].get(name)
        if not ids:
            continue
        try:
            firsts = [int(by_id[vid][1].rstrip("s")) for vid in ids]
            lows.append(date(min(firsts), 1, 1).toordinal() * 4)
            highs.append(date(max(firsts) + width, 1, 1).toordinal() * 4)
        except (KeyError, ValueError):  # a value we cannot read as years: no bound
            continue
    start, end = plain["dates"] or (None, None)
    if start is not None:
        lows.append((start - 366) * 4)
    if end is not None:
        highs.append((end + 1) * 4)
    return (max(lows) if lows else None), (min(highs) if highs else None)


def date_bounds(c: Compiler, bounds: tuple[int | None, int | None]) -> list[str]:
    """:func:`date_key_bounds` as conditions on ``r.date_key``."""
    lo, hi = bounds
    return ([f"r.date_key >= {c.param(lo)}"] if lo is not None else []) + (
        [f"r.date_key < {c.param(hi)}"] if hi is not None else []
    )
