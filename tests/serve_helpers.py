"""A real `archive-tui ... serve` subprocess for the serve tests (tests/test_serve*.py)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """A running `archive-tui ARGS serve --port PORT` and what it printed."""

    def __init__(self, args: list[str], home: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {**os.environ, "ARCHIVE_TUI_HOME": str(home)}
        env.pop("ARCHIVE_TUI_DEBUG", None)
        self.log = log
        with log.open("wb") as out:
            # A session of its own: the apps it starts for browsers go with it at the end.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "archive_tui", *args, "--port", str(self.port)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=REPO_ROOT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_listening(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}: {self.output()}")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        pytest.fail(f"serve did not listen on port {self.port}: {self.output()}")

    def stop(self, *, group: bool = False) -> int:
        """SIGINT to the server (`kill -INT`), or to its whole process group, apps included,
        as Ctrl+C in a terminal sends it; then anything left of its session is ended."""
        if self.process.poll() is None:
            if group:
                os.killpg(self.process.pid, signal.SIGINT)
            else:
                self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        return self.process.returncode
