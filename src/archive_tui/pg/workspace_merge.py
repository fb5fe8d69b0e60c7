"""Merging a workspace file into a researcher's workspace in PostgreSQL (``archive-tui
workspace --import FILE --db postgresql://…``): the way a laptop's workspace moves to an
institution's server.

The same rules as the local merge (workspace/merge.py), in one transaction of the role's
workspace (a failure keeps nothing): tags and lists are unions (lists keep their order,
imported ids after), a note that differs is kept twice in one note under a marked line, a
saved search whose name is taken by a different one comes in as ``NAME (imported)``,
history and research log are unions in time order; session and settings stay.
"""

from __future__ import annotations

import os
from datetime import UTC
from typing import TYPE_CHECKING, Any

from archive_tui.pg.workspace_base import name_key
from archive_tui.text import fold
from archive_tui.workspace.base import Change
from archive_tui.workspace.data import Workspace, clean_tag
from archive_tui.workspace.merge import NOTE_SEPARATOR, MergeReport
from archive_tui.workspace.state import HISTORY_CAP

if TYPE_CHECKING:
    import psycopg

    from archive_tui.pg.workspace import PgWorkspace


def merge_into_database(ws: PgWorkspace, source: str | os.PathLike[str]) -> MergeReport:
    """Merge the workspace file ``source`` into ``ws`` (WorkspaceError names a bad file)."""
    other = Workspace.open(source, read_only=True)
    report = MergeReport()

    def apply(cur: psycopg.Cursor[Any]) -> tuple[None, list[Change]]:
        changes: list[Change] = []
        _tags(ws, cur, other, report, changes)
        _notes(ws, cur, other, report, changes)
        _lists(ws, cur, other, report, changes)
        _marks(ws, cur, other)
        _saved(ws, cur, other, report)
        _history(ws, cur, other, report)
        _log(ws, cur, other, report)
        return None, changes

    report.changes = ws._mutate(apply)[1]
    return report


def _tags(ws: Any, cur: Any, other: Workspace, report: MergeReport, changes: list) -> None:
    rows = []
    for record_id, tags in other.tagged().items():
        mine = ws.tags(record_id)
        folded = {fold(t) for t in mine}
        new = []
        for tag in (clean_tag(t) for t in tags):
            if fold(tag) not in folded:
                folded.add(fold(tag))
                new.append(tag)
        if new:
            ws._tags[record_id] = [*mine, *new]
            ws._touch("tags", record_id)
            rows += [(record_id, t, fold(t)) for t in new]
            changes.append(Change("tags", record_id, (*mine, *new)))
            report.records_tagged += 1
    if rows:
        ws._run(
            cur,
            "INSERT INTO workspace_tags (record_id, tag, tag_key) "
            "SELECT * FROM unnest(%s::text[], %s::text[], %s::text[])",
            ([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]),
        )


def _notes(ws: Any, cur: Any, other: Workspace, report: MergeReport, changes: list) -> None:
    for record_id, text in other.notes().items():
        mine = ws.note(record_id)
        if mine is None:
            combined = text
            report.notes_added += 1
        elif text.strip() in mine:
            continue
        else:
            combined = f"{mine.rstrip()}\n\n{NOTE_SEPARATOR}\n{text}"
            report.notes_combined.append(record_id)
        ws._put_note(cur, record_id, combined)
        changes.append(Change("note", record_id, combined))


def _lists(ws: Any, cur: Any, other: Workspace, report: MergeReport, changes: list) -> None:
    for name, ids in other.lists().items():
        found = ws._list_name(name)
        old = ws._lists[found] if found is not None else []
        merged = list(dict.fromkeys([*old, *ids]))
        if merged != old or found is None:
            ws._put_list(cur, found or name, merged)
            changes.append(Change("list", found or name, tuple(merged)))
            report.lists_changed += 1


def _marks(ws: Any, cur: Any, other: Workspace) -> None:
    new = [i for i in other.marks() if i not in set(ws._marks)]
    if new:
        ws._run(
            cur,
            "INSERT INTO workspace_marks (record_id) SELECT * FROM unnest(%s::text[]) "
            "ON CONFLICT DO NOTHING",
            (new,),
        )
        ws._marks += new
        for record_id in new:
            ws._touch("mark", record_id)


def _saved(ws: Any, cur: Any, other: Workspace, report: MergeReport) -> None:
    from psycopg.types.json import Jsonb

    cur.execute("SELECT name, query, filters, sort FROM workspace_saved WHERE owner = current_user")
    mine = {name_key(n): (n, q, dict(f or {}), s) for n, q, f, s in cur.fetchall()}
    for saved in other.saved_searches():
        item = (saved.name, saved.query, dict(saved.filters), saved.sort)
        have = mine.get(name_key(saved.name))
        if have is not None and have[1:] == item[1:]:
            continue
        name = saved.name if have is None else f"{saved.name} (imported)"
        if name_key(name) in mine:
            continue
        ws._run(
            cur,
            "INSERT INTO workspace_saved (name, name_key, query, filters, sort) "
            "VALUES (%s, %s, %s, %s, %s)",
            (name, name_key(name), saved.query, Jsonb(dict(saved.filters)), saved.sort),
        )
        mine[name_key(name)] = (name, *item[1:])
        report.saved_added.append(name)


def _history(ws: Any, cur: Any, other: Workspace, report: MergeReport) -> None:
    cur.execute("SELECT query FROM workspace_history WHERE owner = current_user ORDER BY seq")
    history = [r[0] for r in cur.fetchall()]
    extra = [q for q in dict.fromkeys(other.history()) if q not in set(history)]
    if not extra:
        return
    ws._run(cur, "DELETE FROM workspace_history WHERE owner = current_user")
    ws._run(
        cur,
        "INSERT INTO workspace_history (query) SELECT * FROM unnest(%s::text[])",
        ([*history, *extra][-HISTORY_CAP:],),
    )
    report.history_added = len(extra)


def _log(ws: Any, cur: Any, other: Workspace, report: MergeReport) -> None:
    """The imported events not here already; the whole log in time order again."""
    from psycopg.types.json import Jsonb

    cur.execute("SELECT at, event, data FROM workspace_log WHERE owner = current_user ORDER BY seq")
    mine = [
        {"at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "event": event, **data}
        for at, event, data in cur.fetchall()
    ]
    known = {repr(sorted(e.items())) for e in mine}
    new = [e for e in other.log() if repr(sorted(e.items())) not in known]
    if not new:
        return
    events = sorted([*mine, *new], key=lambda e: str(e.get("at", "")))
    ws._run(cur, "DELETE FROM workspace_log WHERE owner = current_user")
    cur.executemany(
        "INSERT INTO workspace_log (at, event, data) VALUES (%s::timestamptz, %s, %s)",
        [
            (e["at"], e["event"], Jsonb({k: v for k, v in e.items() if k not in ("at", "event")}))
            for e in events
        ],
    )
    report.log_added = len(new)


__all__ = ["merge_into_database"]
