"""Catching up with another session's changes by re-reading only what they touched.

Every change of a role's workspace records, under the revision it gives
``workspace_settings``, the annotations it touched (``workspace_journal``: tags / note /
mark of a record id, a list by folded name). A session whose snapshot is at revision R
re-reads just the keys journalled after R and reports them as :class:`Change` values —
two sessions taking turns on a workspace of 10,000 tagged records then cost a few small
queries a change, not a whole re-read. The last :data:`KEEP` revisions are kept; a
session further behind (or whose snapshot is unknown) reads everything again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from archive_tui.workspace.base import Change

if TYPE_CHECKING:
    import psycopg

    from archive_tui.pg.workspace_base import PgWorkspaceBase

KEEP = 10_000
PRUNE_EVERY = 1_000


def record(cur: psycopg.Cursor[Any], revision: int, touched: set[tuple[str, str]]) -> None:
    """Journal the keys a change touched under its revision (and prune old entries)."""
    if touched:
        kinds, keys = zip(*sorted(touched), strict=True)
        cur.execute(
            "INSERT INTO workspace_journal (revision, kind, key) "
            "SELECT %s, * FROM unnest(%s::text[], %s::text[])",
            (revision, list(kinds), list(keys)),
        )
    if revision % PRUNE_EVERY == 0:
        cur.execute(
            "DELETE FROM workspace_journal WHERE owner = current_user AND revision <= %s",
            (revision - KEEP,),
        )


def catch_up(ws: PgWorkspaceBase, cur: psycopg.Cursor[Any], revision: int) -> list[Change]:
    """Bring ``ws``'s snapshot from its revision to ``revision`` (read in this transaction);
    the annotation changes. Falls back to a whole re-read when the journal cannot say."""
    mine = ws._revision
    if mine is None or revision < mine or revision - mine > KEEP:
        return ws._load(cur)
    cur.execute(
        "SELECT DISTINCT kind, key FROM workspace_journal "
        "WHERE owner = current_user AND revision > %s",
        (mine,),
    )
    touched: dict[str, list[str]] = {}
    for kind, key in cur.fetchall():
        touched.setdefault(kind, []).append(key)
    changes = (
        _tags(ws, cur, touched.get("tags", []))
        + _notes(ws, cur, touched.get("note", []))
        + _lists(ws, cur, touched.get("list", []))
    )
    _marks(ws, cur, touched.get("mark", []))
    cur.execute(
        "SELECT coalesce((SELECT log FROM workspace_settings WHERE owner = current_user), true)"
    )
    ws._logging = cur.fetchone()[0]  # type: ignore[index]
    ws._revision = revision
    ws.version += 1
    ws.catch_ups += 1
    return changes


def _tags(ws: PgWorkspaceBase, cur: psycopg.Cursor[Any], ids: list[str]) -> list[Change]:
    if not ids:
        return []
    cur.execute(
        "SELECT record_id, tag FROM workspace_tags WHERE owner = current_user "
        "AND record_id = ANY(%s::text[]) ORDER BY seq",
        (ids,),
    )
    now: dict[str, list[str]] = {}
    for record_id, tag in cur.fetchall():
        now.setdefault(record_id, []).append(tag)
    changes = []
    for record_id in sorted(ids):
        tags = now.get(record_id, [])
        if tags == ws._tags.get(record_id, []):
            continue
        if tags:
            ws._tags[record_id] = tags
        else:
            ws._tags.pop(record_id, None)
        changes.append(Change("tags", record_id, tuple(tags) or None))
    return changes


def _notes(ws: PgWorkspaceBase, cur: psycopg.Cursor[Any], ids: list[str]) -> list[Change]:
    if not ids:
        return []
    cur.execute(
        "SELECT record_id, text FROM workspace_notes WHERE owner = current_user "
        "AND record_id = ANY(%s::text[])",
        (ids,),
    )
    now = dict(cur.fetchall())
    changes = []
    for record_id in sorted(ids):
        text = now.get(record_id)
        if text == ws._notes.get(record_id):
            continue
        if text is None:
            ws._notes.pop(record_id, None)
        else:
            ws._notes[record_id] = text
        changes.append(Change("note", record_id, text))
    return changes


def _lists(ws: PgWorkspaceBase, cur: psycopg.Cursor[Any], keys: list[str]) -> list[Change]:
    from archive_tui.pg.workspace_base import name_key

    if not keys:
        return []
    cur.execute(
        "SELECT name_key, name, ids FROM workspace_lists WHERE owner = current_user "
        "AND name_key = ANY(%s::text[]) ORDER BY seq",
        (keys,),
    )
    now = {key: (name, list(ids)) for key, name, ids in cur.fetchall()}
    changes = []
    for key in sorted(keys):
        old_name = next((n for n in ws._lists if name_key(n) == key), None)
        new = now.get(key)
        if old_name is not None and (new is None or new[0] != old_name):
            ws._lists.pop(old_name)
            changes.append(Change("list", old_name, None))
        if new is not None and ws._lists.get(new[0]) != new[1]:
            ws._lists[new[0]] = new[1]
            changes.append(Change("list", new[0], tuple(new[1]) or None))
    return changes


def _marks(ws: PgWorkspaceBase, cur: psycopg.Cursor[Any], ids: list[str]) -> None:
    if not ids:
        return
    cur.execute(
        "SELECT record_id FROM workspace_marks WHERE owner = current_user "
        "AND record_id = ANY(%s::text[]) ORDER BY seq",
        (ids,),
    )
    present = [row[0] for row in cur.fetchall()]
    gone = set(ids) - set(present)
    ws._marks = [i for i in ws._marks if i not in gone]
    ws._marks += [i for i in present if i not in set(ws._marks)]
