"""The research workspace's own state: saved searches, history, session, research log.

:class:`ResearchState` is the part of :class:`~archive_tui.workspace.Workspace` that is not
about records: names compare folded (``text.fold``) and are stored as typed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from archive_tui.text import fold
from archive_tui.workspace.base import Change, WorkspaceError, WorkspaceFile

HISTORY_CAP = 500
#: research-log entries kept in the workspace; older ones are rolled to ``older_log_path``
LOG_CAP = 10_000
#: the log may run this far past LOG_CAP before a roll (a roll rewrites the log's block;
#: appending alone writes one line)
LOG_SLACK = 500
SESSION_KEYS = ("query", "filters", "sort", "selected", "theme", "timeline")
LOG_EVENTS = ("search", "open", "mark", "tag", "note", "export")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class SavedSearch:
    name: str
    query: str
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str | None = None


def clean_name(name: str, what: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or CONTROL.search(cleaned):
        raise ValueError(f"a {what} name cannot be empty or hold control characters")
    return cleaned


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ResearchState(WorkspaceFile):
    """Saved searches, search history, the session and the research log."""

    # -- saved searches, history, session --------------------------------------------------

    def saved_searches(self) -> list[SavedSearch]:
        return [_saved(d) for d in self._table_docs("saved")]

    def saved_search(self, name: str) -> SavedSearch | None:
        doc = self._find_named("saved", name)
        return _saved(doc) if doc else None

    def save_search(
        self,
        name: str,
        query: str,
        filters: Mapping[str, Any] | None = None,
        sort: str | None = None,
    ) -> SavedSearch:
        """Save (or replace, matched folded) a named search."""
        name = clean_name(name, "saved search")

        def apply() -> tuple[SavedSearch, list[Change]]:
            old = self._find_named("saved", name)
            if old is not None:
                self._drop("saved", old["name"])
            doc = {"name": name, "query": query, "filters": dict(filters or {}), "sort": sort}
            self._put("saved", doc)
            return _saved(doc), []

        return self._mutate(apply)[0]

    def delete_saved_search(self, name: str) -> None:
        def apply() -> tuple[None, list[Change]]:
            self._drop("saved", self._named_or_error("saved", name)["name"])
            return None, []

        self._mutate(apply)

    def history(self) -> list[str]:
        """Queries run, oldest first, newest last, each once."""
        return [d["query"] for d in self._table_docs("history")]

    def add_history(self, query: str) -> None:
        """Remember a query: an earlier copy moves to the end; at most HISTORY_CAP kept."""
        query = query.strip()
        if not query:
            return

        def apply() -> tuple[None, list[Change]]:
            table = self._table("history")
            kept = [q for q in self.history() if q != query][-(HISTORY_CAP - 1) :]
            table.clear()
            for at, item in enumerate([*kept, query], start=1):
                table[str(at)] = {"query": item}
            return None, []

        if self.history()[-1:] != [query]:
            self._mutate(apply)

    def session(self) -> dict[str, Any]:
        docs = self._table_docs("session")
        return dict(docs[0]) if docs else {}

    def save_session(self, **state: Any) -> None:
        """Remember ``query``, ``filters``, ``sort``, ``selected``, ``theme``, ``timeline`` (others
        refused)."""
        unknown = set(state) - set(SESSION_KEYS)
        if unknown:
            raise ValueError(f"unknown session keys: {', '.join(sorted(unknown))}")

        def apply() -> tuple[None, list[Change]]:
            self._replace_table("session", {"1": {**self.session(), **state}})
            return None, []

        if {**self.session(), **state} != self.session():
            self._mutate(apply)

    # -- research log ----------------------------------------------------------------------

    @property
    def logging_enabled(self) -> bool:
        docs = self._table_docs("settings")
        return bool(docs[0].get("log", True)) if docs else True

    def set_logging(self, enabled: bool) -> None:
        def apply() -> tuple[None, list[Change]]:
            docs = self._table_docs("settings")
            self._replace_table("settings", {"1": {**(docs[0] if docs else {}), "log": enabled}})
            return None, []

        self._mutate(apply)

    def log(self, *, older: bool = False) -> list[dict[str, Any]]:
        """The research log, oldest first: ``{"at": UTC time, "event": kind, ...}``: the
        newest LOG_CAP entries, with ``older`` those rolled out before them too."""
        kept = [dict(d) for d in self._table_docs("log")]
        if not older:
            return kept
        rolled = self.older_log()
        seen = {orjson.dumps(e, option=orjson.OPT_SORT_KEYS) for e in kept}
        rolled = [e for e in rolled if orjson.dumps(e, option=orjson.OPT_SORT_KEYS) not in seen]
        return [*rolled, *kept]

    def older_log(self) -> list[dict[str, Any]]:
        """The entries rolled out of the workspace (oldest first; none when no file).
        A line that is not a log entry (a torn last line) is skipped, never an error."""
        try:
            data = self.older_log_path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as error:
            raise WorkspaceError(self.older_log_path, f"cannot be read: {error}") from None
        events: list[dict[str, Any]] = []
        for line in data.splitlines():
            try:
                event = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if isinstance(event, dict) and isinstance(event.get("event"), str):
                events.append(event)
        return events

    def log_event(self, event: str, **data: Any) -> None:
        """Record a search, open or export (tags, notes and marks log themselves)."""
        if event not in LOG_EVENTS:
            raise ValueError(f"unknown log event {event!r}; one of: {', '.join(LOG_EVENTS)}")
        if not self.logging_enabled or self.read_only:
            return

        def apply() -> tuple[None, list[Change]]:
            self._log(event, **data)
            return None, []

        self._mutate(apply)

    def last_search(self) -> dict[str, Any] | None:
        """The newest search event of the log (walked from the end), or None."""
        for doc in reversed(self.tables.get("log", {}).values()):
            if doc.get("event") == "search":
                return dict(doc)
        return None

    def _log(self, event: str, **data: Any) -> None:
        """Append to the log inside a change already under way (rolling older entries)."""
        if self.logging_enabled:
            self._append("log", {"at": utc_now(), "event": event, **data})
            if len(self.tables.get("log", {})) > LOG_CAP + LOG_SLACK:
                self._roll_log()

    @property
    def older_log_path(self) -> Path:
        """Where log entries past the newest LOG_CAP go: JSON lines, oldest first, beside
        the workspace (``workspace.log-older.jsonl``)."""
        return self.path.with_name(f"{self.path.stem}.log-older.jsonl")

    def _roll_log(self) -> None:
        """Keep the newest LOG_CAP entries; append the others to ``older_log_path``.

        Under the workspace lock, before the workspace is written: a crash in between
        leaves those entries in both files (``log(older=True)`` drops the repeats), never
        in neither. A roll that cannot be written keeps every entry (the cap waits)."""
        table = self.tables["log"]
        ids = list(table)
        gone, kept = ids[: len(ids) - LOG_CAP], ids[len(ids) - LOG_CAP :]
        lines = b"".join(orjson.dumps(table[i]) + b"\n" for i in gone)
        try:
            self.older_log_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.older_log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, lines)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            return
        self._replace_table("log", {i: table[i] for i in kept})

    def _table_docs(self, name: str) -> list[dict[str, Any]]:
        return list(self.tables.get(name, {}).values())

    def _find_named(self, table: str, name: str) -> dict[str, Any] | None:
        exact = self._get(table, name)
        if exact is not None:
            return exact
        key = fold(" ".join(name.split()))
        return next((d for d in self._table_docs(table) if fold(d["name"]) == key), None)

    def _named_or_error(self, table: str, name: str) -> dict[str, Any]:
        doc = self._find_named(table, name)
        if doc is None:
            what = "list" if table == "lists" else "saved search"
            raise KeyError(f"no {what} named {name!r}")
        return doc


def _saved(doc: Mapping[str, Any]) -> SavedSearch:
    return SavedSearch(doc["name"], doc["query"], dict(doc.get("filters") or {}), doc.get("sort"))
