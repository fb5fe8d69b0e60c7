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

With ``--records N`` (e.g. 100000; a generated archive, seed 1, made once under bench/out),
the search side, on a workspace of ``--annotations`` entries on that archive's records:

- each query's median over ``--repeat`` runs through ``Archive.search`` (page of 20,
  facets, tags/lists facets included), plain queries first for comparison, then ``tag:`` /
  ``note:`` / ``has:`` ones (target: as fast as any other, median <= 5 ms);
- ``tag -> visible``: one ``add_tags`` on the workspace file, ``AnnotationIndex.apply`` of
  its changes and the search ``tag:NAME`` that shows the record (target <= 50 ms).

    python bench/bench_workspace.py [--annotations 10000] [--ops 50] [--seed 1]
    python bench/bench_workspace.py --records 100000 [--repeat 50]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
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


def build(path: Path, count: int, seed: int, ids: Sequence[str] | None = None) -> None:
    """Write a workspace of ``count`` annotations (and as many log events) in one write
    (on records ``ids`` when given: spread over them, seeded)."""
    rng = random.Random(seed)
    tags_pool = [f"{rng.choice(WORDS)}-{n}" for n in range(200)]
    tables: dict[str, dict[str, dict]] = {"tags": {}, "notes": {}, "lists": {}, "log": {}}
    lists: dict[str, list[str]] = {f"list {n}": [] for n in range(20)}
    for n in range(count):
        record_id = f"rec-{n:06d}" if ids is None else ids[rng.randrange(len(ids))]
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


PLAIN_QUERIES = ["soviet", "berlin", "berlin wall", "date:1961", "embassy -soviet", ""]


def search_figures(records: int, annotations: int, ops: int, repeat: int, seed: int) -> None:
    """The search side at ``records`` (see the module docstring)."""
    import os

    from bench.common import fresh_home
    from bench.generate import ensure_archive

    os.environ["ARCHIVE_TUI_HOME"] = str(fresh_home())
    from archive_tui.archive import Archive

    path = ensure_archive(records, seed=1)
    start = time.perf_counter()
    archive = Archive.open(path)
    archive.wait_for_cache()
    print(f"\narchive: {len(archive):,} records (opened in {time.perf_counter() - start:.1f} s)")
    with tempfile.TemporaryDirectory() as folder:
        ws_path = Path(folder) / "workspace.json"
        ids = list(archive.by_id)
        build(ws_path, annotations, seed, ids)
        ws = Workspace.open(ws_path)
        index = AnnotationIndex.from_workspace(ws)
        archive.attach_annotations(index)
        top_tag = next(iter(index.tag_counts()))
        queries = [
            *PLAIN_QUERIES,
            f'tag:"{top_tag}"',
            f'tag:"{top_tag}" soviet',
            "note:berlin",
            "note:gromyko has:tag",
            "has:note",
            "berlin -tag:crisis*",
        ]
        print(f"{'query':<34} {'median ms':>9} {'p95 ms':>8} {'total':>8} {'no workspace':>13}")
        worst_plain = 0.0
        worst_annotated = 0.0
        for query in queries:
            archive.search(query, limit=20)  # the first run builds lookup tables once
            times = timed(lambda q=query: archive.search(q, limit=20), repeat)
            result = archive.search(query, limit=20)
            alone = ""
            if query in PLAIN_QUERIES:  # the same search without annotations, for comparison
                archive.attach_annotations(None)
                bare = timed(lambda q=query: archive.search(q, limit=20), repeat)
                archive.attach_annotations(index)
                alone = f"{median(bare) * 1000:10.2f} ms"
                worst_plain = max(worst_plain, median(times))
            else:
                worst_annotated = max(worst_annotated, median(times))
            print(
                f"{query or '(everything)':<34} {median(times) * 1000:>9.2f} "
                f"{percentile(times, 95) * 1000:>8.2f} {result.total:>8,} {alone:>13}"
            )
        print(
            f"slowest median: plain {worst_plain * 1000:.2f} ms, with tag:/note:/has: "
            f"{worst_annotated * 1000:.2f} ms (target <= 5 ms)"
        )
        rng = random.Random(seed)
        samples, writes, shows = [], [], []
        for n in range(ops):
            record_id = ids[rng.randrange(len(ids))]
            tag = f"visible {n}"
            begin = time.perf_counter()
            changes = ws.add_tags([record_id], [tag])
            written = time.perf_counter()
            index.apply_all(changes)
            result = archive.search(f'tag:"{tag}"', limit=20)
            end = time.perf_counter()
            samples.append(end - begin)
            writes.append(written - begin)
            shows.append(end - written)
            assert [h.id for h in result.hits] == [record_id], "the tagged record is not shown"
        print(f"tag -> visible under tag:NAME   {ms(samples)} (target <= 50 ms)")
        print(f"  of which the workspace write  {ms(writes)}")
        print(f"  of which apply + the search   {ms(shows)}")
        sets = [index.ids_with_tag(t) for t in index.tag_names()]
        words = len(index.note_words())
        print(f"  ({sum(map(len, sets)):,} tag assignments, {words:,} note words)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--ops", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--records", type=int, default=0, help="search figures at N records")
    parser.add_argument("--repeat", type=int, default=50, help="runs of each search")
    args = parser.parse_args()
    print(machine_line())
    if args.records:
        search_figures(args.records, args.annotations, args.ops, args.repeat, args.seed)
        return 0
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
