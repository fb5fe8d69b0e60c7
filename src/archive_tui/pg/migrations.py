"""The database schema, versioned: ``migrations/NNNN_name.sql`` applied once each, in order.

Each file runs in its own transaction together with the row that records it in
``archive_tui_migrations``, so a failing migration leaves the database as it was. A
transaction-level advisory lock serialises sessions that migrate at the same moment: the
second waits, then finds the work done. A database newer than this program (a version we
do not know) is refused rather than used with the wrong expectations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .connection import DatabaseProblem

if TYPE_CHECKING:
    import psycopg

LOCK_KEY = 0x41524348_49564554 & 0x7FFFFFFFFFFFFFFF  # "ARCHIVET", one bigint advisory lock
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_TABLE = """
CREATE TABLE IF NOT EXISTS archive_tui_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)"""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available(folder: Path | None = None) -> list[Migration]:
    """The migrations shipped with this program (or in ``folder``), by version."""
    if folder is None:
        files = [
            (f.name, f.read_text(encoding="utf-8"))
            for f in resources.files(__package__).joinpath("migrations").iterdir()
            if f.name.endswith(".sql")
        ]
    else:
        files = [(p.name, p.read_text(encoding="utf-8")) for p in Path(folder).glob("*.sql")]
    found: dict[int, Migration] = {}
    for name, sql in files:
        m = _NAME.match(name)
        if m is None:
            raise DatabaseProblem(f"migration file {name!r} is not named NNNN_name.sql")
        version = int(m.group(1))
        if version in found:
            raise DatabaseProblem(f"two migrations have the version {version:04d}")
        found[version] = Migration(version, m.group(2), sql)
    return [found[v] for v in sorted(found)]


def applied(conn: psycopg.Connection) -> list[int]:
    """Versions already applied to this database (empty for a new one)."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('archive_tui_migrations') IS NOT NULL")
        row = cur.fetchone()
        if not row or not row[0]:
            return []
        cur.execute("SELECT version FROM archive_tui_migrations ORDER BY version")
        return [r[0] for r in cur.fetchall()]


def pending(conn: psycopg.Connection, folder: Path | None = None) -> list[Migration]:
    """Migrations not yet applied; DatabaseProblem if the database is newer than us."""
    done = set(applied(conn))
    known = available(folder)
    unknown = done - {m.version for m in known}
    if unknown:
        raise DatabaseProblem(
            f"the database has schema version {max(unknown):04d}, newer than this "
            f"archive-tui knows ({max((m.version for m in known), default=0):04d}): "
            "upgrade archive-tui."
        )
    return [m for m in known if m.version not in done]


def migrate(conn: psycopg.Connection, folder: Path | None = None) -> list[Migration]:
    """Apply every pending migration, each in its own transaction; those applied now.

    ``conn`` must be in autocommit mode (``connect(address, autocommit=True)``), so that
    each migration is its own real transaction. DatabaseProblem names the migration that
    failed (nothing of it is kept).
    """
    import psycopg as _pg

    if not conn.autocommit:
        raise ValueError("migrate() needs an autocommit connection")
    done: list[Migration] = []
    for migration in available(folder):
        with conn.transaction(), conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
            cur.execute(_TABLE)
            cur.execute(
                "SELECT 1 FROM archive_tui_migrations WHERE version = %s",
                (migration.version,),
            )
            if cur.fetchone():
                continue
            try:
                cur.execute(migration.sql.encode("utf-8"))
            except _pg.Error as exc:
                reason = " ".join(str(exc).split())
                raise DatabaseProblem(
                    f"migration {migration.version:04d}_{migration.name} failed "
                    f"(nothing of it was kept): {reason}"
                ) from None
            cur.execute(
                "INSERT INTO archive_tui_migrations (version, name) VALUES (%s, %s)",
                (migration.version, migration.name),
            )
        done.append(migration)
    pending(conn, folder)  # refuses a database newer than this program
    return done
