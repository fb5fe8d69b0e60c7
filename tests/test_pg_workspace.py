"""The research workspace in a real PostgreSQL behaves as the local one: same API, same
Change values, concurrent sessions lose nothing, orphans are kept."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import uuid
from collections.abc import Callable

import pg_roles
import pytest

from archive_tui.pg.workspace import PgWorkspace, PgWorkspaceError
from archive_tui.pg.workspace_open import open_workspace
from archive_tui.workspace import HISTORY_CAP, Change, Workspace, WorkspaceError

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db


@pytest.fixture
def ann(make_role: Callable[..., str]) -> str:
    return make_role("ann")


def test_tags_are_case_and_accent_insensitive_but_kept_as_typed(ann: str) -> None:
    ws = PgWorkspace.open(ann)
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
    reopened = PgWorkspace.open(ann)
    assert reopened.tags("r1") == [] and reopened.tags("r2") == ["Piné", "Berlin Wall"]
    assert reopened.tagged() == {"r2": ["Piné", "Berlin Wall"], "r3": ["PINE"]}
    with pytest.raises(ValueError, match="empty"):
        ws.add_tags(["r1"], ["  "])


def test_notes_lists_marks_saved_session_survive_reopen(ann: str) -> None:
    ws = PgWorkspace.open(ann)
    ws.set_note("r1", "Manac’h met Громыко.\nSecond line.")
    ws.append_note("r1", "Later thought.")
    ws.add_to_list("Berlin 1961", ["r2", "r1", "r2"])
    ws.add_to_list("berlin 1961", ["r3"])  # same list, folded
    ws.set_marked(["r5", "r4"])
    ws.save_search("wall", "berlin wall", {"collection": ["FRUS"]}, "date")
    ws.save_session(query="berlin", selected="r2", theme="nord")
    again = PgWorkspace.open(ann)
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
    assert PgWorkspace.open(ann).lists() == {"Wall": ["r2", "r3"]}
    again.save_marks_as_list("picked")
    assert again.list_ids("Picked") == ["r5", "r4"]
    again.delete_list("wall")
    with pytest.raises(KeyError):
        again.delete_list("wall")
    again.add_to_list("other", ["x"])
    with pytest.raises(ValueError, match="exists already"):
        again.rename_list("other", "PICKED ")
    assert again.rename_list("picked", "PICKED") == [  # a new spelling of the same name
        Change("list", "picked", None),
        Change("list", "PICKED", ("r5", "r4")),
    ]
    again.set_note("r1", "")
    assert PgWorkspace.open(ann).note("r1") is None
    again.delete_saved_search("Wall")
    assert again.saved_searches() == []
    with pytest.raises(KeyError):
        again.delete_saved_search("wall")


def test_history_collapses_duplicates_is_capped_newest_last(ann: str) -> None:
    ws = PgWorkspace.open(ann)
    for query in ("berlin", "berlin", "wall", "berlin", "  "):
        ws.add_history(query)
    assert ws.history() == ["wall", "berlin"]
    for n in range(HISTORY_CAP + 10):
        ws.add_history(f"q{n}")
    history = PgWorkspace.open(ann).history()
    assert len(history) == HISTORY_CAP and history[-1] == f"q{HISTORY_CAP + 9}"


def test_research_log_records_events_and_can_be_turned_off(ann: str) -> None:
    ws = PgWorkspace.open(ann)
    ws.log_search("berlin wall", {"year": ["1961"]}, 12)
    ws.log_event("open", id="r1")
    ws.add_tags(["r1"], ["wall"])
    ws.set_marked(["r1"])
    ws.set_note("r1", "n")
    ws.log_event("export", format="bibtex", count=1)
    events = [entry["event"] for entry in PgWorkspace.open(ann).log()]
    assert events == ["search", "open", "tag", "mark", "note", "export"]
    assert ws.log()[0]["count"] == 12 and ws.log()[0]["at"].endswith("Z")
    assert ws.log()[0]["filters"] == {"year": ["1961"]}
    ws.set_logging(False)
    ws.log_event("open", id="r2")
    ws.add_tags(["r2"], ["x"])
    assert len(PgWorkspace.open(ann).log()) == 6
    assert not PgWorkspace.open(ann).logging_enabled


def test_orphans_are_listed_never_dropped(ann: str) -> None:
    ws = PgWorkspace.open(ann)
    ws.add_tags(["kept", "gone"], ["t"])
    ws.set_note("gone", "still here")
    ws.add_to_list("L", ["gone2"])
    orphans = ws.orphans({"kept"})
    assert [o.id for o in orphans] == ["gone", "gone2"]
    assert orphans[0].note == "still here" and orphans[1].lists == ("L",)
    assert PgWorkspace.open(ann).tags("gone") == ["t"]


def test_another_session_change_is_noticed_and_reported_as_changes(ann: str) -> None:
    app = PgWorkspace.open(ann)
    app.add_tags(["r1"], ["a"])
    version = app.version
    assert not app.changed_on_disk()
    _run_child("ws.add_tags(['r2'], ['b']); ws.set_note('r1', 'from ssh')", ann)
    assert app.changed_on_disk()
    assert set(app.reload()) == {Change("tags", "r2", ("b",)), Change("note", "r1", "from ssh")}
    assert app.version > version and not app.changed_on_disk()
    _run_child("ws.add_to_list('L', ['r9'])", ann)
    # a change made here also brings in the other session's change, and reports both
    changes = app.add_tags(["r3"], ["c"])
    assert Change("list", "L", ("r9",)) in changes and Change("tags", "r3", ("c",)) in changes
    assert PgWorkspace.open(ann).lists() == {"L": ["r9"]}


def _run_child(code: str, address: str) -> subprocess.CompletedProcess[str]:
    script = (
        f"from archive_tui.pg.workspace import PgWorkspace\nws = PgWorkspace.open({address!r})\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script + code], check=True, capture_output=True, text=True
    )


def test_two_processes_500_tag_operations_each_lose_nothing(ann: str) -> None:
    script = textwrap.dedent(
        """
        import sys
        from archive_tui.pg.workspace import PgWorkspace
        ws = PgWorkspace.open(sys.argv[1])
        for n in range(500):
            ws.add_tags([f"{sys.argv[2]}-{n}"], ["berlin"])
        """
    )
    children = [subprocess.Popen([sys.executable, "-c", script, ann, name]) for name in "ab"]
    assert [child.wait(timeout=300) for child in children] == [0, 0]
    tagged = PgWorkspace.open(ann).tagged()
    assert len(tagged) == 1000
    assert all(tags == ["berlin"] for tags in tagged.values())
    assert len([e for e in PgWorkspace.open(ann).log() if e["event"] == "tag"]) == 1000


def test_read_only_refuses_changes_and_problems_are_one_sentence(
    ann: str, make_role: Callable[..., str], pg_db: str
) -> None:
    PgWorkspace.open(ann).add_tags(["r1"], ["a"])
    ws = PgWorkspace.open(ann, read_only=True)
    assert ws.tags("r1") == ["a"]
    with pytest.raises(WorkspaceError, match="read-only"):
        ws.set_note("r1", "x")
    outsider = make_role("outsider", researcher=False)
    with pytest.raises(PgWorkspaceError, match="archive-tui db add-user") as refused:
        PgWorkspace.open(outsider)
    password = outsider.split(":")[2].split("@")[0]
    assert "\n" not in str(refused.value) and password not in str(refused.value)
    with pytest.raises(PgWorkspaceError, match="cannot connect") as unreachable:
        PgWorkspace.open("postgresql://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(unreachable.value)
    # a database before `db migrate`: said so
    from pg_server import with_database

    from archive_tui.pg import connect

    name = f"atui_test_unmigrated_{uuid.uuid4().hex[:8]}"
    with connect(pg_db, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with pytest.raises(PgWorkspaceError, match="db migrate"):
            PgWorkspace.open(with_database(pg_db, name))
    finally:
        with connect(pg_db, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    unavailable = PgWorkspace.open_or_unavailable("postgresql://nobody@127.0.0.1:1/none")
    assert unavailable.read_only and "cannot connect" in (unavailable.problem or "")
    assert unavailable.tags("r1") == [] and not unavailable.changed_on_disk()


def test_open_workspace_picks_the_backend_by_address(
    ann: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(open_workspace(None), Workspace)
    assert isinstance(open_workspace("some/archive.json"), Workspace)
    ws = open_workspace(ann)
    assert isinstance(ws, PgWorkspace)
    ws.add_tags(["r1"], ["pg"])
    monkeypatch.setenv("ARCHIVE_TUI_DB", ann)
    assert open_workspace(None).tags("r1") == ["pg"]
    assert Workspace.open().tags("r1") == []  # the local file knows nothing of it


def test_the_first_action_after_a_lost_connection_still_works(
    ann: str, pg_workspace_db: str
) -> None:
    from archive_tui.pg import connect

    ws = PgWorkspace.open(ann)
    ws.add_tags(["r1"], ["before"])

    def cut() -> None:  # as a server restart or a cut idle link does
        with connect(pg_workspace_db, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
                (ann.split("://")[1].split(":")[0],),
            )

    cut()
    assert ws.add_tags(["r2"], ["after"]) == [Change("tags", "r2", ("after",))]
    cut()
    assert not ws.changed_on_disk()
    cut()
    assert ws.history() == []
    assert PgWorkspace.open(ann).tagged() == {"r1": ["before"], "r2": ["after"]}


def test_catching_up_reads_only_what_the_other_session_touched(
    ann: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archive_tui.pg import workspace_journal

    app, other = PgWorkspace.open(ann), PgWorkspace.open(ann)
    app.add_tags(["r1", "r2"], ["a"])
    app.set_note("r1", "first")
    app.add_to_list("Wall", ["r1"])
    app.add_to_list("Gone", ["r2"])
    app.set_marked(["r1", "r2"])
    reads = app.full_reads
    other.reload()
    other.change_tags(["r1"], add=["b"], remove=["a"])
    other.remove_tags(["r2"], ["a"])
    other.set_note("r1", None)
    other.set_note("r3", "new")
    other.rename_list("wall", "Berlin Wall")
    other.delete_list("gone")
    other.set_marked(["r1"], False)
    other.set_marked(["r4"])
    changes = app.reload()
    assert sorted(changes, key=repr) == sorted(
        [
            Change("tags", "r1", ("b",)),
            Change("tags", "r2", None),
            Change("note", "r1", None),
            Change("note", "r3", "new"),
            Change("list", "Wall", None),
            Change("list", "Berlin Wall", ("r1",)),
            Change("list", "Gone", None),
        ],
        key=repr,
    )
    fresh = PgWorkspace.open(ann)
    assert (app.tagged(), app.notes(), app.lists(), app.marks()) == (
        fresh.tagged(), fresh.notes(), fresh.lists(), fresh.marks()
    )  # fmt: skip
    assert app.full_reads == reads and app.catch_ups == 1  # the journal path ran
    # a change here catches up the same way
    other.add_tags(["r9"], ["c"])
    assert Change("tags", "r9", ("c",)) in app.add_tags(["r8"], ["d"])
    assert app.full_reads == reads and app.catch_ups == 2
    # a session further behind than the journal keeps reads everything again
    monkeypatch.setattr(workspace_journal, "KEEP", 1)
    other.add_tags(["r10"], ["e"])
    other.add_tags(["r11"], ["e"])
    assert {c.key for c in app.reload()} == {"r10", "r11"}
    assert app.full_reads == reads + 1
