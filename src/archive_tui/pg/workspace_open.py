"""Which workspace: the local file, or a researcher's rows in PostgreSQL.

:func:`open_workspace` is what the CLI and the app call. ``address`` is the ``--db`` of
the command (or ``ARCHIVE_TUI_DB`` when there is none): a ``postgresql://`` address means
the workspace of the connecting role in that database; anything else (a JSON archive's
path, or nothing) means the user's local workspace file, which is apart from archives.
This module imports psycopg only for a PostgreSQL address.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from archive_tui.pg.connection import is_database_address
from archive_tui.workspace import Workspace

if TYPE_CHECKING:
    from archive_tui.pg.workspace import PgWorkspace

DB_ENV = "ARCHIVE_TUI_DB"


def workspace_address(address: str | None = None) -> str | None:
    """The PostgreSQL address the workspace lives in, or None for the local file."""
    chosen = address if address else os.environ.get(DB_ENV)
    return chosen if is_database_address(chosen) else None


def open_workspace(
    address: str | None = None, *, read_only: bool = False
) -> Workspace | PgWorkspace:
    """The local Workspace, or a PgWorkspace for a ``postgresql://`` address.

    WorkspaceError (one sentence) when it cannot be opened (a PgWorkspaceError is one).
    """
    pg = workspace_address(address)
    if pg is None:
        return Workspace.open(read_only=read_only)
    from archive_tui.pg.workspace import PgWorkspace

    return PgWorkspace.open(pg, read_only=read_only)


def open_workspace_or_unavailable(address: str | None = None) -> Workspace | PgWorkspace:
    """For the app: :func:`open_workspace`, or an empty read-only one saying why; never
    raises."""
    pg = workspace_address(address)
    if pg is None:
        from archive_tui.paths import workspace_path

        try:
            path = workspace_path()
        except Exception as error:  # no home folder
            return Workspace.unavailable(str(error))
        return Workspace.open_or_unavailable(path)
    try:
        from archive_tui.pg.workspace import PgWorkspace
    except ImportError as error:  # pragma: no cover - psycopg is an optional extra
        return Workspace.unavailable(str(error))
    return PgWorkspace.open_or_unavailable(pg)
