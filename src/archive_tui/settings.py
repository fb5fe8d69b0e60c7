"""The user's persisted settings (for now: the default citation style).

A JSON object in ``config_dir()/settings.json``.  Reading never fails: a missing
file gives the defaults, and a file that is not a JSON object is copied to
``settings.json.bak`` (``.bak.1``, ``.bak.2`` … if that name is taken) before the
defaults are used, so a hand-edited file is never lost to the next save.  Writing
is atomic (temporary file, fsync, rename).  Keys this version does not know are
kept as they are.
"""

from __future__ import annotations

import json
from pathlib import Path

from archive_tui.atomic import atomic_write
from archive_tui.citations import STYLES
from archive_tui.paths import config_dir

SETTINGS_FILE_NAME = "settings.json"
DEFAULTS: dict[str, object] = {"default_style": "archive"}


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE_NAME


def _backup(path: Path, data: bytes) -> Path:
    """Keep a copy of an unreadable settings file; reuse a backup with the same bytes."""
    for n in range(1000):
        candidate = path.with_name(path.name + (".bak" if n == 0 else f".bak.{n}"))
        try:
            if candidate.read_bytes() == data:
                return candidate
            continue
        except FileNotFoundError:
            pass
        except OSError:
            continue
        with atomic_write(candidate) as out:
            out.write(data)
        return candidate
    raise OSError(f"too many backups of {path}")


def _valid(settings: dict) -> dict:
    """Defaults overlaid with the stored values that make sense; unknown keys kept."""
    result = dict(DEFAULTS)
    for key, value in settings.items():
        if key == "default_style" and value not in STYLES:
            continue
        result[key] = value
    return result


def read_settings() -> tuple[dict, str | None]:
    """The settings and, when the file could not be used, one sentence saying why.

    Never raises for a bad or unreadable file: the app must start regardless.
    """
    path = settings_path()
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return dict(DEFAULTS), None
    except OSError as exc:
        return dict(DEFAULTS), f"could not read {path} ({exc.strerror}); using default settings"
    try:
        stored = json.loads(data.decode("utf-8"))
        if not isinstance(stored, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError):
        try:
            backup = _backup(path, data)
        except OSError as exc:
            return dict(DEFAULTS), (
                f"{path} is not valid settings and could not be backed up ({exc}); "
                "using default settings"
            )
        return dict(DEFAULTS), (
            f"{path} is not valid settings; kept a copy as {backup.name}, using default settings"
        )
    return _valid(stored), None


def load_settings() -> dict:
    """The current settings (defaults for anything missing or invalid); never raises."""
    return read_settings()[0]


def save_settings(settings: dict) -> None:
    """Write settings atomically.  An existing file that is not valid JSON is backed
    up first, so it is never replaced silently.  Raises ValueError for settings that
    cannot be stored (not JSON-serialisable, unknown citation style)."""
    if not isinstance(settings, dict):
        raise ValueError("settings must be a dict")
    style = settings.get("default_style", DEFAULTS["default_style"])
    if style not in STYLES:
        raise ValueError(f"unknown citation style {style!r}; choose one of: {', '.join(STYLES)}")
    try:
        text = json.dumps(settings, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    except (TypeError, ValueError) as exc:
        raise ValueError(f"settings cannot be saved as JSON: {exc}") from None
    path = settings_path()
    read_settings()  # backs up an unreadable file before it is replaced
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as out:
        out.write(text.encode("utf-8"))


def default_style() -> str:
    """The citation style the user chose last ("archive" until they choose)."""
    style = load_settings().get("default_style")
    return style if isinstance(style, str) and style in STYLES else "archive"


def set_default_style(style: str) -> None:
    """Remember a citation style; ValueError for a style that does not exist."""
    if style not in STYLES:
        raise ValueError(f"unknown citation style {style!r}; choose one of: {', '.join(STYLES)}")
    settings = load_settings()
    settings["default_style"] = style
    save_settings(settings)
