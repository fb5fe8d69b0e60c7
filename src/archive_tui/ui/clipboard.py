"""Copy text to the user's clipboard, wherever the user is.

Two routes, both best effort:

- OSC 52 through ``App.copy_to_clipboard``: the terminal itself sets the clipboard, so it
  reaches the user's own machine over SSH (inside tmux only with ``set -s set-clipboard on``).
- ``pyperclip`` for a local desktop session (xclip, xsel, wl-copy, pbcopy...). It runs in a
  daemon thread, because a clipboard helper can be slow or hang, and it is imported only when
  first needed. No backend (a server, no DISPLAY) is normal, not an error: it is skipped.

Some terminals ignore OSC 52, so the copied text is always shown in a notification too: the
user can still select it by hand.
"""

from __future__ import annotations

import threading

from textual.app import App

from archive_tui.sanitize import visible

#: Notifications longer than this are cut (the clipboard still gets everything).
NOTIFY_MAX_LINES = 16
NOTIFY_MAX_CHARS = 1200
NOTIFY_TIMEOUT = 10.0


def copy_text(app: App, text: str, *, what: str = "Citation") -> None:
    """Put ``text`` on the clipboard and show it in a notification.

    ``what`` names the thing copied for the notification title ("Citation",
    "citation (Chicago note)" -> "Copied citation (Chicago note)"). Control and escape
    characters are replaced by visible stand-ins first (newlines are kept), so a pasted
    citation can never carry an escape sequence into a terminal.
    """
    safe = visible(text, keep="\n")
    app.copy_to_clipboard(safe)
    threading.Thread(
        target=_pyperclip_copy, args=(safe,), name="archive-tui-clipboard", daemon=True
    ).start()
    app.notify(
        _preview(safe),
        title=f"Copied {_lower_first(what)}",
        markup=False,
        timeout=NOTIFY_TIMEOUT,
    )


def _pyperclip_copy(text: str) -> None:
    """Copy with pyperclip; any failure (no backend, helper crashed) is silently skipped."""
    try:
        import pyperclip

        pyperclip.copy(text)
    except Exception:
        # PyperclipException when there is no clipboard mechanism (a server, no DISPLAY);
        # OSError when a helper cannot run. OSC 52 and the notification remain.
        return


def _preview(text: str) -> str:
    """The notification body: the copied text itself, cut if it is very long."""
    lines = text.splitlines() or [""]
    cut = len(lines) > NOTIFY_MAX_LINES
    shown = "\n".join(lines[:NOTIFY_MAX_LINES])
    if len(shown) > NOTIFY_MAX_CHARS:
        shown = shown[:NOTIFY_MAX_CHARS]
        cut = True
    if cut:
        shown += f"\n… (cut here; {len(text):,} characters copied)"
    return shown


def _lower_first(what: str) -> str:
    """Lower-case the first letter ("Citation" -> "citation"), but keep "RIS", "BibTeX"."""
    first = what.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        return what[0].lower() + what[1:]
    return what
