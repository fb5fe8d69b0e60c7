"""Store benchmark: what loading an archive file costs, step by step.

For each size it generates (or reuses) a seeded archive with bench/generate.py and prints the
median of ``--runs`` fresh processes (wall and CPU seconds) for:

- ``read``: the raw read of the file's bytes (``AtomicJSONStorage.read_bytes``);
- ``orjson.loads``: the library alone on those bytes, as one document, collector on;
- ``store parse``: ``AtomicJSONStorage.parse``, what the store does instead (JSON and shape);
- ``check_records``: the per-record validation of the parsed tables;
- ``RecordStore load``: the whole ``RecordStore.open(...).load()`` (read, parse, checks, spans);
- ``after``: allocating 400,000 small lists right after that open, which shows
  garbage-collection work the load leaves for later instead of doing itself;
- ``json.load`` of the same file, the reference (``Archive.open`` cold must stay within 3x).

Each figure comes from fresh interpreters, so caches (parsed dates, ...) start empty as in a
real open; the file itself is in the page cache after the first run. On a busy machine
trust the CPU column more than the wall one.

    python bench/bench_store.py [--sizes 10000,100000] [--seed 1] [--runs 3] [--file PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ensure_repo_on_path,
    machine_line,
    median,
    parse_sizes,
    run_worker,
)

ensure_repo_on_path()

SCRIPT = Path(__file__).resolve()
AFTER_LISTS = 400_000  # about as many containers as a 100k archive holds


class Steps:
    """Wall and CPU seconds of consecutive steps (CPU time is less disturbed by a busy machine)."""

    def __init__(self) -> None:
        self.figures: dict[str, float] = {}
        self._mark()

    def _mark(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def done(self, name: str) -> None:
        self.figures[name] = time.perf_counter() - self._wall
        self.figures[name + " cpu"] = time.process_time() - self._cpu
        self._mark()


def worker(kind: str, path: str) -> dict:
    """Time one way of loading ``path`` in this (fresh) process."""
    if kind == "json":
        steps = Steps()
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        steps.done("json.load")
        return {**steps.figures, "records": len(data["records"])}
    import orjson

    from archive_tui.store import AtomicJSONStorage, RecordStore, check_records

    if kind == "orjson":  # the library alone, on the whole document, collector on
        storage = AtomicJSONStorage(path, read_only=True)
        raw, _ = storage.read_bytes()
        steps = Steps()
        tables = orjson.loads(raw)
        steps.done("orjson.loads")
        return {**steps.figures, "records": len(tables["records"])}
    if kind == "steps":
        storage = AtomicJSONStorage(path, read_only=True)
        steps = Steps()
        raw, _ = storage.read_bytes()
        steps.done("read")
        tables = storage.parse(raw)
        steps.done("store parse")
        check_records(Path(path), tables)
        steps.done("check_records")
        return {**steps.figures, "records": len(tables["records"])}
    if kind == "store":
        steps = Steps()
        store = RecordStore.open(path, read_only=True)
        records = store.load()
        steps.done("RecordStore load")
        kept = [[n] for n in range(AFTER_LISTS)]
        steps.done("after")
        del kept
        assert store.clean_fingerprint() is not None  # every record was valid as stored
        return {**steps.figures, "records": len(records)}
    raise SystemExit(f"unknown worker kind {kind}")


def runs_of(kind: str, path: Path, runs: int) -> list[dict]:
    return [run_worker(SCRIPT, ["--worker", kind, str(path)]) for _ in range(runs)]


def archive_for(size: int, seed: int) -> Path:
    """The generated archive in bench/out, generated only when it is missing."""
    from bench.generate import archive_path, ensure_archive

    path = archive_path(size, seed)
    return path if path.exists() else ensure_archive(size, seed)


def bench_file(path: Path, size: int | None, runs: int) -> dict:
    print(f"\n=== {path} ({path.stat().st_size / 1e6:.1f} MB)")
    rows = [
        row for kind in ("steps", "orjson", "store", "json") for row in runs_of(kind, path, runs)
    ]
    figures: dict[str, float] = {}
    for key in (
        "read",
        "orjson.loads",
        "store parse",
        "check_records",
        "RecordStore load",
        "after",
        "json.load",
    ):
        values = [r[key] for r in rows if key in r]
        figures[key] = median(values)
        figures[key + " cpu"] = median([r[key + " cpu"] for r in rows if key in r])
        spread = f"(runs {', '.join(f'{v:.3f}' for v in values)})"
        print(f"  {key:18s} {figures[key]:7.3f} s  cpu {figures[key + ' cpu']:7.3f} s   {spread}")
    ratio = figures["RecordStore load"] / figures["json.load"]
    print(f"  RecordStore load / json.load: {ratio:.2f} (wall)")
    counts = {r["records"] for r in rows}
    if len(counts) != 1 or (size is not None and counts != {size}):
        raise SystemExit(f"expected {size or 'the same'} records, got {sorted(counts)}")
    print(f"  records: {counts.pop():,}")
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated record counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--file", type=Path, help="an archive file to load instead of --sizes")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    sizes = parse_sizes(args.sizes)
    print(f"archive-tui store benchmark — {machine_line()}; median of {args.runs} fresh processes")
    if args.file:
        bench_file(args.file, None, args.runs)
    for size in sizes if not args.file else ():
        bench_file(archive_for(size, args.seed), size, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
