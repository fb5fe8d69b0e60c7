"""Timeline widget benchmark: keystroke to repaint in a real Textual app (headless, 80x10).

Histograms come from a seeded generated archive (bench/generate.py, in memory): every
record by year, and a two-year range by month. Prints the median and p95 of: a cursor key
(``right``/``left``) pressed and the screen repainted, and ``Timeline.show`` switching
between the two histograms (a new search's results) and the repaint. Target: within the
keystroke-to-repaint budget, median <= 50 ms.

    python bench/bench_timeline_widget.py [--count 100000] [--seed 1] [--repeat 100]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ensure_repo_on_path, machine_line, median, percentile, verdict

ensure_repo_on_path()

import numpy as np  # noqa: E402

from archive_tui.dates import parse_date  # noqa: E402
from archive_tui.timeline import Histogram, histogram  # noqa: E402

TARGET_MS = 50.0


async def _measure(hists: list[Histogram], repeat: int) -> tuple[list[float], list[float]]:
    """Post each key as a terminal driver does and time it to the next frame painted.

    (``Pilot.press`` waits for the app to go idle after each key: test convenience that
    adds its own tens of ms, not what a user's terminal does; bench_tui does the same.)
    """
    from textual import events
    from textual.app import App, ComposeResult

    from archive_tui.ui.widgets.timeline import Timeline

    painted = asyncio.Event()

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield Timeline(hists[0])

        def _display(self, screen, renderable) -> None:  # type: ignore[no-untyped-def]
            super()._display(screen, renderable)
            if renderable is not None:
                painted.set()

    async def timed(act) -> float:  # type: ignore[no-untyped-def]
        await pilot.pause()
        painted.clear()
        t0 = time.perf_counter()
        act()
        await asyncio.wait_for(painted.wait(), timeout=10)
        return (time.perf_counter() - t0) * 1000

    keys: list[float] = []
    shows: list[float] = []
    app = Host()
    async with app.run_test(size=(80, 10)) as pilot:
        timeline = app.query_one(Timeline)
        timeline.focus()
        seen = set()
        for n in range(repeat):
            key = "left" if n % 20 < 10 else "right"
            keys.append(await timed(lambda key=key: app.post_message(events.Key(key, None))))
            seen.add(timeline.cursor)
        assert len(seen) > 5, "the keys never moved the cursor: nothing was measured"
        for n in range(repeat):
            hist = hists[(n + 1) % len(hists)]
            shows.append(await timed(lambda hist=hist: timeline.show(hist)))
    return keys, shows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args(argv)

    from bench.generate import generate_records

    records = generate_records(args.count, seed=args.seed)
    dates = [parse_date(r["date"]) for r in records]
    starts = np.array([d.start for d in dates], np.int32)
    ends = np.array([d.end for d in dates], np.int32)
    two = np.flatnonzero(
        (starts >= parse_date("1961").start) & (starts <= parse_date("1962").end)
    ).astype(np.int32)
    hists = [histogram(starts, ends), histogram(starts, ends, two)]
    print(machine_line())
    shapes = ", ".join(f"{len(h.buckets)} by {h.unit}" for h in hists)
    print(f"{args.count:,} generated records (seed {args.seed}); buckets: {shapes}")
    keys, shows = asyncio.run(_measure(hists, args.repeat))
    ok = median(keys) <= TARGET_MS and median(shows) <= TARGET_MS
    print(f"cursor key -> repaint: {median(keys):.1f} ms / p95 {percentile(keys, 95):.1f} ms")
    print(f"show(new histogram) -> repaint: {median(shows):.1f} ms / p95 "
          f"{percentile(shows, 95):.1f} ms")  # fmt: skip
    print(f"target: median <= {TARGET_MS:.0f} ms: {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
