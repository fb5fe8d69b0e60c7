"""Timeline benchmark: ``timeline.histogram`` (and drawing it) over a generated archive's results.

Generates a seeded archive in memory with bench/generate.py (nothing is written), takes its
date intervals the way the index keeps them (int32 day ordinals), and prints the median and
p95 of ``--repeat`` calls for result sets of several shapes: every record, a random 30 %,
a 5-year range (by year) and a 2-year range (by month). The issue's target: the histogram
adds well under 1 ms to a search's median at 100,000 records.

    python bench/bench_timeline.py [--count 100000] [--seed 1] [--repeat 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ensure_repo_on_path,
    machine_line,
    time_ms,
    verdict,
)

ensure_repo_on_path()

import numpy as np  # noqa: E402

from archive_tui.dates import parse_date  # noqa: E402
from archive_tui.timeline import histogram, render_bars, render_text_chart  # noqa: E402

TARGET_MS = 1.0


_time = time_ms


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)

    from bench.generate import generate_records

    t0 = time.perf_counter()
    records = generate_records(args.count, seed=args.seed)
    dates = [parse_date(r["date"]) for r in records]
    starts = np.array([d.start for d in dates], np.int32)
    ends = np.array([d.end for d in dates], np.int32)
    print(machine_line())
    took = time.perf_counter() - t0
    print(f"{args.count:,} generated records (seed {args.seed}) in {took:.1f} s")

    rng = np.random.default_rng(args.seed)
    some = np.sort(rng.choice(args.count, args.count * 3 // 10, replace=False)).astype(np.int32)
    lo5, hi5 = parse_date("1958").start, parse_date("1962").end
    lo2, hi2 = parse_date("1961").start, parse_date("1962").end
    five = np.flatnonzero((starts >= lo5) & (starts <= hi5)).astype(np.int32)
    two = np.flatnonzero((starts >= lo2) & (starts <= hi2)).astype(np.int32)
    cases = [("all records", None), ("random 30 %", some), ("1958-1962", five), ("1961-1962", two)]
    ok = True
    print(f"{'results':<14} {'docs':>8} {'unit':>5} {'buckets':>7}  histogram median / p95")
    for name, docs in cases:
        h = histogram(starts, ends, docs)
        n = args.count if docs is None else len(docs)
        assert h.total == n, (h.total, n)
        med, p95 = _time(lambda docs=docs: histogram(starts, ends, docs), args.repeat)
        ok &= med < TARGET_MS
        print(f"{name:<14} {n:>8,} {h.unit:>5} {len(h.buckets):>7}  {med:.3f} ms / {p95:.3f} ms")
    h = histogram(starts, ends)
    med, p95 = _time(lambda: render_bars(h, 80, height=4), args.repeat)
    print(f"render_bars(80x4, {len(h.buckets)} buckets): {med:.3f} ms / {p95:.3f} ms")
    med, p95 = _time(lambda: render_text_chart(h, 80), args.repeat)
    print(f"render_text_chart(80): {med:.3f} ms / {p95:.3f} ms")
    print(f"target: histogram median < {TARGET_MS} ms at every shape: {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
