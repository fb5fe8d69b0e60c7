"""The workspace file: a TinyDB JSON document written the way the archive store writes.

One entry a line (``store.dumps_tables``), replaced atomically, and every change is
read-modify-write under the store's inter-process lock (``AtomicJSONStorage.lock``):
lock, re-read the file if another process changed it, apply, write. Two SSH sessions
tagging at once therefore lose nothing. A file that cannot be parsed completely is a
:class:`WorkspaceError` and is never written over.

This module knows tables and entries, not tags or notes (``workspace.data`` does).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from archive_tui.atomic import atomic_write, remove_orphan_temps
from archive_tui.errors import FileProblem
from archive_tui.store import AtomicJSONStorage, StoreError, fingerprint_of
from archive_tui.workspace.lines import LineCache

Tables = dict[str, dict[str, dict[str, Any]]]
T = TypeVar("T")

# Each table and the key naming its entries (None: entries have no key, kept in order).
TABLE_KEYS: dict[str, str | None] = {
    "tags": "id",  # {"id": record id, "tags": [tag, ...]}
    "notes": "id",  # {"id": record id, "text": "..."}
    "lists": "name",  # {"name": "...", "ids": [record id, ...]}
    "marks": "id",  # {"id": record id}
    "saved": "name",  # {"name", "query", "filters", "sort"}
    "history": None,  # {"query": "..."}
    "session": None,  # one entry: {"query", "filters", "sort", "selected", "theme"}
    "settings": None,  # one entry: {"log": bool}
    "log": None,  # {"at": "2026-11-30T07:00:00Z", "event": "search", ...}
}


class WorkspaceError(FileProblem):
    """A workspace file that cannot be read or written; one sentence naming it."""

    TEMPLATE = "Workspace {path} {reason}"


@dataclass(frozen=True, slots=True)
class Change:
    """What one change did to the searchable annotations, as the state afterwards.

    ``kind`` is ``"tags"`` (key: record id, value: its tags as typed), ``"note"`` (key:
    record id, value: the note text) or ``"list"`` (key: list name, value: its record ids);
    ``value`` None means the record has no tags / no note, or the list no longer exists.
    ``AnnotationIndex.apply`` takes these; applying one twice is harmless.
    """

    kind: str
    key: str
    value: tuple[str, ...] | str | None


def _check(path: Path, tables: Tables, only: set[tuple[str, str]] | None = None) -> None:
    """WorkspaceError unless every known table holds entries of the expected shape
    (``only``: just these (table, entry id), the ones that changed). One loop a table
    with that table's check: the log's 10,000 entries are read at every start."""
    for name, key in TABLE_KEYS.items():
        table = tables.get(name)
        if not table:
            continue
        if only is None:
            entries: Iterable[tuple[str, Any]] = table.items()
        else:
            entries = [(i, table[i]) for n, i in only if n == name]
        bad_field = _FIELD_CHECKS.get(name)
        for doc_id, doc in entries:
            if key is not None:
                value = doc.get(key)
                if not (isinstance(value, str) and value):
                    raise WorkspaceError(
                        path, f"has an entry without a {key!r} (table {name!r}, entry {doc_id})"
                    )
            bad = bad_field(doc) if bad_field is not None else None
            if bad:
                raise WorkspaceError(
                    path,
                    f"has an entry whose {bad!r} is not valid (table {name!r}, entry {doc_id})",
                )


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _bad_saved(doc: dict[str, Any]) -> str | None:
    if not isinstance(doc.get("query"), str):
        return "query"
    return None if isinstance(doc.get("filters", {}), dict) else "filters"


# per table: the name of an entry's field that is not valid, or None
_FIELD_CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "tags": lambda doc: None if _is_strings(doc.get("tags")) else "tags",
    "notes": lambda doc: None if isinstance(doc.get("text"), str) else "text",
    "lists": lambda doc: None if _is_strings(doc.get("ids")) else "ids",
    "saved": _bad_saved,
    "history": lambda doc: None if isinstance(doc.get("query"), str) else "query",
    "log": lambda doc: (
        None if isinstance(doc.get("at"), str) and isinstance(doc.get("event"), str) else "event"
    ),
}


class WorkspaceFile:
    """The tables of one workspace file, kept in memory and written back on each change.

    Readers use the snapshot (``self.tables``); :meth:`changed_on_disk` and
    :meth:`reload` let a running app notice another process's writes. ``version``
    grows whenever the snapshot changes, by this process or another.
    """

    def __init__(self, path: Path, *, read_only: bool, problem: str | None = None) -> None:
        self.path = path
        self.read_only = read_only or problem is not None
        self.problem = problem  # why the workspace is unavailable (read-only and empty)
        self.version = 0
        self.tables: Tables = {}
        self._keys: dict[str, dict[str, str]] = {}
        self._storage = AtomicJSONStorage(path, read_only=self.read_only)
        self._fingerprint = "missing"
        self._lines = LineCache()
        self._max_ids: dict[str, int] = {}
        self._dirty: set[str] | None = None  # tables changed since the last write (None: all)
        self._appended: dict[str, list[str]] = {}  # entries only appended to a clean table
        self._edits = 0  # changes made through the helpers below (none: nothing to write)
        self._bytes: bytes | None = None  # the file as our snapshot has it

    # -- reading ---------------------------------------------------------------------------

    def _read(self) -> tuple[bytes | None, str]:
        try:
            return self._storage.read_bytes()
        except StoreError as error:
            raise WorkspaceError(self.path, error.reason) from None

    def _load(
        self, previous: Tables | None = None, read: tuple[bytes | None, str] | None = None
    ) -> tuple[Tables, set[tuple[str, str]]]:
        """Read (or take ``read``) and check the file; WorkspaceError when it cannot be used
        (it is left untouched).

        With ``previous`` (the snapshot), an entry equal to its old self is the old object
        (so its line is not serialized again), and only the others are checked; returns
        the tables and those (table, entry id) that changed or appeared (without
        ``previous``, a first read: no set; every entry is new).
        """
        data, fingerprint = read or self._read()
        try:
            tables = self._storage.parse(data) if data is not None else {}
        except StoreError as error:
            raise WorkspaceError(self.path, error.reason) from None
        changed: set[tuple[str, str]] = set()
        if previous is None:  # a first read: everything is new and checked
            _check(self.path, tables)
            self._fingerprint, self._bytes = fingerprint, data
            return tables, changed
        for name, table in tables.items():
            old_table = previous.get(name, {})
            if old_table == table and list(old_table) == list(table):  # unchanged, in order
                tables[name] = old_table
                continue
            for doc_id, doc in table.items():
                old = old_table.get(doc_id)
                if old is not None and old == doc:
                    table[doc_id] = old
                else:
                    changed.add((name, doc_id))
        _check(self.path, tables, changed)
        self._fingerprint, self._bytes = fingerprint, data
        return tables, changed

    def _install(self, tables: Tables, dirty: set[str] | None = None) -> None:
        """Make ``tables`` the snapshot; ``dirty``: the only tables that differ from the
        current one (None: any may), the others being the very same objects."""
        self.tables = tables
        self._appended = {}
        if dirty is None:
            self._max_ids, self._keys, self._dirty = {}, {}, None
        else:
            for name in dirty:  # (_max_ids may stay: _next_id skips ids in use)
                self._keys.pop(name, None)
            if self._dirty is not None:
                self._dirty |= dirty
        for name, key in TABLE_KEYS.items():
            if key is not None and name not in self._keys:
                table = tables.get(name, {})
                self._keys[name] = {doc[key]: doc_id for doc_id, doc in table.items()}
        self.version += 1

    def _disk_fingerprint(self) -> str:
        try:
            return fingerprint_of(os.stat(self.path))
        except FileNotFoundError:
            return "missing"
        except OSError as error:
            raise WorkspaceError(self.path, f"cannot be read: {error.strerror or error}") from None

    def changed_on_disk(self) -> bool:
        """True when another process wrote the file since this snapshot was read."""
        if self.problem is not None:
            return False
        return self._disk_fingerprint() != self._fingerprint

    def reload(self) -> list[Change]:
        """Re-read the file if it changed; the annotation changes that brought."""
        if not self.changed_on_disk():
            return []
        return self._catch_up(self._read())

    def _catch_up(self, read: tuple[bytes | None, str]) -> list[Change]:
        if read[0] == self._bytes:  # the same content (a file's stat can repeat: inode reuse)
            self._fingerprint = read[1]
            return []
        old = self.tables
        tables, changed = self._load(old, read)
        dirty = {name for name, _ in changed}
        dirty |= {n for n in old.keys() | tables.keys() if old.get(n) is not tables.get(n)}
        self._install(tables, dirty)
        return diff_annotations(old, tables, changed)

    # -- writing ---------------------------------------------------------------------------

    def _refuse(self) -> WorkspaceError:
        why = self.problem or "it was opened read-only"
        return WorkspaceError(self.path, f"is read-only ({why}); nothing was changed")

    def _mutate(self, apply: Callable[[], T]) -> tuple[T, list[Change]]:
        """Lock, catch up with the file, run ``apply`` on ``self.tables``, write.

        ``apply`` returns (result, changes it made). Returns the result and every
        annotation change since the last snapshot (another process's writes included).
        """
        if self.read_only:
            raise self._refuse()
        with self._locked():
            changes = self._catch_up(self._read())  # bytes compared: stat alone can miss one
            edits = self._edits
            try:
                result, own = apply()
                if self._edits == edits:  # nothing changed: the file already holds it
                    return result, changes + own
                self._write()
            except BaseException:
                self._fingerprint = "unknown"  # the snapshot may differ from the file
                with contextlib.suppress(WorkspaceError):
                    self._install(self._load()[0])
                raise
            self._fingerprint = self._disk_fingerprint()
            self.version += 1
        return result, changes + own

    def _write(self) -> None:
        """The snapshot to the file: cached lines joined, atomically replaced (under the lock)."""
        try:
            payload = self._lines.payload(self.tables, self._dirty, self._appended)
        except ValueError as error:
            raise WorkspaceError(self.path, f"was not written: {error}") from None
        target = Path(os.path.realpath(self.path))
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            remove_orphan_temps(target, writers_locked_out=True)  # we hold every writer's lock
            with atomic_write(target) as out:
                out.write(payload)
        except OSError as error:
            raise WorkspaceError(self.path, f"was not written: {error.strerror or error}") from None
        self._dirty, self._appended, self._bytes = set(), {}, payload

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            with self._storage.lock():
                yield
        except StoreError as error:
            raise WorkspaceError(self.path, error.reason) from None

    # Every change to ``self.tables`` goes through these helpers, which note what changed
    # so a write re-joins only those tables (LineCache.payload).

    def _touch(self, name: str) -> None:
        self._edits += 1
        if self._dirty is not None:
            self._dirty.add(name)

    def _table(self, name: str) -> dict[str, dict[str, Any]]:
        """The table, to change (it is re-joined at the next write)."""
        self._touch(name)
        return self.tables.setdefault(name, {})

    def _replace_table(self, name: str, table: dict[str, dict[str, Any]]) -> None:
        self._touch(name)
        self._max_ids.pop(name, None)
        self.tables[name] = table

    def _get(self, name: str, key: str) -> dict[str, Any] | None:
        doc_id = self._keys.get(name, {}).get(key)
        return None if doc_id is None else self.tables[name][doc_id]

    def _put(self, name: str, doc: dict[str, Any]) -> None:
        """Insert or replace the entry with ``doc``'s key (keyed tables), in place."""
        key = TABLE_KEYS[name]
        table = self._table(name)
        keys = self._keys.setdefault(name, {})
        doc_id = keys.get(doc[key]) if key is not None else None
        if doc_id is None:
            doc_id = self._next_id(name)
            if key is not None:
                keys[doc[key]] = doc_id
        table[doc_id] = doc

    def _append(self, name: str, doc: dict[str, Any]) -> None:
        """Add an entry at the end (the log): the next write only adds its line."""
        doc_id = self._next_id(name)
        self.tables.setdefault(name, {})[doc_id] = doc
        self._edits += 1
        if self._dirty is not None and name not in self._dirty:
            self._appended.setdefault(name, []).append(doc_id)

    def _next_id(self, name: str) -> str:
        """One more than the largest entry id of the table (remembered, not recounted)."""
        table = self.tables.get(name, {})
        top = self._max_ids.get(name)
        if top is None:
            top = max((int(doc_id) for doc_id in table), default=0)
        top += 1
        while str(top) in table:  # another process added entries since we counted
            top += 1
        self._max_ids[name] = top
        return str(top)

    def _drop(self, name: str, key: str) -> bool:
        doc_id = self._keys.get(name, {}).pop(key, None)
        if doc_id is None:
            return False
        self._table(name).pop(doc_id)
        return True


_ANNOTATION_TABLES = {"tags": ("tags", "id", "tags"), "notes": ("note", "id", "text"),
                      "lists": ("list", "name", "ids")}  # fmt: skip


def diff_annotations(old: Tables, new: Tables, changed: set[tuple[str, str]]) -> list[Change]:
    """The changes that turn ``old``'s annotations into ``new``'s.

    ``changed``: the (table, entry id) that are new or differ (from
    :meth:`WorkspaceFile._load`); every other entry is the same object in both.
    """
    changes: list[Change] = []
    for table, (kind, key, field) in _ANNOTATION_TABLES.items():
        before, after = old.get(table, {}), new.get(table, {})
        touched = [doc_id for name, doc_id in changed if name == table]
        gone = [before[i][key] for i in before.keys() - after.keys()]
        gone += [before[i][key] for i in touched if i in before]
        present = {after[i][key] for i in touched}
        for name in dict.fromkeys(gone):
            if name not in present:
                changes.append(Change(kind, name, None))
        for doc_id in touched:
            doc = after[doc_id]
            value = doc[field] if kind == "note" else tuple(doc[field])
            changes.append(Change(kind, doc[key], value or None))
    return changes
