"""The annotation index of a whole workspace is built in one pass (not entry by entry, which
was quadratic in a common note word), equal to applying every entry; the running app builds
it on the thread that opens the workspace, never on the UI thread."""

from __future__ import annotations

import random
import threading
from pathlib import Path

from archive_tui.annotations import AnnotationIndex
from archive_tui.ui.research import Research
from archive_tui.workspace import Change, Workspace

WORDS = ["berlin", "Wall", "Manac’h", "piné", "Громыко", "gromyko", "note", "cable", "crisis"]


def _state(index: AnnotationIndex) -> tuple:
    return (
        {k: set(v) for k, v in index._by_tag.items()},
        dict(index._tag_names),
        dict(index._tags_of),
        {k: set(v) for k, v in index._by_word.items()},
        {k: set(v) for k, v in index._words_of.items()},
        dict(index._lists),
        {k: set(v) for k, v in index._list_sets.items()},
    )


def test_the_one_pass_build_equals_applying_every_entry(tmp_path: Path) -> None:
    rng = random.Random(7)
    ws = Workspace.open(tmp_path / "ws.json")
    ids = [f"rec-{n}" for n in range(300)]
    for record_id in ids[:200]:
        ws.add_tags([record_id], rng.sample(["Berlin 1961", "berlin 1961", "wall", "Piné"], 2))
    for record_id in ids[100:260]:
        ws.set_note(record_id, " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12))))
    ws.add_to_list("Chapter 3", ids[:40])
    ws.add_to_list("chapter 4", ids[30:50])
    built = AnnotationIndex.from_workspace(Workspace.open(tmp_path / "ws.json"))
    applied = AnnotationIndex()
    for record_id, tags in ws.tagged().items():
        applied.apply(Change("tags", record_id, tuple(tags)))
    for record_id, text in ws.notes().items():
        applied.apply(Change("note", record_id, text))
    for name, members in ws.lists().items():
        applied.apply(Change("list", name, tuple(members)))
    assert _state(built) == _state(applied)
    assert built.ids_with_note_word("manach") == applied.ids_with_note_word("manach")
    assert built.ids_with_tag("BERLIN 1961") == applied.ids_with_tag("berlin 1961")


def test_the_app_builds_the_index_on_the_opening_thread(tmp_path: Path) -> None:
    Workspace.open().add_tags(["rec-1"], ["berlin"])
    research = Research()
    research.start()
    workspace = research.wait()
    research.opened(workspace)  # (the UI thread's part)
    assert research.index_built_on == "workspace-open"
    assert research.index_built_on != threading.current_thread().name
    assert research.annotations.ids_with_tag("Berlin") == {"rec-1"}


def test_note_words_are_the_tokenizer_s_words() -> None:
    from archive_tui.annotations import note_words
    from archive_tui.text import tokenize

    for text in ["De Gaulle’s 1944 visit, de Gaulle's", "Manac’h Piné Громыко gromyko", "", "''"]:
        assert note_words(text) == frozenset(tokenize(text))
