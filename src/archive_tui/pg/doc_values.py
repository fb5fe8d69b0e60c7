"""Each chunk's doc values: per record version, its seq, weighted length and date key.

A search of words (chunk_search.py) scores and orders its matches from these arrays,
read once per chunk, instead of joining every match to ``archive_records`` (that join
was most of a common word's search). Migration 0004 made the columns. Whoever writes a
chunk, or changes which of its versions are live (an update, a removal), fills them
again in the same transaction: a chunk is a few tens of thousands of docs, so the
rewrite is a few milliseconds a chunk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psycopg

INTARRAY = "archive_intarray"  # the schema of the intarray functions (migration 0004)

# the same statement as migration 0004's, for the chunks named
_FILL = (
    "UPDATE archive_chunks c "
    "SET first = v.first, seqs = v.seqs, dls = v.dls, date_keys = v.date_keys, dead = v.dead "
    "FROM (SELECT ch.chunk, min(d.doc) AS first, "
    "array_agg(coalesce(r.seq, 0) ORDER BY d.doc) AS seqs, "
    "array_agg(coalesce(r.dl, 0) ORDER BY d.doc) AS dls, "
    "array_agg(coalesce(r.date_key, 0) ORDER BY d.doc) AS date_keys, "
    "coalesce(array_agg(d.doc ORDER BY d.doc) FILTER (WHERE r.doc IS NULL), '{}') AS dead "
    "FROM archive_chunks ch "
    "CROSS JOIN LATERAL generate_series(ch.docs[1], ch.docs[cardinality(ch.docs)]) AS d(doc) "
    "LEFT JOIN archive_records r ON r.doc = d.doc "
    "WHERE ch.chunk = ANY(%s) GROUP BY ch.chunk) v "
    "WHERE c.chunk = v.chunk"
)


def fill(cur: psycopg.Cursor, chunks: Sequence[int]) -> None:
    """Fill (again) the doc values of ``chunks`` from the records as they are now."""
    if chunks:
        cur.execute(_FILL, (list(chunks),))


def fill_holding(cur: psycopg.Cursor, docs: Sequence[int]) -> None:
    """Fill again the chunks holding any of ``docs`` (versions just replaced or removed:
    their seq becomes 0 and they join the chunk's dead docs)."""
    if not docs:
        return
    cur.execute(
        "SELECT DISTINCT ch.chunk FROM archive_chunks ch, unnest(%s::integer[]) AS g(doc) "
        "WHERE g.doc BETWEEN ch.docs[1] AND ch.docs[cardinality(ch.docs)]",
        (list(docs),),
    )
    fill(cur, [r[0] for r in cur.fetchall()])
