"""Per-record metadata benchmark: ``build_record_meta`` (facets, date and title orders).

For each size it generates (or reuses) a seeded archive with bench/generate.py, and with
``--shipped`` also takes the shipped data/records.json, and prints the median of ``--runs``
runs of ``archive_tui.facets.build_record_meta`` over the archive's records. Each run is a
fresh interpreter that loads the records with ``RecordStore(...).load()`` first (not timed),
so the caches (parsed dates, ...) and the heap look as they do in a real cold
``Archive.open``. A ``gc.collect()`` follows the load, so the garbage-collection work the
load leaves behind (bench/bench_store.py's ``after``) is not charged to the build.

    python bench/bench_meta.py [--sizes 10000,100000] [--seed 1] [--runs 3] [--no-shipped]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    REPO_ROOT,
    ensure_repo_on_path,
    machine_line,
    median,
    parse_sizes,
    run_worker,
)

ensure_repo_on_path()

SCRIPT = Path(__file__).resolve()
SHIPPED = REPO_ROOT / "data" / "records.json"


def worker(path: str) -> dict:
    """Load ``path`` and time one build_record_meta over its records, in this fresh process."""
    from archive_tui.facets import build_record_meta
    from archive_tui.store import RecordStore

    records = RecordStore(Path(path), read_only=True, create=False).load()
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    meta = build_record_meta(records)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    entries = sum(len(f.entry_doc) for f in meta.facets.values())
    return {"records": len(records), "wall": wall, "cpu": cpu, "entries": entries}


def archive_for(size: int, seed: int) -> Path:
    """The generated archive in bench/out, generated only when it is missing."""
    from bench.generate import archive_path, ensure_archive

    path = archive_path(size, seed)
    return path if path.exists() else ensure_archive(size, seed)


def bench_file(label: str, path: Path, runs: int) -> float:
    rows = [run_worker(SCRIPT, ["--worker", str(path)]) for _ in range(runs)]
    if len({(r["records"], r["entries"]) for r in rows}) != 1:
        raise SystemExit(f"{path}: runs disagree on the records: {rows}")
    walls = [r["wall"] for r in rows]
    spread = ", ".join(f"{w:.3f}" for w in walls)
    print(
        f"  {label:10s} {rows[0]['records']:>8,} records  {median(walls):6.3f} s"
        f"  cpu {median([r['cpu'] for r in rows]):6.3f} s   (runs {spread})"
    )
    return median(walls)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated record counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per figure")
    parser.add_argument("--no-shipped", action="store_true", help="skip data/records.json")
    parser.add_argument("--worker", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker)))
        return 0
    sizes = parse_sizes(args.sizes)
    print(f"build_record_meta — {machine_line()}; median of {args.runs} fresh processes")
    for size in sizes:
        bench_file(f"{size:,}", archive_for(size, args.seed), args.runs)
    if not args.no_shipped:
        bench_file("shipped", SHIPPED, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
