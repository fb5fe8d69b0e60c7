"""A real PostgreSQL for the tests: one throwaway database per test, dropped afterwards.

The server is the one `.ci/run` starts (Debian's cluster 15/main, on its Unix socket, with
the current user as a superuser role), or any server named by ``ARCHIVE_TUI_TEST_DB`` (a
``postgresql://`` address of a role that may create databases and roles). Where no server
answers, the PostgreSQL tests are skipped with the reason — except in CI (``CI`` set),
where they fail: CI must never pass by skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest

DEFAULT_ADDRESS = "postgresql:///postgres?host=/var/run/postgresql"


def server_address() -> str:
    return os.environ.get("ARCHIVE_TUI_TEST_DB") or DEFAULT_ADDRESS


def with_database(address: str, dbname: str) -> str:
    """``address`` pointing at database ``dbname`` instead."""
    base, _, params = address.partition("?")
    scheme, _, rest = base.partition("://")
    authority = rest.split("/", 1)[0]
    url = f"{scheme}://{authority}/{quote(dbname)}"
    return f"{url}?{params}" if params else url


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The admin address of a running PostgreSQL server (skip, or fail in CI, without)."""
    try:
        import psycopg
    except ImportError:
        reason = "psycopg is not installed (pip install -e '.[test]')"
    else:
        try:
            with psycopg.connect(server_address(), connect_timeout=5) as conn:
                conn.execute("SELECT 1")
            return server_address()
        except psycopg.Error as exc:
            reason = f"no PostgreSQL server at {server_address()}: {' '.join(str(exc).split())}"
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def pg_db(pg_server: str) -> Iterator[str]:
    """The address of a new, empty database of its own, dropped after the test."""
    import psycopg

    name = f"atui_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(pg_server, name)
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_open(pg_db: str):
    """An archive in a new database with the schema, open; closed after the test."""
    from archive_tui.pg.archive import PgArchive

    migrated(pg_db)
    archive = PgArchive.open(pg_db)
    yield archive
    archive.close()


def migrated(address: str, records: list | None = None) -> str:
    """``address`` with the schema made (and ``records`` imported); the address."""
    from archive_tui.pg import connect
    from archive_tui.pg.archive import PgArchive
    from archive_tui.pg.migrations import migrate

    with connect(address, autocommit=True) as conn:
        migrate(conn)
    if records:
        archive = PgArchive.open(address)
        try:
            archive.add(records)
        finally:
            archive.close()
    return address
