"""The versioned schema on a real PostgreSQL: applied once, in order, all or nothing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from archive_tui.pg import DatabaseProblem, connect
from archive_tui.pg.connection import redact
from archive_tui.pg.migrations import applied, available, migrate, pending


def _write(folder: Path, name: str, sql: str) -> None:
    (folder / name).write_text(sql, encoding="utf-8")


def test_migrations_apply_once_in_order_and_a_failing_one_leaves_nothing(
    pg_db: str, tmp_path: Path
) -> None:
    _write(tmp_path, "0001_first.sql", "CREATE TABLE a (x int);")
    _write(tmp_path, "0002_second.sql", "ALTER TABLE a ADD COLUMN y text;")
    with connect(pg_db, autocommit=True) as conn:
        assert [m.version for m in migrate(conn, tmp_path)] == [1, 2]
        assert migrate(conn, tmp_path) == []  # nothing twice
        assert applied(conn) == [1, 2]
        _write(tmp_path, "0003_broken.sql", "CREATE TABLE b (x int); SELECT no_such_column FROM a;")
        with pytest.raises(DatabaseProblem, match=r"0003_broken failed \(nothing of it was kept\)"):
            migrate(conn, tmp_path)
        assert applied(conn) == [1, 2]
        assert conn.execute("SELECT to_regclass('b')").fetchone() == (None,)
        assert conn.execute("SELECT y FROM a").fetchall() == []


def test_two_sessions_migrating_at_once_apply_each_migration_once(
    pg_db: str, tmp_path: Path
) -> None:
    _write(tmp_path, "0001_slow.sql", "CREATE TABLE t (x int); SELECT pg_sleep(0.3);")
    errors: list[BaseException] = []
    done: list[list[int]] = []

    def run() -> None:
        try:
            with connect(pg_db, autocommit=True) as conn:
                done.append([m.version for m in migrate(conn, tmp_path)])
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(done) == [[], [1]]


def test_a_database_newer_than_this_program_is_refused(pg_db: str, tmp_path: Path) -> None:
    _write(tmp_path, "0001_first.sql", "SELECT 1;")
    _write(tmp_path, "0002_second.sql", "SELECT 1;")
    with connect(pg_db, autocommit=True) as conn:
        migrate(conn, tmp_path)
        (tmp_path / "0002_second.sql").unlink()
        with pytest.raises(DatabaseProblem, match="newer than this archive-tui knows"):
            pending(conn, tmp_path)


def test_shipped_migrations_are_well_named() -> None:
    versions = [m.version for m in available()]
    assert versions == sorted(set(versions))


def test_connection_failures_are_one_sentence_without_the_password() -> None:
    with pytest.raises(DatabaseProblem) as info:
        connect("postgresql://ann:s3cret@127.0.0.1:1/archive")
    assert "s3cret" not in str(info.value)
    assert "cannot connect to postgresql://ann:***@127.0.0.1:1/archive" in str(info.value)
    with pytest.raises(DatabaseProblem, match="not a PostgreSQL address"):
        connect("mysql://x")
    assert redact("postgresql://a:b@h/d") == "postgresql://a:***@h/d"


def test_an_archive_older_than_this_program_is_refused_in_one_sentence(
    pg_db: str, tmp_path: Path
) -> None:
    """An archive migrated by an older archive-tui (here: up to 0003) is not searched
    with columns it lacks: opening it says to migrate; after `db migrate` it opens."""
    from archive_tui.pg.archive import PgArchive

    for migration in available():
        if migration.version <= 3:
            _write(tmp_path, f"{migration.version:04d}_{migration.name}.sql", migration.sql)
    with connect(pg_db, autocommit=True) as conn:
        migrate(conn, tmp_path)
    with pytest.raises(DatabaseProblem, match=r"older than this archive-tui \(0004_doc_values"):
        PgArchive.open(pg_db)
    with connect(pg_db, autocommit=True) as conn:
        migrate(conn)
    archive = PgArchive.open(pg_db)
    archive.add([{"id": "a-1", "date": "1961-08-13", "title": "Berlin", "summary": "Wall"}])
    assert archive.search("berlin").driver == "chunks"
    archive.close()
