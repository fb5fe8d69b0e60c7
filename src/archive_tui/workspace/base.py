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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from archive_tui.errors import FileProblem
from archive_tui.store import AtomicJSONStorage, StoreError, fingerprint_of

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


def _check(path: Path, tables: Tables) -> None:
    """WorkspaceError unless every known table holds entries of the expected shape."""
    for name, key in TABLE_KEYS.items():
        for doc_id, doc in tables.get(name, {}).items():
            if key is not None and not (isinstance(doc.get(key), str) and doc[key]):
                raise WorkspaceError(
                    path, f"has an entry without a {key!r} (table {name!r}, entry {doc_id})"
                )
            bad = _bad_field(name, doc)
            if bad:
                raise WorkspaceError(
                    path,
                    f"has an entry whose {bad!r} is not valid (table {name!r}, entry {doc_id})",
                )


def _is_strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _bad_field(table: str, doc: dict[str, Any]) -> str | None:
    if table == "tags" and not _is_strings(doc.get("tags")):
        return "tags"
    if table == "notes" and not isinstance(doc.get("text"), str):
        return "text"
    if table == "lists" and not _is_strings(doc.get("ids")):
        return "ids"
    if table in ("saved", "history") and not isinstance(doc.get("query"), str):
        return "query"
    if table == "saved" and not isinstance(doc.get("filters", {}), dict):
        return "filters"
    if table == "log" and not all(isinstance(doc.get(k), str) for k in ("at", "event")):
        return "event"
    return None


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

    # -- reading ---------------------------------------------------------------------------

    def _load(self) -> Tables:
        """Read and check the file; WorkspaceError when it cannot be used (untouched)."""
        try:
            tables, fingerprint = self._storage.read_with_fingerprint()
        except StoreError as error:
            raise WorkspaceError(self.path, error.reason) from None
        tables = tables or {}
        _check(self.path, tables)
        self._fingerprint = fingerprint
        return tables

    def _install(self, tables: Tables) -> None:
        self.tables = tables
        self._keys = {
            name: {doc[key]: doc_id for doc_id, doc in tables.get(name, {}).items()}
            for name, key in TABLE_KEYS.items()
            if key is not None
        }
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
        old = self.tables
        self._install(self._load())
        return diff_annotations(old, self.tables)

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
            changes = self.reload()
            try:
                result, own = apply()
                self._storage.write(self.tables)
            except BaseException:
                self._fingerprint = "unknown"  # the snapshot may differ from the file
                with contextlib.suppress(WorkspaceError):
                    self._install(self._load())
                raise
            self._fingerprint = self._disk_fingerprint()
            self.version += 1
        return result, changes + own

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            with self._storage.lock():
                yield
        except StoreError as error:
            raise WorkspaceError(self.path, error.reason) from None

    def _table(self, name: str) -> dict[str, dict[str, Any]]:
        return self.tables.setdefault(name, {})

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
            doc_id = _next_id(table)
            if key is not None:
                keys[doc[key]] = doc_id
        table[doc_id] = doc

    def _append(self, name: str, doc: dict[str, Any]) -> None:
        table = self._table(name)
        table[_next_id(table)] = doc

    def _drop(self, name: str, key: str) -> bool:
        doc_id = self._keys.get(name, {}).pop(key, None)
        if doc_id is None:
            return False
        del self.tables[name][doc_id]
        return True


def _next_id(table: dict[str, Any]) -> str:
    return str(max((int(doc_id) for doc_id in table), default=0) + 1)


def annotation_state(
    tables: Tables,
) -> tuple[dict[str, tuple[str, ...]], dict[str, str], dict[str, tuple[str, ...]]]:
    """(tags by record id, note by record id, list ids by list name) of a snapshot."""
    tags = {d["id"]: tuple(d["tags"]) for d in tables.get("tags", {}).values() if d["tags"]}
    notes = {d["id"]: d["text"] for d in tables.get("notes", {}).values() if d["text"]}
    lists = {d["name"]: tuple(d["ids"]) for d in tables.get("lists", {}).values()}
    return tags, notes, lists


def diff_annotations(old: Tables, new: Tables) -> list[Change]:
    """The changes that turn ``old``'s annotations into ``new``'s."""
    changes: list[Change] = []
    for kind, before, after in zip(
        ("tags", "note", "list"), annotation_state(old), annotation_state(new), strict=True
    ):
        for key in before.keys() - after.keys():
            changes.append(Change(kind, key, None))
        for key, value in after.items():
            if before.get(key) != value:
                changes.append(Change(kind, key, value))
    return changes
