"""What a search process imports: nothing it does not need (issue 9's warm-search target).

numpy 2.4's ``np.unique`` (and ``np.intersect1d``, which calls it) import ``numpy.ma``,
some 10 ms of CPU per process; searches over tags, notes and lists use
``index.distinct`` and a sorted intersection instead. Run in a fresh interpreter, since
the test process may have loaded ``numpy.ma`` already.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np

from archive_tui.annotation_search import sorted_intersection

_SEARCH_WITH_TAGS = textwrap.dedent(
    """
    import sys
    from archive_tui.annotations import AnnotationIndex
    from archive_tui.archive import Archive
    from archive_tui.workspace import Change

    path = sys.argv[1]
    import json
    records = [
        {"id": f"r{i}", "date": "1961-08-13", "title": f"Berlin wall {i}",
         "collection": "FRUS", "doc_type": "memo", "text": "the wall and the city"}
        for i in range(30)
    ]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump({"records": {str(i + 1): r for i, r in enumerate(records)}}, fh)
    archive = Archive.open(path, use_cache=False)
    ann = AnnotationIndex()
    for i in range(0, 30, 3):
        ann.apply(Change("tags", f"r{i}", ("berlin", "cold war")))
    ann.apply(Change("note", "r4", "a note on the wall"))
    ann.apply(Change("list", "reading", ("r1", "r2", "r3")))
    for query in ("tag:berlin", "tag:ber*", "note:wall", "list:reading", "wall tag:cold*",
                  "tag:berlin tag:cold*"):
        result = archive.search(query, annotations=ann)
        assert result.total > 0, query
    print("numpy.ma" in sys.modules)
    """
)


def test_a_search_over_tags_notes_and_lists_does_not_import_numpy_ma(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SEARCH_WITH_TAGS, str(tmp_path / "a.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False", done.stderr


def test_sorted_intersection_matches_numpy() -> None:
    rng = np.random.default_rng(9)
    for _ in range(50):
        a = np.unique(rng.integers(0, 40, rng.integers(0, 30)))
        b = np.unique(rng.integers(0, 40, rng.integers(0, 30)))
        got = sorted_intersection(a, b)
        assert got.tolist() == np.intersect1d(a, b).tolist()


_IMPORT_COMMAND = textwrap.dedent(
    """
    import json, sys
    from archive_tui.cli import main

    path = sys.argv[1]
    with open(path, "w", encoding="utf-8") as fh:
        json.dump([{"id": "x1", "date": "1961-08-13", "title": "A wall",
                    "collection": "FRUS", "doc_type": "memo"}], fh)
    assert main(["import", path]) == 0
    print(sorted(m for m in ("asyncio", "numpy.ma") if m in sys.modules))
    """
)


def test_an_import_process_does_not_load_what_only_serve_needs(tmp_path) -> None:
    """Every command builds the whole parser; `serve`'s asyncio (~12 ms of CPU) waits
    until `serve` runs."""
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_COMMAND, str(tmp_path / "one.json")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ARCHIVE_TUI_HOME": str(tmp_path / "home")},
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr
