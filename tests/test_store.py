"""The record store on real files: round trips, exact bytes, crashes, concurrent writers."""

from __future__ import annotations

import gc
import json
import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from tinydb import TinyDB

from archive_tui import paths
from archive_tui.records import ValidationFailed
from archive_tui.store import AtomicJSONStorage, RecordStore, StoreError, parse_line

UNICODE_TITLE = "Manac’h and Громыко 🕊️ at the Café\u00a0Piné «non»\u2028\x1b[0m"


def record(n: int, **extra: object) -> dict:
    base = {
        "id": f"doc-{n}",
        "date": "1944-11-09" if n % 3 else "June, 2007",
        "title": f"{UNICODE_TITLE} #{n}",
        "summary": f"Summary {n}",
        "subjects": ["Cold War", "Soviet Union"],
    }
    base.update(extra)
    return base


def new_store(path: Path) -> RecordStore:
    return RecordStore.open(path, create=True)


def test_round_trip_keeps_every_record_and_character(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "records.json"
    records = [record(n) for n in range(5)] + [record(99, people="Громыко, А. А.", box=[1, None])]
    assert new_store(path).upsert(records) == (6, 0)
    loaded = RecordStore.open(path).load()
    assert [r["id"] for r in loaded] == [r["id"] for r in records]
    assert loaded[0]["title"] == f"{UNICODE_TITLE} #0"
    assert loaded[-1]["people"] == ["Громыко, А. А."]
    assert loaded[-1]["box"] == [1, None]
    assert list(loaded[-1]) == list(records[-1])  # keys in the record's own order
    text = path.read_text(encoding="utf-8")
    assert "Громыко" in text and "\\u" not in text.replace("\\u001b", "")  # UTF-8, not escaped


def test_file_is_one_record_per_line_and_readable_by_plain_tinydb(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    new_store(path).upsert([record(1), record(2)])
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == '{"records": {'
    assert lines[1].startswith('"1": {"id":"doc-1",')
    assert lines[2].startswith('"2": {"id":"doc-2",')
    assert lines[3:] == ["}}", ""]
    plain = TinyDB(path, access_mode="r")  # TinyDB's own JSONStorage
    try:
        assert [doc["id"] for doc in plain.table("records").all()] == ["doc-1", "doc-2"]
    finally:
        plain.close()
    ours = TinyDB(path, storage=AtomicJSONStorage)
    ours.table("records").insert(record(3))
    assert [r["id"] for r in RecordStore.open(path).load()] == ["doc-1", "doc-2", "doc-3"]


def test_same_records_give_identical_bytes(tmp_path: Path) -> None:
    records = [record(n) for n in range(50)]
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    new_store(first).upsert(records)
    new_store(second).upsert(records[:20])
    new_store(second).upsert(records[20:])
    assert first.read_bytes() == second.read_bytes()


def test_changing_one_record_changes_one_line(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    store = new_store(path)
    store.upsert([record(n) for n in range(30)])
    before = path.read_text(encoding="utf-8").split("\n")
    assert store.upsert([record(7, summary="revised")]) == (0, 1)
    after = path.read_text(encoding="utf-8").split("\n")
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed == [8]  # line 0 is the table header; doc 8 holds doc-7
    assert '"summary":"revised"' in after[8]


def test_upsert_updates_in_place_and_appends_new_ids(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    store = new_store(path)
    store.upsert([record(1), record(2), record(3)])
    added, updated = store.upsert([record(2, title="Changed"), record(4), record(1)])
    assert (added, updated) == (1, 1)  # record(1) is identical: neither added nor updated
    loaded = RecordStore.open(path).load()
    assert [r["id"] for r in loaded] == ["doc-1", "doc-2", "doc-3", "doc-4"]
    assert loaded[1]["title"] == "Changed"
    assert "summary" in loaded[1]  # replaced as given, not merged
    tables = json.loads(path.read_text(encoding="utf-8"))
    assert list(tables["records"]) == ["1", "2", "3", "4"]


def test_a_loaded_record_changed_in_place_is_saved_by_upsert(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    store = new_store(path)
    store.upsert([record(1)])
    [loaded] = store.load()
    loaded["subjects"].append("Berlin")  # records are shared, but the disk decides
    assert store.upsert([loaded]) == (0, 1)
    assert RecordStore.open(path).load()[0]["subjects"] == ["Cold War", "Soviet Union", "Berlin"]


def test_unchanged_upsert_does_not_rewrite_the_file(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    store = new_store(path)
    store.upsert([record(1)])
    fingerprint = store.fingerprint()
    assert store.upsert([record(1)]) == (0, 0)
    assert store.fingerprint() == fingerprint


def test_fingerprint_follows_the_file(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    store = new_store(path)
    assert store.fingerprint() == "missing"
    store.upsert([record(1)])
    first = store.fingerprint()
    assert RecordStore.open(path).fingerprint() == first
    store.upsert([record(2)])
    assert store.fingerprint() != first


def test_invalid_batch_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    store = new_store(path)
    store.upsert([record(1)])
    before = path.read_bytes()
    with pytest.raises(ValidationFailed) as caught:
        store.upsert([record(2), record(3, date="whenever"), record(2)])
    assert [e.position for e in caught.value.errors] == [2, 3]
    assert path.read_bytes() == before


def test_create_writes_nothing_until_the_first_upsert(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "records.json"
    store = RecordStore.open(path, create=True)
    assert store.load() == []
    assert len(store) == 0
    assert not path.parent.exists()
    store.upsert([record(1)])
    assert len(RecordStore.open(path)) == 1


def test_missing_file_without_create_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    with pytest.raises(StoreError) as caught:
        RecordStore.open(path)
    assert str(path) in str(caught.value)
    assert "does not exist" in str(caught.value)
    assert not path.exists()


def test_read_only_store_refuses_writes(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    new_store(path).upsert([record(1)])
    (tmp_path / "records.json.lock").unlink()
    before = path.read_bytes()
    store = RecordStore.open(path, read_only=True)
    assert store.read_only
    assert [r["id"] for r in store.load()] == ["doc-1"]
    with pytest.raises(StoreError) as caught:
        store.upsert([record(2)])
    assert "read-only" in str(caught.value)
    with pytest.raises(StoreError):
        store.storage.write({"records": {}})
    assert path.read_bytes() == before
    assert not (tmp_path / "records.json.lock").exists()


def test_write_that_would_not_read_back_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    new_store(path).upsert([record(1)])
    before = path.read_bytes()
    storage = AtomicJSONStorage(path)
    bad = {"records": {"1": record(1, score=float("nan"))}}
    with pytest.raises(StoreError, match="was not written"):
        storage.write(bad)
    with pytest.raises(StoreError, match="was not written"):
        storage.write({"records": {"1": record(1, when=object())}})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.json", "records.json.lock"]


def test_file_mode_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    new_store(path).upsert([record(1)])
    path.chmod(0o640)
    RecordStore.open(path).upsert([record(2)])
    assert path.stat().st_mode & 0o777 == 0o640


def test_writing_through_a_symlink_replaces_the_target(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    new_store(real).upsert([record(1)])
    link.symlink_to(real)
    RecordStore.open(link).upsert([record(2)])
    assert link.is_symlink()
    assert [r["id"] for r in RecordStore.open(real).load()] == ["doc-1", "doc-2"]
    assert not (tmp_path / "link.json.lock").exists()


def test_stale_temp_files_of_killed_writers_are_removed(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    new_store(path).upsert([record(1)])
    stale = tmp_path / ".records.json.12345.deadbeef.tmp"
    stale.write_text('{"records": {', encoding="utf-8")
    RecordStore.open(path).upsert([record(2)])
    assert not stale.exists()


def test_store_opened_on_a_good_file_refuses_to_overwrite_a_file_gone_bad(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    store = new_store(path)
    store.upsert([record(1)])
    path.write_text('{"records": {"1": {"id": "doc-1"', encoding="utf-8")
    broken = path.read_bytes()
    with pytest.raises(StoreError) as caught:
        store.upsert([record(2)])
    assert caught.value.line == 1
    assert path.read_bytes() == broken


def test_upsert_sees_a_change_made_by_another_writer_since_it_last_read(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    mine = new_store(path)
    mine.upsert([record(1, summary="aaaa")])
    stat = path.stat()
    # Someone else edits the file in place: same size, same mtime.
    edited = path.read_bytes().replace(b'"summary":"aaaa"', b'"summary":"bbbb"')
    with path.open("r+b") as handle:
        handle.write(edited)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert mine.upsert([record(2)]) == (1, 0)
    loaded = RecordStore.open(path).load()
    assert [(r["id"], r["summary"]) for r in loaded] == [("doc-1", "bbbb"), ("doc-2", "Summary 2")]


# -- files that are not archives ----------------------------------------------------------------

GOOD_LINE = '"1": {"id": "a", "date": "1944", "title": "T"}'

BAD_FILES = {
    "bad json": (
        '{"records": {\n"1": {"id": "a", "date": "1944", "title": "T"},\n"2": {"id": "b" "x"}\n}}',
        ["is not valid JSON at line 3, column 17"],
    ),
    "truncated": ('{"records": {\n' + GOOD_LINE + ",\n" + GOOD_LINE[:20], ["line 3, column"]),
    "empty": ("", ["is empty"]),
    "blank": ("\n  \n", ["is empty"]),
    "a list of records": ('[{"id": "a", "date": "1944", "title": "T"}]', ["top level is a list"]),
    "a number": ("42", ["top level is int"]),
    "table not an object": ('{"records": [1, 2]}', ["table 'records' is not an object"]),
    "document not an object": ('{"records": {"1": "text"}}', ["not an object", "id '1'"]),
    "doc id not a number": (
        '{"records": {"one": {"id": "a", "date": "1944", "title": "T"}}}',
        ["doc id 'one'"],
    ),
    "record without title": (
        '{"records": {"1": {"id": "a", "date": "1944"}}}',
        ["invalid record", "title is missing"],
    ),
    "record with bad date": (
        '{"records": {"1": {"id": "a", "date": "Smarch 1944", "title": "T"}}}',
        ["date 'Smarch 1944' is not a date"],
    ),
    "duplicate id": (
        '{"records": {\n' + GOOD_LINE + ",\n" + GOOD_LINE.replace('"1"', '"2"') + "\n}}",
        ["id 'a' twice"],
    ),
    "plain tinydb file": (
        '{"_default": {"1": {"id": "a", "date": "1944", "title": "T"}}}',
        ["no 'records' table", "archive-tui import"],
    ),
    "nan": ('{"records": {"1": {"id": "a", "date": "1944", "title": "T", "x": NaN}}}', ["JSON"]),
    "latin-1": ('{"records": {"1": {"id": "a", "date": "1944", "title": "Caf\xe9"}}}', ["UTF-8"]),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_is_reported_once_and_left_untouched(tmp_path: Path, name: str) -> None:
    content, expected = BAD_FILES[name]
    path = tmp_path / "records.json"
    encoding = "latin-1" if name == "latin-1" else "utf-8"
    path.write_bytes(content.encode(encoding))
    before = path.read_bytes()
    for kwargs in ({}, {"create": True}, {"read_only": True}):
        with pytest.raises(StoreError) as caught:
            RecordStore.open(path, **kwargs)
        message = str(caught.value)
        assert str(path) in message
        assert "\n" not in message
        for part in expected:
            assert part in message
    # A writer that reads the bad file inside its lock must not replace it either.
    with pytest.raises(StoreError):
        RecordStore(path, read_only=False, create=True).upsert([record(1)])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.json", "records.json.lock"]


def test_bad_json_error_carries_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text('{"records": {\n"1": {"id": "é", "date": 1944-, "title": "T"}\n}}', "utf-8")
    with pytest.raises(StoreError) as caught:
        RecordStore.open(path)
    assert (caught.value.line, caught.value.column) == (2, 30)
    assert caught.value.path == path


def test_a_folder_is_not_an_archive(tmp_path: Path) -> None:
    folder = tmp_path / "records.json"
    folder.mkdir()
    with pytest.raises(StoreError, match="is a folder"):
        RecordStore.open(folder, create=True)
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    new_store(path).upsert([record(1)])
    path.chmod(0)
    try:
        with pytest.raises(StoreError, match="cannot be read"):
            RecordStore.open(path)
    finally:
        path.chmod(0o644)
    assert [r["id"] for r in RecordStore.open(path).load()] == ["doc-1"]


def test_bom_and_single_string_lists_in_a_hand_edited_file_are_read(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_bytes(
        b'\xef\xbb\xbf{"records": {"1": {"id": "a", "date": "1944", "title": "T", "people": "X"}}}'
    )
    [loaded] = RecordStore.open(path).load()
    assert loaded["people"] == ["X"]


# -- a stored file edited line by line ------------------------------------------------------------

# Files the store wrote are read a line at a time; whatever a hand edit does to one line
# must be reported (or read) exactly as for the same JSON in any other layout.


def four_record_lines(tmp_path: Path) -> tuple[Path, list[str]]:
    path = tmp_path / "records.json"
    new_store(path).upsert(
        [{"id": f"doc-{n}", "date": "1944", "title": f"T{n}", "people": ["P"]} for n in range(1, 5)]
    )
    return path, path.read_text("utf-8").split("\n")


def edit_line(path: Path, lines: list[str], number: int, edit) -> None:
    """Replace line ``number`` (1-based; line 1 is the table's opening) by edit(line)."""
    lines = list(lines)
    lines[number - 1] = edit(lines[number - 1])
    path.write_text("\n".join(lines), "utf-8")


LINE_EDITS = {
    "comma missing": (3, lambda line: line.rstrip(","), "is not valid JSON at line 4, column 1"),
    "space for a comma": (
        3,
        lambda line: line.rstrip(",") + " ",
        "is not valid JSON at line 4, column 1",
    ),
    "comma after the last record": (5, lambda line: line + ",", "is not valid JSON at line 6, "),
    "bad JSON in a record": (
        3,
        lambda line: '"2": {"id": "doc-2" "x"},',
        "is not valid JSON at line 3, column 21",
    ),
    "bad date": (
        3,
        lambda line: line.replace("1944", "Smarch 1944"),
        "has an invalid record (doc id 2): record 2 (id 'doc-2'): date 'Smarch 1944' is not",
    ),
    "id used twice": (
        4,
        lambda line: line.replace("doc-3", "doc-1"),
        "has the id 'doc-1' twice (doc ids 1 and 3)",
    ),
    "doc id not a number": (
        4,
        lambda line: line.replace('"3"', '"x3"'),
        "has a doc id 'x3' that is not a number",
    ),
    "document not an object": (
        4,
        lambda line: '"3": [1],',
        "has a document that is not an object (table 'records', id '3')",
    ),
    "nested deeper than JSON readers go": (
        4,
        # deep enough for the whole document, not for the line alone
        lambda line: line.replace('"people"', '"x": ' + "[" * 1022 + "]" * 1022 + ', "people"'),
        "is not valid JSON at line 4, column 1074 (depth limit exceeded)",
    ),
}


@pytest.mark.parametrize("name", list(LINE_EDITS))
def test_a_bad_line_in_a_stored_file_is_reported_like_in_any_file(
    tmp_path: Path, name: str
) -> None:
    number, edit, expected = LINE_EDITS[name]
    path, lines = four_record_lines(tmp_path)
    edit_line(path, lines, number, edit)
    with pytest.raises(StoreError) as caught:
        RecordStore.open(path, read_only=True)
    assert expected in str(caught.value)
    # The same content as one line (no line-by-line reading) gives the same problem.
    oneline = tmp_path / "oneline.json"
    text = path.read_text("utf-8")
    oneline.write_text(text.replace(",\n", ", "), "utf-8")
    with pytest.raises(StoreError) as again:
        RecordStore.open(oneline, read_only=True)
    assert str(again.value).split(" ", 2)[2].split(" at line")[0] in str(caught.value)


def test_a_repeated_doc_id_line_keeps_the_last_record_like_any_json_reader(tmp_path: Path) -> None:
    path, lines = four_record_lines(tmp_path)
    edit_line(path, lines, 4, lambda line: line.replace('"3"', '"1"'))
    store = RecordStore.open(path, read_only=True)
    expected = list(json.loads(path.read_text("utf-8"))["records"].values())
    assert store.load() == expected
    assert [r["id"] for r in expected] == ["doc-3", "doc-2", "doc-4"]
    assert store.record_spans() is None  # the lines no longer match the records one to one


def test_a_stored_file_is_read_with_each_record_line_located(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    new_store(path).upsert([record(n) for n in range(1, 8)])
    store = RecordStore.open(path, read_only=True)
    records = store.load()
    assert records == list(json.loads(path.read_text("utf-8"))["records"].values())
    fingerprint, (offsets, lengths) = store.record_spans()
    assert fingerprint == store.fingerprint()
    data = path.read_bytes()
    assert [parse_line(data[o : o + n]) for o, n in zip(offsets, lengths, strict=True)] == records


def test_a_record_to_normalize_among_stored_ones_is_read_normalized(tmp_path: Path) -> None:
    path, lines = four_record_lines(tmp_path)
    edit_line(path, lines, 3, lambda line: line.replace('["P"]', '"Q"'))
    store = RecordStore.open(path, read_only=True)
    assert [r["people"] for r in store.load()] == [["P"], ["Q"], ["P"], ["P"]]
    assert store.clean_fingerprint() is None  # the file is not what is held
    assert store.record_spans() is None


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        # the first problem in file order is the one reported
        ({4: ("doc-3", "doc-1"), 5: ("1944", "1944-13")}, "has the id 'doc-1' twice"),
        ({3: ("1944", "1944-13"), 5: ("doc-4", "doc-1")}, "(doc id 2): record 2 (id 'doc-2')"),
        ({2: ('["P"]', '"P"'), 4: ("doc-3", "doc-1")}, "doc ids 1 and 3"),
        ({3: ('["P"]', "null"), 5: ("1944", "1944-02-30")}, "(doc id 4): record 4 (id 'doc-4')"),
    ],
)
def test_the_first_of_several_problems_is_reported(
    tmp_path: Path, edits: dict[int, tuple[str, str]], expected: str
) -> None:
    path, lines = four_record_lines(tmp_path)
    for number, (old, new) in edits.items():
        lines[number - 1] = lines[number - 1].replace(old, new)
    path.write_text("\n".join(lines), "utf-8")
    with pytest.raises(StoreError) as caught:
        RecordStore.open(path, read_only=True)
    assert expected in str(caught.value)


def test_reading_leaves_the_garbage_collector_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import archive_tui.store as store_module

    monkeypatch.setattr(store_module, "PAUSE_COLLECTOR_BYTES", 0)  # pause for any size
    path = tmp_path / "records.json"
    new_store(path).upsert([record(n) for n in range(1, 4)])
    bad = tmp_path / "bad.json"
    bad.write_text(path.read_text("utf-8").replace("doc-2", "doc-1"), "utf-8")
    assert gc.isenabled()
    assert len(RecordStore.open(path).load()) == 3
    assert gc.isenabled()
    with pytest.raises(StoreError):
        RecordStore.open(bad)
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(RecordStore.open(path).load()) == 3
        assert not gc.isenabled()
    finally:
        gc.enable()
    gc.freeze()  # someone keeps objects frozen: they stay so
    try:
        frozen = gc.get_freeze_count()
        assert len(RecordStore.open(path).load()) == 3
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_only_a_large_document_pauses_the_collector(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small file (a workspace, parsed on every annotation) never pauses the collector:
    each pause ends by moving every object to the oldest generation."""
    import archive_tui.store as store_module

    pauses: list[int] = []
    real = store_module.collector_paused

    def counting():  # type: ignore[no-untyped-def]
        pauses.append(1)
        return real()

    monkeypatch.setattr(store_module, "collector_paused", counting)
    path = tmp_path / "records.json"
    new_store(path).upsert([record(n) for n in range(1, 4)])
    pauses.clear()
    assert len(RecordStore.open(path).load()) == 3
    assert pauses == []
    monkeypatch.setattr(store_module, "PAUSE_COLLECTOR_BYTES", 1)
    assert len(RecordStore.open(path).load()) == 3
    assert pauses


# -- crashes and concurrent writers ---------------------------------------------------------------

CHILD_PRELUDE = """
import sys, os, time
from pathlib import Path
from archive_tui.store import RecordStore
path = Path(sys.argv[1])
"""

CRASH_WRITER = (
    CHILD_PRELUDE
    + """
count, base = int(sys.argv[2]), int(sys.argv[3])
store = RecordStore.open(path)
body = "Громыко, Manac’h; " * 120
version = base
while True:
    version += 1
    store.upsert([
        {"id": f"doc-{n}", "date": "1955-01-01", "title": f"Title {n}",
         "text": f"{version}: {body}", "version": version}
        for n in range(count)
    ])
    print(version, flush=True)
"""
)

HALF_WRITER = (
    CHILD_PRELUDE
    + """
# Stop half-way through writing the new file, so the parent's kill -9 lands mid-write.
real_write = os.write
def half_write(fd, data):
    written = real_write(fd, bytes(data[: len(data) // 2]))
    print("half written", flush=True)
    time.sleep(120)
    return written
os.write = half_write
RecordStore.open(path).upsert([{"id": "doc-0", "date": "1955", "title": "New", "version": 2}])
"""
)

UPSERTER = (
    CHILD_PRELUDE
    + """
name, count, go = sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
store = RecordStore.open(path)
while not go.exists():
    time.sleep(0.001)
for n in range(count):
    store.upsert([{"id": f"{name}-{n}", "date": "1960", "title": f"From {name}, number {n}"}])
"""
)


def run_child(script: str, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_whole_version(path: Path, count: int) -> int:
    records = RecordStore.open(path, read_only=True).load()
    assert len(records) == count
    versions = {r["version"] for r in records}
    assert len(versions) == 1, f"a mix of versions {sorted(versions)}"
    [version] = versions
    assert all(r["text"].startswith(f"{version}: ") for r in records)
    return version


def test_killing_a_writer_mid_write_leaves_old_or_new_content(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    count = 1500  # about 4 MB: each write takes long enough to be killed inside it
    rng = random.Random(7)
    new_store(path).upsert(
        [
            {"id": f"doc-{n}", "date": "1955", "title": f"Title {n}", "text": "0: ", "version": 0}
            for n in range(count)
        ]
    )
    last = 0
    for run in range(1, 6):
        child = run_child(CRASH_WRITER, path, count, run * 1000)
        assert child.stdout is not None
        first = child.stdout.readline()  # at least one complete write in this run
        assert first.strip(), child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.0, 0.25))
        child.kill()  # SIGKILL: no cleanup, no flush
        child.wait()
        child.stdout.close()
        if child.stderr:
            child.stderr.close()
        version = assert_whole_version(path, count)
        assert version > last
        last = version
    # The next writer sweeps away temp files left by the killed ones.
    RecordStore.open(path).upsert([{"id": "after", "date": "1956", "title": "After"}])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["records.json", "records.json.lock"]


def test_kill_half_way_through_writing_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    new_store(path).upsert([{"id": "doc-0", "date": "1955", "title": "Old", "version": 1}])
    before = path.read_bytes()
    child = run_child(HALF_WRITER, path)
    assert child.stdout is not None
    assert child.stdout.readline() == "half written\n", child.communicate()[1]
    [temp] = tmp_path.glob(".records.json.*.tmp")  # the new content, half there
    assert 0 < temp.stat().st_size < len(before) + 10
    child.kill()
    child.communicate()
    assert path.read_bytes() == before
    assert RecordStore.open(path).load()[0]["title"] == "Old"


def test_two_processes_upserting_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    go = tmp_path / "go"
    base = [record(n, text="x" * 2000) for n in range(300)]
    new_store(path).upsert(base)
    per_child = 25
    children = [run_child(UPSERTER, path, name, per_child, go) for name in ("left", "right")]
    time.sleep(0.3)  # both children are waiting at the start line
    go.touch()
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    ids = [r["id"] for r in RecordStore.open(path).load()]
    expected_new = {f"{name}-{n}" for name in ("left", "right") for n in range(per_child)}
    assert ids[:300] == [r["id"] for r in base]
    assert set(ids[300:]) == expected_new
    assert len(ids) == 300 + 2 * per_child


# -- where archives live --------------------------------------------------------------------------


def test_user_folders_follow_archive_tui_home(isolated_home: Path) -> None:
    assert paths.user_archive_path() == isolated_home / "data" / "records.json"
    assert paths.cache_dir() == isolated_home / "cache"
    assert paths.config_dir() == isolated_home / "config"
    assert not (isolated_home / "data").exists()  # asking never creates anything
    RecordStore.open(paths.user_archive_path(), create=True).upsert([record(1)])
    assert [r["id"] for r in RecordStore.open(paths.user_archive_path()).load()] == ["doc-1"]


def test_without_archive_tui_home_platform_folders_are_used(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHIVE_TUI_HOME")
    for folder in (paths.user_data_dir(), paths.cache_dir(), paths.config_dir()):
        assert "archive-tui" in folder.parts
        assert isolated_home not in folder.parents
    assert paths.user_archive_path().name == "records.json"


def test_shipped_archive_opens_read_only() -> None:
    shipped = paths.shipped_archive_path()
    assert shipped.is_file()
    store = RecordStore.open(shipped, read_only=True)
    with pytest.raises(StoreError, match="read-only"):
        store.upsert([record(1)])
