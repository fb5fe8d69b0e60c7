"""The histogram of a result set over time, and its drawing with block characters.

A historian asks "when" first, so results get a histogram: by year, or by month when the
results span three calendar years or less. Counts are exact: every record is counted
once, in the bucket of the first day its date covers (a record dated ``1962`` counts in
January 1962 of a month histogram; spreading it over twelve months would give fractions
and an ``October 1962`` bar that overstates what is known). Records without a valid date
(day ordinal 0 in the index) are counted in ``Histogram.undated``, so the buckets and
``undated`` always add up to the total. Buckets are contiguous from the first to the last
period with a record, empty ones included, so gaps show.

This runs on every keystroke for up to 100,000 results, so the counting is numpy only:
one ``bincount`` of the start days, then sums between period boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

import numpy as np

Unit = Literal["year", "month"]
MONTH_SPAN_YEARS = 3  # results within this many calendar years are counted by month
BLOCKS = " ▁▂▃▄▅▆▇█"  # 0..8 eighths of a cell, bottom-up
HBLOCKS = " ▏▎▍▌▋▊▉█"  # 0..8 eighths of a cell, left to right
_MAX_DAY_BINS = 400_000  # past ~1,100 years of days, count by searching boundaries instead


@dataclass(frozen=True)
class Histogram:
    """Counts by period: ``buckets`` are (label, count), label ``1962`` or ``1962-10``.

    A label is a date string the search filters accept, so a range of buckets is a date
    filter as is: ``date_from=buckets[i][0], date_to=buckets[j][0]`` (see date_range).
    """

    unit: Unit
    buckets: list[tuple[str, int]] = field(default_factory=list)
    undated: int = 0  # records without a valid date, in no bucket

    @property
    def total(self) -> int:
        return sum(c for _, c in self.buckets) + self.undated

    def date_range(self, first: int, last: int) -> tuple[str, str]:
        """``(date_from, date_to)`` covering buckets ``first..last`` (either order), inclusive."""
        lo, hi = sorted((first, last))
        return self.buckets[lo][0], self.buckets[hi][0]

    def to_json(self) -> list[dict[str, object]]:
        """``[{"bucket": "1962", "count": 12}, ...]``: what ``search --json`` prints."""
        return [{"bucket": label, "count": count} for label, count in self.buckets]


def histogram(
    date_start: np.ndarray, date_end: np.ndarray, docs: np.ndarray | None = None
) -> Histogram:
    """The histogram of records ``docs`` (all when None) from the index's day arrays.

    ``date_start``/``date_end`` are int32 proleptic-Gregorian day ordinals per record (0 for
    a record without a valid date), as ``facets.RecordMeta`` keeps them; ``docs`` are
    record numbers (any integer array). Only the start day decides the bucket; ``date_end``
    is accepted so a later choice (spreading) needs no new signature.
    """
    del date_end  # counted once, by the start of its period (module docstring)
    starts = np.asarray(date_start)
    if docs is not None:
        starts = starts[np.asarray(docs)]
    dated = starts[starts > 0]
    undated = len(starts) - len(dated)
    if not len(dated):
        return Histogram("year", [], undated)
    low, high = int(dated.min()), int(dated.max())
    first, last = date.fromordinal(low), date.fromordinal(high)
    if last.year - first.year < MONTH_SPAN_YEARS:
        unit: Unit = "month"
        periods = [(y, m) for y in range(first.year, last.year + 1) for m in range(1, 13)]
        periods = periods[first.month - 1 : len(periods) - (12 - last.month)]
        labels = [f"{y:04d}-{m:02d}" for y, m in periods]
        bounds = [date(y, m, 1).toordinal() for y, m in periods]
    else:
        unit = "year"
        labels = [f"{y:04d}" for y in range(first.year, last.year + 1)]
        bounds = [date(y, 1, 1).toordinal() for y in range(first.year, last.year + 1)]
    counts = _count_between(dated, low, high, np.asarray(bounds, np.int64))
    return Histogram(unit, list(zip(labels, counts.tolist(), strict=True)), undated)


def _count_between(days: np.ndarray, low: int, high: int, bounds: np.ndarray) -> np.ndarray:
    """How many ``days`` fall in each [bounds[i], bounds[i+1]) (the last open-ended)."""
    if high - low < _MAX_DAY_BINS:
        per_day = np.bincount(days - low, minlength=high - low + 1)
        offsets = np.maximum(bounds - low, 0)  # the first period starts before the first day
        return np.add.reduceat(per_day, offsets)
    positions = np.searchsorted(np.sort(days), bounds, side="left")
    return np.diff(np.append(positions, len(days)))


def _columns(n: int, width: int) -> tuple[int, int]:
    """(buckets per column, cells per bar) drawing ``n`` buckets in ``width`` cells."""
    if n <= 0 or width <= 0:
        return 1, 1
    group = -(-n // width)  # ceil
    columns = -(-n // group)
    cells = max(1, min(width // columns, 6))
    return group, cells


def column_buckets(hist: Histogram, width: int) -> list[range]:
    """For each bar :func:`render_bars` draws, the bucket indexes it stands for.

    A cursor moving over the bars (keyboard brushing) maps bar ``k`` to buckets
    ``column_buckets(h, w)[k]``; the bars are laid out left to right without gaps
    between their cells except the single blank each bar of several cells keeps.
    """
    n = len(hist.buckets)
    group, _ = _columns(n, width)
    return [range(i, min(i + group, n)) for i in range(0, n, group)]


def render_bars(hist: Histogram, width: int, height: int = 3) -> list[str]:
    """``height`` lines of bars (top line first), at most ``width`` cells each.

    One bar per bucket, or per group of neighbouring buckets when there are more buckets
    than cells (their counts added). A bar is ``cells`` wide (up to 6, with a blank at its
    right when 3 or more) so a few years still fill the line. Heights are in eighths of a
    cell, scaled to the tallest bar; any nonzero count shows at least ``▁``.
    """
    groups = column_buckets(hist, width)
    if not groups or height <= 0:
        return [""] * max(height, 0)
    _, cells = _columns(len(hist.buckets), width)
    counts = [sum(hist.buckets[i][1] for i in g) for g in groups]
    top = max(counts)
    levels = height * 8
    eighths = [0 if c == 0 else max(1, round(c * levels / top)) if top else 0 for c in counts]
    filled, gap = (cells - 1, 1) if cells >= 3 else (cells, 0)
    lines = []
    for row in range(height - 1, -1, -1):  # top row first
        parts = []
        for e in eighths:
            level = min(max(e - row * 8, 0), 8)
            parts.append(BLOCKS[level] * filled + " " * gap)
        lines.append("".join(parts))
    return lines


def axis_labels(hist: Histogram, width: int) -> str:
    """A line under :func:`render_bars`: the first and the last bucket's labels, at their bars.

    When both do not fit under the bars, the first alone, on the ``width`` of the line
    (a single month's bar is 6 cells, its label 7); where that does not fit either, a
    shorter whole label (the year of a month), else none: a label is never shown cut
    (``1961-0`` would read as a wrong date)."""
    groups = column_buckets(hist, width)
    if not groups:
        return ""
    _, cells = _columns(len(hist.buckets), width)
    first, last = hist.buckets[groups[0][0]][0], hist.buckets[groups[-1][-1]][0]
    line_width = len(groups) * cells
    if len(first) + 1 + len(last) > line_width or first == last:
        return _whole_label(first, width)
    return first + last.rjust(line_width - len(first))


def _whole_label(label: str, width: int) -> str:
    """``label`` if it fits in ``width`` cells, else its year (a month's), else nothing."""
    for shown in (label, label[:4]):
        if len(shown) <= width:
            return shown
    return ""


def render_text_chart(hist: Histogram, width: int = 80) -> list[str]:
    """One line per bucket, ``1962-10 ████▌ 123``, fitting ``width``: the CLI ``timeline``.

    Bars are horizontal, in eighths of a cell, scaled to the largest count; a nonzero count
    shows at least ``▏``. Undated records, if any, get a last line of their own.
    """
    if not hist.buckets:
        return [f"undated {hist.undated}"] if hist.undated else []
    rows = [*hist.buckets, *([("undated", hist.undated)] if hist.undated else [])]
    label_w = max(len(label) for label, _ in rows)
    count_w = max(len(str(c)) for _, c in rows)
    bar_w = max(width - label_w - count_w - 2, 1)
    top = max(c for _, c in hist.buckets)
    lines = []
    for i, (label, count) in enumerate(rows):
        eighths = (
            0 if not count or i >= len(hist.buckets) else max(1, round(count * bar_w * 8 / top))
        )
        full, part = divmod(eighths, 8)
        bar = "█" * full + (HBLOCKS[part] if part else "")
        lines.append(f"{label.ljust(label_w)} {bar.ljust(bar_w)} {str(count).rjust(count_w)}")
    return lines
