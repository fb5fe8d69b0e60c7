"""``python -m archive_tui``: the same as the ``archive-tui`` command."""

from __future__ import annotations

from archive_tui.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
