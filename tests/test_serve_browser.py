"""`archive-tui serve` in a real headless Chromium: load the page, type a query, read the results.

The server is a real `archive-tui serve` subprocess on a free port of 127.0.0.1 with a fresh
ARCHIVE_TUI_HOME; the browser is Debian's /usr/bin/chromium driven by Playwright (which
downloads no browser of its own here). textual-serve draws with xterm.js on a canvas, so the
page's text is read from xterm's own buffer: an init script keeps the Terminal the page makes
(the `terminal` property textual.js assigns it to) as ``window.__xterm``. Every request to
anything but the server is aborted: the page asks for a web font, and tests touch no network.

On CI (CI=true) a missing Chromium or Playwright fails; elsewhere the tests are skipped.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from serve_helpers import Served

CHROMIUM = os.environ.get("ARCHIVE_TUI_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHIPPED_TOTAL = "12,415"

# Keeps the first xterm.js Terminal assigned to a `terminal` property, then lets the property
# be an ordinary one again on that object.
KEEP_XTERM = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  get() { return undefined; },
  set(value) {
    if (value && value.buffer && value.buffer.active && !window.__xterm) {
      window.__xterm = value;
    }
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
  },
});
"""
SCREEN_TEXT = """() => {
  const term = window.__xterm;
  if (!term) return null;
  const buffer = term.buffer.active;
  const lines = [];
  for (let row = 0; row < term.rows; row++) {
    const line = buffer.getLine(buffer.viewportY + row);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
}"""


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One headless Chromium with a new, empty profile for the module's tests."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _missing(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright is not installed (pip install -e '.[test]')")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 800},
        )
        context.route("**/*", _only_this_machine)
        try:
            yield context
        finally:
            context.close()


# Every address a page asked for that is not the server's (the request was aborted).
BLOCKED: list[str] = []


def _only_this_machine(route: object) -> None:
    url = route.request.url
    if url.startswith("http://127.0.0.1:"):
        route.continue_()
    else:
        BLOCKED.append(url)
        route.abort()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[callable]:
    started: list[Served] = []

    def start(*args: str, home: Path) -> Served:
        served = Served(list(args), home, tmp_path / f"serve-{len(started)}.log")
        started.append(served)
        served.wait_listening()
        return served

    yield start
    for served in started:
        served.stop()
        assert "Traceback" not in served.output(), served.output()


def open_app(context: object, url: str) -> object:
    """A new tab on the served page."""
    page = context.new_page()
    page.add_init_script(KEEP_XTERM)
    page.goto(url, wait_until="domcontentloaded")
    return page


def wait_for_screen(page: object, pattern: str, timeout: float = 20) -> str:
    """The terminal's text once `pattern` (a regex) is on it; fails with the screen if not."""
    deadline = time.monotonic() + timeout
    text = None
    while time.monotonic() < deadline:
        text = page.evaluate(SCREEN_TEXT)
        if text and re.search(pattern, text):
            return text
        time.sleep(0.2)
    if text is None:
        pytest.fail("the page made no xterm.js terminal (textual-serve's page changed?)")
    pytest.fail(f"{pattern!r} never appeared on the page; the screen was:\n{text}")


def type_into_app(page: object, text: str) -> None:
    page.locator(".xterm-helper-textarea").focus()
    page.keyboard.type(text, delay=20)


def cli_search(home: Path, *args: str) -> dict:
    return cli_json(home, "search", *args)


def cli_json(home: Path, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "archive_tui", *args, "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "ARCHIVE_TUI_HOME": str(home)},
        cwd=REPO_ROOT,
        timeout=120,
        check=True,
    )
    return json.loads(proc.stdout)


def test_the_page_searches_the_shipped_archive(
    browser_context: object, serve: callable, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    expected = cli_search(home, "Gromyko", "--limit", "1")
    served = serve("serve", home=home)

    page = open_app(browser_context, served.url)
    wait_for_screen(page, rf"{SHIPPED_TOTAL} documents")
    type_into_app(page, "Gromyko")
    total = f"{expected['total']:,}"
    first_title = expected["hits"][0]["title"][:30]
    screen = wait_for_screen(page, rf"(?s){total} results.*{re.escape(first_title)}")
    assert "Gromyko" in screen
    assert SHIPPED_TOTAL not in screen

    page.keyboard.press("Enter")  # the search goes into the history of the served home
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Gromyko" not in _home_text(home):
        time.sleep(0.2)
    assert "Gromyko" in _home_text(home), "the served app did not use ARCHIVE_TUI_HOME"

    # enter opens the first document; `o` opens its URL in a new tab of this browser
    record = cli_json(home, "show", expected["hits"][0]["id"])
    page.keyboard.press("Enter")
    wait_for_screen(page, re.escape(record["url"][:40]))
    BLOCKED.clear()
    with browser_context.expect_page(timeout=10_000) as new_tab:
        page.keyboard.press("o")
    new_tab.value.close()
    assert record["url"] in BLOCKED, BLOCKED  # asked for (and kept off the network)
    page.close()
    assert served.stop(group=True) == 0  # Ctrl+C in its terminal stops it cleanly
    assert f"archive-tui: serving the app at {served.url} (Ctrl+C stops it)" in served.output()
    assert "Traceback" not in served.output()


def _home_text(home: Path) -> str:
    texts = []
    for path in home.rglob("*.json"):
        texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(texts)


def test_the_served_app_reads_the_archive_given_with_db(
    browser_context: object, serve: callable, tmp_path: Path
) -> None:
    records = [
        {"id": "serve-1", "date": "1961-08-13", "title": "Quadripartite memo on Zwieback"},
        {"id": "serve-2", "date": "1962-10-16", "title": "Telegram on the Bratwurst question"},
        {"id": "serve-3", "date": "1963-06-26", "title": "Note on Zwieback and the wall"},
    ]
    source = tmp_path / "mine.json"
    source.write_text(json.dumps(records), encoding="utf-8")
    db = tmp_path / "mine-db.json"
    home = tmp_path / "home"
    home.mkdir()
    subprocess.run(
        [sys.executable, "-m", "archive_tui", "--db", str(db), "import", str(source)],
        check=True,
        capture_output=True,
        env={**os.environ, "ARCHIVE_TUI_HOME": str(home)},
        cwd=REPO_ROOT,
        timeout=120,
    )
    served = serve("--db", str(db), "serve", home=home)  # a global option, before the command

    page = open_app(browser_context, served.url)
    wait_for_screen(page, r"\b3 documents")
    type_into_app(page, "zwieback")
    screen = wait_for_screen(page, r"(?s)\b2 results.*Zwieback")
    assert "Bratwurst" not in screen

    # a second tab is a second app: its search is its own
    other = open_app(browser_context, served.url)
    wait_for_screen(other, r"\b3 documents")
    type_into_app(other, "bratwurst")
    wait_for_screen(other, r"(?s)\b1 results?\b.*Bratwurst")
    assert re.search(r"\b2 results", page.evaluate(SCREEN_TEXT))

    # SIGINT to the server alone, the tab still open: its app quits, the server ends cleanly
    started = time.monotonic()
    assert served.stop() == 0
    assert time.monotonic() - started < 10
    for tab in (page, other):  # each page says "Session ended."
        tab.wait_for_selector("body.-closed", timeout=5000)
        tab.close()
    assert "Traceback" not in served.output()
