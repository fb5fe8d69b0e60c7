"""The research workspace on real files: concurrent writers, crashes, corrupt files, orphans."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from archive_tui.paths import workspace_path
from archive_tui.workspace import (
    HISTORY_CAP,
    Change,
    Workspace,
    WorkspaceError,
    export_workspace,
    merge_workspace,
)


def test_default_path_is_under_archive_tui_home(isolated_home: Path) -> None:
    assert workspace_path() == isolated_home / "data" / "workspace.json"
    ws = Workspace.open()
    assert ws.path == workspace_path()
    assert not ws.path.exists()  # nothing is written until the first change
    ws.add_tags(["r1"], ["Berlin"])
    assert Workspace.open().tags("r1") == ["Berlin"]


def test_tags_are_case_and_accent_insensitive_but_kept_as_typed(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json")
    changes = ws.add_tags(["r1", "r2"], ["Piné", "pine", "Berlin  Wall"])
    assert ws.tags("r1") == ["Piné", "Berlin Wall"]
    assert changes == [
        Change("tags", "r1", ("Piné", "Berlin Wall")),
        Change("tags", "r2", ("Piné", "Berlin Wall")),
    ]
    ws.add_tags(["r3"], ["PINE"])
    assert ws.all_tags() == [("Piné", 3), ("Berlin Wall", 2)]
    assert ws.remove_tags(["r1"], ["piné"]) == [Change("tags", "r1", ("Berlin Wall",))]
    assert ws.remove_tags(["r1"], ["berlin wall"]) == [Change("tags", "r1", None)]
    reopened = Workspace.open(tmp_path / "ws.json")
    assert reopened.tags("r1") == [] and reopened.tags("r2") == ["Piné", "Berlin Wall"]
    with pytest.raises(ValueError, match="empty"):
        ws.add_tags(["r1"], ["  "])


def test_notes_lists_marks_saved_session_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    ws = Workspace.open(path)
    ws.set_note("r1", "Manac’h met Громыко.\nSecond line.")
    ws.append_note("r1", "Later thought.")
    ws.add_to_list("Berlin 1961", ["r2", "r1", "r2"])
    ws.add_to_list("berlin 1961", ["r3"])  # same list, folded
    ws.set_marked(["r5", "r4"])
    ws.save_search("wall", "berlin wall", {"collection": ["FRUS"]}, "date")
    ws.save_session(query="berlin", selected="r2", theme="nord")
    again = Workspace.open(path)
    assert again.note("r1") == "Manac’h met Громыко.\nSecond line.\n\nLater thought."
    assert again.lists() == {"Berlin 1961": ["r2", "r1", "r3"]}
    assert again.marks() == ["r5", "r4"]
    saved = again.saved_search("WALL")
    assert saved is not None and saved.filters == {"collection": ["FRUS"]} and saved.sort == "date"
    assert again.session() == {"query": "berlin", "selected": "r2", "theme": "nord"}
    assert again.rename_list("BERLIN 1961", "Wall") == [
        Change("list", "Berlin 1961", None),
        Change("list", "Wall", ("r2", "r1", "r3")),
    ]
    again.remove_from_list("wall", ["r1"])
    assert Workspace.open(path).lists() == {"Wall": ["r2", "r3"]}
    again.save_marks_as_list("picked")
    assert again.list_ids("Picked") == ["r5", "r4"]
    again.delete_list("wall")
    with pytest.raises(KeyError):
        again.delete_list("wall")
    again.set_note("r1", "")
    assert Workspace.open(path).note("r1") is None


def test_history_collapses_duplicates_is_capped_newest_last(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json")
    for query in ("berlin", "berlin", "wall", "berlin", "  "):
        ws.add_history(query)
    assert ws.history() == ["wall", "berlin"]
    for n in range(HISTORY_CAP + 10):
        ws.add_history(f"q{n}")
    history = Workspace.open(tmp_path / "ws.json").history()
    assert len(history) == HISTORY_CAP and history[-1] == f"q{HISTORY_CAP + 9}"


def test_research_log_records_events_and_can_be_turned_off(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json")
    ws.log_search("berlin wall", {"year": ["1961"]}, 12)
    ws.log_event("open", id="r1")
    ws.add_tags(["r1"], ["wall"])
    ws.set_marked(["r1"])
    ws.set_note("r1", "n")
    ws.log_event("export", format="bibtex", count=1)
    events = [entry["event"] for entry in Workspace.open(tmp_path / "ws.json").log()]
    assert events == ["search", "open", "tag", "mark", "note", "export"]
    assert ws.log()[0]["count"] == 12 and ws.log()[0]["at"].endswith("Z")
    ws.set_logging(False)
    ws.log_event("open", id="r2")
    ws.add_tags(["r2"], ["x"])
    assert len(Workspace.open(tmp_path / "ws.json").log()) == 6


def test_orphans_are_listed_never_dropped(tmp_path: Path) -> None:
    ws = Workspace.open(tmp_path / "ws.json")
    ws.add_tags(["kept", "gone"], ["t"])
    ws.set_note("gone", "still here")
    ws.add_to_list("L", ["gone2"])
    orphans = ws.orphans({"kept"})
    assert [o.id for o in orphans] == ["gone", "gone2"]
    assert orphans[0].note == "still here" and orphans[1].lists == ("L",)
    assert Workspace.open(tmp_path / "ws.json").tags("gone") == ["t"]


def test_corrupt_workspace_is_reported_and_never_touched(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    path.write_bytes(b'{"tags": {"1": {"id": "r1", "tags": ["a"]}')
    before = path.read_bytes()
    with pytest.raises(WorkspaceError) as caught:
        Workspace.open(path)
    message = str(caught.value)
    assert message.startswith(f"Workspace {path} ") and "\n" not in message
    fallback = Workspace.open_or_unavailable(path)
    assert fallback.read_only and fallback.problem == message and fallback.tags("r1") == []
    with pytest.raises(WorkspaceError, match="read-only"):
        fallback.add_tags(["r1"], ["b"])
    assert path.read_bytes() == before
    path.write_bytes(b'{"tags": {"1": {"id": "r1", "tags": "not a list"}}}')
    with pytest.raises(WorkspaceError, match="'tags' is not valid"):
        Workspace.open(path)
    assert path.read_bytes() == b'{"tags": {"1": {"id": "r1", "tags": "not a list"}}}'


def test_read_only_open_refuses_changes(tmp_path: Path) -> None:
    Workspace.open(tmp_path / "ws.json").add_tags(["r1"], ["a"])
    ws = Workspace.open(tmp_path / "ws.json", read_only=True)
    assert ws.tags("r1") == ["a"]
    with pytest.raises(WorkspaceError, match="read-only"):
        ws.set_note("r1", "x")


def test_another_process_change_is_noticed_and_reported_as_changes(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    app = Workspace.open(path)
    app.add_tags(["r1"], ["a"])
    version = app.version
    assert not app.changed_on_disk()
    _run_child("ws.add_tags(['r2'], ['b']); ws.set_note('r1', 'from ssh')", path)
    assert app.changed_on_disk()
    assert set(app.reload()) == {Change("tags", "r2", ("b",)), Change("note", "r1", "from ssh")}
    assert app.version > version and not app.changed_on_disk()
    _run_child("ws.add_to_list('L', ['r9'])", path)
    # a change made here also brings in the other process's change, and reports both
    changes = app.add_tags(["r3"], ["c"])
    assert Change("list", "L", ("r9",)) in changes and Change("tags", "r3", ("c",)) in changes
    assert Workspace.open(path).lists() == {"L": ["r9"]}


def _run_child(code: str, path: Path) -> subprocess.CompletedProcess[str]:
    script = f"from archive_tui.workspace import Workspace\nws = Workspace.open({str(path)!r})\n"
    return subprocess.run(
        [sys.executable, "-c", script + code], check=True, capture_output=True, text=True
    )


def test_two_processes_500_tag_operations_each_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    script = textwrap.dedent(
        """
        import sys
        from archive_tui.workspace import Workspace
        ws = Workspace.open(sys.argv[1])
        for n in range(500):
            ws.add_tags([f"{sys.argv[2]}-{n}"], ["berlin"])
        """
    )
    children = [subprocess.Popen([sys.executable, "-c", script, str(path), name]) for name in "ab"]
    assert [child.wait(timeout=300) for child in children] == [0, 0]
    tagged = Workspace.open(path).tagged()
    assert len(tagged) == 1000
    assert all(tags == ["berlin"] for tags in tagged.values())


def test_kill_9_mid_write_leaves_a_readable_workspace(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    Workspace.open(path).add_tags(["r1"], ["before"])
    # The child stops inside the write, after the new file is written to its temp file and
    # before it replaces the workspace: the worst moment; then it is killed with SIGKILL.
    script = textwrap.dedent(
        """
        import os, sys, time
        from archive_tui.workspace import Workspace
        ws = Workspace.open(sys.argv[1])
        real_fsync = os.fsync
        def fsync_then_hang(fd):
            real_fsync(fd)
            print("writing", flush=True)
            time.sleep(60)
        os.fsync = fsync_then_hang
        ws.add_tags(["r2"], ["during"])
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline() == "writing\n"
    temps = list(tmp_path.glob(".ws.json.*.tmp"))
    assert temps, "the child was not inside the write"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    ws = Workspace.open(path)
    assert ws.tags("r1") == ["before"] and ws.tags("r2") == []
    ws.add_tags(["r3"], ["after"])  # the next write works, and clears the dead temp file
    assert Workspace.open(path).tags("r3") == ["after"]
    assert not list(tmp_path.glob(".ws.json.*.tmp"))


def test_export_and_merge_lose_nothing_and_say_what_differed(tmp_path: Path) -> None:
    laptop = Workspace.open(tmp_path / "laptop.json")
    laptop.add_tags(["r1"], ["Berlin"])
    laptop.set_note("r1", "laptop thought")
    laptop.set_note("r2", "same")
    laptop.add_to_list("L", ["r1"])
    laptop.save_search("wall", "wall")
    server = Workspace.open(tmp_path / "server.json")
    server.add_tags(["r1"], ["berlin", "Wall"])
    server.set_note("r1", "server thought")
    server.set_note("r2", "same")
    server.set_note("r3", "only here")
    server.add_to_list("l", ["r2", "r1"])
    server.save_search("wall", "berlin wall")
    server.add_history("kennedy")
    exported = tmp_path / "moved.json"
    assert export_workspace(server, exported, overwrite=False) > 0
    with pytest.raises(FileExistsError):
        export_workspace(server, exported, overwrite=False)
    report = merge_workspace(laptop, exported)
    merged = Workspace.open(tmp_path / "laptop.json")
    assert merged.tags("r1") == ["Berlin", "Wall"]
    assert merged.note("r1") == "laptop thought\n\n--- imported note ---\nserver thought"
    assert report.notes_combined == ["r1"] and report.notes_added == 1
    assert merged.note("r2") == "same" and merged.note("r3") == "only here"
    assert merged.lists() == {"L": ["r1", "r2"]}
    assert report.saved_added == ["wall (imported)"]
    assert merged.saved_search("wall (imported)").query == "berlin wall"
    assert merged.history() == ["kennedy"]
    again = merge_workspace(laptop, exported)  # merging twice changes nothing more
    assert again.notes_combined == [] and again.saved_added == [] and again.log_added == 0
    assert Workspace.open(tmp_path / "laptop.json").note("r1") == merged.note("r1")
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(WorkspaceError, match=r"bad\.json"):
        merge_workspace(laptop, tmp_path / "bad.json")


def test_the_file_is_laid_out_as_the_archive_store_writes(tmp_path: Path) -> None:
    from archive_tui.store import dumps_tables

    ws = Workspace.open(tmp_path / "ws.json")
    ws.add_tags(["r1", "r2"], ["Громыко", 'a\\b "quoted"'])
    ws.set_note("r1", "line one\nline two\ttab")
    ws.add_to_list("L", ["r2"])
    ws.remove_tags(["r1"], ["громыко"])
    data = (tmp_path / "ws.json").read_bytes()
    assert data == dumps_tables(Workspace.open(tmp_path / "ws.json").tables)
    assert data.count(b"\n") > 6  # one entry a line
    with pytest.raises(WorkspaceError, match="was not written"):
        ws.save_session(filters={"bad": float("nan")})
    assert (tmp_path / "ws.json").read_bytes() == data  # never a file we could not read back
    assert ws.session() == {}


@pytest.mark.parametrize("seed", [7, 8, 9])
def test_every_write_is_the_whole_snapshot_whatever_the_sequence(tmp_path: Path, seed: int) -> None:
    """Writes re-join only changed tables; after any sequence the file is still exactly the
    snapshot, and reads back the same in a fresh process's view."""
    import random

    from archive_tui.store import dumps_tables

    path = tmp_path / "ws.json"
    ws = Workspace.open(path)
    other = Workspace.open(path)
    rng = random.Random(seed)
    ids = [f"r{n}" for n in range(12)]
    actions = [
        lambda w: w.add_tags(rng.sample(ids, 2), [rng.choice(["a", "B", "ç"])]),
        lambda w: w.remove_tags([rng.choice(ids)], ["a"]),
        lambda w: w.set_note(rng.choice(ids), rng.choice(["x", "", "y\nz"])),
        lambda w: w.append_note(rng.choice(ids), "more"),
        lambda w: w.add_to_list(rng.choice(["L", "M"]), rng.sample(ids, 2)),
        lambda w: w.set_marked([rng.choice(ids)], rng.random() < 0.5),
        lambda w: w.add_history(rng.choice(["q1", "q2", "q3"])),
        lambda w: w.save_session(query=rng.choice(["a", "b"])),
        lambda w: w.log_event("open", id=rng.choice(ids)),
        lambda w: w.save_search(rng.choice(["s", "t"]), "q"),
        lambda w: w.set_logging(rng.random() < 0.8),
    ]
    for _ in range(250):
        writer = ws if rng.random() < 0.7 else other
        rng.choice(actions)(writer)
        writer.reload()  # (a change that changes nothing writes nothing)
        data = path.read_bytes()
        assert data == dumps_tables(writer.tables)
        assert Workspace.open(path).tables == writer.tables


def test_a_change_that_changes_nothing_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ws.json"
    ws = Workspace.open(path)
    ws.add_tags(["r1"], ["a"])
    before = os.stat(path)
    assert ws.remove_tags(["r1"], ["b"]) == [] and ws.add_tags(["r1"], ["A"]) == []
    ws.set_marked(["r9"], False)
    after = os.stat(path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_a_write_never_loses_another_even_when_the_file_stat_repeats(tmp_path: Path) -> None:
    """An inode reused within one mtime tick gives the same stat; the bytes still differ."""
    path = tmp_path / "ws.json"
    ws = Workspace.open(path)
    ws.add_tags(["r1"], ["a"])
    Workspace.open(path).add_tags(["r2"], ["b"])
    ws._fingerprint = ws._disk_fingerprint()  # as if the stat had not changed
    changes = ws.add_tags(["r3"], ["c"])
    assert Change("tags", "r2", ("b",)) in changes
    assert Workspace.open(path).tagged() == {"r1": ["a"], "r2": ["b"], "r3": ["c"]}
