"""Moving a workspace between machines: export it as one file, merge one in.

An exported workspace is the workspace file itself (TinyDB JSON, one entry a line), so
it can also be kept under git. Merging never loses anything: tags and lists are unions
(lists keep their order, imported ids after), a note that differs is kept twice in one
note under a marked line (and the record ids are reported), a saved search whose name
is taken by a different search comes in as ``NAME (imported)``, history and log are
unions in time order; the session and settings stay this machine's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from archive_tui.atomic import atomic_write
from archive_tui.store import dumps_tables
from archive_tui.text import fold
from archive_tui.workspace.base import Change, WorkspaceError
from archive_tui.workspace.data import Workspace, clean_tag
from archive_tui.workspace.state import HISTORY_CAP, SavedSearch

NOTE_SEPARATOR = "--- imported note ---"


@dataclass
class MergeReport:
    """What a merge did; ``changes`` go to ``AnnotationIndex.apply``."""

    records_tagged: int = 0
    notes_added: int = 0
    notes_combined: list[str] = field(default_factory=list)  # ids whose notes differed
    lists_changed: int = 0
    saved_added: list[str] = field(default_factory=list)
    log_added: int = 0
    history_added: int = 0
    changes: list[Change] = field(default_factory=list)


def export_workspace(ws: Workspace, target: str | os.PathLike[str], *, overwrite: bool) -> int:
    """Write the workspace as it is on disk now to ``target``; how many entries."""
    ws.reload()
    payload = dumps_tables(ws.tables)
    try:
        with atomic_write(Path(target), overwrite=overwrite) as out:
            out.write(payload)
    except FileExistsError:
        raise
    except OSError as error:
        raise WorkspaceError(target, f"was not written: {error.strerror or error}") from None
    return sum(len(table) for table in ws.tables.values())


def merge_workspace(ws: Workspace, source: str | os.PathLike[str]) -> MergeReport:
    """Merge the workspace file ``source`` into ``ws`` (one locked write)."""
    other = Workspace.open(source, read_only=True)  # WorkspaceError names a bad file
    report = MergeReport()

    def apply() -> tuple[None, list[Change]]:
        for record_id, tags in other.tagged().items():
            mine = ws.tags(record_id)
            folded = {fold(t) for t in mine}
            new = [clean_tag(t) for t in tags if fold(t) not in folded]
            if new:
                ws._put("tags", {"id": record_id, "tags": [*mine, *new]})
                report.changes.append(Change("tags", record_id, (*mine, *new)))
                report.records_tagged += 1
        for record_id, text in other.notes().items():
            mine_text = ws.note(record_id)
            if mine_text is None:
                combined, report.notes_added = text, report.notes_added + 1
            elif text.strip() in mine_text:
                continue
            else:
                combined = f"{mine_text.rstrip()}\n\n{NOTE_SEPARATOR}\n{text}"
                report.notes_combined.append(record_id)
            ws._put("notes", {"id": record_id, "text": combined})
            report.changes.append(Change("note", record_id, combined))
        for name, ids in other.lists().items():
            doc = ws._find_named("lists", name) or {"name": name, "ids": []}
            merged = list(dict.fromkeys([*doc["ids"], *ids]))
            if merged != doc["ids"] or not ws._find_named("lists", name):
                ws._put("lists", {"name": doc["name"], "ids": merged})
                report.changes.append(Change("list", doc["name"], tuple(merged)))
                report.lists_changed += 1
        for record_id in other.marks():
            if ws._get("marks", record_id) is None:
                ws._put("marks", {"id": record_id})
        for saved in other.saved_searches():
            mine_saved = ws.saved_search(saved.name)
            if mine_saved == saved:
                continue
            name = saved.name if mine_saved is None else f"{saved.name} (imported)"
            if ws.saved_search(name) is not None:
                continue
            ws._put("saved", {**_saved_doc(saved), "name": name})
            report.saved_added.append(name)
        history = ws.history()
        extra = [q for q in other.history() if q not in set(history)]
        if extra:
            table = ws._table("history")
            table.clear()
            for at, query in enumerate([*history, *extra][-HISTORY_CAP:], start=1):
                table[str(at)] = {"query": query}
            report.history_added = len(extra)
        known = {_log_key(e) for e in ws.log()}
        new_events = [e for e in other.log() if _log_key(e) not in known]
        if new_events:
            events = sorted([*ws.log(), *new_events], key=lambda e: e["at"])
            ws._replace_table("log", {str(at): e for at, e in enumerate(events, start=1)})
            report.log_added = len(new_events)
        return None, []

    report.changes = ws._mutate(apply)[1] + report.changes
    return report


def _saved_doc(saved: SavedSearch) -> dict:
    return {
        "name": saved.name,
        "query": saved.query,
        "filters": dict(saved.filters),
        "sort": saved.sort,
    }


def _log_key(event: dict) -> str:
    return repr(sorted(event.items()))
