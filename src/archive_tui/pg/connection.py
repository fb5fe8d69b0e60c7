"""Connections to PostgreSQL, with failures told as one sentence (never a traceback).

An address is a libpq URL (``postgresql://user@host:5432/archive``, or a Unix socket as
``postgresql:///archive?host=/var/run/postgresql``); the password comes from the URL, from
``PGPASSWORD`` or from ``~/.pgpass`` as libpq reads them. Messages never repeat a password.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

SCHEMES = ("postgresql://", "postgres://")
APPLICATION_NAME = "archive-tui"


class DatabaseProblem(Exception):
    """The database cannot be used; ``str()`` is one sentence a user can act on."""


def is_database_address(text: str | None) -> bool:
    """True for a ``postgresql://`` (or ``postgres://``) address."""
    return bool(text) and str(text).lower().startswith(SCHEMES)


def redact(address: str) -> str:
    """The address without its password (``postgresql://ann:***@host/db``)."""
    return re.sub(r"(://[^:/@?]*:)[^@/?]*@", r"\1***@", address)


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise DatabaseProblem(
            "PostgreSQL support is not installed: run pip install 'archive-tui[postgres]'."
        ) from None
    return psycopg


def connect(address: str, *, autocommit: bool = False, **kwargs: Any) -> psycopg.Connection:
    """A new connection to ``address``; DatabaseProblem (one sentence) if it fails."""
    psycopg = _psycopg()
    if not is_database_address(address):
        raise DatabaseProblem(
            f"{address!r} is not a PostgreSQL address: it should start with postgresql://."
        )
    try:
        return psycopg.connect(
            address,
            autocommit=autocommit,
            application_name=APPLICATION_NAME,
            connect_timeout=10,
            **kwargs,
        )
    except psycopg.OperationalError as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DatabaseProblem(f"cannot connect to {redact(address)}: {reason}") from None
    except psycopg.ProgrammingError as exc:  # a malformed address
        raise DatabaseProblem(f"{redact(address)} is not a valid address: {exc}") from None


def read_with_settings(
    conn: psycopg.Connection, settings: dict[str, str], sql: str, params: Any = None
) -> list[tuple]:
    """``sql``'s rows with ``settings`` (planner settings, a time limit) local to it, in one
    round trip. On an autocommit connection a pipeline's statements up to its sync are one
    implicit transaction, so ``set_config(..., true)`` ends with it: the settings and the
    statement are sent together and the server answers once, where BEGIN, SET, the
    statement and COMMIT would each wait for an answer (on a busy server every wait is a
    turn in the scheduler's queue: most of a short search's time under load)."""
    with conn.cursor() as cur:
        with conn.pipeline():
            if settings:
                calls = ", ".join(
                    f"set_config(%(n{i})s, %(v{i})s, true)" for i in range(len(settings))
                )
                named = {f"n{i}": name for i, name in enumerate(settings)}
                named.update({f"v{i}": value for i, value in enumerate(settings.values())})
                cur.execute(f"SELECT {calls}", named)
            cur.execute(sql, params)
        return cur.fetchall()
