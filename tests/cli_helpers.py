"""Running the command line as a user runs it: one real process, no traceback ever."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from conftest import REPO_ROOT


def run_cli(
    *args: object,
    home: Path | None = None,
    env: Mapping[str, str] | None = None,
    prefix: tuple[str, ...] = (),
    timeout: float = 120,
    **kw,
) -> subprocess.CompletedProcess:
    """Run `[PREFIX] python -m archive_tui ARGS` with no stdin, 100 columns and no debug output.

    `env` replaces the environment (default: this one); `home` sets ARCHIVE_TUI_HOME; other
    keywords go to subprocess.run. No run may print a traceback or an internal error.
    """
    env = dict(os.environ if env is None else env)
    if home is not None:
        env["ARCHIVE_TUI_HOME"] = str(home)
    env["COLUMNS"] = "100"
    env.pop("ARCHIVE_TUI_DEBUG", None)
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "archive_tui", *map(str, args)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env=env,
        cwd=REPO_ROOT,
        timeout=timeout,
        **kw,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stdout, proc.stdout
    assert "internal error" not in proc.stderr, proc.stderr
    return proc
