"""Writing records to PostgreSQL: a whole import (or removal) in one transaction.

The rows go in with COPY into a temporary table, then one upsert moves them; the
vocabulary's document frequencies and the BM25F totals change in the same transaction,
and ``NOTIFY archive_tui_records`` says what changed when it commits. A failed import
leaves nothing. Writers take one transaction-level advisory lock, so two imports from two
processes run one after the other and neither loses the other's records or counts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..dates import parse_date
from ..provenance import add_derived_fields
from ..records import validate_records
from .connection import DatabaseProblem
from .rows import COLUMNS, record_rows

if TYPE_CHECKING:
    import psycopg

CHANNEL = "archive_tui_records"  # the app and the workspace listener use this name exactly
WRITE_LOCK = 0x41524348_5245434F & 0x7FFFFFFFFFFFFFFF  # "ARCHRECO"
_BATCH = 5000  # rows made and copied at a time (bounds memory at 100k records)


def prepare(records: Iterable[object]) -> list[dict]:
    """Validate as a local import does (ValidationFailed lists every problem), derived
    fields added."""
    batch = add_derived_fields(validate_records(records))
    for record in batch:
        parse_date(record["date"])
    return batch


def _staging(cur: psycopg.Cursor) -> None:
    cur.execute(
        "CREATE TEMP TABLE archive_import (LIKE archive_records INCLUDING DEFAULTS, "
        "ord bigint) ON COMMIT DROP"
    )
    cur.execute("ALTER TABLE archive_import DROP COLUMN seq")


def write_records(conn: psycopg.Connection, records: Sequence[dict]) -> tuple[int, int]:
    """Upsert validated ``records`` (see :func:`prepare`) in one transaction: (added, updated).

    A record equal to the stored one is left as it is (not counted). Runs inside a
    transaction of its own; nothing is kept if anything fails (DatabaseProblem says why).
    """
    import psycopg as _pg

    try:
        return _write(conn, records)
    except _pg.Error as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseProblem(
            f"the import failed and nothing of it was kept: {reason}"
        ) from None


def _write(conn: psycopg.Connection, records: Sequence[dict]) -> tuple[int, int]:
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        _staging(cur)
        cols = ", ".join(f'"{c}"' for c in (*COLUMNS, "ord"))
        with cur.copy(f"COPY archive_import ({cols}) FROM STDIN") as copy:
            for lo in range(0, len(records), _BATCH):
                part = records[lo : lo + _BATCH]
                for i, row in enumerate(record_rows(part), start=lo):
                    copy.write_row((*row, i))
        # records new or different from the stored ones
        cur.execute(
            "DELETE FROM archive_import s USING archive_records r "
            "WHERE r.id = s.id AND r.body = s.body"
        )
        # the old versions' terms leave the vocabulary
        cur.execute(
            "WITH old AS (SELECT k, count(*) AS c FROM archive_records r "
            "JOIN archive_import s ON s.id = r.id, jsonb_object_keys(r.postings) AS k "
            "GROUP BY k) "
            "UPDATE archive_vocab v SET df = v.df - old.c FROM old WHERE v.term = old.k"
        )
        names = ", ".join(f'"{c}"' for c in COLUMNS)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in COLUMNS if c != "id")
        cur.execute(
            f"INSERT INTO archive_records ({names}) SELECT {names} FROM archive_import "
            f"ORDER BY ord ON CONFLICT (id) DO UPDATE SET {updates} "
            "RETURNING (xmax = 0)"
        )
        inserted = [row[0] for row in cur.fetchall()]
        added = sum(1 for x in inserted if x)
        updated = len(inserted) - added
        cur.execute(
            "INSERT INTO archive_vocab (term, df) SELECT k, count(*) FROM archive_import s, "
            "jsonb_object_keys(s.postings) AS k GROUP BY k ORDER BY k "
            "ON CONFLICT (term) DO UPDATE SET df = archive_vocab.df + excluded.df"
        )
        _finish(cur, added=added, updated=updated, removed=0)
    return added, updated


def remove_records(conn: psycopg.Connection, ids: Iterable[str]) -> int:
    """Delete records by id in one transaction; how many were there."""
    wanted = sorted({str(i) for i in ids})
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        cur.execute(
            "WITH gone AS (DELETE FROM archive_records WHERE id = ANY(%s) RETURNING postings), "
            "old AS (SELECT k, count(*) AS c FROM gone, jsonb_object_keys(gone.postings) AS k "
            "GROUP BY k), "
            "upd AS (UPDATE archive_vocab v SET df = v.df - old.c FROM old WHERE v.term = old.k) "
            "SELECT count(*) FROM gone",
            (wanted,),
        )
        row = cur.fetchone()
        removed = int(row[0]) if row else 0
        _finish(cur, added=0, updated=0, removed=removed)
    return removed


def _finish(cur: psycopg.Cursor, *, added: int, updated: int, removed: int) -> None:
    """Vocabulary cleanup, the BM25F totals, a new generation, and the notification."""
    cur.execute("DELETE FROM archive_vocab WHERE df <= 0")
    if added or updated or removed:
        cur.execute(
            "UPDATE archive_stats SET (records, total_dl) = "
            "(SELECT count(*), coalesce(sum(dl), 0) FROM archive_records), "
            "generation = generation + 1"
        )
    payload = json.dumps({"added": added, "updated": updated, "removed": removed})
    cur.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def ensure_schema(conn: psycopg.Connection) -> None:
    """DatabaseProblem (one sentence) when the archive tables are missing."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('archive_records') IS NOT NULL")
        row = cur.fetchone()
    if not row or not row[0]:
        raise DatabaseProblem(
            "the database has no archive yet: run archive-tui db init --db ADDRESS first."
        )
