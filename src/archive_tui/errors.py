"""Errors about a file, told in one sentence that names the file.

The store and the importer both report a file they cannot use: the path, the reason,
and for bad JSON the line and column, so a user can open the file at the right place.
"""

from __future__ import annotations

import os
from pathlib import Path


class FileProblem(Exception):
    """A file that cannot be used; ``str()`` is ``TEMPLATE`` filled with path and reason."""

    TEMPLATE = "{path}: {reason}"

    def __init__(
        self,
        path: os.PathLike[str] | str,
        reason: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        return self.TEMPLATE.format(path=self.path, reason=self.reason)
