"""The research workspace: a user's tags, notes, lists, marks, saved searches, history,
session and research log, in one TinyDB JSON file apart from the archives.

Public API (see docs/architecture.md): :class:`Workspace`, :class:`WorkspaceError`,
:class:`Change`, :class:`SavedSearch`, :class:`Orphan`, :func:`export_workspace`,
:func:`merge_workspace` (:class:`MergeReport`).
"""

from archive_tui.workspace.base import Change, WorkspaceError
from archive_tui.workspace.data import Orphan, Workspace, clean_tag
from archive_tui.workspace.merge import MergeReport, export_workspace, merge_workspace
from archive_tui.workspace.state import HISTORY_CAP, SavedSearch

__all__ = [
    "HISTORY_CAP",
    "Change",
    "MergeReport",
    "Orphan",
    "SavedSearch",
    "Workspace",
    "WorkspaceError",
    "clean_tag",
    "export_workspace",
    "merge_workspace",
]
