"""Where archive-tui keeps things: the shipped archive and the user's own folders.

``ARCHIVE_TUI_HOME``, when set, replaces every user folder (``data/``, ``cache/``,
``config/`` under it), so tests and portable installs never touch the real home.
Nothing here creates a folder: the code that first writes a file does.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import platformdirs

APP_NAME = "archive-tui"
HOME_ENV = "ARCHIVE_TUI_HOME"
ARCHIVE_FILE_NAME = "records.json"

# src/archive_tui/paths.py -> the repository root of a source or editable checkout.
_REPO_ROOT = Path(__file__).resolve().parents[2]


class NoHomeFolder(RuntimeError):
    """No user folder can be found: HOME is unset and the user has no passwd entry (an
    arbitrary container uid). Read commands still work, without a cache."""

    def __init__(self) -> None:
        super().__init__(
            "cannot find your home folder (HOME is not set and this user has no passwd "
            f"entry): set HOME or {HOME_ENV}, or give an archive with --db PATH"
        )


def _platform_path(kind: str) -> Path:
    """platformdirs' folder of ``kind``; NoHomeFolder instead of its bare RuntimeError."""
    try:
        return getattr(platformdirs, f"user_{kind}_path")(APP_NAME, appauthor=False)
    except (RuntimeError, KeyError, OSError):
        raise NoHomeFolder() from None


def home_available() -> bool:
    """True when the user folders (archive, cache, settings) can be located."""
    try:
        user_data_dir()
        cache_dir()
    except NoHomeFolder:
        return False
    return True


def _home() -> Path | None:
    value = os.environ.get(HOME_ENV, "")
    return Path(value).expanduser() if value.strip() else None


def shipped_archive_path() -> Path:
    """The read-only archive that ships with the app.

    An installed wheel carries it as package data (``archive_tui/data/records.json``);
    a source or editable checkout has it at ``<repo>/data/records.json``.
    """
    return shipped_data_file(ARCHIVE_FILE_NAME)


def shipped_data_file(name: str) -> Path:
    """A file shipped with the app: package data (a wheel), else ``<repo>/data/NAME``."""
    try:
        packaged = files("archive_tui") / "data" / name
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - unusual loaders
        pass
    return _REPO_ROOT / "data" / name


def user_data_dir() -> Path:
    """The folder holding the user's own archive."""
    home = _home()
    if home is not None:
        return home / "data"
    return _platform_path("data")


def user_archive_path() -> Path:
    """The user's writable archive: records they imported, on top of the shipped ones."""
    return user_data_dir() / ARCHIVE_FILE_NAME


def cache_dir() -> Path:
    """Disposable files (the search index cache)."""
    home = _home()
    if home is not None:
        return home / "cache"
    return _platform_path("cache")


def config_dir() -> Path:
    """User settings."""
    home = _home()
    if home is not None:
        return home / "config"
    return _platform_path("config")


def state_dir() -> Path:
    """Files the app keeps about its own runs (the error log)."""
    home = _home()
    if home is not None:
        return home / "state"
    return _platform_path("state")


def log_dir() -> Path:
    """Where tracebacks of errors the app survived are written (``errors.log``)."""
    return state_dir() / "log"


def workspace_path() -> Path:
    """The user's research workspace: tags, notes, lists, saved searches, history, log."""
    return user_data_dir() / "workspace.json"
