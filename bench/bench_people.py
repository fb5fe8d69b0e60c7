"""People benchmark: grouping an archive's distinct names into people, and the merged facet.

Generates a seeded archive in memory with bench/generate.py (nothing is written), takes
its People facet's distinct names (with their counts), and prints the median of
``--repeat`` runs of ``PersonResolver.from_names`` with the shipped alias file, and of
``merge_facet_arrays`` (the People facet with one value a person), each run with the
name caches cleared, as in a fresh process. Both run once when
the index is built, not per search. ``--extra N`` adds N distinct synthetic name variants
("Surname, Given M." and "G. Surname" shapes over the generated surnames) to stress the
per-surname grouping.

    python bench/bench_people.py [--count 100000] [--seed 1] [--repeat 5] [--extra 30000]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ensure_repo_on_path, machine_line, median

ensure_repo_on_path()

import numpy as np  # noqa: E402

from archive_tui import person_names  # noqa: E402
from archive_tui.people import PersonResolver, load_aliases, merge_facet_arrays  # noqa: E402
from archive_tui.people_aliases import shipped_aliases_path  # noqa: E402


def _clear_caches() -> None:
    """Forget parsed names, so a run costs what a fresh process's first one does."""
    for fn in (person_names.parse_name, person_names.translit, person_names._key):
        fn.cache_clear()


def _timed(fn, repeat: int) -> tuple[float, object]:
    """Median ms of ``repeat`` runs, each with cold name caches (as in a fresh process)."""
    runs, result = [], None
    for _ in range(repeat):
        _clear_caches()
        t0 = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return median(runs), result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--extra", type=int, default=30_000)
    args = parser.parse_args(argv)

    from bench.generate import generate_records

    records = generate_records(args.count, seed=args.seed)
    counts = Counter(p for r in records for p in r.get("people") or ())
    aliases = load_aliases([shipped_aliases_path()])
    print(machine_line())
    med, resolver = _timed(lambda: PersonResolver.from_names(counts, aliases), args.repeat)
    assert isinstance(resolver, PersonResolver)
    print(
        f"{args.count:,} records, {len(counts):,} distinct names -> "
        f"{len(resolver.people()):,} people: from_names {med:.1f} ms median"
    )
    # the facet in the index's CSR form: value ids per (record, name)
    values = sorted(counts)
    ids = {v: i for i, v in enumerate(values)}
    pairs = [(d, ids[p]) for d, r in enumerate(records) for p in dict.fromkeys(r["people"])]
    entry_doc = np.array([d for d, _ in pairs], np.int32)
    entry_value = np.array([v for _, v in pairs], np.int32)
    med, _ = _timed(
        lambda: merge_facet_arrays(values, entry_doc, entry_value, resolver), args.repeat
    )
    print(f"merge_facet_arrays over {len(pairs):,} entries: {med:.1f} ms median")
    if args.extra:
        rng = np.random.default_rng(args.seed)
        surnames = sorted({v.split(",")[0] for v in values if "," in v})
        given = ["John", "J.", "Robert", "R.", "Andrei", "Andreevich", "Walt", "Walter", "W."]
        extra = Counter(counts)
        while len(extra) < len(counts) + args.extra:
            s = surnames[int(rng.integers(len(surnames)))]
            g = " ".join(given[int(i)] for i in rng.integers(len(given), size=2))
            name = f"{s}, {g}" if rng.random() < 0.8 else f"{g} {s}"
            extra[name] += 1
        med, big = _timed(lambda: PersonResolver.from_names(extra, aliases), args.repeat)
        assert isinstance(big, PersonResolver)
        print(
            f"{len(extra):,} distinct names ({args.extra:,} synthetic variants added) -> "
            f"{len(big.people()):,} people: from_names {med:.1f} ms median"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
