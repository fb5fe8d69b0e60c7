"""LISTEN/NOTIFY on a real PostgreSQL: a shared change by one researcher reaches another
session's listener within a second; private changes are never broadcast."""

from __future__ import annotations

import queue
import time
from collections.abc import Callable

import pg_roles
import psycopg
import pytest

from archive_tui.pg import connect
from archive_tui.pg.listen import (
    ANNOTATIONS,
    RECONNECTED,
    RECORDS,
    Event,
    Listener,
    ListenerThread,
)
from archive_tui.pg.workspace import PgWorkspace

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db


@pytest.fixture
def two(make_role: Callable[..., str]) -> tuple[str, str, str]:
    """A's address, B's address, A's role name; A shares tag "wall" and list "Berlin"."""
    a, b = make_role("a"), make_role("b")
    ws = PgWorkspace.open(a)
    ws.add_to_list("Berlin", ["r0"])
    ws.share("tag", "wall", "archive_tui_users")
    ws.share("list", "Berlin", "archive_tui_users")
    return a, b, pg_roles.role_of(a)


def test_a_shared_change_reaches_another_sessions_listener_within_a_second(
    two: tuple[str, str, str],
) -> None:
    a, b, owner = two
    ws = PgWorkspace.open(a)
    with Listener(b) as listener:
        assert listener.wait(0.2) == []  # the shares made before are not replayed
        started = time.monotonic()
        ws.add_tags(["r5", "r6"], ["Wall"])
        events = listener.wait(1.0)
        assert time.monotonic() - started < 1.0
        assert [(e.channel, e.data) for e in events] == [
            (ANNOTATIONS, {"owner": owner, "kind": "tag", "ids": ["r5", "r6"]})
        ]
        ws.add_to_list("berlin", ["r7", "r0"])
        assert [e.data for e in listener.wait(1.0)] == [
            {"owner": owner, "kind": "list", "ids": ["r7"]}
        ]
        ws.remove_tags(["r5"], ["wall"])
        assert [e.data["ids"] for e in listener.wait(1.0)] == [["r5"]]
        # private: a note, a tag not shared, another list, marks — nothing is sent
        ws.set_note("r5", "KESTREL said so")
        ws.add_tags(["r5"], ["private"])
        ws.add_to_list("Mine", ["r8"])
        ws.set_marked(["r5"])
        assert listener.wait(0.5) == []
        # ending a share is news (the members' view changes); the payload names nothing
        ws.unshare("tag", "wall")
        assert [e.data for e in listener.wait(1.0)] == [
            {"owner": owner, "kind": "share", "ids": []}
        ]


def test_a_large_change_says_how_many_instead_of_which(two: tuple[str, str, str]) -> None:
    a, b, owner = two
    with Listener(b) as listener:
        PgWorkspace.open(a).add_to_list("Berlin", [f"record-{n:05d}" for n in range(2000)])
        (event,) = listener.wait(1.0)
        assert event.data == {"owner": owner, "kind": "list", "ids": None, "count": 2000}


def test_records_news_is_heard_once_committed_and_never_if_rolled_back(
    pg_workspace_db: str, two: tuple[str, str, str]
) -> None:
    _, b, _ = two
    with Listener(b, [RECORDS]) as listener, connect(pg_workspace_db, autocommit=True) as importer:
        with importer.transaction():
            importer.execute("NOTIFY archive_tui_records, '{\"added\": 3}'")
            assert listener.wait(0.3) == []  # not before the commit
        (event,) = listener.wait(1.0)
        assert (event.channel, event.data) == (RECORDS, {"added": 3})
        with pytest.raises(RuntimeError), importer.transaction():
            importer.execute("NOTIFY archive_tui_records, '{\"added\": 9}'")
            raise RuntimeError("the import failed")
        importer.execute("NOTIFY archive_tui_records, 'not json'")
        assert [(e.data, e.text) for e in listener.wait(1.0)] == [({}, "not json")]


def test_the_listener_thread_delivers_and_comes_back_after_a_lost_connection(
    pg_workspace_db: str, two: tuple[str, str, str]
) -> None:
    a, b, owner = two
    events: queue.Queue[Event] = queue.Queue()
    problems: list[str] = []
    thread = ListenerThread(b, events.put, problems.append, poll=0.2, max_wait=0.5)
    thread.start()
    try:
        assert thread.ready.wait(5)
        PgWorkspace.open(a).add_tags(["r1"], ["wall"])
        assert events.get(timeout=1.0).data["ids"] == ["r1"]
        with connect(pg_workspace_db, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = %s AND query LIKE 'LISTEN%%'",
                (pg_roles.role_of(b),),
            )
        assert events.get(timeout=5.0).channel == RECONNECTED
        assert problems and "lost the connection" in problems[0]
        assert "\n" not in problems[0] and thread.reconnects == 1
        PgWorkspace.open(a).add_tags(["r2"], ["wall"])
        assert events.get(timeout=1.0).data == {"owner": owner, "kind": "tag", "ids": ["r2"]}
    finally:
        thread.stop()
    assert not thread.is_alive()


def test_a_listener_that_cannot_connect_says_so_in_one_sentence() -> None:
    from archive_tui.pg import DatabaseProblem

    with pytest.raises(DatabaseProblem, match="cannot connect") as problem:
        Listener("postgresql://nobody:secret@127.0.0.1:1/none")
    assert "secret" not in str(problem.value)
    assert psycopg  # the real driver, never a mock
