"""Records as rows of ``archive_records``: terms, the phrase stream, facets, dates.

Everything a search compares is made by the local index's own build
(:meth:`index.TokenIndex.build`, compiled when available), so PostgreSQL never folds or
tokenizes: ``Громыко``, ``Manac’h`` and ``Piné`` are the same words in both backends, and a
term's weighted frequency, a record's weighted length, its facet values and date interval
are the local index's, array for array.

The phrase stream is one slot per token position, separated by spaces: a word, or an
apostrophe word with its parts (``gaulles/gaulle/s``: the local index puts the parts at
the word's position); ``|`` is a gap (the end of a field or of a list item, a token with
no letters); ``#N`` starts field N of ``index.TEXT_FIELDS``. A phrase is then a regular
expression over consecutive slots that cannot cross a gap or a field.
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

GAP = "|"


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
    doc_ptr: np.ndarray  # per record: its slice of post_term / post_wtf / post_bits
    post_term: np.ndarray  # batch term ids, by record then term
    post_wtf: np.ndarray
    post_bits: np.ndarray
    streams: list[str]
    composite: list[str]  # terms of the batch in a stream slot with parts ("gaulles/gaulle/s")
    post_composite: np.ndarray  # per posting: the term is in such a slot in that record
    values: list[tuple[str, str]]  # (field, value) of the batch, each once
    value_df: np.ndarray
    value_ptr: np.ndarray  # per record: its slice of value_ids
    value_ids: np.ndarray  # batch value ids, by record


def body_of(record: dict) -> str:
    """The stored text of a record: JSON, keys in order, every character."""
    return orjson.dumps(record).decode("utf-8")


def make_batch(records: Sequence[dict]) -> Batch:
    """Index ``records`` (validated, derived fields added) the way the local engine does."""
    index = TokenIndex.build(records)
    n = index.n
    nv = len(index.vocab)
    counts = np.diff(index.term_ptr)
    post_tid = np.repeat(np.arange(nv, dtype=np.int64), counts)
    order = np.lexsort((post_tid, index.post_doc))
    docs = np.asarray(index.post_doc)[order]
    doc_ptr = np.searchsorted(docs, np.arange(n + 1))
    values, value_df, value_ptr, value_ids = _facet_entries(index, n)
    return Batch(
        ids=[r["id"] for r in records],
        bodies=[body_of(r) for r in records],
        date_start=np.asarray(index.date_start),
        date_end=np.asarray(index.date_end),
        date_key=np.asarray(index.date_key),
        precision=_precisions(records),
        titles=list(index.titles),
        dl=np.asarray(index._doc_len, np.float64),
        vocab=list(index.vocab),
        term_df=counts,
        doc_ptr=doc_ptr,
        post_term=post_tid[order],
        post_wtf=np.asarray(index.post_wtf)[order],
        post_bits=np.asarray(index.post_fields)[order],
        streams=_streams(index, n),
        composite=_composite(index),
        post_composite=_post_composite(index, docs, post_tid[order]),
        values=values,
        value_df=value_df,
        value_ptr=value_ptr,
        value_ids=value_ids,
    )


def _streams(index: TokenIndex, n: int) -> list[str]:
    """Each record's phrase stream (see the module docstring)."""
    stream = np.asarray(index.stream)
    words = np.empty(len(index.vocab) + 1, dtype=object)
    words[0] = GAP
    words[1:] = index.vocab
    slots = words[stream + 1]  # -1 (a gap) -> "|"
    parts = np.asarray(index.part_positions)
    if len(parts):
        part_term = np.repeat(np.arange(len(index.vocab)), np.diff(index.part_ptr))
        for pos, tid in zip(parts.tolist(), part_term.tolist(), strict=True):
            slots[pos] = f"{slots[pos]}/{index.vocab[tid]}"
    seg = np.asarray(index.seg_start)
    marks = seg  # every field segment ends with a gap, so it is never empty
    for f in range(NF):
        at = marks[f::NF]
        slots[at] = [f"#{f} {s}" for s in slots[at].tolist()]
    ends = np.append(seg[::NF][1:], len(stream))
    starts = seg[::NF]
    return [
        " ".join(slots[a:b].tolist()) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def _composite(index: TokenIndex) -> list[str]:
    """The terms in a slot with parts: the apostrophe words and their parts."""
    parts = np.asarray(index.part_positions)
    if not len(parts):
        return []
    stream = np.asarray(index.stream)
    part_term = np.repeat(np.arange(len(index.vocab)), np.diff(index.part_ptr))
    ids = np.unique(np.concatenate([stream[parts], part_term]))
    return [index.vocab[i] for i in ids.tolist() if i >= 0]


def _post_composite(index: TokenIndex, docs: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """Per posting (sorted by record, then term): is the term in a slot with parts in that
    record? A phrase of words in none is found there by a plain substring."""
    out = np.zeros(len(docs), bool)
    parts = np.asarray(index.part_positions, np.int64)
    if not len(parts) or not len(docs):
        return out
    stream = np.asarray(index.stream)
    part_term = np.repeat(np.arange(len(index.vocab)), np.diff(index.part_ptr))
    starts = np.asarray(index.seg_start, np.int64)[::NF]
    pos = np.concatenate([parts, parts])
    tid = np.concatenate([stream[parts], part_term]).astype(np.int64)
    keep = tid >= 0
    doc = np.searchsorted(starts, pos[keep], side="right") - 1
    nv = len(index.vocab)
    keys = docs.astype(np.int64) * nv + terms
    wanted = np.unique(doc * nv + tid[keep])
    at = np.searchsorted(keys, wanted)
    found = (at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] == wanted)
    out[at[found]] = True
    return out


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
COMPOSITE = 1 << 11  # the term is in a phrase-stream slot with parts in that record


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
