"""The research workspace: tags, notes, lists, marks, saved searches, history, session, log.

Every entry is keyed by record id, never by position or content, so annotations survive
re-imports and edits of a record; a removed record's annotations stay, listed by
:meth:`Workspace.orphans`. Tags, list names and saved-search names compare folded
(``text.fold``: case, accents, scripts) and are stored as typed. Each change method
returns the annotation :class:`Change` list to hand to ``AnnotationIndex.apply``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archive_tui.text import fold
from archive_tui.workspace.base import Change, WorkspaceError, WorkspaceFile

HISTORY_CAP = 500
SESSION_KEYS = ("query", "filters", "sort", "selected", "theme")
LOG_EVENTS = ("search", "open", "mark", "tag", "note", "export")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class SavedSearch:
    name: str
    query: str
    filters: dict[str, Any] = field(default_factory=dict)
    sort: str | None = None


@dataclass(frozen=True, slots=True)
class Orphan:
    """The annotations of a record id no archive holds any more (kept, never dropped)."""

    id: str
    tags: tuple[str, ...]
    note: str | None
    lists: tuple[str, ...]
    marked: bool


def clean_tag(tag: str) -> str:
    """A tag as stored: blanks collapsed; ValueError for an empty one or a control char."""
    cleaned = " ".join(tag.split())
    if not cleaned:
        raise ValueError("a tag cannot be empty")
    if _CONTROL.search(cleaned):
        raise ValueError(f"the tag {cleaned!r} holds a control character")
    return cleaned


def clean_name(name: str, what: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned or _CONTROL.search(cleaned):
        raise ValueError(f"a {what} name cannot be empty or hold control characters")
    return cleaned


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Workspace(WorkspaceFile):
    """One user's research workspace (see the module docstring and docs/architecture.md).

    Safe between processes; within one, use an object from one thread at a time (a change
    updates the snapshot in place, so a reader in another thread could see it half done).
    """

    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = False) -> Workspace:
        """Open (nothing is created until the first change); WorkspaceError if unreadable."""
        if path is None:
            from archive_tui.paths import workspace_path

            path = workspace_path()
        workspace = cls(Path(path), read_only=read_only)
        workspace._install(workspace._load()[0])
        return workspace

    @classmethod
    def unavailable(cls, reason: str, path: str | Path | None = None) -> Workspace:
        """An empty, read-only workspace for an app that could not open the real one."""
        return cls(Path(path or "workspace.json"), read_only=True, problem=reason)

    @classmethod
    def open_or_unavailable(cls, path: str | Path | None = None) -> Workspace:
        """:meth:`open`, or :meth:`unavailable` saying why (``.problem``); never raises."""
        try:
            return cls.open(path)
        except (WorkspaceError, OSError) as error:
            return cls.unavailable(str(error), path)

    # -- tags ------------------------------------------------------------------------------

    def tags(self, record_id: str) -> list[str]:
        doc = self._get("tags", record_id)
        return list(doc["tags"]) if doc else []

    def tagged(self) -> dict[str, list[str]]:
        """Every record id with tags -> its tags."""
        return {d["id"]: list(d["tags"]) for d in self._table_docs("tags") if d["tags"]}

    def all_tags(self) -> list[tuple[str, int]]:
        """(tag, records) for completion, most used first; a tag's spelling is its most
        common one."""
        counts: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        for doc in self._table_docs("tags"):
            for tag in doc["tags"]:
                key = fold(tag)
                counts[key] += 1
                spellings.setdefault(key, Counter())[tag] += 1
        return [
            (spellings[key].most_common(1)[0][0], count)
            for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    def change_tags(
        self, record_ids: Iterable[str], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> list[Change]:
        """Add and remove tags on records (folded comparison); one write for all."""
        ids = list(dict.fromkeys(record_ids))
        adding = [clean_tag(t) for t in add]
        removing = {fold(clean_tag(t)) for t in remove}

        def apply() -> tuple[None, list[Change]]:
            changes = []
            for record_id in ids:
                before = self.tags(record_id)
                after = [t for t in before if fold(t) not in removing]
                have = {fold(t) for t in after}
                for tag in adding:
                    if fold(tag) not in have:
                        after.append(tag)
                        have.add(fold(tag))
                if after == before:
                    continue
                if after:
                    self._put("tags", {"id": record_id, "tags": after})
                else:
                    self._drop("tags", record_id)
                changes.append(Change("tags", record_id, tuple(after) or None))
                self._log("tag", id=record_id, tags=after)
            return None, changes

        return self._mutate(apply)[1]

    def add_tags(self, record_ids: Iterable[str], tags: Iterable[str]) -> list[Change]:
        return self.change_tags(record_ids, add=tags)

    def remove_tags(self, record_ids: Iterable[str], tags: Iterable[str]) -> list[Change]:
        return self.change_tags(record_ids, remove=tags)

    # -- notes -----------------------------------------------------------------------------

    def note(self, record_id: str) -> str | None:
        doc = self._get("notes", record_id)
        return doc["text"] if doc else None

    def notes(self) -> dict[str, str]:
        return {d["id"]: d["text"] for d in self._table_docs("notes")}

    def set_note(self, record_id: str, text: str | None) -> list[Change]:
        """Set (or with empty/None text, remove) a record's note; kept exactly as typed."""

        def apply() -> tuple[None, list[Change]]:
            if (self.note(record_id) or "") == (text or ""):
                return None, []
            if text and text.strip():
                self._put("notes", {"id": record_id, "text": text})
            else:
                self._drop("notes", record_id)
            self._log("note", id=record_id, chars=len(text or ""))
            return None, [Change("note", record_id, text if text and text.strip() else None)]

        return self._mutate(apply)[1]

    def append_note(self, record_id: str, text: str) -> list[Change]:
        """Add a paragraph to a note (the read happens under the lock: nothing is lost)."""

        def apply() -> tuple[None, list[Change]]:
            old = self.note(record_id)
            new = f"{old.rstrip()}\n\n{text}" if old else text
            self._put("notes", {"id": record_id, "text": new})
            self._log("note", id=record_id, chars=len(new))
            return None, [Change("note", record_id, new)]

        return self._mutate(apply)[1]

    # -- lists -----------------------------------------------------------------------------

    def lists(self) -> dict[str, list[str]]:
        """Every list, in the order made, -> its record ids in the order added."""
        return {d["name"]: list(d["ids"]) for d in self._table_docs("lists")}

    def list_ids(self, name: str) -> list[str] | None:
        doc = self._find_named("lists", name)
        return list(doc["ids"]) if doc else None

    def add_to_list(self, name: str, record_ids: Iterable[str]) -> list[Change]:
        """Add records to a list (made if new; an existing list's spelling is kept)."""
        ids = list(record_ids)
        name = clean_name(name, "list")

        def apply() -> tuple[None, list[Change]]:
            doc = self._find_named("lists", name) or {"name": name, "ids": []}
            new = list(dict.fromkeys([*doc["ids"], *ids]))
            if new == doc["ids"] and self._find_named("lists", name):
                return None, []
            self._put("lists", {"name": doc["name"], "ids": new})
            return None, [Change("list", doc["name"], tuple(new))]

        return self._mutate(apply)[1]

    def remove_from_list(self, name: str, record_ids: Iterable[str]) -> list[Change]:
        gone = set(record_ids)

        def apply() -> tuple[None, list[Change]]:
            doc = self._named_or_error("lists", name)
            new = [i for i in doc["ids"] if i not in gone]
            if new == doc["ids"]:
                return None, []
            self._put("lists", {"name": doc["name"], "ids": new})
            return None, [Change("list", doc["name"], tuple(new))]

        return self._mutate(apply)[1]

    def rename_list(self, name: str, new_name: str) -> list[Change]:
        new_name = clean_name(new_name, "list")

        def apply() -> tuple[None, list[Change]]:
            doc = self._named_or_error("lists", name)
            other = self._find_named("lists", new_name)
            if other is not None and other is not doc:
                raise ValueError(f"a list named {other['name']!r} exists already")
            self._drop("lists", doc["name"])
            self._put("lists", {"name": new_name, "ids": doc["ids"]})
            return None, [
                Change("list", doc["name"], None),
                Change("list", new_name, tuple(doc["ids"])),
            ]

        return self._mutate(apply)[1]

    def delete_list(self, name: str) -> list[Change]:
        def apply() -> tuple[None, list[Change]]:
            doc = self._named_or_error("lists", name)
            self._drop("lists", doc["name"])
            return None, [Change("list", doc["name"], None)]

        return self._mutate(apply)[1]

    # -- marks (the current selection) -----------------------------------------------------

    def marks(self) -> list[str]:
        return [d["id"] for d in self._table_docs("marks")]

    def set_marked(self, record_ids: Iterable[str], marked: bool = True) -> list[str]:
        """Mark or unmark records; returns the marks afterwards."""
        ids = list(dict.fromkeys(record_ids))

        def apply() -> tuple[list[str], list[Change]]:
            for record_id in ids:
                present = self._get("marks", record_id) is not None
                if marked and not present:
                    self._put("marks", {"id": record_id})
                elif not marked and present:
                    self._drop("marks", record_id)
                else:
                    continue
                self._log("mark", id=record_id, marked=marked)
            return self.marks(), []

        return self._mutate(apply)[0]

    def clear_marks(self) -> None:
        self.set_marked(self.marks(), False)

    def save_marks_as_list(self, name: str) -> list[Change]:
        """Add the current selection to list ``name`` (made if new)."""
        return self.add_to_list(name, self.marks())

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
        """Remember ``query``, ``filters``, ``sort``, ``selected``, ``theme`` (others refused)."""
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

    def log(self) -> list[dict[str, Any]]:
        """The research log, oldest first: ``{"at": UTC time, "event": kind, ...}``."""
        return [dict(d) for d in self._table_docs("log")]

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

    def log_search(self, query: str, filters: Mapping[str, Any] | None, count: int) -> None:
        self.log_event("search", query=query, filters=dict(filters or {}), count=count)

    def _log(self, event: str, **data: Any) -> None:
        """Append to the log inside a change already under way."""
        if self.logging_enabled:
            self._append("log", {"at": utc_now(), "event": event, **data})

    def annotations_of(self, record_id: str) -> tuple[list[str], str | None]:
        """(tags, note) of a record: what ``export.export_records(annotations=...)`` takes."""
        return self.tags(record_id), self.note(record_id)

    # -- orphans and helpers ---------------------------------------------------------------

    def annotated_ids(self) -> set[str]:
        ids = {d["id"] for name in ("tags", "notes", "marks") for d in self._table_docs(name)}
        return ids.union(*(d["ids"] for d in self._table_docs("lists")))

    def orphans(self, existing_ids: Iterable[str] | set[str]) -> list[Orphan]:
        """Annotations of records that no longer exist, by record id."""
        existing = existing_ids if isinstance(existing_ids, set | frozenset) else set(existing_ids)
        lists = self.lists()
        marks = set(self.marks())
        return [
            Orphan(
                id=record_id,
                tags=tuple(self.tags(record_id)),
                note=self.note(record_id),
                lists=tuple(name for name, ids in lists.items() if record_id in ids),
                marked=record_id in marks,
            )
            for record_id in sorted(self.annotated_ids() - existing)
        ]

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
