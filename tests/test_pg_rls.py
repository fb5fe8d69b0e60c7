"""Row-level security on a real PostgreSQL: one researcher cannot read or change another's
workspace rows with hand-written SQL, whatever the trick; a shared list or tag is readable
by the group's members and by no one else, and writable by none of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pg_roles
import psycopg
import pytest
from psycopg import sql as psql

from archive_tui.pg import connect
from archive_tui.pg.workspace import PgWorkspace

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db

TABLES = ("workspace_settings", "workspace_tags", "workspace_notes", "workspace_lists",
          "workspace_marks", "workspace_saved", "workspace_history", "workspace_log",
          "workspace_shares", "workspace_journal")  # fmt: skip
SECRET = "Meeting with source KESTREL, Manac’h"


@dataclass
class Researchers:
    a: str  # A's address
    b: str  # B: a member of the team A shares with
    c: str  # C: a researcher, not in the team
    team: str
    a_role: str


@pytest.fixture
def people(make_role: Callable[..., str], pg_workspace_db: str) -> Researchers:
    a, b, c = make_role("a"), make_role("b"), make_role("c")
    team = make_role("team", login=False)
    with connect(pg_workspace_db, autocommit=True) as admin:
        admin.execute(f'GRANT "{team}" TO "{pg_roles.role_of(b)}"')
    ws = PgWorkspace.open(a)
    ws.add_tags(["r1", "r2"], ["wall"])
    ws.add_tags(["r1", "r3"], ["private"])
    ws.set_note("r1", SECRET)
    ws.add_to_list("Berlin", ["r2", "r1"])
    ws.add_to_list("Mine only", ["r9"])
    ws.set_marked(["r1"])
    ws.save_search("secret search", "kestrel")
    ws.add_history("kestrel")
    ws.share("list", "berlin", team)
    ws.share("tag", "WALL", team)
    return Researchers(a, b, c, team, pg_roles.role_of(a))


@pytest.fixture
def as_b(people: Researchers) -> Iterator[psycopg.Connection]:
    with psycopg.connect(people.b, autocommit=True) as conn:
        yield conn


def _rows(conn: psycopg.Connection, sql: str, params: object = None) -> list[tuple]:
    return conn.execute(sql, params).fetchall()


def test_every_workspace_table_has_row_level_security_enabled_and_forced(
    pg_workspace_db: str,
) -> None:
    with connect(pg_workspace_db) as conn:
        found = conn.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relkind = 'r' AND relname LIKE 'workspace%%' ORDER BY relname"
        ).fetchall()
    assert sorted(name for name, *_ in found) == sorted(TABLES)
    assert all(enabled and forced for _, enabled, forced in found)


def test_another_researcher_cannot_read_any_private_row(
    people: Researchers, as_b: psycopg.Connection
) -> None:
    a = people.a_role
    for table in TABLES:
        rows = _rows(as_b, f"SELECT * FROM {table} WHERE owner = %s", (a,))
        if table == "workspace_tags":  # only the shared tag's rows
            assert sorted((r[1], r[2]) for r in rows) == [("r1", "wall"), ("r2", "wall")]
        elif table == "workspace_lists":  # only the shared list
            assert [(r[1], r[3]) for r in rows] == [("Berlin", ["r2", "r1"])]
        elif table == "workspace_shares":  # the shares with B's group
            assert len(rows) == 2
        else:
            assert rows == [], table
    # not through a text search, a count or a join either
    assert _rows(as_b, "SELECT count(*) FROM workspace_notes") == [(0,)]
    assert _rows(as_b, "SELECT 1 FROM workspace_notes WHERE text LIKE '%%KESTREL%%'") == []
    assert _rows(as_b, "SELECT tag FROM workspace_tags WHERE tag = 'private'") == []
    # COPY obeys the policies too
    with as_b.cursor() as cur, cur.copy("COPY workspace_notes TO STDOUT") as copy:
        assert b"".join(bytes(chunk) for chunk in copy) == b""


def test_another_researcher_cannot_change_or_forge_any_row(
    people: Researchers, as_b: psycopg.Connection
) -> None:
    a = people.a_role
    for sql in (
        "UPDATE workspace_notes SET text = 'changed' WHERE owner = %s",
        "UPDATE workspace_tags SET tag = 'changed' WHERE owner = %s",  # shared rows too
        "UPDATE workspace_lists SET ids = '{}' WHERE owner = %s",  # the shared list too
        "UPDATE workspace_settings SET log = false WHERE owner = %s",
        "DELETE FROM workspace_notes WHERE owner = %s",
        "DELETE FROM workspace_tags WHERE owner = %s",
        "DELETE FROM workspace_lists WHERE owner = %s",
        "DELETE FROM workspace_shares WHERE owner = %s",
        "DELETE FROM workspace_marks WHERE owner = %s",
    ):
        assert as_b.execute(sql, (a,)).rowcount == 0, sql
    forged = (
        ("INSERT INTO workspace_notes (owner, record_id, text) VALUES (%s, 'r5', 'x')", (a,)),
        ("INSERT INTO workspace_tags (owner, record_id, tag, tag_key) VALUES (%s, 'r5', 't', 't')",
         (a,)),
        ("INSERT INTO workspace_shares (owner, kind, name_key, grantee) "
         "VALUES (%s, 'tag', 'private', %s)", (a, people.team)),
        # B's own row, then handed to A
        ("INSERT INTO workspace_notes (record_id, text) VALUES ('r1', 'x') "
         "ON CONFLICT (owner, record_id) DO UPDATE SET owner = %s", (a,)),
    )  # fmt: skip
    as_b.execute("INSERT INTO workspace_notes (record_id, text) VALUES ('r1', 'B''s own')")
    for sql, params in forged:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            as_b.execute(sql, params)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        as_b.execute("UPDATE workspace_notes SET owner = %s", (a,))
    # A's workspace is as it was
    ws = PgWorkspace.open(people.a)
    assert ws.note("r1") == SECRET and ws.note("r5") is None
    assert ws.tags("r1") == ["wall", "private"] and ws.lists()["Berlin"] == ["r2", "r1"]
    assert ws.marks() == ["r1"] and ws.logging_enabled and len(ws.shares()) == 2


def test_tricks_without_set_role_do_not_get_around_the_policies(
    people: Researchers, as_b: psycopg.Connection, pg_workspace_db: str
) -> None:
    # turning row security off for the session is refused, not obeyed
    as_b.execute("SET row_security = off")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        as_b.execute("SELECT * FROM workspace_notes")
    as_b.execute("RESET row_security")
    for sql in (
        "ALTER TABLE workspace_notes DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE workspace_notes NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY own_rows ON workspace_notes",
        "CREATE POLICY everything ON workspace_notes USING (true)",
        "TRUNCATE workspace_notes",
        "SET SESSION AUTHORIZATION DEFAULT",  # to the login role itself: harmless
        f'SET SESSION AUTHORIZATION "{people.a_role}"',
        "CREATE FUNCTION public.peek() RETURNS SETOF workspace_notes LANGUAGE sql "
        "SECURITY DEFINER AS 'SELECT * FROM workspace_notes'",
    ):
        try:
            as_b.execute(sql)
        except psycopg.errors.InsufficientPrivilege:
            continue
        assert sql == "SET SESSION AUTHORIZATION DEFAULT", sql
    # a leaky function in WHERE sees only the rows the policies let through
    notices: list[str] = []
    as_b.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
    as_b.execute(
        "CREATE FUNCTION pg_temp.leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 "
        "AS $$ BEGIN RAISE NOTICE 'saw %', $1; RETURN true; END $$"
    )
    assert _rows(as_b, "SELECT * FROM workspace_notes WHERE pg_temp.leak(text)") == []
    assert not any("KESTREL" in n for n in notices)
    # statistics of the table are not shown to a role the policies restrict
    with connect(pg_workspace_db, autocommit=True) as admin:
        admin.execute("ANALYZE workspace_notes")
        assert _rows(admin, "SELECT 1 FROM pg_stats WHERE tablename = 'workspace_notes'")
    assert _rows(as_b, "SELECT * FROM pg_stats WHERE tablename = 'workspace_notes'") == []


def test_a_temporary_pg_roles_does_not_make_a_non_member_a_member(people: Researchers) -> None:
    with psycopg.connect(people.c, autocommit=True) as as_c:
        as_c.execute(
            psql.SQL(
                "CREATE TEMP VIEW pg_roles AS SELECT {}::name AS rolname, oid "
                "FROM pg_catalog.pg_roles WHERE rolname = current_user"
            ).format(psql.Literal(people.team))
        )
        assert _rows(as_c, "SELECT rolname FROM pg_roles") == [(people.team,)]
        assert _rows(as_c, "SELECT * FROM workspace_lists") == []
        assert _rows(as_c, "SELECT * FROM workspace_tags") == []
        assert _rows(as_c, "SELECT * FROM workspace_shares") == []


def test_a_shared_list_and_tag_are_read_by_members_only_and_notes_never(
    people: Researchers, make_role: Callable[..., str]
) -> None:
    b = PgWorkspace.open(people.b)
    assert b.tagged() == {} and b.lists() == {} and b.notes() == {}  # B's own: nothing
    shared = b.shared_with_me()
    assert shared.lists == {(people.a_role, "Berlin"): ["r2", "r1"]}
    assert shared.tags == {(people.a_role, "wall"): ["r1", "r2"]}
    c = PgWorkspace.open(people.c)  # a researcher outside the team
    assert c.shared_with_me().lists == {} and c.shared_with_me().tags == {}
    outsider = make_role("outsider", researcher=False)
    denied = pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied")
    with psycopg.connect(outsider, autocommit=True) as conn, denied:
        conn.execute("SELECT * FROM workspace_lists")
    # B's own share of a name A uses privately exposes nothing of A's
    b.add_tags(["x"], ["private"])
    b.share("tag", "private", people.team)
    assert (people.a_role, "private") not in b.shared_with_me().tags
    # A renames the list: the share follows; A stops sharing: B sees nothing
    a = PgWorkspace.open(people.a)
    a.rename_list("Berlin", "Berlin 1961")
    assert b.shared_with_me().lists == {(people.a_role, "Berlin 1961"): ["r2", "r1"]}
    assert a.unshare("list", "berlin 1961") == 1 and a.unshare("tag", "wall", people.team) == 1
    assert b.shared_with_me() == type(shared)({}, {})
    with pytest.raises(ValueError, match="no role"):
        a.share("tag", "wall", "atui_no_such_role_at_all")
    with pytest.raises(ValueError, match="list or a tag"):
        a.share("note", "r1", people.team)


def test_the_owner_of_the_tables_obeys_the_policies_too(
    make_role: Callable[..., str], pg_workspace_db: str
) -> None:
    """FORCE: an administrator who is not a superuser (no CREATEROLE either: the group
    exists) migrates a database of their own, and still reads no researcher's rows."""
    import uuid

    from pg_server import with_database

    from archive_tui.pg.migrations import migrate

    dba = make_role("dba", researcher=False)
    name = f"atui_test_owned_{uuid.uuid4().hex[:8]}"
    with connect(pg_workspace_db, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" OWNER "{pg_roles.role_of(dba)}"')
    try:
        dba_here = with_database(dba, name)
        with connect(dba_here, autocommit=True) as conn:
            assert {10, 11, 12} <= {m.version for m in migrate(conn)}
        ann = make_role("ann")
        ws = PgWorkspace.open(with_database(ann, name))
        ws.set_note("r1", SECRET)
        ws.add_tags(["r1"], ["private"])
        with psycopg.connect(dba_here, autocommit=True) as conn:
            owner = conn.execute(
                "SELECT DISTINCT tableowner FROM pg_tables WHERE tablename LIKE 'workspace%%'"
            ).fetchall()
            assert owner == [(pg_roles.role_of(dba),)]
            assert _rows(conn, "SELECT * FROM workspace_notes") == []
            assert _rows(conn, "SELECT * FROM workspace_tags") == []
    finally:
        with connect(pg_workspace_db, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
