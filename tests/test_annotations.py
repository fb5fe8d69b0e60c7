"""AnnotationIndex: what tag:, list:, note:, has: will match, kept current without rebuilds."""

from __future__ import annotations

from pathlib import Path

from archive_tui.annotations import AnnotationIndex
from archive_tui.workspace import Workspace


def _workspace(tmp_path: Path) -> Workspace:
    ws = Workspace.open(tmp_path / "ws.json")
    ws.add_tags(["r1", "r2"], ["Berlin", "Piné"])
    ws.add_tags(["r3"], ["wall"])
    ws.set_note("r1", "Manac’h met Громыко about the Wall.")
    ws.set_note("r4", "Checkpoint Charlie")
    ws.add_to_list("Berlin 1961", ["r3", "r1"])
    return ws


def test_lookups_fold_case_accents_and_scripts(tmp_path: Path) -> None:
    index = AnnotationIndex.from_workspace(_workspace(tmp_path))
    assert index.ids_with_tag("berlin") == {"r1", "r2"}
    assert index.ids_with_tag("PINE") == {"r1", "r2"}
    assert index.ids_with_tag("nothing") == set()
    assert index.ids_in_list("berlin  1961") == {"r1", "r3"}
    assert index.ids_with_note_word("gromyko") == {"r1"}
    assert index.ids_with_note_word("Manach") == {"r1"}
    assert index.ids_with_note_word("charlie") == {"r4"}
    assert index.ids_with_note() == {"r1", "r4"}
    assert index.ids_with_tag_any() == {"r1", "r2", "r3"}
    assert "checkpoint" in index.note_words() and "gromyko" in index.note_words()
    assert index.tag_counts() == {"Berlin": 2, "Piné": 2, "wall": 1}
    assert index.tag_counts(["r1", "r3"]) == {"Berlin": 1, "Piné": 1, "wall": 1}
    assert index.list_counts() == {"Berlin 1961": 2}
    assert index.list_counts({"r1", "r2"}) == {"Berlin 1961": 1}


def test_changes_apply_incrementally_and_match_a_rebuild(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    index = AnnotationIndex.from_workspace(ws)
    index.apply_all(ws.remove_tags(["r1"], ["berlin"]))
    index.apply_all(ws.add_tags(["r5"], ["BERLIN"]))
    index.apply_all(ws.set_note("r1", "nothing about walls"))
    index.apply_all(ws.set_note("r4", None))
    index.apply_all(ws.rename_list("Berlin 1961", "Wall"))
    index.apply_all(ws.add_to_list("wall", ["r9"]))
    assert index.ids_with_tag("berlin") == {"r2", "r5"}
    assert index.ids_with_note_word("gromyko") == set()
    assert index.ids_with_note_word("walls") == {"r1"}
    assert index.ids_with_note() == {"r1"}
    assert index.ids_in_list("Berlin 1961") == set()
    assert index.ids_in_list("WALL") == {"r1", "r3", "r9"}
    rebuilt = AnnotationIndex.from_workspace(Workspace.open(tmp_path / "ws.json"))
    for probe in ("berlin", "pine", "wall"):
        assert index.ids_with_tag(probe) == rebuilt.ids_with_tag(probe)
    assert index.note_words() == rebuilt.note_words()
    assert index.tag_counts() == rebuilt.tag_counts()
    assert index.list_counts() == rebuilt.list_counts()


def test_a_search_thread_reads_while_the_ui_thread_applies_changes(tmp_path: Path) -> None:
    """The app applies tag and note changes on the UI thread while a search runs on a worker:
    lookups must never see a set or dict change size under them (a 'Search failed')."""
    import threading

    from archive_tui.workspace import Change

    index = AnnotationIndex()
    ids = [f"r{n}" for n in range(300)]
    errors: list[BaseException] = []
    done = threading.Event()

    def search() -> None:
        try:
            while not done.is_set():
                for _ in range(50):
                    # walked in Python, as the search walks an id set into doc numbers
                    [rid.upper() for rid in index.ids_with_tag("berlin")]
                    [rid.upper() for rid in index.ids_with_note_word("wall")]
                index.tag_counts(set(ids[:100]))
                index.tag_counts()
                index.list_counts(set(ids))
                index.note_words()
                index.tag_names()
                index.ids_with_tag_any()
                index.ids_with_note()
        except BaseException as error:  # any error fails the test
            errors.append(error)

    import sys

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show at once
    reader = threading.Thread(target=search)
    reader.start()
    try:
        for round_ in range(6):
            for n, rid in enumerate(ids):
                tags = ["berlin", f"t{n % 7}"] if (n + round_) % 2 else [f"t{n % 5}"]
                index.apply(Change("tags", rid, tags))
                note = "the wall and more" if (n + round_) % 3 else ""
                index.apply(Change("note", rid, note))
            index.apply(Change("list", f"L{round_}", ids[round_ : round_ + 40]))
    finally:
        done.set()
        reader.join()
        sys.setswitchinterval(interval)
    assert errors == []
    assert index.ids_with_tag("berlin") == {r for n, r in enumerate(ids) if (n + 5) % 2}
