"""`archive-tui serve`: the same app in a web browser, through textual-serve.

The server starts one `archive-tui` process per browser connection, with the archive options
this command was given (every option of the top-level parser, forwarded generically, so an
option added there later reaches the app without a change here) and this environment
(ARCHIVE_TUI_HOME and the like). It listens on 127.0.0.1 unless told otherwise: whoever
reaches the port can use the app.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import os
import re
import shlex
import socket
import sys
import time
from pathlib import Path
from typing import Any

from archive_tui.cli import EXIT_OK, EXIT_USAGE, CliError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# What textual-serve sets in the environment of each app process it starts.
WEB_DRIVER = "textual.drivers.web_driver:WebDriver"
# How long Ctrl+C waits for the apps of open browser tabs to quit.
APP_EXIT_TIMEOUT_S = 5.0
# A Host header that may go into the page as it is: a name or an address, and a port.
HOST_HEADER = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", re.ASCII)
INSTALL_HINT = "pip install 'archive-tui[serve]'"


def served_in_browser() -> bool:
    """Is this process the app that textual-serve started for a browser (no terminal)?"""
    return os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER


def port_number(text: str) -> int:
    """argparse type of --port: 1 to 65535, said in one sentence otherwise."""
    try:
        port = int(text, 10)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return port


def add_serve_command(
    commands: argparse._SubParsersAction, common: argparse.ArgumentParser
) -> None:
    """Register `serve` on the CLI's subcommands (`common` carries the archive options)."""
    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="the app in a web browser (textual-serve), one session a browser tab",
        description="Serve the terminal app to web browsers: each tab that opens the page gets "
        "its own app, on the same archive (the archive options given before or after `serve` "
        "are passed on). Listens on 127.0.0.1 by default; anyone who can reach the port can "
        "use the app, so reach it from elsewhere through an SSH tunnel "
        "(ssh -L 8000:127.0.0.1:8000 HOST).",
    )
    serve.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"address to listen on (default: {DEFAULT_HOST}, this machine only)",
    )
    serve.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port to listen on (default: {DEFAULT_PORT})",
    )
    serve.set_defaults(func=cmd_serve)


def forwarded_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[str]:
    """The top-level options of `parser` that `args` holds, as command-line arguments.

    Only options with a value other than their default are given, so the app started for a
    browser reads its archive exactly as `archive-tui OPTIONS` would.
    """
    argv: list[str] = []
    for action in parser._actions:  # argparse has no public list of a parser's actions
        if not action.option_strings or action.dest in ("help", "version"):
            continue
        if isinstance(action, argparse._SubParsersAction):
            continue
        value = getattr(args, action.dest, action.default)
        if value == action.default or value is None:
            continue
        flag = next((s for s in action.option_strings if s.startswith("--")), None)
        flag = flag or action.option_strings[0]
        if action.nargs == 0:  # store_true / store_false / store_const / count
            times = value if isinstance(action, argparse._CountAction) else 1
            argv += [flag] * int(times)
        elif isinstance(value, list):
            argv += _repeated(flag, value, action.nargs)
        else:
            argv.append(f"{flag}={value}")
    return argv


def _repeated(flag: str, values: list[Any], nargs: Any) -> list[str]:
    """An append action's values (or one nargs list) as arguments again."""
    if nargs is None or nargs == "?":  # --x a --x b
        return [f"{flag}={value}" for value in values]
    flat: list[str] = []
    for value in values:
        flat += [str(item) for item in value] if isinstance(value, list) else [str(value)]
    return [flag, *flat]


def app_command(args: argparse.Namespace) -> str:
    """The shell command textual-serve runs for each browser: this Python, this package."""
    from archive_tui.cli import build_parser

    options = forwarded_options(args, build_parser())
    return shlex.join([sys.executable, "-m", "archive_tui", *options])


def check_port_free(host: str, port: int) -> None:
    """Bind and release HOST:PORT now, so a taken port is one sentence, not a server log."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise CliError(f"error: cannot listen on {host}: no such host or address") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise CliError(_bind_error(host, port, error)) from None


def _bind_error(host: str, port: int, error: OSError) -> str:
    where = f"{host}:{port}"
    if error.errno == errno.EADDRINUSE:
        return f"error: port {port} on {host} is in use; choose another with --port"
    if error.errno == errno.EACCES:
        return f"error: not allowed to listen on {where} (ports below 1024 need root)"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"error: cannot listen on {where}: {host} is not an address of this machine"
    return f"error: cannot listen on {where}: {error.strerror or error}"


def serving_message(host: str, port: int) -> str:
    """What the server says once it listens: where, how to stop, and who can reach it."""
    shown = f"[{host}]" if ":" in host else host
    lines = [f"archive-tui: serving the app at http://{shown}:{port}/ (Ctrl+C stops it)"]
    if not _loopback(host):
        lines.append(
            f"archive-tui: anyone who can reach port {port} of this machine can use the app "
            "and its archive; to serve this machine only, use --host 127.0.0.1 and an SSH tunnel"
        )
    return "\n".join(lines)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def child_pids() -> set[int]:
    """This process's children not yet reaped (Linux /proc; elsewhere none are known)."""
    pids: set[int] = set()
    for path in Path("/proc/self/task").glob("*/children"):
        with contextlib.suppress(OSError, ValueError):
            pids.update(int(pid) for pid in path.read_text().split())
    return pids


async def wait_for_children(timeout: float) -> bool:
    """Let the loop run until every child process has exited and been reaped; False if
    some are still there after `timeout` seconds."""
    import asyncio  # here, not at the top: every command builds the parser (~12 ms of CPU)

    deadline = time.monotonic() + timeout
    while child_pids():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.05)  # the exit callbacks the reaping scheduled
    return True


def _server_class(base: type) -> type:
    """textual-serve's Server, with page links that follow the address the browser used.

    textual-serve writes the websocket's address into the page from --host and --port, which
    a browser elsewhere cannot reach when the server listens on 0.0.0.0, nor through an SSH
    tunnel to another local port; the Host header the browser sent is the address it reached.
    """
    import asyncio

    class Server(base):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.sessions: set[asyncio.Task[Any]] = set()
            self.listen_url = self.public_url  # http://HOST:PORT of --host and --port

        async def handle_index(self, request: Any) -> Any:
            host = request.host
            # (no await before the page is made: no other request sees this public_url)
            if HOST_HEADER.fullmatch(host):
                self.public_url = f"{request.scheme}://{host}"
            else:
                self.public_url = self.listen_url
            return await super().handle_index(request)

        async def handle_websocket(self, request: Any) -> Any:
            # one browser tab: its app runs for as long as this handler does
            task = asyncio.current_task()
            assert task is not None
            self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)

        async def on_shutdown(self, app: Any) -> None:
            # Ctrl+C: each tab's app is told to quit and waited for, and the loop stays open
            # until every app process has been reaped (else asyncio prints a traceback).
            sessions = list(self.sessions)
            for task in sessions:
                task.cancel()
            if sessions:
                await asyncio.wait(sessions, timeout=APP_EXIT_TIMEOUT_S)
            await wait_for_children(timeout=APP_EXIT_TIMEOUT_S)

        async def on_startup(self, app: Any) -> None:
            # our own lines instead of textual-serve's banner, which names the command
            print(serving_message(self.host, self.port), flush=True)

    return Server


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the app until Ctrl+C (or SIGTERM); every browser tab gets its own app."""
    try:
        from textual_serve.server import Server
    except ModuleNotFoundError:
        raise CliError(
            f"error: archive-tui serve needs textual-serve, which is not installed; "
            f"install it with {INSTALL_HINT}"
        ) from None
    db = getattr(args, "db", None)
    if db and "://" not in str(db):
        from archive_tui.cli import _db_path

        path = _db_path(args)
        if path is not None and not path.exists():
            raise CliError(f"error: no archive at {path} (import a file into it to create it)")
    host, port = args.host, args.port
    if not host:
        raise CliError("error: --host needs an address, such as 127.0.0.1", EXIT_USAGE)
    check_port_free(host, port)
    server = _server_class(Server)(app_command(args), host=host, port=port, title="archive-tui")
    try:
        server.serve()
    except OSError as error:  # taken between the check and the server's own bind
        raise CliError(_bind_error(host, port, error)) from None
    return EXIT_OK
