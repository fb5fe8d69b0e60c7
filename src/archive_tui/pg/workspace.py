"""A researcher's workspace in PostgreSQL, with the local workspace's API.

:class:`PgWorkspace` answers what :class:`archive_tui.workspace.Workspace` answers (tags,
notes, lists, marks, saved searches, history, session, research log, orphans) and returns
the same :class:`~archive_tui.workspace.Change` values, so the CLI and the app take either
(:func:`archive_tui.pg.workspace_open.open_workspace` picks). The rows are the connected
role's: row-level security in the database keeps every other role's out, whatever SQL is
sent. A list or a tag can be shared read-only with a group role
(:mod:`archive_tui.pg.workspace_share`); notes never are.

Names compare folded, tags are kept as typed, annotations are keyed by record id and
outlive the record (orphans are listed, never dropped) — as locally.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from archive_tui.pg.workspace_base import PgWorkspaceError, name_key
from archive_tui.pg.workspace_share import SharingMixin
from archive_tui.pg.workspace_state import PgResearchState
from archive_tui.text import fold
from archive_tui.workspace.base import Change
from archive_tui.workspace.calls import DerivedCalls
from archive_tui.workspace.data import Orphan, clean_tag
from archive_tui.workspace.state import clean_name

if TYPE_CHECKING:
    import psycopg

__all__ = ["PgWorkspace", "PgWorkspaceError"]


class PgWorkspace(PgResearchState, SharingMixin, DerivedCalls):
    """One role's research workspace in a PostgreSQL database (see the module docstring).

    Safe between processes and sessions; within one, calls are serialized by a lock.
    """

    @classmethod
    def open(cls, address: str, *, read_only: bool = False) -> PgWorkspace:
        """Connect and read the snapshot; PgWorkspaceError (one sentence) if it cannot."""
        workspace = cls(address, read_only=read_only)
        workspace._call("read the workspace", workspace._load_in_transaction)
        return workspace

    @classmethod
    def unavailable(cls, reason: str, address: str = "postgresql://") -> PgWorkspace:
        """An empty, read-only workspace for an app that could not open the real one."""
        return cls(address, read_only=True, problem=reason)

    @classmethod
    def open_or_unavailable(cls, address: str) -> PgWorkspace:
        """:meth:`open`, or :meth:`unavailable` saying why (``.problem``); never raises."""
        try:
            return cls.open(address)
        except (PgWorkspaceError, OSError) as error:
            return cls.unavailable(str(error), address)

    # -- tags ------------------------------------------------------------------------------

    def tags(self, record_id: str) -> list[str]:
        return list(self._tags.get(record_id, ()))

    def tagged(self) -> dict[str, list[str]]:
        """Every record id with tags -> its tags."""
        return {record_id: list(tags) for record_id, tags in self._tags.items() if tags}

    def all_tags(self) -> list[tuple[str, int]]:
        """(tag, records) for completion, most used first; a tag's spelling is its most
        common one."""
        counts: Counter[str] = Counter()
        spellings: dict[str, Counter[str]] = {}
        for tags in self._tags.values():
            for tag in tags:
                counts[fold(tag)] += 1
                spellings.setdefault(fold(tag), Counter())[tag] += 1
        return [
            (spellings[key].most_common(1)[0][0], count)
            for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]

    def change_tags(
        self, record_ids: Iterable[str], add: Iterable[str] = (), remove: Iterable[str] = ()
    ) -> list[Change]:
        """Add and remove tags on records (folded comparison); one transaction for all."""
        ids = list(dict.fromkeys(record_ids))
        adding = [clean_tag(t) for t in add]
        removing = {fold(clean_tag(t)) for t in remove}

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            changes, gone, new = [], [], []
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
                gone += [(record_id, fold(t)) for t in before if fold(t) not in have]
                kept = {fold(t) for t in before}
                new += [(record_id, t, fold(t)) for t in after if fold(t) not in kept]
                if after:
                    self._tags[record_id] = after
                else:
                    self._tags.pop(record_id, None)
                self._touch("tags", record_id)
                changes.append(Change("tags", record_id, tuple(after) or None))
                self._log("tag", id=record_id, tags=after)
            if gone:
                self._run(
                    cur,
                    "DELETE FROM workspace_tags WHERE owner = current_user AND "
                    "(record_id, tag_key) IN (SELECT * FROM unnest(%s::text[], %s::text[]))",
                    ([g[0] for g in gone], [g[1] for g in gone]),
                )
            if new:
                self._run(
                    cur,
                    "INSERT INTO workspace_tags (record_id, tag, tag_key) "
                    "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])",
                    ([n[0] for n in new], [n[1] for n in new], [n[2] for n in new]),
                )
            return None, changes

        return self._mutate(apply)[1]

    # -- notes -----------------------------------------------------------------------------

    def note(self, record_id: str) -> str | None:
        return self._notes.get(record_id)

    def notes(self) -> dict[str, str]:
        return dict(self._notes)

    def _put_note(self, cur: psycopg.Cursor[Any], record_id: str, text: str | None) -> None:
        self._touch("note", record_id)
        if text is None:
            self._run(
                cur,
                "DELETE FROM workspace_notes WHERE owner = current_user AND record_id = %s",
                (record_id,),
            )
            self._notes.pop(record_id, None)
            return
        self._run(
            cur,
            "INSERT INTO workspace_notes (record_id, text) VALUES (%s, %s) "
            "ON CONFLICT (owner, record_id) DO UPDATE SET text = EXCLUDED.text, updated_at = now()",
            (record_id, text),
        )
        self._notes[record_id] = text

    def set_note(self, record_id: str, text: str | None) -> list[Change]:
        """Set (or with empty/None text, remove) a record's note; kept exactly as typed."""

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            if (self.note(record_id) or "") == (text or ""):
                return None, []
            kept = text if text and text.strip() else None
            self._put_note(cur, record_id, kept)
            self._log("note", id=record_id, chars=len(text or ""))
            return None, [Change("note", record_id, kept)]

        return self._mutate(apply)[1]

    def append_note(self, record_id: str, text: str) -> list[Change]:
        """Add a paragraph to a note (read under the role's lock: nothing is lost)."""

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            old = self.note(record_id)
            new = f"{old.rstrip()}\n\n{text}" if old else text
            self._put_note(cur, record_id, new)
            self._log("note", id=record_id, chars=len(new))
            return None, [Change("note", record_id, new)]

        return self._mutate(apply)[1]

    # -- lists -----------------------------------------------------------------------------

    def lists(self) -> dict[str, list[str]]:
        """Every list, in the order made, -> its record ids in the order added."""
        return {name: list(ids) for name, ids in self._lists.items()}

    def _list_name(self, name: str) -> str | None:
        """The stored spelling of list ``name`` (compared folded), or None."""
        if name in self._lists:
            return name
        key = name_key(name)
        return next((n for n in self._lists if name_key(n) == key), None)

    def _list_or_error(self, name: str) -> str:
        found = self._list_name(name)
        if found is None:
            raise KeyError(f"no list named {name!r}")
        return found

    def list_ids(self, name: str) -> list[str] | None:
        found = self._list_name(name)
        return None if found is None else list(self._lists[found])

    def _put_list(self, cur: psycopg.Cursor[Any], name: str, ids: list[str]) -> None:
        self._touch("list", name_key(name))
        self._run(
            cur,
            "INSERT INTO workspace_lists (name, name_key, ids) VALUES (%s, %s, %s::text[]) "
            "ON CONFLICT (owner, name_key) DO UPDATE SET ids = EXCLUDED.ids",
            (name, name_key(name), ids),
        )
        self._lists[name] = ids

    def _drop_list(self, cur: psycopg.Cursor[Any], name: str) -> None:
        self._touch("list", name_key(name))
        self._run(
            cur,
            "DELETE FROM workspace_lists WHERE owner = current_user AND name_key = %s",
            (name_key(name),),
        )
        self._lists.pop(name, None)

    def add_to_list(self, name: str, record_ids: Iterable[str]) -> list[Change]:
        """Add records to a list (made if new; an existing list's spelling is kept)."""
        ids = list(record_ids)
        name = clean_name(name, "list")

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            found = self._list_name(name)
            old = self._lists[found] if found is not None else []
            new = list(dict.fromkeys([*old, *ids]))
            if new == old and found is not None:
                return None, []
            self._put_list(cur, found or name, new)
            return None, [Change("list", found or name, tuple(new))]

        return self._mutate(apply)[1]

    def remove_from_list(self, name: str, record_ids: Iterable[str]) -> list[Change]:
        gone = set(record_ids)

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            found = self._list_or_error(name)
            new = [i for i in self._lists[found] if i not in gone]
            if new == self._lists[found]:
                return None, []
            self._put_list(cur, found, new)
            return None, [Change("list", found, tuple(new))]

        return self._mutate(apply)[1]

    def rename_list(self, name: str, new_name: str) -> list[Change]:
        """Rename a list (its shares follow it)."""
        new_name = clean_name(new_name, "list")

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            found = self._list_or_error(name)
            other = self._list_name(new_name)
            if other is not None and other != found:
                raise ValueError(f"a list named {other!r} exists already")
            ids = self._lists[found]
            self._drop_list(cur, found)
            self._put_list(cur, new_name, ids)
            self._run(
                cur,
                "UPDATE workspace_shares SET name_key = %s WHERE owner = current_user "
                "AND kind = 'list' AND name_key = %s",
                (name_key(new_name), name_key(found)),
            )
            return None, [Change("list", found, None), Change("list", new_name, tuple(ids))]

        return self._mutate(apply)[1]

    def delete_list(self, name: str) -> list[Change]:
        """Delete a list (and its shares: a new list of that name is not shared)."""

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            found = self._list_or_error(name)
            self._drop_list(cur, found)
            self._run(
                cur,
                "DELETE FROM workspace_shares WHERE owner = current_user AND kind = 'list' "
                "AND name_key = %s",
                (name_key(found),),
            )
            return None, [Change("list", found, None)]

        return self._mutate(apply)[1]

    # -- marks (the current selection) -----------------------------------------------------

    def marks(self) -> list[str]:
        return list(self._marks)

    def set_marked(self, record_ids: Iterable[str], marked: bool = True) -> list[str]:
        """Mark or unmark records; returns the marks afterwards."""
        ids = list(dict.fromkeys(record_ids))

        def apply(cur: psycopg.Cursor[Any]) -> tuple[list[str], list[Change]]:
            present = set(self._marks)
            changed = [i for i in ids if (i in present) != marked]
            if not changed:
                return self.marks(), []
            if marked:
                self._run(
                    cur,
                    "INSERT INTO workspace_marks (record_id) SELECT * FROM unnest(%s::text[]) "
                    "ON CONFLICT DO NOTHING",
                    (changed,),
                )
                self._marks += changed
            else:
                self._run(
                    cur,
                    "DELETE FROM workspace_marks WHERE owner = current_user "
                    "AND record_id = ANY(%s::text[])",
                    (changed,),
                )
                self._marks = [i for i in self._marks if i not in set(changed)]
            for record_id in changed:
                self._touch("mark", record_id)
                self._log("mark", id=record_id, marked=marked)
            return self.marks(), []

        return self._mutate(apply)[0]

    # -- the whole workspace, as the local file lays it out ---------------------------------

    @property
    def tables(self) -> dict[str, dict[str, dict[str, Any]]]:
        """This role's workspace in the local file's tables (``workspace --export`` writes
        it; a local ``workspace --import`` merges it)."""
        session = self.session()
        docs: dict[str, list[dict[str, Any]]] = {
            "tags": [{"id": i, "tags": t} for i, t in self.tagged().items()],
            "notes": [{"id": i, "text": t} for i, t in self._notes.items()],
            "lists": [{"name": n, "ids": list(ids)} for n, ids in self._lists.items()],
            "marks": [{"id": i} for i in self._marks],
            "saved": [
                {"name": s.name, "query": s.query, "filters": s.filters, "sort": s.sort}
                for s in self.saved_searches()
            ],
            "history": [{"query": q} for q in self.history()],
            "session": [session] if session else [],
            "settings": [{"log": self.logging_enabled}],
            "log": self.log(),
        }
        return {name: {str(n): d for n, d in enumerate(rows, 1)} for name, rows in docs.items()}

    # -- orphans ---------------------------------------------------------------------------

    def annotated_ids(self) -> set[str]:
        ids = set(self._tags) | set(self._notes) | set(self._marks)
        return ids.union(*self._lists.values())

    def orphans(self, existing_ids: Iterable[str] | set[str]) -> list[Orphan]:
        """Annotations of records that no longer exist, by record id (kept, never dropped)."""
        existing = existing_ids if isinstance(existing_ids, set | frozenset) else set(existing_ids)
        marks = set(self._marks)
        return [
            Orphan(
                id=record_id,
                tags=tuple(self.tags(record_id)),
                note=self.note(record_id),
                lists=tuple(name for name, ids in self._lists.items() if record_id in ids),
                marked=record_id in marks,
            )
            for record_id in sorted(self.annotated_ids() - existing)
        ]
