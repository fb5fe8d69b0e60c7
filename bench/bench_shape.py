"""Issue 11 wiring benchmark: what the new facets, People grouping and histogram cost.

Generates a seeded archive in memory with bench/generate.py (nothing is written) and prints:

* cold-open costs: ``build_record_meta`` with the provenance facets parsed at build (an
  old archive: records without derived fields) and read from stored fields (records as
  ``import`` now writes them), the admin facet, and the People grouping of the view
  (``people_facet.build_people_facet``: once per open, on the first search);
* the median of a mix of searches (words, filters, a person filter) over the same index,
  as before the wiring (the old facet fields, names as given) and after it (four more
  facets, one People value a person) plus ``result.histogram()``. The issue's target:
  the histogram and the merged facets add at most 1 ms to a search's median.

    python bench/bench_shape.py [--count 100000] [--seed 1] [--repeat 30]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ensure_repo_on_path,
    machine_line,
    median,
    time_ms,
    verdict,
)

ensure_repo_on_path()

import numpy as np  # noqa: E402

from archive_tui import search as search_mod  # noqa: E402
from archive_tui.administrations import admin_facet_arrays  # noqa: E402
from archive_tui.facets import FACET_FIELDS, build_record_meta, provenance_facets  # noqa: E402
from archive_tui.index import TokenIndex  # noqa: E402
from archive_tui.index.view import IndexView, Part  # noqa: E402
from archive_tui.people_facet import build_people_facet  # noqa: E402
from archive_tui.provenance import add_derived_fields  # noqa: E402
from archive_tui.timeline import histogram  # noqa: E402

TARGET_MS = 1.0
OLD_FIELDS = tuple(f for f in FACET_FIELDS if f not in ("admin", "classification", "handling"))
OLD_FIELDS = tuple(f for f in OLD_FIELDS if f != "repository")


_time = time_ms


def _once(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def _real_source_notes() -> list[str]:
    """The shipped archive's source notes (FRUS), for realistic provenance facets."""
    import orjson

    path = Path(__file__).resolve().parents[1] / "data" / "records.json"
    if not path.exists():
        return []
    table = orjson.loads(path.read_bytes()).get("records", {})
    return [r["source"] for r in table.values() if isinstance(r.get("source"), str)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)

    from bench.generate import generate_records

    records = generate_records(args.count, seed=args.seed)
    print(machine_line())
    print(f"{args.count:,} generated records (seed {args.seed})")
    notes = _real_source_notes()
    if notes:  # the generator's notes name a record each: one repository a record
        rng = random.Random(args.seed)
        for r in records:
            r["source"] = rng.choice(notes)
        print(f"source notes drawn (seeded) from the shipped archive's {len(notes):,}")

    # -- cold-open costs
    plain = [dict(r) for r in records]
    derived = add_derived_fields([dict(r) for r in records])
    t_old = median([_once(lambda: build_record_meta(plain)) for _ in range(3)])
    t_prov_parse = median([_once(lambda: provenance_facets(plain)) for _ in range(3)])
    t_prov_stored = median([_once(lambda: provenance_facets(derived)) for _ in range(3)])
    meta = build_record_meta(derived)
    t_admin = median(
        [_once(lambda: admin_facet_arrays(meta.date_start, meta.date_end)) for _ in range(3)]
    )
    index = TokenIndex.build(derived)
    raw_people = index.facets["people"]
    t_people = median([_once(lambda: build_people_facet(raw_people)) for _ in range(3)])
    people = build_people_facet(raw_people)
    print(f"build_record_meta (old archive, provenance parsed): {t_old:.0f} ms")
    print(f"provenance facets alone, parsed at build: {t_prov_parse:.0f} ms")
    print(f"provenance facets from stored derived fields: {t_prov_stored:.0f} ms")
    print(f"admin facet: {t_admin:.1f} ms")
    print(
        f"People grouping ({len(raw_people.values):,} names -> {len(people.facet.values):,} "
        f"people, {len(raw_people.entry_doc):,} entries): {t_people:.0f} ms once per open"
    )

    # -- search medians: before (old facets, names as given) and after (+ histogram)
    after = IndexView([Part.whole(index)], index.n)
    before = IndexView([Part.whole(index)], index.n)
    before._facets = {name: index.facets[name] for name in OLD_FIELDS}
    person = people.facet.values[int(people.facet.entry_value[0])]
    doc_type = index.facets["document_type"].values[0]
    mix = [
        ("", {}),
        ("soviet", {}),
        ("nuclear OR missile", {}),
        ('"foreign minister"', {}),
        ("berlin", {"type": doc_type}),
        ("", {"person": person}),
        ("", {"date": "1961..1962"}),
    ]

    saved = search_mod.FACET_FIELDS

    def old_search(q: str, f: dict) -> tuple[float, int]:
        search_mod.FACET_FIELDS = OLD_FIELDS  # as before the wiring
        try:
            t0 = time.perf_counter()
            result = search_mod.execute(before, derived, q, f)
            return (time.perf_counter() - t0) * 1000, result.total
        finally:
            search_mod.FACET_FIELDS = saved

    def new_search(q: str, f: dict) -> tuple[float, int]:
        t0 = time.perf_counter()
        result = search_mod.execute(after, derived, q, f)
        result.histogram()
        return (time.perf_counter() - t0) * 1000, result.total

    rows = []
    for q, f in mix:  # before and after alternate, so a busy machine slows both alike
        old_search(q, f), new_search(q, f)
        b_runs, a_runs = [], []
        gc.disable()
        try:
            for _ in range(args.repeat):
                b_ms, b_total = old_search(q, f)
                a_ms, a_total = new_search(q, f)
                b_runs.append(b_ms)
                a_runs.append(a_ms)
        finally:
            gc.enable()
        rows.append(
            (
                (q or "(all)") + (f" {f}" if f else ""),
                median(b_runs),
                median(a_runs),
                b_total,
                a_total,
            )
        )
    # the parts on their own, over a mask of a random 10 % and 50 % of the records
    rng = np.random.default_rng(args.seed)
    for share in (0.1, 0.5):
        mask = rng.random(index.n) < share
        search_mod.FACET_FIELDS = OLD_FIELDS
        try:
            old_ms = _time(lambda m=mask: search_mod.facet_counts(before, m), args.repeat)[0]
        finally:
            search_mod.FACET_FIELDS = saved
        new_ms = _time(lambda m=mask: search_mod.facet_counts(after, m), args.repeat)[0]
        hist_ms = _time(lambda m=mask: histogram(after.date_start, after.date_end, m), args.repeat)[
            0
        ]
        print(
            f"{share:.0%} of the records: facet counts {old_ms:.2f} ms before, {new_ms:.2f} ms "
            f"after ({new_ms - old_ms:+.2f} ms); histogram {hist_ms:.2f} ms"
        )
    print(f"{'query':<28} {'before':>9} {'after+hist':>11} {'added':>8}  results")
    same = []
    for label, b, a, b_total, a_total in rows:
        if b_total == a_total:
            same.append(a - b)
        print(
            f"{label[:28]:<28} {b:>7.2f}ms {a:>9.2f}ms {a - b:>+6.2f}ms  {b_total:,} -> {a_total:,}"
        )
    added = median(same)
    print(
        f"median of the mix: before {median([r[1] for r in rows]):.2f} ms, after "
        f"{median([r[2] for r in rows]):.2f} ms; added, median over the {len(same)} queries with "
        f"the same results: {added:+.2f} ms (a person filter now finds every variant)"
    )
    ok = added <= TARGET_MS
    print(f"target: histogram + merged facets add <= {TARGET_MS} ms to the median: {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
