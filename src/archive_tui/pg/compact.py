"""Compacting the posting lists: entries of replaced and removed record versions leave.

An import never rewrites older posting rows: a record updated or removed leaves its old
version's docs and positions in them (they never match: a search joins the lists to the
live records). Compaction re-indexes, from their stored bodies, the live records of every
chunk that carries many such dead entries (or is small, from many small imports, or was
written before phrase positions, migration 0003), and replaces that chunk's rows with
rows of the live records only. Doc numbers, document frequencies, facet values and
records stay as they are, so searches find exactly what they found before (the generation
grows: readers' caches of the lists are dropped).

One transaction under the writers' lock (records.WRITE_LOCK): a failed compaction leaves
the lists as they were, and an import waits for it (readers never do).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import orjson

from . import records as _records
from .connection import DatabaseProblem
from .rows import make_batch

if TYPE_CHECKING:
    import psycopg

DEAD_SHARE = 0.2  # a chunk with at least this share of dead docs is rewritten
SMALL_SHARE = 0.25  # ... and one with fewer live docs than this share of a full chunk
WRITE_DEAD_SHARE = 0.5  # an import or removal rewrites, in its transaction, chunks this dead


@dataclass
class Compacted:
    """What a compaction did."""

    chunks: int  # chunks rewritten (including the pre-0003 rows, counted as one)
    records: int  # live records indexed anew
    dead: int  # dead posting entries gone

    def to_dict(self) -> dict[str, int]:
        return {"chunks": self.chunks, "records": self.records, "dead_entries": self.dead}


def compact(conn: psycopg.Connection, *, everything: bool = False) -> Compacted:
    """Rewrite the chunks worth it (``everything``: all of them) in one transaction."""
    import psycopg as _pg

    try:
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_records.WRITE_LOCK,))
            return _compact(cur, everything)
    except (_pg.Error, DatabaseProblem) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseProblem(f"the compaction failed and changed nothing: {reason}") from None


def compact_dead(cur: psycopg.Cursor, gone: list[int]) -> Compacted:
    """In a writer's transaction (the lock held), after versions ``gone`` (docs) were
    replaced or removed: rewrite the chunks among theirs that are mostly dead (a share of
    WRITE_DEAD_SHARE), so that dead entries never pile up for long."""
    if not gone:
        return Compacted(0, 0, 0)
    return _compact(
        cur, False, dead_share=WRITE_DEAD_SHARE, merge_small=False, near=(min(gone), max(gone))
    )


def _compact(
    cur: psycopg.Cursor,
    everything: bool,
    *,
    dead_share: float = DEAD_SHARE,
    merge_small: bool = True,
    near: tuple[int, int] | None = None,
) -> Compacted:
    full = _records._CHUNK
    small = SMALL_SHARE * full if merge_small else 0
    # (``near``: only the chunks whose docs, ascending, overlap that range)
    lo, hi = near if near is not None else (None, None)
    cur.execute(
        "SELECT ch.chunk, count(*), count(r.doc) FROM archive_chunks ch "
        "CROSS JOIN LATERAL unnest(ch.docs) AS d(doc) "
        "LEFT JOIN archive_records r ON r.doc = d.doc "
        "WHERE %(lo)s::integer IS NULL "
        "OR (ch.docs[1] <= %(hi)s AND ch.docs[cardinality(ch.docs)] >= %(lo)s) "
        "GROUP BY ch.chunk",
        {"lo": lo, "hi": hi},
    )
    chosen = [
        chunk
        for chunk, size, live in cur.fetchall()
        if everything or size - live >= dead_share * size or live < small
    ]
    legacy = False
    if merge_small:
        cur.execute("SELECT EXISTS (SELECT 1 FROM archive_postings WHERE chunk IS NULL)")
        legacy = bool(cur.fetchone()[0])  # type: ignore[index]
    if not chosen and not legacy:
        return Compacted(0, 0, 0)
    # the live records of those chunks, and (pre-0003) those in no chunk, in doc order
    cur.execute(
        "SELECT r.doc, r.body FROM archive_records r LEFT JOIN "
        "(SELECT ch.chunk, d.doc FROM archive_chunks ch, unnest(ch.docs) AS d(doc)) c "
        "ON c.doc = r.doc WHERE c.chunk = ANY(%(c)s) OR (%(legacy)s AND c.chunk IS NULL) "
        "ORDER BY r.doc",
        {"c": chosen, "legacy": legacy},
    )
    rows = cur.fetchall()
    cur.execute(
        "WITH gone AS (DELETE FROM archive_postings WHERE chunk = ANY(%(c)s) "
        "OR (%(legacy)s AND chunk IS NULL) RETURNING cardinality(docs) AS n) "
        "SELECT coalesce(sum(n), 0) FROM gone",
        {"c": chosen, "legacy": legacy},
    )
    before = int(cur.fetchone()[0])  # type: ignore[index]
    cur.execute("DELETE FROM archive_chunks WHERE chunk = ANY(%s)", (chosen,))
    if legacy:  # pre-0003 texts: every record is in a chunk now
        cur.execute("DELETE FROM archive_streams")
    after = 0
    for lo in range(0, len(rows), full):
        part = rows[lo : lo + full]
        bodies = [body for _, body in part]
        batch = make_batch([orjson.loads(b) for b in bodies], bodies)
        cur.execute(
            "SELECT v.id FROM unnest(%s::text[]) WITH ORDINALITY AS k(term, ord) "
            "JOIN archive_vocab v ON v.term = k.term ORDER BY k.ord",
            (batch.vocab,),
        )
        term_ids = np.array([r[0] for r in cur.fetchall()], np.int64)
        if len(term_ids) != len(batch.vocab):  # a broken invariant, never silent
            raise DatabaseProblem("a live record's word is missing from the vocabulary")
        _records._copy_postings(cur, batch, term_ids, np.array([d for d, _ in part], np.int64))
        after += len(batch.post_doc)
    # readers cache per generation what the lists look like (pg/archive.py: which words
    # still have rows without positions): a new one tells them the lists changed
    cur.execute("UPDATE archive_stats SET generation = generation + 1")
    return Compacted(len(chosen) + int(legacy), len(rows), before - after)
