"""Stop sharing a list or a tag, from the app (a workspace in PostgreSQL only).

The lists picker's ``S`` (the highlighted list) and the document view's ``S`` (one of
the record's shared tags) undo what ``s`` did (share_actions.py): the group's members can
no longer read the list or tag (``PgWorkspace.unshare``, as ``archive-tui share --stop``).
What is shared is read in a worker thread; a list or tag shared with one group stops at
once, else the app asks which tag, then which group (completion: those it is shared
with). Each step that asks the database runs in a worker; the outcome is one sentence.
"""

from __future__ import annotations

from typing import Any

from archive_tui.sanitize import one_line

from .share_actions import choose_one


def ask_stop_sharing(app: Any, kind: str, names: list[str]) -> None:
    """Stop sharing the list (``names``: its name) or one of the record's tags."""
    if not names:
        app.notify("This record has no tags, so none is shared.", severity="warning", timeout=3)
        return
    workspace = app.research.workspace
    app.run_worker(
        lambda: _find_shares(app, workspace, kind, names),
        thread=True,
        group="unshare",
        exit_on_error=False,
    )


def _find_shares(app: Any, workspace: Any, kind: str, names: list[str]) -> None:
    """Thread: which of ``names`` are shared, with whom; then ask or stop."""
    from archive_tui.pg.workspace_base import name_key

    try:
        shares = [s for s in workspace.shares() if s.kind == kind]
    except Exception as error:
        _say(app, f"{_sentence(error)}; nothing was changed.", severity="error")
        return
    shared: dict[str, list[str]] = {}
    for name in names:
        grantees = [s.grantee for s in shares if s.name == name_key(name)]
        if grantees:
            shared[name] = grantees
    if not shared:
        what = (
            f"Your {kind} {names[0]} is not" if len(names) == 1 else "None of this record's tags is"
        )
        _say(app, f"{what} shared with a group; nothing was changed.")
        return
    app.call_from_thread(_choose_name, app, workspace, kind, shared)


def _choose_name(app: Any, workspace: Any, kind: str, shared: dict[str, list[str]]) -> None:
    """UI thread: which tag (when several of the record's tags are shared)."""

    def then(answer: str) -> None:
        name = next((n for n in shared if n.casefold() == answer.casefold()), answer)
        _choose_group(app, workspace, kind, name, shared.get(name, []))

    choose_one(
        app,
        list(shared),
        then,
        question="Stop sharing which tag?",
        hint=one_line(f"Shared: {', '.join(shared)}."),
        placeholder="a tag",
        input_id="unshare-tag-input",
    )


def _choose_group(app: Any, workspace: Any, kind: str, name: str, grantees: list[str]) -> None:
    """UI thread: with which group to stop (asked when shared with several)."""
    choose_one(
        app,
        grantees,
        lambda role: _stop_later(app, workspace, kind, name, role),
        question=one_line(f"Stop sharing the {kind} {name} with which group?"),
        hint=one_line(f"Shared with: {', '.join(grantees)}."),
        placeholder="a group role",
        input_id="unshare-input",
    )


def _stop_later(app: Any, workspace: Any, kind: str, name: str, role: str) -> None:
    app.run_worker(
        lambda: _stop(app, workspace, kind, name, role),
        thread=True,
        group="unshare",
        exit_on_error=False,
    )


def _stop(app: Any, workspace: Any, kind: str, name: str, role: str) -> None:
    """Thread: stop sharing; said in a notification either way."""
    try:
        ended = workspace.unshare(kind, name, role)
    except Exception as error:  # refused or anything else: said, never a traceback
        _say(app, f"{_sentence(error)}; nothing was changed.", severity="error")
        return
    if not ended:
        _say(app, f"Your {kind} {name} was not shared with {role}; nothing was changed.")
        return
    said = f"The members of {role} can no longer read your {kind} {name}."
    _say(app, said, severity="information")


def _sentence(error: Exception) -> str:
    text = error.args[0] if isinstance(error, KeyError) and error.args else error
    return one_line(str(text)).strip().rstrip(".") or type(error).__name__


def _say(app: Any, sentence: str, *, severity: str = "warning") -> None:
    app.call_from_thread(
        app.notify,
        one_line(sentence),
        severity=severity,
        timeout=4 if severity == "information" else 6,
        markup=False,
    )


__all__ = ["ask_stop_sharing"]
