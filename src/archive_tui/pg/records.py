"""Writing records to PostgreSQL: a whole import (or removal) in one transaction.

The rows go in with COPY into a temporary table, then one upsert moves them; the
vocabulary's and the facet values' document frequencies and the BM25F totals change in
the same transaction, and ``NOTIFY archive_tui_records`` says what changed when it
commits. A failed import leaves nothing. Writers take one transaction-level advisory
lock, so two imports from two processes run one after the other and neither loses the
other's records or counts; readers are never blocked.

Records are indexed in chunks (``_CHUNK``), each with its own word positions for phrases
(pg/phrase.py); the posting lists go in by binary COPY (pg/copybin.py). Replaced and
removed versions leave dead entries in the lists; a chunk left mostly dead is rewritten
in the same transaction (pg/compact.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
import orjson

from ..dates import parse_date
from ..provenance import add_derived_fields
from ..records import validate_records
from .connection import DatabaseProblem
from .copybin import int_rows
from .doc_values import fill, fill_holding
from .nul import refuse_nul_ids, storable
from .rows import Batch, body_of, int_array, make_batch, wtf_bits

if TYPE_CHECKING:
    import psycopg

CHANNEL = "archive_tui_records"  # the app and the workspace listener use this name exactly
WRITE_LOCK = 0x41524348_5245434F & 0x7FFFFFFFFFFFFFFF  # "ARCHRECO"
_CHUNK = 20_000  # records indexed and copied at a time (bounds memory at 100k and more)
COLUMNS = (
    "id",
    "body",
    "date_start",
    "date_end",
    "date_key",
    "date_precision",
    "title_key",
    "dl",
    "fv",
    "doc",
)


def prepare(records: Iterable[object]) -> list[dict]:
    """Validate as a local import does (ValidationFailed lists every problem), derived
    fields added."""
    batch = add_derived_fields(validate_records(records))
    refuse_nul_ids(batch)  # an id is a key: NUL cannot be in one (pg/nul.py)
    for record in batch:
        parse_date(record["date"])
    return batch


def write_records(conn: psycopg.Connection, records: Sequence[dict]) -> tuple[int, int]:
    """Upsert validated ``records`` (see :func:`prepare`) in one transaction: (added, updated).

    A record equal to the stored one is left as it is (not counted). Nothing is kept if
    anything fails (DatabaseProblem says why).
    """
    import psycopg as _pg

    try:
        return _write(conn, records)
    except _pg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseProblem(f"the import failed and nothing of it was kept: {reason}") from None


def _write(conn: psycopg.Connection, records: Sequence[dict]) -> tuple[int, int]:
    added = updated = 0
    replaced: list[int] = []  # docs of the versions this import replaces
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        # GIN entries of the import gathered in a pending list and merged in bulk (much
        # faster than one by one), merged before commit so searches never scan the list
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        # (merging needs the index's owner: an importer who is not keeps the usual limit)
        cur.execute(
            "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class "
            "WHERE oid = 'archive_records_fv'::regclass"
        )
        owner = bool(cur.fetchone()[0])  # type: ignore[index]
        if owner:
            cur.execute("SET LOCAL gin_pending_list_limit = '512MB'")
        cur.execute(
            "CREATE TEMP TABLE archive_import (LIKE archive_records INCLUDING DEFAULTS) "
            "ON COMMIT DROP"
        )
        cur.execute("ALTER TABLE archive_import DROP COLUMN seq")
        for changed, stored, batch in _batches(cur, records):
            a, u = _write_chunk(cur, changed, stored, batch, replaced)
            added += a
            updated += u
        if updated:  # replaced versions' entries: chunks mostly dead are rewritten
            from .compact import compact_dead

            compact_dead(cur, replaced)
            fill_holding(cur, replaced)  # the replaced versions' seqs: 0, and dead
        if owner and (added or updated):
            cur.execute("SELECT gin_clean_pending_list('archive_records_fv'::regclass)")
        _finish(cur, added=added, updated=updated, removed=0)
    return added, updated


def _changed(
    cur: psycopg.Cursor, records: Sequence[dict]
) -> tuple[list[dict], list[str], set[str]]:
    """The records new or different from the stored ones (and their bodies), and the ids
    already stored."""
    bodies = {r["id"]: body_of(r) for r in records}
    cur.execute("SELECT id, body FROM archive_records WHERE id = ANY(%s)", (list(bodies),))
    stored = dict(cur.fetchall())
    changed = [r for r in records if stored.get(r["id"]) != bodies[r["id"]]]
    return changed, [bodies[r["id"]] for r in changed], set(stored)


def _batches(
    cur: psycopg.Cursor, records: Sequence[dict]
) -> Iterator[tuple[list[dict], set[str], Batch]]:
    """Per chunk of ``records``: those new or changed, the ids stored, and their batch.

    One after the other: indexing the next chunk in a thread while this one is copied was
    ~15% faster on a quiet machine but twice as slow on a busy one (the copying thread
    waits for the interpreter's lock at every socket write)."""
    for lo in range(0, len(records), _CHUNK):
        changed, bodies, stored = _changed(cur, records[lo : lo + _CHUNK])
        if changed:
            # NUL kept in the body, never in raw text
            yield changed, stored, storable(make_batch(changed, bodies))


def _write_chunk(
    cur: psycopg.Cursor, changed: list[dict], stored: set[str], batch: Batch, replaced: list[int]
) -> tuple[int, int]:
    """Write one chunk's new and changed records; the docs of the versions they replace
    go to ``replaced``."""
    old = [r["id"] for r in changed if r["id"] in stored]
    if old:  # the old versions' terms and values leave (their postings stay, never matching)
        cur.execute("SELECT doc, body FROM archive_records WHERE id = ANY(%(ids)s)", {"ids": old})
        found = cur.fetchall()
        replaced += [r[0] for r in found]
        _forget_terms(cur, [r[1] for r in found])
        cur.execute(
            "WITH o AS (SELECT t, count(*) AS c FROM archive_records r, unnest(r.fv) t "
            "WHERE r.id = ANY(%(ids)s) GROUP BY t) "
            "UPDATE archive_facet_values v SET df = v.df - o.c FROM o WHERE v.id = o.t",
            {"ids": old},
        )
        cur.execute(  # rows of an archive made before phrase positions (migration 0003)
            "DELETE FROM archive_streams s USING archive_records r "
            "WHERE r.id = ANY(%(ids)s) AND s.doc = r.doc",
            {"ids": old},
        )
    term_ids = _upsert_counts(
        cur,
        "archive_vocab",
        'term text COLLATE "C", df integer',
        "term",
        [(t,) for t in batch.vocab],
        batch.term_df,
    )
    value_ids = _upsert_counts(
        cur,
        "archive_facet_values",
        'field text, value text COLLATE "C", df integer',
        "field, value",
        batch.values,
        batch.value_df,
    )
    cur.execute("SELECT nextval('archive_doc') FROM generate_series(1, %s)", (len(changed),))
    # ascending, as the chunk's arrays must be (a binary search reads them)
    docs = np.sort(np.array([r[0] for r in cur.fetchall()], np.int64))
    facet_ids = value_ids[batch.value_ids]

    def rows(wanted: set[int]) -> Iterator[tuple]:
        for i in sorted(wanted):
            va, vb = batch.value_ptr[i], batch.value_ptr[i + 1]
            yield (
                batch.ids[i],
                batch.bodies[i],
                int(batch.date_start[i]),
                int(batch.date_end[i]),
                int(batch.date_key[i]),
                batch.precision[i],
                batch.titles[i],
                float(batch.dl[i]),
                int_array(facet_ids[va:vb]),
                int(docs[i]),
            )

    new = {i for i, r in enumerate(changed) if r["id"] not in stored}
    names = ", ".join(f'"{c}"' for c in COLUMNS)
    # new records straight into the table (archive order: the order copied); a concurrent
    # writer cannot have added them meanwhile (the advisory lock)
    with cur.copy(f"COPY archive_records ({names}) FROM STDIN") as copy:
        for row in rows(new):
            copy.write_row(row)
    updated = set(range(len(changed))) - new
    if updated:  # changed records: through the staging table, keeping their place
        cur.execute("TRUNCATE archive_import")
        with cur.copy(f"COPY archive_import ({names}) FROM STDIN") as copy:
            for row in rows(updated):
                copy.write_row(row)
        sets = ", ".join(f'"{c}" = s."{c}"' for c in COLUMNS if c != "id")
        cur.execute(f"UPDATE archive_records r SET {sets} FROM archive_import s WHERE r.id = s.id")
    _copy_postings(cur, batch, term_ids, docs)
    return len(new), len(updated)


def _copy_postings(
    cur: psycopg.Cursor, batch: Batch, term_ids: np.ndarray, docs: np.ndarray
) -> None:
    """The batch's chunk (its docs and segment starts) and one archive_postings row per
    term of the batch: its docs ascending, their ``wb``, its positions (binary COPY)."""
    cur.execute("SELECT nextval('archive_chunk')")
    chunk = int(cur.fetchone()[0])  # type: ignore[index]
    cur.execute(
        "INSERT INTO archive_chunks (chunk, docs, seg) VALUES (%s, %s, %s)",
        (chunk, docs.tolist(), batch.seg.tolist()),
    )
    wb = wtf_bits(batch.post_wtf, batch.post_bits)
    post_doc = np.asarray(docs)[batch.post_doc]  # ascending per term: docs grow with records
    nv = len(batch.vocab)
    ptr = batch.term_ptr
    data = int_rows(
        [term_ids, np.full(nv, chunk)],
        [(post_doc, ptr), (wb, ptr), (batch.positions, batch.pos_ptr)],
    )
    with cur.copy(
        "COPY archive_postings (term, chunk, docs, wbs, poss) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        for block in data:
            copy.write(block)
    fill(cur, [chunk])  # its records are in archive_records already


def _forget_terms(cur: psycopg.Cursor, bodies: Sequence[str]) -> None:
    """Take records' terms out of the document frequencies: their stored bodies indexed
    again by the same build, so the terms are exactly those counted when they came in."""
    if not bodies:
        return
    gone = make_batch([orjson.loads(b) for b in bodies])
    cur.execute(
        "UPDATE archive_vocab v SET df = v.df - o.c "
        "FROM unnest(%s::text[], %s::integer[]) AS o(term, c) WHERE v.term = o.term",
        (gone.vocab, np.asarray(gone.term_df).tolist()),
    )


def _upsert_counts(
    cur: psycopg.Cursor,
    table: str,
    shape: str,
    key: str,
    keys: Sequence[tuple],
    counts: np.ndarray,
) -> np.ndarray:
    """Add ``counts`` to the document frequencies of ``keys`` in ``table`` (new keys made);
    the table's ids of the keys, in order. ``table``, ``shape`` and ``key`` are ours."""
    temp = f"{table}_import"
    cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {temp} (ord integer, {shape}) ON COMMIT DROP")
    cur.execute(f"TRUNCATE {temp}")
    with cur.copy(f"COPY {temp} FROM STDIN") as copy:
        for i, (k, c) in enumerate(zip(keys, np.asarray(counts).tolist(), strict=True)):
            copy.write_row((i, *k, c))
    cur.execute(
        f"INSERT INTO {table} ({key}, df) SELECT {key}, df FROM {temp} ORDER BY {key} "
        f"ON CONFLICT ({key}) DO UPDATE SET df = {table}.df + excluded.df"
    )
    cur.execute(f"SELECT t.id FROM {temp} k JOIN {table} t USING ({key}) ORDER BY k.ord")
    found = np.array([r[0] for r in cur.fetchall()], np.int64)
    if len(found) != len(keys):  # pragma: no cover - a broken invariant, never silent
        raise DatabaseProblem(f"the {table} ids of an import did not all come back")
    return found


def remove_records(conn: psycopg.Connection, ids: Iterable[str]) -> int:
    """Delete records by id in one transaction; how many were there."""
    wanted = sorted({str(i) for i in ids})
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        cur.execute(
            "WITH gone AS (DELETE FROM archive_records WHERE id = ANY(%s) "
            "RETURNING doc, fv, body), "
            "ov AS (SELECT t, count(*) AS c FROM gone, unnest(gone.fv) t GROUP BY t), "
            "u2 AS (UPDATE archive_facet_values v SET df = v.df - ov.c FROM ov "
            "WHERE v.id = ov.t), "
            # rows of an archive made before phrase positions (migration 0003)
            "s AS (DELETE FROM archive_streams WHERE doc IN (SELECT doc FROM gone)) "
            "SELECT doc, body FROM gone",
            (wanted,),
        )
        found = cur.fetchall()
        bodies = [r[1] for r in found]
        _forget_terms(cur, bodies)
        removed = len(bodies)
        if removed:  # removed versions' entries: chunks mostly dead are rewritten
            from .compact import compact_dead

            compact_dead(cur, [r[0] for r in found])
            fill_holding(cur, [r[0] for r in found])
        _finish(cur, added=0, updated=0, removed=removed)
    return removed


def _finish(cur: psycopg.Cursor, *, added: int, updated: int, removed: int) -> None:
    """The BM25F totals, a new generation, and the notification (sent on commit)."""
    if added or updated or removed:
        cur.execute(
            "UPDATE archive_stats SET (records, total_dl) = "
            "(SELECT count(*), coalesce(sum(dl), 0) FROM archive_records), "
            "generation = generation + 1"
        )
    payload = json.dumps({"added": added, "updated": updated, "removed": removed})
    cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def ensure_schema(conn: psycopg.Connection) -> None:
    """DatabaseProblem (one sentence) when the archive tables are missing, or older or
    newer than this program's."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('archive_records') IS NOT NULL")
        row = cur.fetchone()
    if not row or not row[0]:
        raise DatabaseProblem(
            "the database has no archive yet: run archive-tui db init --db ADDRESS first."
        )
    from .migrations import pending

    missing = pending(conn)  # (and refuses a database newer than this program)
    if missing:
        names = ", ".join(f"{m.version:04d}_{m.name}" for m in missing)
        raise DatabaseProblem(
            f"the archive's schema is older than this archive-tui ({names} not applied): "
            "run archive-tui db migrate --db ADDRESS."
        )
