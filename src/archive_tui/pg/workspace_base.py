"""A researcher's workspace in PostgreSQL: the connection, the snapshot, the write discipline.

The database keeps the rows (schema ``migrations/0010_workspace.sql``); row-level security
lets this connection's role see and change its own rows only. Like the local workspace,
the annotations the app reads often (tags, notes, lists, marks) are a snapshot in memory,
brought up to date by :meth:`PgWorkspaceBase.reload` and by every change.

A change is one transaction that first locks the role's ``workspace_settings`` row (so one
researcher's sessions change their workspace one after the other, as the local file lock
does), catches up with another session's writes if the row's ``revision`` moved, applies,
and increments ``revision``. It returns every annotation :class:`Change` since the last
snapshot, another session's included, exactly as the local workspace does.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from archive_tui.pg.connection import DatabaseProblem, connect, redact
from archive_tui.text import fold
from archive_tui.workspace.base import Change, WorkspaceError

if TYPE_CHECKING:
    import psycopg

T = TypeVar("T")
Apply = Callable[["psycopg.Cursor[Any]"], tuple[T, list[Change]]]


class PgWorkspaceError(WorkspaceError):
    """A workspace in PostgreSQL that cannot be used; one sentence naming the database."""

    def __init__(self, address: str, reason: str) -> None:
        self.address = redact(address)
        super().__init__(Path("."), reason)

    def __str__(self) -> str:
        return f"Workspace in {self.address} {self.reason}"


def name_key(name: str) -> str:
    """How tags, list and saved-search names compare (as ``annotations.tag_key``)."""
    return fold(" ".join(name.split()))


def _reason(error: Exception) -> str:
    return " ".join(str(error).split()) or type(error).__name__


class PgWorkspaceBase:
    """Connection, snapshot and transactions; see the module docstring."""

    def __init__(self, address: str, *, read_only: bool = False, problem: str | None = None):
        from archive_tui.paths import workspace_path

        self.address = address
        self.location = redact(address)
        self.read_only = read_only or problem is not None
        self.problem = problem
        self.version = 0
        try:  # local helper files (the $EDITOR copy of a note) go beside a local workspace
            self.path = workspace_path()
        except Exception:  # no home folder: the temp folder
            import tempfile

            self.path = Path(tempfile.gettempdir()) / "archive-tui-workspace"
        self._conn: psycopg.Connection | None = None
        self._lock = threading.RLock()
        self._revision: int | None = None
        self._logging = True
        self._pending_log: list[tuple[str, dict[str, Any]]] = []
        self._writes = 0
        self._wrote = False  # this attempt changed something (see _call)
        self._touched: set[tuple[str, str]] = set()  # (kind, key) journalled by a change
        self._tags: dict[str, list[str]] = {}
        self._notes: dict[str, str] = {}
        self._lists: dict[str, list[str]] = {}
        self._marks: list[str] = []
        #: debug stats: whole re-reads of the snapshot, and journal catch-ups
        self.full_reads = 0
        self.catch_ups = 0

    # -- the connection --------------------------------------------------------------------

    def _error(self, reason: str) -> PgWorkspaceError:
        return PgWorkspaceError(self.address, reason)

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            try:
                self._conn = connect(self.address, autocommit=True)
            except DatabaseProblem as problem:
                raise self._error(f"is unavailable: {problem}") from None
        return self._conn

    @contextmanager
    def _database(self, doing: str) -> Iterator[psycopg.Connection]:
        """The connection, with psycopg's errors told as one sentence (``doing``: what failed)."""
        import psycopg

        with self._lock:
            conn = self._connection()
            try:
                yield conn
            except psycopg.errors.InsufficientPrivilege as error:
                raise self._error(
                    f"refused to {doing}: {_reason(error)} (is your role a member of "
                    "archive_tui_users? `archive-tui db add-user NAME` makes it one)"
                ) from None
            except psycopg.errors.UndefinedTable:
                raise self._error(
                    "has no workspace tables: ask its administrator to run `archive-tui db migrate`"
                ) from None
            except psycopg.Error as error:
                raise self._error(f"could not {doing}: {_reason(error)}") from None

    def _call(self, doing: str, work: Callable[[psycopg.Connection], T]) -> T:
        """``work(conn)``, its failures told in one sentence. A connection found dead before
        ``work`` changed anything (the server restarted, an idle link was cut) is replaced
        and ``work`` runs once more, so the first action after that does not fail."""
        with self._lock:
            for attempt in (1, 2):
                self._wrote = False
                try:
                    with self._database(doing) as conn:
                        return work(conn)
                except PgWorkspaceError:
                    dead = self._conn is not None and (self._conn.broken or self._conn.closed)
                    if attempt == 2 or self._wrote or not dead:
                        raise
            raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> PgWorkspaceBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the snapshot ----------------------------------------------------------------------

    def _load(self, cur: psycopg.Cursor[Any]) -> list[Change]:
        """Re-read this role's annotations; the changes from the old snapshot."""
        old = (self._tags, self._notes, self._lists)
        cur.execute(
            "SELECT coalesce((SELECT revision FROM workspace_settings WHERE owner = current_user),"
            " 0), coalesce((SELECT log FROM workspace_settings WHERE owner = current_user), true)"
        )
        self._revision, self._logging = cur.fetchone()  # type: ignore[misc]
        tags: dict[str, list[str]] = {}
        cur.execute(
            "SELECT record_id, tag FROM workspace_tags WHERE owner = current_user ORDER BY seq"
        )
        for record_id, tag in cur.fetchall():
            tags.setdefault(record_id, []).append(tag)
        cur.execute(
            "SELECT record_id, text FROM workspace_notes WHERE owner = current_user ORDER BY seq"
        )
        notes = dict(cur.fetchall())
        cur.execute("SELECT name, ids FROM workspace_lists WHERE owner = current_user ORDER BY seq")
        lists = {name: list(ids) for name, ids in cur.fetchall()}
        cur.execute("SELECT record_id FROM workspace_marks WHERE owner = current_user ORDER BY seq")
        self._marks = [row[0] for row in cur.fetchall()]
        self._tags, self._notes, self._lists = tags, notes, lists
        self.version += 1
        self.full_reads += 1
        return _diff(old, (tags, notes, lists))

    def changed_on_disk(self) -> bool:
        """True when another session of this role changed the workspace since the snapshot
        (the name is the local workspace's: the app asks both the same way)."""
        if self.problem is not None:
            return False
        row = self._call(
            "read the workspace",
            lambda conn: conn.execute(
                "SELECT revision FROM workspace_settings WHERE owner = current_user"
            ).fetchone(),
        )
        return (row[0] if row else 0) != self._revision

    def reload(self) -> list[Change]:
        """Re-read what another session changed, if it did; the annotation changes."""
        if not self.changed_on_disk():
            return []
        return self._call("read the workspace", self._catch_up_in_transaction)

    def _catch_up_in_transaction(self, conn: psycopg.Connection) -> list[Change]:
        from archive_tui.pg.workspace_journal import catch_up

        with conn.transaction():
            cur = conn.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one view of all
            cur.execute("SELECT revision FROM workspace_settings WHERE owner = current_user")
            row = cur.fetchone()
            return catch_up(self, cur, row[0] if row else 0)

    def _load_in_transaction(self, conn: psycopg.Connection) -> list[Change]:
        with conn.transaction():
            cur = conn.cursor()
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one view of all
            return self._load(cur)

    # -- changing --------------------------------------------------------------------------

    def _refuse(self) -> PgWorkspaceError:
        why = self.problem or "it was opened read-only"
        return self._error(f"is read-only ({why}); nothing was changed")

    def _mutate(self, apply: Apply[T]) -> tuple[T, list[Change]]:
        """One transaction: lock this role's row, catch up, ``apply``, count the revision."""
        if self.read_only:
            raise self._refuse()

        from archive_tui.pg.workspace_journal import catch_up, record

        def work(conn: psycopg.Connection) -> tuple[T, list[Change]]:
            try:
                with conn.transaction():
                    cur = conn.cursor()
                    cur.execute(
                        "INSERT INTO workspace_settings DEFAULT VALUES ON CONFLICT (owner) "
                        "DO UPDATE SET revision = workspace_settings.revision "
                        "RETURNING revision, log"
                    )
                    self._wrote = True  # the connection works: from here on, never retried
                    revision, self._logging = cur.fetchone()  # type: ignore[misc]
                    changes = catch_up(self, cur, revision) if revision != self._revision else []
                    self._writes, self._pending_log, self._touched = 0, [], set()
                    result, own = apply(cur)
                    self._flush_log(cur)
                    if self._writes:
                        cur.execute(
                            "UPDATE workspace_settings SET revision = revision + 1 "
                            "WHERE owner = current_user RETURNING revision"
                        )
                        self._revision = cur.fetchone()[0]  # type: ignore[index]
                        record(cur, self._revision, self._touched)
                        self.version += 1
            except BaseException:
                self._revision = None  # the snapshot may hold what was rolled back
                if self._wrote:
                    self._reload_quietly()
                raise
            return result, changes + own

        return self._call("change the workspace", work)

    def _reload_quietly(self) -> None:
        import psycopg

        try:
            conn = self._connection()
            with conn.transaction():
                self._load(conn.cursor())
        except (psycopg.Error, WorkspaceError):
            self._tags, self._notes, self._lists, self._marks = {}, {}, {}, []

    def _run(self, cur: psycopg.Cursor[Any], sql: str, params: Any = None) -> None:
        """A statement that writes (counted: the revision moves once a change)."""
        cur.execute(sql, params)
        self._writes += 1

    def _touch(self, kind: str, key: str) -> None:
        """Note that a change under way touched this annotation (journalled with it)."""
        self._touched.add((kind, key))

    def _log(self, event: str, **data: Any) -> None:
        """Add to the research log inside a change under way (if the log is on)."""
        if self._logging:
            self._pending_log.append((event, data))

    def _flush_log(self, cur: psycopg.Cursor[Any]) -> None:
        """Insert the log entries of this change. The log is not part of the snapshot, so
        an entry alone does not move the revision: another session (the app's log writer,
        ui/log_writer.py, has a connection of its own) has nothing to read again for it."""
        from psycopg.types.json import Jsonb

        if self._pending_log:
            cur.executemany(
                "INSERT INTO workspace_log (event, data) VALUES (%s, %s)",
                [(event, Jsonb(data)) for event, data in self._pending_log],
            )
            self._pending_log = []


Snapshot = tuple[dict[str, list[str]], dict[str, str], dict[str, list[str]]]


def _diff(old: Snapshot, new: Snapshot) -> list[Change]:
    """The changes that turn one snapshot's tags, notes and lists into another's."""
    changes: list[Change] = []
    for kind, before, after in (("tags", old[0], new[0]), ("note", old[1], new[1]),
                                ("list", old[2], new[2])):  # fmt: skip
        for key in before.keys() - after.keys():
            changes.append(Change(kind, key, None))
        for key, value in after.items():
            if before.get(key) != value:
                shown = value if isinstance(value, str) else tuple(value)
                changes.append(Change(kind, key, shown or None))
    return changes
