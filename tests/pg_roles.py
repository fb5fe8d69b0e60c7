"""Login roles for the PostgreSQL workspace tests: each test makes its own, dropped after.

Roles are server-wide, so each name holds a random part (tests may run at once). A role
connects over TCP with a password (the server's Unix socket admits its own OS user only).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from archive_tui.pg import connect
from archive_tui.pg.migrations import migrate
from archive_tui.pg.workspace_admin import add_user


def role_address(admin: str, role: str, password: str) -> str:
    """``admin``'s database, as ``role`` over TCP (127.0.0.1 for a Unix-socket admin)."""
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(admin)
    host = str(info.get("host") or "127.0.0.1")
    if host.startswith("/"):
        host = "127.0.0.1"
    with connect(admin) as conn:
        port = conn.execute("SHOW port").fetchone()[0]  # type: ignore[index]
    return f"postgresql://{role}:{password}@{host}:{port}/{info['dbname']}"


@pytest.fixture
def pg_workspace_db(pg_db: str) -> str:
    """A throwaway database with the whole schema; its superuser address."""
    with connect(pg_db, autocommit=True) as conn:
        migrate(conn)
    return pg_db


@pytest.fixture
def make_role(pg_workspace_db: str) -> Iterator[Callable[..., str]]:
    """``make_role("ann")``: a new login role (a researcher unless ``researcher=False``),
    its address; ``make_role("team", login=False)``: a group role, its name."""
    made: list[str] = []

    def make(label: str, *, researcher: bool = True, login: bool = True) -> str:
        name = f"atui_{label}_{uuid.uuid4().hex[:8]}"
        password = uuid.uuid4().hex
        with connect(pg_workspace_db, autocommit=True) as conn:
            if not login:
                conn.execute(f'CREATE ROLE "{name}" NOLOGIN')
            elif researcher:
                add_user(conn, name, password)
            else:
                conn.execute(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")
        made.append(name)
        return role_address(pg_workspace_db, name, password) if login else name

    yield make
    with connect(pg_workspace_db, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY(%s)",
            (made,),
        )
        for name in reversed(made):
            conn.execute(f'DROP OWNED BY "{name}"')
            conn.execute(f'DROP ROLE IF EXISTS "{name}"')


def role_of(address: str) -> str:
    """The role name in an address made by ``make_role``."""
    return address.split("://", 1)[1].split(":", 1)[0]
