"""The research workspace: a user's tags, notes, lists, marks, saved searches, history,
session and research log, in one TinyDB JSON file apart from the archives.

Public API (see docs/architecture.md): :class:`Workspace`, :class:`WorkspaceError`,
:class:`Change`, :class:`SavedSearch`, :class:`Orphan`.
"""

from archive_tui.workspace.base import Change, WorkspaceError
from archive_tui.workspace.data import HISTORY_CAP, Orphan, SavedSearch, Workspace, clean_tag

__all__ = [
    "HISTORY_CAP",
    "Change",
    "Orphan",
    "SavedSearch",
    "Workspace",
    "WorkspaceError",
    "clean_tag",
]
