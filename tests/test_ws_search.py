"""Your workspace searchable like everything else: tag:, list:, note:, has:, bare words in
notes, tags/lists facets and filters, kept current by AnnotationIndex.apply (no rebuild).

Real files: a real store and its real segmented index, a real workspace file."""

from __future__ import annotations

from pathlib import Path

import pytest

from archive_tui import annotation_search
from archive_tui.annotations import AnnotationIndex
from archive_tui.archive import Archive
from archive_tui.index import store_index as si_mod
from archive_tui.query import parse_query
from archive_tui.store import RecordStore
from archive_tui.workspace import Workspace

RECORDS = [
    {
        "id": "b-1961-wall",
        "date": "1961-08-13",
        "title": "Telegram on the sector border in Berlin",
        "summary": "Border closed overnight; wire along the sector line.",
    },
    {
        "id": "b-1961-checkpoint",
        "date": "1961-10-27",
        "title": "Tanks face each other at Checkpoint Charlie",
        "summary": "American and Soviet tanks at the crossing.",
    },
    {
        "id": "v-1961-summit",
        "date": "1961-06-04",
        "title": "Memorandum of Conversation, Vienna",
        "summary": "Kennedy and Khrushchev on Laos and a test ban.",
    },
    {
        "id": "c-1962-cuba",
        "date": "1962-10-16",
        "title": "Missiles in Cuba",
        "summary": "Photographs show launch sites under construction.",
        "text": "The quarantine was discussed at length with Gromyko.",
    },
    {
        "id": "p-1955-pine",
        "date": "1955-03-02",
        "title": "Telegram to Molotov on the Agency France Press report",
        "summary": "Antoine Piné on a press report.",
    },
]
WALL, CHECKPOINT, VIENNA, CUBA, PINE = (r["id"] for r in RECORDS)


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    path = tmp_path / "records.json"
    RecordStore.open(path, create=True).upsert(RECORDS)
    return Archive.open(path)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(tmp_path / "workspace.json")


def ids(result) -> set[str]:  # type: ignore[no-untyped-def]
    return set(result.ids())


def test_tag_list_note_and_has_find_what_the_workspace_holds(
    archive: Archive, ws: Workspace
) -> None:
    ws.add_tags([WALL, CHECKPOINT], ["Berlin", "cold war"])
    ws.add_tags([PINE], ["Piné"])
    ws.set_note(VIENNA, "Khrushchev bullied him: see Manac’h, his memoir of the summit.")
    ws.add_to_list("chapter 3", [CHECKPOINT, CUBA])
    ann = AnnotationIndex.from_workspace(ws)
    search = lambda q: ids(archive.search(q, limit=50, annotations=ann))  # noqa: E731
    assert search("tag:berlin") == {WALL, CHECKPOINT}
    assert search('tag:"Cold  War"') == {WALL, CHECKPOINT}  # case and blanks as tags compare
    assert search("tag:pine") == {PINE}  # accents fold like tags do
    assert search("tag:ber*") == {WALL, CHECKPOINT}
    assert search('list:"chapter 3"') == {CHECKPOINT, CUBA}
    assert search('list:"CHAPTER 3" -tag:berlin') == {CUBA}
    assert search("note:manach") == {VIENNA}  # curly apostrophe and case ignored
    assert search("note:khrush*") == {VIENNA}
    assert search("note:bull?ed") == {VIENNA}
    assert search('note:"summit memoir"') == {VIENNA}
    assert search("has:note") == {VIENNA}
    assert search("has:tag") == {WALL, CHECKPOINT, PINE}
    assert search("has:list") == {CHECKPOINT, CUBA}
    assert search("tag:(berlin OR pine)") == {WALL, CHECKPOINT, PINE}
    assert search("tag:nothing") == set()
    assert search("tanks tag:berlin") == {CHECKPOINT}  # with words: ANDed as usual


def test_a_bare_word_also_finds_notes_and_ranks_like_a_summary_match(
    archive: Archive, ws: Workspace
) -> None:
    ws.set_note(PINE, "Compare with the Berlin border telegram.")
    ann = AnnotationIndex.from_workspace(ws)
    without = archive.search("berlin", limit=50)
    assert ids(without) == {WALL}
    result = archive.search("berlin", limit=50, annotations=ann)
    assert ids(result) == {WALL, PINE}  # the record matched only by its note is found
    assert result.sort == "relevance"
    scores = {h.id: h.score for h in result.hits}
    assert scores[PINE] > 0  # ranked, not appended at score zero
    # a note word no record holds still finds the note (and NOT excludes it)
    ws_only = archive.search("compare", limit=50, annotations=ann)
    assert ids(ws_only) == {PINE}
    assert PINE not in ids(archive.search("telegram -compare", limit=50, annotations=ann))
    assert ids(archive.search("berl*", limit=50, annotations=ann)) == {WALL, PINE}


def test_a_note_match_adds_to_a_record_match(archive: Archive, ws: Workspace) -> None:
    ws.set_note(CHECKPOINT, "tanks tanks: the key document")
    ann = AnnotationIndex.from_workspace(ws)
    plain = {h.id: h.score for h in archive.search("telegram", limit=50).hits}
    ws.set_note(WALL, "telegram")
    ann = AnnotationIndex.from_workspace(ws)
    noted = {h.id: h.score for h in archive.search("telegram", limit=50, annotations=ann).hits}
    assert noted[WALL] > plain[WALL]
    assert noted[PINE] == pytest.approx(plain[PINE])


def test_tags_and_lists_facets_follow_the_query_and_the_filters(
    archive: Archive, ws: Workspace
) -> None:
    ws.add_tags([WALL, CHECKPOINT], ["Berlin"])
    ws.add_tags([CHECKPOINT, CUBA], ["crisis"])
    ws.add_to_list("chapter 3", [CHECKPOINT, CUBA, VIENNA])
    ann = AnnotationIndex.from_workspace(ws)
    everything = archive.search("", annotations=ann)
    assert everything.facets["tags"] == {"Berlin": 2, "crisis": 2}
    assert everything.facets["lists"] == {"chapter 3": 3}
    tanks = archive.search("tanks OR missiles", annotations=ann)
    assert tanks.facets["tags"] == {"crisis": 2, "Berlin": 1}
    assert tanks.facets["lists"] == {"chapter 3": 2}
    # a tags filter narrows the other facets but not its own counts (values are ORed)
    filtered = archive.search("", filters={"tag": "berlin"}, annotations=ann)
    assert ids(filtered) == {WALL, CHECKPOINT}
    assert filtered.facets["tags"] == {"Berlin": 2, "crisis": 2}
    assert filtered.facets["lists"] == {"chapter 3": 1}
    both = archive.search("", filters={"tags": ["berlin", "crisis"]}, annotations=ann)
    assert ids(both) == {WALL, CHECKPOINT, CUBA}
    listed = archive.search("", filters={"list": "Chapter 3"}, annotations=ann)
    assert ids(listed) == {CHECKPOINT, CUBA, VIENNA}
    assert listed.facets["tags"] == {"crisis": 2, "Berlin": 1}
    unknown = archive.search("", filters={"tag": "nope"}, annotations=ann)
    assert unknown.total == 0 and any("nope" in n for n in unknown.parsed.notes)


def test_without_annotations_the_fields_match_nothing_and_say_so(archive: Archive) -> None:
    result = archive.search("tag:berlin")
    assert result.total == 0
    assert any("not available" in note for note in result.parsed.notes)
    assert "tags" not in archive.search("").facets  # the facets come with a workspace


def test_tagging_updates_search_incrementally_without_any_rebuild(
    archive: Archive, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws.add_tags([WALL, CHECKPOINT, CUBA], [f"other {n}" for n in range(20)])
    ann = AnnotationIndex.from_workspace(ws)
    archive.attach_annotations(ann)
    assert archive.search("tag:berlin").total == 0
    assert archive.search("").facets["tags"]["other 7"] == 3  # every tag's set converted

    def no_rebuild(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("rebuilt")

    monkeypatch.setattr(AnnotationIndex, "from_workspace", no_rebuild)
    monkeypatch.setattr(si_mod, "build_store_index", no_rebuild)
    before = annotation_search.AnnotationSearch.conversions
    ann.apply_all(ws.add_tags([VIENNA], ["Berlin"]))
    assert ids(archive.search("tag:berlin")) == {VIENNA}
    converted = annotation_search.AnnotationSearch.conversions - before
    assert 1 <= converted <= 2  # the changed tag's set (and has:tag), not the 20 others
    again = annotation_search.AnnotationSearch.conversions
    assert ids(archive.search("tag:berlin")) == {VIENNA}  # same revision: cached
    assert annotation_search.AnnotationSearch.conversions == again
    ann.apply_all(ws.set_note(CUBA, "The Berlin angle of the crisis."))
    assert ids(archive.search("berlin")) == {WALL, CUBA}
    assert ids(archive.search("note:angle")) == {CUBA}
    ann.apply_all(ws.remove_tags([VIENNA], ["berlin"]))
    assert archive.search("tag:berlin").total == 0
    assert "Berlin" not in archive.search("").facets["tags"]
    ann.apply_all(ws.set_note(CUBA, None))
    assert archive.search("has:note").total == 0


def test_a_removed_records_annotations_do_not_break_search(archive: Archive, ws: Workspace) -> None:
    ws.add_tags([WALL, "gone-record"], ["Berlin"])
    ws.set_note("gone-record", "Berlin, kept though the record went")
    ws.add_to_list("chapter 3", ["gone-record", CUBA])
    archive.remove([WALL])
    ann = AnnotationIndex.from_workspace(ws)
    assert archive.search("tag:berlin", annotations=ann).total == 0
    assert ids(archive.search("berlin", annotations=ann)) == set()
    assert ids(archive.search("list:chapter*", annotations=ann)) == {CUBA}
    facets = archive.search("", annotations=ann).facets
    assert facets["tags"] == {} and facets["lists"] == {"chapter 3": 1}
    assert {o.id for o in ws.orphans(archive.by_id)} == {WALL, "gone-record"}  # kept


def test_query_notes_and_describe_for_annotation_fields() -> None:
    assert parse_query('tag:"cold war" list:x').describe() == '(tag:"cold war" AND list:x)'
    assert parse_query("has:notes").describe() == "has:note"
    assert "has:x" in " ".join(parse_query("has:x").notes)
    assert parse_query("tag:").notes == ["tag: needs a value: ignored."]
    assert not any("Unknown field" in n for n in parse_query("note:x tag:y").notes)
    assert parse_query("tag:berlin").has_words is False  # lists by date, like date:


def test_query_help_and_readme_document_the_fields_in_step() -> None:
    from conftest import REPO_ROOT

    from archive_tui.query import QUERY_HELP

    for piece in ("tag:berlin", 'tag:"cold war"', 'list:"chapter 3"', "note:", "has:note"):
        assert piece in QUERY_HELP
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for line in QUERY_HELP.splitlines():
        if line.startswith("  "):
            assert line in readme, line


def test_annotation_field_names_are_known_to_the_query_language() -> None:
    from archive_tui.query import annotation_field_names

    for name in annotation_field_names():
        assert not parse_query(f"{name}:x").notes or name == "has"
    assert annotation_field_names()[:4] == ["tag", "list", "note", "has"]
