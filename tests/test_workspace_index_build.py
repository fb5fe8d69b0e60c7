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
    index.index_note_words()
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
    applied.index_note_words()  # (changes then update the note words one by one)
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


def test_note_words_are_indexed_on_first_use_and_changes_before_and_after_count(
    tmp_path: Path,
) -> None:
    ws = Workspace.open(tmp_path / "ws.json")
    ws.set_note("rec-1", "Talks with Manac’h in Berlin")
    ws.set_note("rec-2", "Berlin wall")
    ws.set_note("rec-3", "   ")
    index = AnnotationIndex.from_workspace(Workspace.open(tmp_path / "ws.json"))
    assert not index.note_words_indexed  # the start-up pays nothing for note words
    assert index.ids_with_note() == {"rec-1", "rec-2"}  # has:note needs no words
    assert not index.note_words_indexed
    # a change before the words are indexed: the build sees it
    index.apply(Change("note", "rec-2", "Checkpoint Charlie"))
    index.apply(Change("note", "rec-4", "berlin again"))
    assert index.touched_since(0) == {
        ("note", "berlin"),
        ("note", "wall"),
        ("note", "checkpoint"),
        ("note", "charlie"),
        ("note", "again"),
        ("has", "note"),
    }
    assert index.ids_with_note_word("BERLIN") == {"rec-1", "rec-4"}
    assert index.note_index_builds == 1
    assert index.ids_with_note_word("manach") == {"rec-1"}
    assert index.note_index_builds == 1  # built once
    # a change after: kept current one by one
    index.apply(Change("note", "rec-1", ""))
    assert index.ids_with_note_word("berlin") == {"rec-4"}
    assert index.ids_with_note_word("manach") == set()
    assert index.ids_with_note() == {"rec-2", "rec-4"}
    assert "charlie" in index.note_words()
    assert index.note_index_builds == 1


def test_the_app_indexes_note_words_on_a_worker_after_the_first_results(tmp_path: Path) -> None:
    import asyncio

    from test_app import make_records, write_store

    from archive_tui.ui.app import ArchiveApp

    db = write_store(tmp_path / "records.json", make_records(30))
    Workspace.open().set_note("rec-1", "Gromyko and the Berlin wall")

    async def run() -> AnnotationIndex:
        app = ArchiveApp(db, show_timing=False)
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(400):
                await pilot.pause(0.05)
                ann = app.research.annotations
                if app.first_results_after is not None and ann.note_words_indexed:
                    break
            return app.research.annotations

    ann = asyncio.run(run())
    assert ann.note_index_builds == 1
    assert ann.note_index_thread not in (None, threading.main_thread().name)
