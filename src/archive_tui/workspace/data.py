"""The research workspace: tags, notes, lists and marks (``state.py``: the rest).

Every entry is keyed by record id, never by position or content, so annotations survive
re-imports and edits of a record; a removed record's annotations stay, listed by
:meth:`Workspace.orphans`. Tags, list names and saved-search names compare folded
(``text.fold``: case, accents, scripts) and are stored as typed. Each change method
returns the annotation :class:`Change` list to hand to ``AnnotationIndex.apply``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from archive_tui.text import fold
from archive_tui.workspace.base import Change, WorkspaceError
from archive_tui.workspace.calls import DerivedCalls
from archive_tui.workspace.state import CONTROL, ResearchState, clean_name


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
    if CONTROL.search(cleaned):
        raise ValueError(f"the tag {cleaned!r} holds a control character")
    return cleaned


class Workspace(ResearchState, DerivedCalls):
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
        """Rename a list; it keeps its records and its place among the lists."""
        new_name = clean_name(new_name, "list")

        def apply() -> tuple[None, list[Change]]:
            doc = self._named_or_error("lists", name)
            other = self._find_named("lists", new_name)
            if other is not None and other is not doc:
                raise ValueError(f"a list named {other['name']!r} exists already")
            # in place: the list keeps its entry id, so its place among the lists
            keys = self._keys["lists"]
            doc_id = keys.pop(doc["name"])
            self._table("lists")[doc_id] = {"name": new_name, "ids": doc["ids"]}
            keys[new_name] = doc_id
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
