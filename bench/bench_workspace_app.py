"""The research workspace in the running app (issue 10's two in-app targets), headless.

The real app under ``App.run_test`` over a generated archive (bench/generate.py, seeded),
each measurement in a fresh Python process, as bench/bench_tui.py does:

- ``start``: process start to the first result cards painted, with an empty workspace and
  with a workspace of ``--annotations`` entries on the archive's records (plus a research
  log as long; bench/bench_workspace.py's ``build``). The index cache is warm (one cold
  start first, not counted); the runs alternate empty/full so the machine's load hits
  both alike. Target: unchanged (the difference within the runs' spread).
- ``tag -> visible``: the app shows ``tag:"NAME"`` (a tag of the workspace), a record of
  another search is marked; ``t``, the tag typed, and from the Enter key (posted as a
  terminal posts it) to the first frame painted with the record in the results: the
  workspace write, the annotation index update, the search and the paint. ``--ops``
  rounds, a new record each. Target <= 50 ms.

    python bench/bench_workspace_app.py [--records 100000] [--annotations 10000]
        [--runs 5] [--ops 20] [--term 120x40] [--out /tmp/DIR]

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()  # process start, before Textual is imported

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ensure_repo_on_path,
    fresh_home,
    machine_line,
    median,
    percentile,
    run_worker,
    verdict,
)

ensure_repo_on_path()

SCRIPT = Path(__file__).resolve()
TAG_VISIBLE_MS = 50.0
TAG = "bench visible"


# --------------------------------------------------------------------------- in the worker


async def _worker_start(db: str, term: tuple[int, int]) -> dict:
    from bench.bench_tui import _make_app, _painted_after

    app = _make_app(db, term)
    async with app.run_test(size=term) as pilot:
        painted = await _painted_after(app, pilot, 0.0, timeout=600)
        return {
            "start_s": painted - T0,
            "cpu_s": time.process_time(),  # every thread's, to the first results and a bit
            "annotated": len(app.research.annotations.tag_names()),
            "total": app.main_screen.result.total,
        }


def _post_key(app, key: str, char: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """A key as a terminal driver delivers it: posted, nothing waited for."""
    from textual import events

    app.post_message(events.Key(key, char if char is not None else key))


def _post_text(app, text: str) -> None:  # type: ignore[no-untyped-def]
    for ch in text:
        _post_key(app, "space" if ch == " " else ch, ch)


async def _until(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("the app never got there")
        await asyncio.sleep(0.005)


async def _worker_tag(db: str, term: tuple[int, int], ops: int) -> dict:
    from textual.widgets import Input

    from archive_tui.ui.screens.prompt import PromptScreen
    from bench.bench_tui import PAINTED, _make_app, _painted_after

    app = _make_app(db, term)
    out: dict = {"rounds": []}
    async with app.run_test(size=term) as pilot:
        await _painted_after(app, pilot, 0.0, timeout=600)
        screen = app.main_screen
        # other records to tag: the first results of another search
        screen.search_input.value = "soviet"
        await _painted_after(app, pilot, time.perf_counter())
        candidates = [i for i in screen.result.ids()[:200] if not app.research.tags_of(i)]
        screen.search_input.value = f'tag:"{TAG}"'
        await _painted_after(app, pilot, time.perf_counter())
        screen.results.focus()
        marks: dict[str, float] = {}
        _note_phases(app, screen, marks)
        for k in range(ops):
            record_id = candidates[k]
            before = screen.result.total
            app.marks.clear()
            app.marks[record_id] = app.archive.get(record_id)  # as if marked in "soviet"
            await asyncio.sleep(0.3)  # idle, as a user between two actions
            _post_key(app, "t")
            await _until(lambda: isinstance(app.screen, PromptScreen))
            box = app.screen.query_one("#tag-input", Input)
            _post_text(app, TAG)
            await _until(lambda b=box: b.value == TAG)
            await asyncio.sleep(0.1)
            PAINTED.clear()
            pressed = time.perf_counter()
            _post_key(app, "enter", "\r")
            while True:
                painted = await _painted_after(app, pilot, pressed)
                if record_id in screen.result.ids():
                    break
            phases = {k: round((v - pressed) * 1000, 1) for k, v in marks.items()}
            marks.clear()
            out["rounds"].append(
                {"ms": (painted - pressed) * 1000, "total": screen.result.total, "before": before,
                 "phases_ms": phases}
            )  # fmt: skip
        out["search_ms"] = screen.result.elapsed_ms
    return out


def _note_phases(app, screen, marks: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    """When the tag was written, the search started and its results arrived (for the report:
    where the time goes)."""
    research = app.research
    change_tags, start, done = research.change_tags, screen._start_search, screen._search_done

    def timed_change(*a, **k):  # type: ignore[no-untyped-def]
        marks["write_begins"] = time.perf_counter()
        change_tags(*a, **k)
        marks["written"] = time.perf_counter()

    def timed_start() -> None:
        marks.setdefault("search_starts", time.perf_counter())
        start()

    def timed_done(*a, **k):  # type: ignore[no-untyped-def]
        marks.setdefault("results_arrive", time.perf_counter())
        done(*a, **k)
        marks.setdefault("results_set", time.perf_counter())

    research.change_tags = timed_change
    screen._start_search = timed_start
    screen._search_done = timed_done


def worker_main(args: argparse.Namespace) -> int:
    term = tuple(int(v) for v in args.term.split("x"))
    if args.worker == "start":
        out = asyncio.run(_worker_start(args.db, term))  # type: ignore[arg-type]
    else:
        out = asyncio.run(_worker_tag(args.db, term, args.ops))  # type: ignore[arg-type]
    print(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- the driver


def _workspace_file(home: Path) -> Path:
    env = os.environ.get("ARCHIVE_TUI_HOME")
    os.environ["ARCHIVE_TUI_HOME"] = str(home)
    try:
        from archive_tui.paths import workspace_path

        return workspace_path()
    finally:
        if env is None:
            os.environ.pop("ARCHIVE_TUI_HOME", None)
        else:
            os.environ["ARCHIVE_TUI_HOME"] = env


def _record_ids(db: Path) -> list[str]:
    from archive_tui.store import RecordStore

    return [str(r["id"]) for r in RecordStore.open(db).load()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--annotations", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="starts of each kind")
    parser.add_argument("--ops", type=int, default=20, help="tag -> visible rounds")
    parser.add_argument("--term", default="120x40")
    parser.add_argument("--out", default=None, help="folder of the generated archive")
    parser.add_argument("--worker", choices=("start", "tag"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker_main(args)

    from bench.bench_workspace import build
    from bench.generate import DEFAULT_OUT_DIR, ensure_archive

    print(machine_line(), flush=True)
    db = ensure_archive(args.records, args.seed, Path(args.out) if args.out else DEFAULT_OUT_DIR)
    home = fresh_home()
    env = {"ARCHIVE_TUI_HOME": str(home), "TEXTUAL_ANIMATIONS": "none"}
    ok = True
    try:
        ws_file = _workspace_file(home)
        full = home / "full-workspace.json"
        build(full, args.annotations, args.seed, _record_ids(db))
        start_args = ["--worker", "start", "--db", str(db), "--term", args.term]
        cold = run_worker(SCRIPT, start_args, env)
        print(f"cold start (index built, not counted): {cold['start_s']:.2f} s", flush=True)
        empty: list[float] = []
        annotated: list[float] = []
        cpu: dict[bool, list[float]] = {False: [], True: []}
        for _ in range(args.runs):
            for times, with_workspace in ((empty, False), (annotated, True)):
                ws_file.unlink(missing_ok=True)
                if with_workspace:
                    ws_file.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(full, ws_file)
                figures = run_worker(SCRIPT, start_args, env)
                times.append(figures["start_s"])
                cpu[with_workspace].append(figures["cpu_s"])
        spread = max(statistics.pstdev(empty), statistics.pstdev(annotated))
        diff = median(annotated) - median(empty)
        start_ok = diff <= max(spread, 0.05)
        ok = ok and start_ok
        print(
            f"{args.records:,} records, terminal {args.term}, {args.runs} starts each, "
            f"alternating (warm index)"
        )
        print(f"  start, empty workspace:   median {median(empty):.3f} s  runs {_runs(empty)}")
        print(
            f"  start, {args.annotations:,} annotations: median {median(annotated):.3f} s  "
            f"runs {_runs(annotated)}"
        )
        print(
            f"  CPU time of the process (all threads) to the first results: empty "
            f"{median(cpu[False]):.3f} s, with annotations {median(cpu[True]):.3f} s (medians)"
        )
        print(
            f"  difference {diff * 1000:+.0f} ms (spread {spread * 1000:.0f} ms)  "
            f"[target unchanged: {verdict(start_ok)}]",
            flush=True,
        )
        ws_file.unlink(missing_ok=True)
        shutil.copyfile(full, ws_file)
        tag = run_worker(
            SCRIPT,
            ["--worker", "tag", "--db", str(db), "--term", args.term, "--ops", str(args.ops)],
            env,
        )
        samples = [r["ms"] for r in tag["rounds"]]
        tag_ok = median(samples) <= TAG_VISIBLE_MS
        ok = ok and tag_ok
        print(
            f'  tag a marked record -> shown under tag:"{TAG}" (Enter to painted), '
            f"{len(samples)} rounds: median {median(samples):.1f} ms, p95 "
            f"{percentile(samples, 95):.1f} ms, max {max(samples):.1f} ms  "
            f"[target <= {TAG_VISIBLE_MS:.0f} ms: {verdict(tag_ok)}]"
        )
        for r in tag["rounds"]:
            print(f"    {r['ms']:6.1f} ms  {r['phases_ms']}")
        print(f"  (last tag: search {tag['search_ms']:.1f} ms)")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    print(machine_line())
    return 0 if ok else 1


def _runs(values: list[float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


if __name__ == "__main__":
    os.environ.setdefault("TEXTUAL_ANIMATIONS", "none")
    raise SystemExit(main())
