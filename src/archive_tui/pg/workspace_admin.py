"""Making a PostgreSQL role a researcher: a member of ``archive_tui_users``.

The schema (``migrations/0010_workspace.sql``) grants the workspace tables to that group
only, so a role outside it can use none of them. By hand, an administrator would run::

    CREATE ROLE ann LOGIN PASSWORD '…' IN ROLE archive_tui_users;   -- a new researcher
    GRANT archive_tui_users TO ann;                                  -- an existing role
    CREATE ROLE team NOLOGIN; GRANT team TO ann, bob;                -- a group to share with

:func:`add_user` does the first two (``archive-tui db add-user NAME`` calls it); the caller
needs CREATEROLE (or to be a superuser).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archive_tui.pg.connection import DatabaseProblem

if TYPE_CHECKING:
    import psycopg

USERS_GROUP = "archive_tui_users"


def add_user(conn: psycopg.Connection, name: str, password: str | None = None) -> bool:
    """Make role ``name`` a researcher (creating it, able to log in, if it does not exist);
    True if the role was created. DatabaseProblem (one sentence) if the server refuses."""
    import psycopg
    from psycopg import sql

    if not name or "\x00" in name:
        raise DatabaseProblem("a role name cannot be empty")
    role = sql.Identifier(name)
    try:
        with conn.transaction():
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
            if exists is None:
                create = sql.SQL("CREATE ROLE {} LOGIN").format(role)
                if password is not None:
                    create = sql.SQL("{} PASSWORD {}").format(create, sql.Literal(password))
                conn.execute(create)
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(USERS_GROUP), role))
    except psycopg.Error as error:
        reason = " ".join(str(error).split())
        raise DatabaseProblem(f"could not make {name!r} a researcher: {reason}") from None
    return exists is None
