"""The PostgreSQL workspace's own state: saved searches, history, session, research log.

As :class:`archive_tui.workspace.state.ResearchState`, but read from the database when
asked (these are small and read seldom) rather than from the snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from typing import TYPE_CHECKING, Any

from archive_tui.pg.workspace_base import PgWorkspaceBase, name_key
from archive_tui.workspace.base import Change
from archive_tui.workspace.state import (
    HISTORY_CAP,
    LOG_EVENTS,
    SESSION_KEYS,
    SavedSearch,
    clean_name,
)

if TYPE_CHECKING:
    import psycopg


class PgResearchState(PgWorkspaceBase):
    """Saved searches, search history, the session and the research log."""

    def _rows(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        return self._call("read the workspace", lambda conn: conn.execute(sql, params).fetchall())

    # -- saved searches --------------------------------------------------------------------

    def saved_searches(self) -> list[SavedSearch]:
        return [
            SavedSearch(name, query, dict(filters or {}), sort)
            for name, query, filters, sort in self._rows(
                "SELECT name, query, filters, sort FROM workspace_saved "
                "WHERE owner = current_user ORDER BY seq"
            )
        ]

    def saved_search(self, name: str) -> SavedSearch | None:
        key = name_key(name)
        return next((s for s in self.saved_searches() if name_key(s.name) == key), None)

    def save_search(
        self,
        name: str,
        query: str,
        filters: Mapping[str, Any] | None = None,
        sort: str | None = None,
    ) -> SavedSearch:
        """Save (or replace, matched folded) a named search."""
        from psycopg.types.json import Jsonb

        name = clean_name(name, "saved search")
        item = SavedSearch(name, query, dict(filters or {}), sort)

        def apply(cur: psycopg.Cursor[Any]) -> tuple[SavedSearch, list[Change]]:
            self._run(
                cur,
                "DELETE FROM workspace_saved WHERE owner = current_user AND name_key = %s",
                (name_key(name),),
            )
            self._run(
                cur,
                "INSERT INTO workspace_saved (name, name_key, query, filters, sort) "
                "VALUES (%s, %s, %s, %s, %s)",
                (name, name_key(name), query, Jsonb(item.filters), sort),
            )
            return item, []

        return self._mutate(apply)[0]

    def delete_saved_search(self, name: str) -> None:
        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            self._run(
                cur,
                "DELETE FROM workspace_saved WHERE owner = current_user AND name_key = %s",
                (name_key(name),),
            )
            if not cur.rowcount:
                raise KeyError(f"no saved search named {name!r}")
            return None, []

        self._mutate(apply)

    # -- history ---------------------------------------------------------------------------

    def history(self) -> list[str]:
        """Queries run, oldest first, newest last, each once."""
        return [
            row[0]
            for row in self._rows(
                "SELECT query FROM workspace_history WHERE owner = current_user ORDER BY seq"
            )
        ]

    def add_history(self, query: str) -> None:
        """Remember a query: an earlier copy moves to the end; at most HISTORY_CAP kept."""
        query = query.strip()
        if not query:
            return

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            self._run(
                cur,
                "DELETE FROM workspace_history WHERE owner = current_user AND query = %s",
                (query,),
            )
            self._run(cur, "INSERT INTO workspace_history (query) VALUES (%s)", (query,))
            self._run(
                cur,
                "DELETE FROM workspace_history WHERE owner = current_user AND seq <= ("
                "SELECT seq FROM workspace_history WHERE owner = current_user "
                "ORDER BY seq DESC OFFSET %s LIMIT 1)",
                (HISTORY_CAP,),
            )
            return None, []

        if self.history()[-1:] != [query]:
            self._mutate(apply)

    # -- the session -----------------------------------------------------------------------

    def session(self) -> dict[str, Any]:
        rows = self._rows("SELECT session FROM workspace_settings WHERE owner = current_user")
        return dict(rows[0][0]) if rows else {}

    def save_session(self, **state: Any) -> None:
        """Remember ``query``, ``filters``, ``sort``, ``selected``, ``theme``, ``timeline`` (others
        refused)."""
        from psycopg.types.json import Jsonb

        unknown = set(state) - set(SESSION_KEYS)
        if unknown:
            raise ValueError(f"unknown session keys: {', '.join(sorted(unknown))}")

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            self._run(
                cur,
                "UPDATE workspace_settings SET session = session || %s WHERE owner = current_user",
                (Jsonb(state),),
            )
            return None, []

        if {**self.session(), **state} != self.session():
            self._mutate(apply)

    # -- the research log ------------------------------------------------------------------

    @property
    def logging_enabled(self) -> bool:
        return self._logging

    def set_logging(self, enabled: bool) -> None:
        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            self._run(
                cur,
                "UPDATE workspace_settings SET log = %s WHERE owner = current_user",
                (enabled,),
            )
            self._logging = enabled
            return None, []

        self._mutate(apply)

    def log(self, *, older: bool = False) -> list[dict[str, Any]]:
        """The research log, oldest first: ``{"at": UTC time, "event": kind, ...}``.

        The server keeps the whole log (no cap, nothing rolled to a side file), so
        ``older`` (the local workspace's rolled-out entries) changes nothing here."""
        del older
        return [
            {"at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "event": event, **data}
            for at, event, data in self._rows(
                "SELECT at, event, data FROM workspace_log WHERE owner = current_user ORDER BY seq"
            )
        ]

    def log_event(self, event: str, **data: Any) -> None:
        """Record a search, open or export (tags, notes and marks log themselves)."""
        if event not in LOG_EVENTS:
            raise ValueError(f"unknown log event {event!r}; one of: {', '.join(LOG_EVENTS)}")
        if not self._logging or self.read_only:
            return

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            self._log(event, **data)
            return None, []

        self._mutate(apply)

    def last_search(self) -> dict[str, Any] | None:
        """The newest search event of the log, or None."""
        rows = self._rows(
            "SELECT at, event, data FROM workspace_log WHERE owner = current_user "
            "AND event = 'search' ORDER BY seq DESC LIMIT 1"
        )
        return next(
            (
                {"at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "event": event, **data}
                for at, event, data in rows
            ),
            None,
        )
