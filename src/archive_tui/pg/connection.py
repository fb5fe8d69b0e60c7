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
