"""Renaming and deleting lists, deleting saved searches: the questions asked first.

The pickers (``r``, ``d``) and the palette ("Rename list: NAME"…) call these. Renaming asks
for the new name (the old one filled in); deleting asks ``y``/``n`` (ConfirmScreen). Each
change goes through ``app.research``; a refused one is one sentence, nothing changes; a
done one is said in a notification and ``then()`` runs (refresh what shows it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from archive_tui.sanitize import one_line

from .confirm import ConfirmScreen
from .prompt import PromptScreen
from .research_actions import WRITE_ERRORS


def _sentence(error: Exception) -> str:
    # a KeyError's str() is its repr ("'no list named ...'"): say the message itself
    text = error.args[0] if isinstance(error, KeyError) and error.args else error
    return one_line(str(text)).rstrip(".") + "; nothing was changed."


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _refused(app: Any, error: Exception) -> None:
    app.notify(_sentence(error), severity="error", timeout=6, markup=False)


def ask_rename_list(app: Any, name: str, then: Callable[[str], None]) -> None:
    """Ask for the list's new name, rename it; ``then(new_name)`` when done."""

    def done(new_name: str | None) -> None:
        if not new_name or new_name == name:
            return
        try:
            app.research.rename_list(name, new_name)
        except WRITE_ERRORS as error:
            _refused(app, error)
            return
        app.notify(one_line(f"Renamed the list {name} to {new_name}."), timeout=3, markup=False)
        then(new_name)

    app.push_screen(
        PromptScreen(
            f"Rename the list {name}",
            hint="Its records stay, in their order; list:NAME searches use the new name.",
            value=name,
            placeholder="the new name",
            input_id="rename-list-input",
        ),
        done,
    )


def ask_delete_list(app: Any, name: str, then: Callable[[], None]) -> None:
    """Ask ``y``/``n``, delete the list (its records and their tags and notes stay)."""
    size = app.research.list_sizes().get(name)
    held = f" It holds {_plural(size, 'record')}" if size is not None else " It"
    _ask_delete(
        app,
        "Delete a list",
        one_line(f"Delete the list “{name}”?")
        + f"{held}; the records, their tags and notes are kept.",
        lambda: app.research.delete_list(name),
        f"Deleted the list {name}.",
        then,
    )


def ask_delete_saved(app: Any, name: str, then: Callable[[], None]) -> None:
    """Ask ``y``/``n``, delete the saved search."""
    _ask_delete(
        app,
        "Delete a saved search",
        one_line(f"Delete the saved search “{name}”?")
        + " The research log keeps the searches you ran.",
        lambda: app.research.delete_saved_search(name),
        f"Deleted the saved search {name}.",
        then,
    )


def _ask_delete(
    app: Any,
    title: str,
    question: str,
    delete: Callable[[], object],
    done_text: str,
    then: Callable[[], None],
) -> None:
    """Ask ``question``; on yes ``delete()``, say ``done_text`` and run ``then()`` (a
    refusal is one sentence and nothing changes)."""

    def done(yes: bool | None) -> None:
        if not yes:
            return
        try:
            delete()
        except WRITE_ERRORS as error:
            _refused(app, error)
            return
        app.notify(one_line(done_text), timeout=3, markup=False)
        then()

    app.push_screen(ConfirmScreen(title, question), done)
