"""Records as rows of ``archive_records``: terms, their positions, facets, dates.

Everything a search compares is made by the local index's own build
(:meth:`index.TokenIndex.build`, compiled when available), so PostgreSQL never folds or
tokenizes: ``Громыко``, ``Manac’h`` and ``Piné`` are the same words in both backends, and a
term's weighted frequency, a record's weighted length, its facet values and date interval
are the local index's, array for array.

Positions are the local index's token slots of the batch (one position space a batch,
record after record, field after field): a word, or an apostrophe word whose parts
(``gaulle`` and ``s`` of ``gaulle's``) share its position; a gap slot (the end of a field
or of a list item, a token with no letters) holds no term, so no phrase crosses one.
``seg`` says where each (record, field) segment starts. A phrase is then consecutive
positions of its words (pg/phrase.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import orjson

from ..dates import DateError, parse_date
from ..facets import FACET_FIELDS
from ..index import NF, TokenIndex

assert NF <= 11, "FIELD_BITS below holds index.TEXT_FIELDS bits"


@dataclass
class Batch:
    """A batch of records made searchable: per record (in batch order) and per term/value."""

    ids: list[str]
    bodies: list[str]
    date_start: np.ndarray
    date_end: np.ndarray
    date_key: np.ndarray
    precision: list[str | None]
    titles: list[str]
    dl: np.ndarray
    vocab: list[str]  # the batch's terms, sorted
    term_df: np.ndarray  # records of the batch holding each
    term_ptr: np.ndarray  # per batch term: its slice of post_doc / post_wtf / post_bits
    post_doc: np.ndarray  # batch record numbers, by term then record (ascending)
    post_wtf: np.ndarray
    post_bits: np.ndarray
    pos_ptr: np.ndarray  # per batch term: its slice of positions
    positions: np.ndarray  # int32, ascending per term (parts at their word's position)
    seg: np.ndarray  # int32, n * NF: first position of each (record, field) segment
    values: list[tuple[str, str]]  # (field, value) of the batch, each once
    value_df: np.ndarray
    value_ptr: np.ndarray  # per record: its slice of value_ids
    value_ids: np.ndarray  # batch value ids, by record


def body_of(record: dict) -> str:
    """The stored text of a record: JSON, keys in order, every character."""
    return orjson.dumps(record).decode("utf-8")


def make_batch(records: Sequence[dict], bodies: Sequence[str] | None = None) -> Batch:
    """Index ``records`` (validated, derived fields added) the way the local engine does
    (``bodies``: their :func:`body_of`, when made already)."""
    index = TokenIndex.build(records)
    n = index.n
    counts = np.diff(index.term_ptr)
    values, value_df, value_ptr, value_ids = _facet_entries(index, n)
    return Batch(
        ids=[r["id"] for r in records],
        bodies=list(bodies) if bodies is not None else [body_of(r) for r in records],
        date_start=np.asarray(index.date_start),
        date_end=np.asarray(index.date_end),
        date_key=np.asarray(index.date_key),
        precision=_precisions(records),
        titles=list(index.titles),
        dl=np.asarray(index._doc_len, np.float64),
        vocab=list(index.vocab),
        term_df=counts,
        term_ptr=np.asarray(index.term_ptr, np.int64),
        post_doc=np.asarray(index.post_doc),
        post_wtf=np.asarray(index.post_wtf),
        post_bits=np.asarray(index.post_fields),
        pos_ptr=np.asarray(index.pos_ptr, np.int64),
        positions=_sorted_positions(index),
        seg=_int32(index.seg_start),
        values=values,
        value_df=value_df,
        value_ptr=value_ptr,
        value_ids=value_ids,
    )


def _sorted_positions(index: TokenIndex) -> np.ndarray:
    """Each term's positions ascending (the build makes them so; checked, as a binary
    search of them relies on it)."""
    pos = _int32(index.positions)
    ptr = np.asarray(index.pos_ptr, np.int64)
    if len(pos) > 1:
        down = pos[1:] < pos[:-1]
        down[ptr[1:-1][(ptr[1:-1] > 0) & (ptr[1:-1] < len(pos))] - 1] = False  # term bounds
        if down.any():  # pragma: no cover - not made by the build today
            term = np.repeat(np.arange(len(ptr) - 1), np.diff(ptr))
            pos = pos[np.lexsort((pos, term))]
    return pos


def _int32(values: np.ndarray) -> np.ndarray:
    """Positions as stored (integer[]): a batch of over 2**31 tokens is refused, never cut."""
    out = np.asarray(values)
    if len(out) and int(out.max()) > 2**31 - 1:  # pragma: no cover - ~3 million records
        raise ValueError("an import chunk with too many words to number; import fewer at once")
    return out.astype(np.int32, copy=False)


def _facet_entries(
    index: TokenIndex, n: int
) -> tuple[list[tuple[str, str]], np.ndarray, np.ndarray, np.ndarray]:
    """Every (field, value) of the batch, how many records hold each, and per record its
    value ids (a CSR by record)."""
    values: list[tuple[str, str]] = []
    docs_l, ids_l = [], []
    for name in FACET_FIELDS:
        facet = index.facets[name]
        base = len(values)
        values += [(name, v) for v in facet.values]
        docs_l.append(np.asarray(facet.entry_doc, np.int64))
        ids_l.append(np.asarray(facet.entry_value, np.int64) + base)
    docs = np.concatenate(docs_l) if docs_l else np.zeros(0, np.int64)
    ids = np.concatenate(ids_l) if ids_l else np.zeros(0, np.int64)
    order = np.argsort(docs, kind="stable")
    docs, ids = docs[order], ids[order]
    ptr = np.searchsorted(docs, np.arange(n + 1))
    df = np.bincount(ids, minlength=len(values))
    return values, df, ptr, ids


def _precisions(records: Sequence[dict]) -> list[str | None]:
    seen: dict[object, str | None] = {}
    out: list[str | None] = []
    for record in records:
        value = record.get("date")
        if value not in seen:
            try:
                seen[value] = parse_date(value).precision
            except (DateError, TypeError, AttributeError):
                seen[value] = None
        out.append(seen[value])
    return out


def int_array(values: Sequence[int] | np.ndarray) -> str:
    """A PostgreSQL array literal of integers (COPY text)."""
    return "{" + ",".join(map(str, np.asarray(values).tolist())) + "}"


FIELD_BITS = 12  # the low bits of a ``wb`` entry: index.NF field bits, then COMPOSITE
# (rows written before migration 0003 only): the term is in a phrase-stream slot with parts
# ("gaulles/gaulle/s") in that record
COMPOSITE = 1 << 11


def wtf_bits(wtf: np.ndarray, bits: np.ndarray, composite: np.ndarray | None = None) -> np.ndarray:
    """``wb`` entries: the weighted tf in halves (exact: weights are halves) above the field
    bits and the COMPOSITE bit."""
    halves = np.rint(np.asarray(wtf, np.float64) * 2).astype(np.int64)
    out = (halves << FIELD_BITS) | np.asarray(bits, np.int64)
    if composite is not None:
        out |= np.where(composite, COMPOSITE, 0)
    if len(out) and int(out.max()) > 2**31 - 1:  # a word ~250,000 times in one record
        raise ValueError("a weighted term frequency too large to store")
    return out
