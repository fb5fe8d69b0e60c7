"""Print what the people rule and the alias files merge on an archive, for reading by hand.

    python tools/people_merges.py [--db data/records.json] [--rule-only]

One line a person with more than one name string: the canonical name, then ``|`` and
the other variants; then the counts. ``--rule-only`` lists the rule's own merges (no alias
file), which is what to read when looking for wrong merges the alias file should split.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import orjson  # noqa: E402

from archive_tui.people import PersonResolver, load_aliases  # noqa: E402
from archive_tui.people_aliases import shipped_aliases_path  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "records.json"))
    parser.add_argument("--rule-only", action="store_true", help="ignore the alias file")
    args = parser.parse_args(argv)
    table = orjson.loads(Path(args.db).read_bytes())["records"]
    counts = Counter(
        p for r in table.values() for p in (r.get("people") or []) if isinstance(p, str)
    )
    aliases = None if args.rule_only else load_aliases([shipped_aliases_path()])
    for problem in aliases.problems if aliases else ():
        print(f"alias problem: {problem}", file=sys.stderr)
    t0 = time.perf_counter()
    resolver = PersonResolver.from_names(counts, aliases)
    took = (time.perf_counter() - t0) * 1000
    merged = resolver.merged()
    for person in merged:
        others = [v for v in person.variants if v != person.canonical]
        print(f"{person.canonical} | {' / '.join(others)}")
    for note in resolver.notes:
        print(f"note: {note}", file=sys.stderr)
    print(
        f"{len(counts)} distinct names -> {len(resolver.people())} people; "
        f"{len(merged)} people with several names "
        f"({sum(len(p.variants) - 1 for p in merged)} names folded into another); {took:.0f} ms",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
