"""``archive-tui serve --db postgresql://…``: the app in a real headless Chromium reads the
PostgreSQL archive (the serve command forwards --db to each browser's app)."""

from __future__ import annotations

import re
from pathlib import Path

from test_pg_app import pg_archive  # noqa: F401  (a fixture)
from test_serve_browser import (  # noqa: F401  (fixtures)
    browser_context,
    open_app,
    serve,
    type_into_app,
    wait_for_screen,
)


def test_the_served_app_reads_a_postgresql_archive(
    browser_context: object,  # noqa: F811
    serve: callable,  # noqa: F811
    pg_archive: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    served = serve("--db", pg_archive, "serve", home=home)
    page = open_app(browser_context, served.url)
    wait_for_screen(page, r"\b30 documents")
    type_into_app(page, "Telegram 7")
    screen = wait_for_screen(page, r"(?s)\b\d+ results?\b.*Telegram 7 about")
    assert "Telegram 7 about" in screen
    page.close()
    assert served.stop() == 0
    assert "Traceback" not in served.output()
    assert not re.search(r"could not be opened", served.output())
