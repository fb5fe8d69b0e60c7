"""`archive-tui serve` from the command line: what it passes to the app, and bad input.

Each failure is one sentence and a non-zero status, never a traceback (real subprocesses).
The browser itself is in tests/test_serve_browser.py.
"""

from __future__ import annotations

import http.client
import os
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_cli
from conftest import REPO_ROOT
from serve_helpers import Served

from archive_tui.cli import build_parser
from archive_tui.cli_serve import app_command, forwarded_options, serving_message


def _one_sentence_error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0
    assert proc.stdout == ""
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("usage:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["--db", "my archive.json", "serve"],
        ["serve", "--db", "my archive.json"],
        ["serve", "--port", "8123", "--db", "my archive.json", "--host", "127.0.0.2"],
    ],
)
def test_the_archive_options_reach_the_app_wherever_they_are_given(argv: list[str]) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    assert forwarded_options(args, parser) == ["--db=my archive.json"]
    command = shlex.split(app_command(args))
    assert command == [sys.executable, "-m", "archive_tui", "--db=my archive.json"]
    # the app reads them as `archive-tui --db=...` does: no command, so the terminal app
    app_args = parser.parse_args(command[3:])
    assert app_args.db == "my archive.json" and getattr(app_args, "func", None) is None


def test_without_options_the_app_gets_none_and_serve_has_safe_defaults() -> None:
    parser = build_parser()
    args = parser.parse_args(["serve"])
    assert forwarded_options(args, parser) == []
    assert (args.host, args.port) == ("127.0.0.1", 8000)


def test_a_global_option_added_later_is_forwarded_too() -> None:
    """The lead adds options to the top-level parser (e.g. a PostgreSQL URL): no change here."""
    parser = build_parser()
    parser.add_argument("--pg-url")
    parser.add_argument("--read-only", action="store_true")
    parser.add_argument("--tag", action="append")
    args = parser.parse_args(
        [
            "--pg-url",
            "postgresql://u@localhost/x",
            "--read-only",
            "--tag",
            "a",
            "--tag",
            "b",
            "serve",
        ]
    )
    assert forwarded_options(args, parser) == [
        "--pg-url=postgresql://u@localhost/x",
        "--read-only",
        "--tag=a",
        "--tag=b",
    ]


def test_serving_on_the_network_says_who_can_use_it() -> None:
    local = serving_message("127.0.0.1", 8000)
    assert local == "archive-tui: serving the app at http://127.0.0.1:8000/ (Ctrl+C stops it)"
    for host in ("0.0.0.0", "::", "10.1.2.3"):
        wide = serving_message(host, 8000)
        assert "anyone who can reach port 8000 of this machine can use the app" in wide
    assert "[::1]:8000" in serving_message("::1", 8000)
    assert "anyone" not in serving_message("::1", 8000) + serving_message("localhost", 80)


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1", "80.5"])
def test_a_bad_port_is_one_sentence(port: str) -> None:
    proc = run_cli("serve", "--port", port, timeout=30)
    assert proc.returncode == 2
    line = _one_sentence_error(proc)
    assert "is not a port number (1 to 65535)" in line


def test_a_port_in_use_is_one_sentence() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = run_cli("serve", "--port", port, timeout=30)
    assert proc.returncode == 1
    line = _one_sentence_error(proc)
    assert (
        line
        == f"archive-tui: error: port {port} on 127.0.0.1 is in use; choose another with --port"
    )


def test_an_address_not_of_this_machine_is_one_sentence() -> None:
    proc = run_cli("serve", "--host", "192.0.2.1", "--port", "8123", timeout=30)  # TEST-NET-1
    line = _one_sentence_error(proc)
    assert "192.0.2.1 is not an address of this machine" in line


def test_a_missing_archive_file_is_one_sentence(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.json"
    proc = run_cli("serve", "--db", missing, "--port", "8123", timeout=30)
    line = _one_sentence_error(proc)
    assert (
        line == f"archive-tui: error: no archive at {missing} (import a file into it to create it)"
    )


def test_without_textual_serve_it_says_how_to_install_it() -> None:
    # textual_serve set to None in sys.modules is how Python spells "not installed"
    code = (
        "import sys\n"
        "sys.modules['textual_serve'] = sys.modules['textual_serve.server'] = None\n"
        "from archive_tui.cli import main; raise SystemExit(main(['serve', '--port', '8123']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=REPO_ROOT,
        env={k: v for k, v in os.environ.items() if k != "ARCHIVE_TUI_DEBUG"},
        timeout=30,
    )
    assert proc.returncode == 1
    line = _one_sentence_error(proc)
    assert line == (
        "archive-tui: error: archive-tui serve needs textual-serve, which is not installed; "
        "install it with pip install 'archive-tui[serve]'"
    )
    assert "Traceback" not in proc.stderr


def test_the_app_still_refuses_a_pipe_unless_textual_serve_runs_it() -> None:
    proc = run_cli(timeout=30)
    assert proc.returncode == 2
    assert "needs an interactive terminal" in proc.stderr


def test_serve_is_in_the_help() -> None:
    proc = run_cli("--help", timeout=30)
    assert "serve" in proc.stdout and "web browser" in proc.stdout


def test_the_page_points_its_websocket_at_the_address_the_browser_used(tmp_path: Path) -> None:
    """Through `ssh -L 9000:127.0.0.1:8000` the browser asks for localhost:9000: the page's
    websocket must go there too, not to the --host and --port the server listens on."""
    served = Served(["serve"], tmp_path, tmp_path / "serve.log")
    try:
        served.wait_listening()
        for host in ("localhost:9000", f"127.0.0.1:{served.port}", "archive.example.org:8443"):
            connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
            connection.request("GET", "/", headers={"Host": host})
            page = connection.getresponse().read().decode()
            connection.close()
            assert f'data-session-websocket-url="ws://{host}/ws"' in page
        # a Host header that is no address does not get into the page
        connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        connection.request("GET", "/", headers={"Host": 'x"><script>alert(1)</script>'})
        page = connection.getresponse().read().decode()
        connection.close()
        assert "<script>alert" not in page
        assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
    finally:
        assert served.stop() == 0
    assert "Traceback" not in served.output()
