"""Workspace calls made only of other calls: one code for the local workspace file and the
workspace in PostgreSQL (``pg/workspace.py``), so the two cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from archive_tui.workspace.base import Change


class DerivedCalls:
    """Mixed into both workspaces; each supplies change_tags/marks/set_marked/add_to_list/
    tags/note/log_event."""

    def add_tags(self, record_ids: Iterable[str], tags: Iterable[str]) -> list[Change]:
        return self.change_tags(record_ids, add=tags)  # type: ignore[attr-defined]

    def remove_tags(self, record_ids: Iterable[str], tags: Iterable[str]) -> list[Change]:
        return self.change_tags(record_ids, remove=tags)  # type: ignore[attr-defined]

    def clear_marks(self) -> None:
        self.set_marked(self.marks(), False)  # type: ignore[attr-defined]

    def save_marks_as_list(self, name: str) -> list[Change]:
        """Add the current selection to list ``name`` (made if new)."""
        return self.add_to_list(name, self.marks())  # type: ignore[attr-defined]

    def annotations_of(self, record_id: str) -> tuple[list[str], str | None]:
        """(tags, note) of a record: what ``export.export_records(annotations=...)`` takes."""
        return self.tags(record_id), self.note(record_id)  # type: ignore[attr-defined]

    def log_search(
        self, query: str, filters: Mapping[str, Any] | None, count: int, sort: str | None = None
    ) -> None:
        """Log a committed search (its sort kept, so a re-run sorts alike)."""
        extra = {"sort": sort} if sort else {}
        self.log_event(  # type: ignore[attr-defined]
            "search", query=query, filters=dict(filters or {}), count=count, **extra
        )
