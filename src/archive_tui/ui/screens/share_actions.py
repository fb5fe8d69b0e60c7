"""Sharing one of your lists with a group, from the app (a workspace in PostgreSQL only).

The lists picker's ``s`` asks for a group role (completion: the groups you already share
with, and ``archive_tui_users``, every researcher of the database) and lets its members
read the list, never change it: ``PgWorkspace.share``, enforced by row-level security
(as ``archive-tui share list NAME --with ROLE``). The database is asked in a worker
thread; a refusal (no such role, no such list) is one sentence and nothing changes.
"""

from __future__ import annotations

from typing import Any

from archive_tui.sanitize import one_line

from .prompt import PromptScreen
from .research_actions import WRITE_ERRORS

EVERYONE = "archive_tui_users"  # the group of every researcher (db add-user)


def can_share(app: Any) -> bool:
    """True when the app's workspace can share (it is in PostgreSQL) and is writable."""
    research = getattr(app, "research", None)
    workspace = getattr(research, "workspace", None)
    return hasattr(workspace, "share") and bool(getattr(research, "writable", False))


def ask_share(app: Any, kind: str, name: str) -> None:
    """Ask with which group to share the list (or tag) ``name``, then share it."""
    workspace = app.research.workspace
    try:
        groups = sorted({s.grantee for s in workspace.shares()} | {EVERYONE})
    except WRITE_ERRORS:
        groups = [EVERYONE]

    def done(role: str | None) -> None:
        if role:
            app.run_worker(
                lambda: _share(app, workspace, kind, name, role),
                thread=True,
                group="share",
                exit_on_error=False,
            )

    app.push_screen(
        PromptScreen(
            one_line(f"Share the {kind} {name} with a group"),
            hint=f"Its members may read it, not change it ({EVERYONE}: every researcher).",
            choices=groups,
            placeholder="a group role",
            input_id="share-input",
        ),
        done,
    )


def _share(app: Any, workspace: Any, kind: str, name: str, role: str) -> None:
    """Thread: share; said in a notification either way."""
    try:
        workspace.share(kind, name, role)
    except Exception as error:  # refused (WRITE_ERRORS) or anything else: said, never lost
        text = error.args[0] if isinstance(error, KeyError) and error.args else error
        said = one_line(str(text)).rstrip(".") + "; nothing was shared."
        app.call_from_thread(app.notify, said, severity="error", timeout=6, markup=False)
        return
    said = one_line(f"The members of {role} may now read your {kind} {name} (not change it).")
    app.call_from_thread(app.notify, said, timeout=4, markup=False)


__all__ = ["EVERYONE", "ask_share", "can_share"]
