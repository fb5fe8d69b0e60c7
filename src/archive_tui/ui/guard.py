"""One failing action or handler must never take the session down.

:class:`Guarded` catches what a handler of an archive-tui widget or screen raises: the
user reads one sentence, the app keeps running, and the traceback goes to the error log
(:func:`error_log_path`, under the user's state folder). Textual dispatches messages
through ``_on_message`` and has no public hook around it (``App.run_action``, which
runs every key binding, is public and is guarded in the app); the override is the
only use of that name, and tests/test_ui_inputs.py checks it.
"""

from __future__ import annotations

import datetime
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from archive_tui.paths import log_dir

if TYPE_CHECKING:
    from textual.message import Message

ERROR_LOG_NAME = "errors.log"


def error_log_path() -> Path:
    """The file tracebacks are appended to."""
    return log_dir() / ERROR_LOG_NAME


def log_error(error: BaseException, context: str = "") -> Path | None:
    """Append ``error``'s traceback to the error log; the log's path, or None if unwritable."""
    path = error_log_path()
    stamp = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp} {context}\n{''.join(lines)}\n")
    except OSError:
        return None
    return path


def error_sentence(error: BaseException, where: Path | None) -> str:
    """What the user reads: what went wrong, that nothing stopped, where the details are."""
    what = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if len(what) > 120:
        what = what[:119] + "…"
    tail = f" Details: {_short(where)}" if where is not None else ""
    return f"That did not work ({what}); archive-tui is still running.{tail}"


def _short(path: Path) -> str:
    """``path`` with the home folder as ``~`` (it has to fit in a notification)."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return str(path)


class Guarded:
    """Mixin (first base) for archive-tui widgets and screens: a handler that raises is
    reported by the app instead of ending the widget's message loop (Textual's default,
    which removes the widget or quits)."""

    async def _on_message(self, message: Message) -> None:
        try:
            await super()._on_message(message)  # type: ignore[misc]
        except Exception as error:
            report = getattr(self.app, "report_error", None)  # type: ignore[attr-defined]
            if report is None:
                raise
            report(error, f"{type(self).__name__} handling {type(message).__name__}")
