"""The user's tags, notes and lists for ``archive-tui search`` / ``export`` (issue 10).

The workspace is opened read-only; a search never fails because of it: a corrupt or
unreadable workspace is one note on stderr and the search runs without annotations.
"""

from __future__ import annotations

import sys

from archive_tui.annotations import AnnotationIndex

PROG = "archive-tui"
# --filter names for the annotation facets (search.ANNOTATION_FILTER_NAMES maps them)
ANNOTATION_FILTER_FIELDS = ("tags", "lists", "tag", "list")


def search_annotations(address: str | None = None) -> AnnotationIndex | None:
    """The workspace's annotations, or None (no home folder, or a note said why).

    ``address``: a ``postgresql://`` database, whose workspace of the connected role
    is the one searched (the local file otherwise)."""
    from archive_tui.paths import home_available
    from archive_tui.workspace import Workspace, WorkspaceError

    if address is None and not home_available():
        return None
    try:
        if address is not None:
            from archive_tui.pg.workspace_open import open_workspace

            return AnnotationIndex.from_workspace(open_workspace(address, read_only=True))
        return AnnotationIndex.from_workspace(Workspace.open(read_only=True))
    except (WorkspaceError, OSError) as error:
        from archive_tui.cli import visible

        print(
            f"{PROG}: note: searching without your tags and notes: {visible(error)}",
            file=sys.stderr,
        )
        return None
