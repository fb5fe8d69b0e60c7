"""Records as rows of ``archive_records``: folded terms, the phrase stream, facets, dates.

Everything a search compares is computed here in Python with the local index's own
tokenizer (:mod:`archive_tui.text`) and metadata (:func:`facets.build_record_meta`), so
PostgreSQL never folds or tokenizes: ``Громыко``, ``Manac’h`` and ``Piné`` are the same
words in both backends, and a term's weighted frequency is the local index's.

The phrase stream is one slot per token position, separated by spaces: a word, or an
apostrophe word with its parts (``gaulles/gaulle/s``, all at one position, as the local
index puts them); ``|`` is a gap (end of a list item, a token with no letters); ``#N``
starts field N of ``index.TEXT_FIELDS``. A phrase is then a regular expression over
consecutive slots that cannot cross a gap or a field.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import orjson

from ..facets import FACET_FIELDS, build_record_meta
from ..index import _LIST, FIELD_WEIGHTS, TEXT_FIELDS
from ..text import canonical, fold, fold_bytes, token_parts

#: The columns of archive_records an import writes, in COPY order.
COLUMNS = (
    "id",
    "body",
    "date_start",
    "date_end",
    "date_key",
    "date_precision",
    "title_key",
    "dl",
    "postings",
    "stream",
    *FACET_FIELDS,
)
GAP = "|"


def record_terms(record: dict) -> tuple[dict[str, list], str, float]:
    """``({term: [weighted tf, field bits]}, phrase stream, weighted length)`` of a record."""
    postings: dict[str, list] = {}
    slots: list[str] = []
    add_slot = slots.append
    for bit, name in enumerate(TEXT_FIELDS):
        add_slot(f"#{bit}")
        value = record.get(name)
        if not value:
            continue
        if isinstance(value, str):
            items: Sequence[object] = (value,)
            gaps = False
        elif name in _LIST and isinstance(value, list):
            items, gaps = value, True
        else:
            continue
        weight = FIELD_WEIGHTS[name]
        flag = 1 << bit
        for item in items:
            if not isinstance(item, str):
                continue
            for raw in fold_bytes(item).split():
                token = canonical(raw)
                if not token:
                    add_slot(GAP)  # the local index reads a token without letters as a gap
                    continue
                words = [token.decode("utf-8", "surrogatepass")]
                words += [p.decode("utf-8", "surrogatepass") for p in token_parts(raw)]
                for word in words:
                    entry = postings.get(word)
                    if entry is None:
                        postings[word] = [weight, flag]
                    else:
                        entry[0] += weight
                        entry[1] |= flag
                add_slot("/".join(words))
            if gaps:
                add_slot(GAP)
    dl = float(sum(entry[0] for entry in postings.values()))
    return postings, " ".join(slots), dl


def _per_record(facet, n: int) -> list[list[str]]:
    out: list[list[str]] = [[] for _ in range(n)]
    values = facet.values
    for doc, value in zip(
        np.asarray(facet.entry_doc).tolist(), np.asarray(facet.entry_value).tolist(), strict=True
    ):
        out[doc].append(values[value])
    return out


def record_rows(records: Sequence[dict]) -> list[tuple]:
    """One tuple of COLUMNS per record (validated records, derived fields added)."""
    n = len(records)
    meta = build_record_meta(records)
    facet_lists = {name: _per_record(meta.facets[name], n) for name in FACET_FIELDS}
    precisions = _precisions(records)
    rows = []
    for i, record in enumerate(records):
        postings, stream, dl = record_terms(record)
        rows.append(
            (
                record["id"],
                orjson.dumps(record).decode("utf-8"),
                int(meta.date_start[i]),
                int(meta.date_end[i]),
                int(meta.date_key[i]),
                precisions[i],
                fold(str(record.get("title", ""))),
                dl,
                orjson.dumps(postings).decode("utf-8"),
                stream,
                *(facet_lists[name][i] for name in FACET_FIELDS),
            )
        )
    return rows


def _precisions(records: Sequence[dict]) -> list[str | None]:
    from ..dates import DateError, parse_date

    out: list[str | None] = []
    for record in records:
        try:
            out.append(parse_date(record["date"]).precision)
        except (DateError, KeyError, TypeError):
            out.append(None)
    return out
