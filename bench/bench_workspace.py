"""Workspace benchmark: the research workspace's figures at ``--annotations`` entries.

A seeded workspace is written once (tags on 70 % of the entries' records, notes on 20 %,
list memberships on 10 %, plus a research log of the same length), then measured:

- ``open``: ``Workspace.open`` of that file (what the app adds to its start);
- ``tag op``: one ``add_tags`` on the open workspace: lock, stat, apply, serialize, verify,
  atomic write with fsync (median and p95 of ``--ops``);
- ``tag op after another process wrote``: the same, when the file changed meanwhile
  (re-read and diff included);
- ``index build``: ``AnnotationIndex.from_workspace``;
- ``lookups``: ``ids_with_tag``, ``ids_with_note_word``, ``tag_counts`` over 50,000 ids,
  ``apply`` of one change (median of 200 each, microseconds);
- ``2 x 500 concurrent``: two processes each doing 500 tag operations at once on a fresh
  workspace; wall time and how many of the 1,000 are present afterwards.

    python bench/bench_workspace.py [--annotations 10000] [--ops 50] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ensure_repo_on_path, machine_line, median, percentile

ensure_repo_on_path()

from archive_tui.annotations import AnnotationIndex  # noqa: E402
from archive_tui.store import AtomicJSONStorage  # noqa: E402
from archive_tui.workspace import Workspace  # noqa: E402

WORDS = [
    "berlin",
    "wall",
    "checkpoint",
    "charlie",
    "kennedy",
    "khrushchev",
    "vienna",
    "summit",
    "ulbricht",
    "access",
    "autobahn",
    "garrison",
    "allied",
    "sector",
    "soviet",
    "note",
    "protest",
    "refugees",
    "crisis",
    "brandt",
    "clay",
    "tanks",
    "piné",
    "manac'h",
    "gromyko",
    "громыко",
    "embassy",
    "cable",
    "telegram",
    "memorandum",
    "conversation",
]

CHILD = """
import sys
from archive_tui.workspace import Workspace
ws = Workspace.open(sys.argv[1])
for n in range(500):
    ws.add_tags([f"{sys.argv[2]}-{n}"], ["berlin"])
"""


def build(path: Path, count: int, seed: int) -> None:
    """Write a workspace of ``count`` annotations (and as many log events) in one write."""
    rng = random.Random(seed)
    tags_pool = [f"{rng.choice(WORDS)}-{n}" for n in range(200)]
    tables: dict[str, dict[str, dict]] = {"tags": {}, "notes": {}, "lists": {}, "log": {}}
    lists: dict[str, list[str]] = {f"list {n}": [] for n in range(20)}
    for n in range(count):
        record_id = f"rec-{n:06d}"
        kind = rng.random()
        if kind < 0.7:
            tags = rng.sample(tags_pool, rng.randint(1, 3))
            tables["tags"][str(len(tables["tags"]) + 1)] = {"id": record_id, "tags": tags}
        elif kind < 0.9:
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 60)))
            tables["notes"][str(len(tables["notes"]) + 1)] = {"id": record_id, "text": text}
        else:
            lists[rng.choice(list(lists))].append(record_id)
        tables["log"][str(n + 1)] = {"at": "2026-11-30T07:00:00Z", "event": "open", "id": record_id}
    for at, (name, ids) in enumerate(lists.items(), start=1):
        tables["lists"][str(at)] = {"name": name, "ids": ids}
    AtomicJSONStorage(path).write(tables)


def timed(func, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        out.append(time.perf_counter() - start)
    return out


def ms(values: list[float]) -> str:
    return f"median {median(values) * 1000:7.2f} ms   p95 {percentile(values, 95) * 1000:7.2f} ms"


def us(values: list[float]) -> str:
    return f"median {median(values) * 1e6:9.1f} µs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--ops", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "workspace.json"
        build(path, args.annotations, args.seed)
        size = path.stat().st_size
        print(f"workspace: {args.annotations:,} annotations + log, {size / 1e6:.1f} MB")
        print(f"open                            {ms(timed(lambda: Workspace.open(path), 10))}")
        ws = Workspace.open(path)
        counter = iter(range(10**9))
        op = lambda: ws.add_tags([f"bench-{next(counter)}"], ["Berlin 1961"])  # noqa: E731
        print(f"tag op                          {ms(timed(op, args.ops))}")
        other = Workspace.open(path)

        def after_other() -> None:
            other.add_tags([f"other-{next(counter)}"], ["x"])  # (untimed part below)

        samples = []
        for _ in range(args.ops):
            after_other()
            samples += timed(op, 1)
        print(f"tag op after another's write    {ms(samples)}")
        build_times = timed(lambda: AnnotationIndex.from_workspace(ws), 10)
        print(f"index build                     {ms(build_times)}")
        index = AnnotationIndex.from_workspace(ws)
        tag = index.tag_names()[0]
        ids = [f"rec-{n:06d}" for n in range(0, 100_000, 2)]
        print(f"ids_with_tag                    {us(timed(lambda: index.ids_with_tag(tag), 200))}")
        word = us(timed(lambda: index.ids_with_note_word("Громыко"), 200))
        print(f"ids_with_note_word              {word}")
        counts = us(timed(lambda: index.tag_counts(ids), 20))
        print(f"tag_counts(50,000 ids)          {counts}")
        change = ws.add_tags(["rec-000001"], ["applied"])[0]
        print(f"apply(change)                   {us(timed(lambda: index.apply(change), 200))}")
        fresh = Path(folder) / "concurrent.json"
        start = time.perf_counter()
        children = [
            subprocess.Popen([sys.executable, "-c", CHILD, str(fresh), name]) for name in "ab"
        ]
        codes = [child.wait() for child in children]
        wall = time.perf_counter() - start
        present = len(Workspace.open(fresh).tagged())
        print(f"2 x 500 concurrent tag ops      {wall:.1f} s, {present:,} of 1,000 present {codes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
