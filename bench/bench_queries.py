"""Pathological queries (issue 13): each one's time on the shipped archive, and optionally on a
generated one. Every query should answer in under a second.

    python bench/bench_queries.py                      # the shipped archive
    python bench/bench_queries.py --generated 100000   # also a generated archive (seed 1)

Each query is run ``--repeat`` times through ``Archive.search`` (with highlighting of the
first page, as the CLI and the app do); the table shows the first run's time (nothing
cached: a wildcard's expansion is remembered per index afterwards), the median, the
total, whether the search was cut short by its deadline, the peak memory the search itself
allocated (tracemalloc, numpy included; a separate run, so timings are not slowed), and the
notes it gave. The size of the index arrays is printed for comparison.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import ensure_repo_on_path, max_rss_mb, median

ensure_repo_on_path()


def _groups(n: int) -> str:
    return "*" + "?**" * n + "?*q"


QUERIES = [
    ("4 wildcard groups", "*?**?**?**?*q"),
    ("6 wildcard groups (31 s before)", _groups(5)),
    ("8 wildcard groups (109 s before)", _groups(7)),
    ("10 wildcard groups (322 s before)", _groups(9)),
    ("100 stars", "a" + "*" * 100 + "z"),
    ("alternating ?*", "s" + "?*" * 30 + "t"),
    ("*a?*a?... (highlighter)", "*a?" * 12 + "*c"),
    ("prefix of everything", "a*"),
    ("64 wildcard terms", " OR ".join(f"*{c}?*" for c in "abcdefghijklmnopqrstuvwxyz" * 3)),
    ("deep parentheses", "(" * 500 + "soviet" + ")" * 500),
    ("2,000 characters", "soviet " * 300),
    ("plain word (reference)", "soviet"),
]


def index_mb(archive) -> float:
    index = archive.index
    total = 0
    for value in vars(index).values():
        nbytes = getattr(value, "nbytes", None)
        if isinstance(nbytes, int):
            total += nbytes
    return total / 1e6


def run(path: Path, base: Path | None, repeat: int) -> None:
    from archive_tui.archive import Archive

    t0 = time.perf_counter()
    archive = Archive.open(path, base=base, use_cache=False) if base else Archive.open(path)
    print(f"\n{path.name}: {len(archive):,} records, opened in {time.perf_counter() - t0:.1f} s")
    print(f"{'query':<36} {'first ms':>9} {'median ms':>10} {'peak MB':>8} {'total':>8}  cut notes")
    for label, query in QUERIES:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            result = archive.search(query, limit=20)
            times.append((time.perf_counter() - t) * 1000)
        tracemalloc.start()
        archive.search(query, limit=20)
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        notes = "; ".join(result.parsed.notes)[:60]
        cut = "yes" if getattr(result, "cut_short", False) else "no"
        print(
            f"{label:<36} {times[0]:>9.1f} {median(times):>10.1f} {peak:>8.1f} {result.total:>8,}  "
            f"{cut:<4} {notes}"
        )
    print(f"index arrays {index_mb(archive):,.0f} MB; peak RSS so far {max_rss_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--generated", type=int, default=0, metavar="N")
    args = parser.parse_args()
    from archive_tui.paths import shipped_archive_path

    run(shipped_archive_path(), None, args.repeat)
    if args.generated:
        from bench.generate import ensure_archive

        run(Path(ensure_archive(args.generated, seed=1)), None, args.repeat)


if __name__ == "__main__":
    main()
