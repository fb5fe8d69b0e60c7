"""A record's URL: checked before it reaches the terminal, shown as a link, opened if possible.

A URL is record data. Only a plain ``http(s)://`` address with no white space or control
character becomes an OSC 8 hyperlink (terminals that know OSC 8 make it clickable; the
others show the text), so a URL can never end the escape sequence early and drive the
terminal.

Opening a browser works on the machine running archive-tui, which over SSH is usually
not the user's: :func:`can_open_browser` says whether a graphical browser is plausible
here. Without one, Python's ``webbrowser`` would start a console browser (lynx, w3m) on
the terminal the app is drawing on, so the app does not try, copies the URL and says so.
"""

from __future__ import annotations

import os
import re
import sys

from textual.content import Content
from textual.style import Style

_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f<>\"\\^`{|}]+", re.ASCII)


def safe_url(value: object) -> str | None:
    """``value`` if it is a plain http(s) URL that is safe in an OSC 8 link, else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url.isprintable() or _URL.fullmatch(url) is None:
        return None
    return url


def link(url: str, text: str | None = None) -> Content:
    """``text`` (default: the URL) as a terminal hyperlink to ``url`` (which must be safe)."""
    return Content(text if text is not None else url).stylize(Style(link=url, underline=True))


def can_open_browser() -> bool:
    """True when a browser can plausibly open a window for the user at this machine.

    macOS and Windows have one; elsewhere a display (X11, Wayland) or an explicit
    ``$BROWSER`` is needed. Over SSH without X forwarding: False. In a web browser
    (``archive-tui serve``), the user's own browser: True.
    """
    if sys.platform in ("darwin", "win32"):
        return True
    from archive_tui.cli_serve import served_in_browser

    if served_in_browser():  # `archive-tui serve`: the user's browser opens it, in a new tab
        return True
    return any(os.environ.get(name) for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"))


__all__ = ["can_open_browser", "link", "safe_url"]
