"""Sharing a list or a tag with a group role, read-only; and reading what others share.

A share is a row of ``workspace_shares`` (owner, kind, folded name, grantee role). The
database's policies then let the grantee's members SELECT the owner's rows of that list
or tag — never change them, never see the owner's notes or other tags. Sharing with
``archive_tui_users`` shares with every researcher of the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archive_tui.pg.workspace_base import PgWorkspaceBase, name_key
from archive_tui.workspace.base import Change

if TYPE_CHECKING:
    import psycopg

KINDS = ("list", "tag")


@dataclass(frozen=True, slots=True)
class Share:
    """One of my lists or tags (``name``: folded) that members of ``grantee`` may read."""

    kind: str
    name: str
    grantee: str


@dataclass(frozen=True, slots=True)
class SharedWithMe:
    """What other researchers share with a group I am in: ``lists`` maps (owner, list
    name) to its record ids in order; ``tags`` maps (owner, tag) to its record ids."""

    lists: dict[tuple[str, str], list[str]]
    tags: dict[tuple[str, str], list[str]]


class SharingMixin(PgWorkspaceBase):
    def share(self, kind: str, name: str, grantee: str) -> Share:
        """Let the members of role ``grantee`` read my list or tag ``name``."""
        if kind not in KINDS:
            raise ValueError(f"only a list or a tag can be shared, not a {kind!r}")
        known = self._call(
            "read the roles",
            lambda conn: conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = %s", (grantee,)
            ).fetchone(),
        )
        if known is None:
            raise ValueError(f"there is no role named {grantee!r} to share with")
        item = Share(kind, name_key(name), grantee)

        def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
            if kind == "list" and self._lists_key(name) is None:
                raise KeyError(f"no list named {name!r}")
            self._run(
                cur,
                "INSERT INTO workspace_shares (kind, name_key, grantee) VALUES (%s, %s, %s) "
                "ON CONFLICT DO NOTHING",
                (kind, item.name, grantee),
            )
            return None, []

        self._mutate(apply)
        return item

    def unshare(self, kind: str, name: str, grantee: str | None = None) -> int:
        """Stop sharing my list or tag (with ``grantee``, or with everyone); how many shares
        ended."""

        def apply(cur: psycopg.Cursor[Any]) -> tuple[int, list[Change]]:
            self._run(
                cur,
                "DELETE FROM workspace_shares WHERE owner = current_user AND kind = %s "
                "AND name_key = %s AND (%s::name IS NULL OR grantee = %s::name)",
                (kind, name_key(name), grantee, grantee),
            )
            return cur.rowcount, []

        return self._mutate(apply)[0]

    def shares(self) -> list[Share]:
        """What I share, and with whom."""
        rows = self._call(
            "read the workspace",
            lambda conn: conn.execute(
                "SELECT kind, name_key, grantee FROM workspace_shares "
                "WHERE owner = current_user ORDER BY kind, name_key, grantee"
            ).fetchall(),
        )
        return [Share(*row) for row in rows]

    def shared_with_me(self) -> SharedWithMe:
        """Others' lists and tags that I may read (row-level security decides which)."""

        def read(conn: psycopg.Connection) -> tuple[list[Any], list[Any]]:
            lists = conn.execute(
                "SELECT owner, name, ids FROM workspace_lists WHERE owner <> current_user "
                "ORDER BY owner, seq"
            ).fetchall()
            tags = conn.execute(
                "SELECT owner, tag, record_id FROM workspace_tags WHERE owner <> current_user "
                "ORDER BY owner, seq"
            ).fetchall()
            return lists, tags

        lists, tags = self._call("read what is shared", read)
        by_tag: dict[tuple[str, str], list[str]] = {}
        spelling: dict[tuple[str, str], str] = {}
        for owner, tag, record_id in tags:
            shown = spelling.setdefault((owner, name_key(tag)), tag)
            by_tag.setdefault((owner, shown), []).append(record_id)
        return SharedWithMe({(o, n): list(ids) for o, n, ids in lists}, by_tag)

    def _lists_key(self, name: str) -> str | None:
        key = name_key(name)
        return next((n for n in self._lists if name_key(n) == key), None)
