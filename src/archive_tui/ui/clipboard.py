"""Copy text to the user's clipboard, wherever the user is.

Two routes, both best effort:

- OSC 52 through ``App.copy_to_clipboard``: the terminal itself sets the clipboard, so it
  reaches the user's own machine over SSH (inside tmux only with ``set -s set-clipboard on``).
- ``pyperclip`` for a local desktop session (xclip, xsel, wl-copy, pbcopy...). It runs in a
  daemon thread, because a clipboard helper can be slow or hang, and it is imported only when
  first needed. No backend (a server, no DISPLAY) is normal, not an error: it is skipped.

The notification is short (what was copied, in which style, and its first words) and
brief, so it never covers the screen the user goes on to (a whole bibliography used to
fill half an 80-column screen for 10 s). The full text stays available: ``App.clipboard``
keeps it, and the citation picker (``C``) shows every style in full, to select by hand
where a terminal ignores OSC 52.
"""

from __future__ import annotations

import threading

from textual.app import App

from archive_tui.sanitize import visible

#: Characters in the notification: two lines of a toast at 80 columns (37 cells each,
#: less what word wrapping wastes). The clipboard gets everything.
TOAST_CHARS = 64
#: At least this much of the copied text is shown, however long the description.
PREVIEW_MIN = 16
NOTIFY_TIMEOUT = 4.0


def copy_text(app: App, text: str, *, what: str = "Citation") -> None:
    """Put ``text`` on the clipboard and say so in a two-line notification.

    The notification names what was copied and shows its first words: ``what`` is
    the thing copied ("citation (Chicago note)" -> "Copied citation (Chicago note):
    Kennan, George F. …"). Control and escape
    characters are replaced by visible stand-ins first (newlines are kept), so a pasted
    citation can never carry an escape sequence into a terminal.
    """
    safe = put_on_clipboard(app, text)
    head = f"Copied {_lower_first(what)}"
    room = max(PREVIEW_MIN, TOAST_CHARS - len(head) - 2)
    app.notify(
        f"{head}: {_preview(safe, room)}",
        markup=False,
        timeout=NOTIFY_TIMEOUT,
    )


def put_on_clipboard(app: App, text: str) -> str:
    """Copy ``text`` (control characters made visible) without a notification; returns it.

    For a caller that says what happened in its own words (opening a URL copies it too).
    """
    safe = visible(text, keep="\n")
    app.copy_to_clipboard(safe)
    threading.Thread(
        target=_pyperclip_copy, args=(safe,), name="archive-tui-clipboard", daemon=True
    ).start()
    return safe


def _pyperclip_copy(text: str) -> None:
    """Copy with pyperclip; any failure (no backend, helper crashed) is silently skipped."""
    try:
        import pyperclip

        pyperclip.copy(text)
    except Exception:
        # PyperclipException when there is no clipboard mechanism (a server, no DISPLAY);
        # OSError when a helper cannot run. OSC 52 and the notification remain.
        return


def _preview(text: str, limit: int) -> str:
    """The copied text's first words on one line, "…" where it was cut."""
    from archive_tui.snippets import safe_cut

    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = safe_cut(flat, limit - 1)
    space = flat.rfind(" ", 0, cut + 1)
    if space > limit // 2:
        cut = space
    return flat[:cut].rstrip() + "…"


def _lower_first(what: str) -> str:
    """Lower-case the first letter ("Citation" -> "citation"), but keep "RIS", "BibTeX"."""
    first = what.split(" ", 1)[0]
    if first[:1].isupper() and first[1:].islower():
        return what[0].lower() + what[1:]
    return what
