"""Sharing a list or a tag with a group, from the app (a workspace in PostgreSQL only).

The lists picker's ``s`` (the highlighted list) and the document view's ``s`` (one of
the record's tags; asked which when it has several) ask for a group role (completion:
the groups you already share with, and ``archive_tui_users``, every researcher of the
database) and let its members read the list or tag, never change it:
``PgWorkspace.share``, enforced by row-level security (as ``archive-tui share``). The
database is asked in a worker thread; a refusal (no such role, no such list) is one
sentence and nothing changes.
"""

from __future__ import annotations

from collections.abc import Callable
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


def ask_share_tag(app: Any, tags: list[str]) -> None:
    """Share one of ``tags`` (the record's): asked which when there are several."""
    if not tags:
        app.notify("This record has no tags to share: t adds one.", severity="warning", timeout=3)
        return
    choose_one(
        app,
        tags,
        lambda tag: ask_share(app, "tag", tag),
        question="Share which tag?",
        hint=one_line(f"Its tags: {', '.join(tags)}."),
        placeholder="a tag",
        input_id="share-tag-input",
    )


def choose_one(
    app: Any,
    choices: list[str],
    then: Callable[[str], None],
    *,
    question: str,
    hint: str,
    placeholder: str,
    input_id: str,
) -> None:
    """UI thread: ``then(choice)`` at once when there is one choice, else after asking
    which in a PromptScreen (nothing when the question is dismissed)."""
    if len(choices) == 1:
        then(choices[0])
        return

    def chosen(answer: str | None) -> None:
        if answer:
            then(answer)

    app.push_screen(
        PromptScreen(
            question, hint=hint, choices=choices, placeholder=placeholder, input_id=input_id
        ),
        chosen,
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


__all__ = ["EVERYONE", "ask_share", "ask_share_tag", "can_share", "choose_one"]
