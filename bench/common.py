"""Small helpers shared by the bench scripts: statistics, formatting, subprocess measurements.

Import from the repository root (``from bench.common import ...``); the bench scripts put the
repository root on ``sys.path`` themselves so they also run as ``python bench/<script>.py``.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def ensure_repo_on_path() -> None:
    """Let ``python bench/x.py`` import ``bench.*`` and the project from the checkout."""
    for p in (str(REPO_ROOT), str(REPO_ROOT / "src")):
        if p not in sys.path:
            sys.path.insert(0, p)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); p95 of 20 runs is the 19th smallest."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100)
    return ordered[int(rank) - 1]


def median(values: Sequence[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _proc_status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """Current resident set size in MB."""
    value = _proc_status_mb("VmRSS")
    return value if value is not None else max_rss_mb()


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (Linux >= 4.0), so the next peak is ours alone."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak RSS of this process image (VmHWM). Unlike ru_maxrss it does not inherit the
    parent's RSS at fork, which would hide a child's own peak."""
    value = _proc_status_mb("VmHWM")
    return value if value is not None else max_rss_mb()


def max_rss_mb() -> float:
    """getrusage peak RSS in MB (Linux reports KiB); may include the parent's at fork."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def fresh_home(prefix: str = "archive-tui-bench-") -> Path:
    """A new empty folder for ARCHIVE_TUI_HOME, so no index cache is found."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def run_worker(
    script: Path, args: Sequence[str], env: Mapping[str, str] | None = None, timeout: float = 1800
) -> dict:
    """Run ``python script args...`` in a fresh interpreter; it prints one JSON object last."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, str(script), *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"worker {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}"
        )
    return json.loads(lines[-1])


def parse_sizes(text: str) -> list[int]:
    """``"10000,100_000"`` -> ``[10000, 100000]`` (the --sizes option of every benchmark)."""
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def machine_line() -> str:
    """Python version, CPUs, load and time: what any figure must be read beside."""
    return (
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}, {time.strftime('%Y-%m-%d %H:%M')}"
    )


def time_ms(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and p95 milliseconds of ``repeat`` calls after one warm-up, collector off."""
    import gc
    import time

    fn()  # warm up
    runs = []
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - t0) * 1000)
    finally:
        gc.enable()
    return median(runs), percentile(runs, 95)
