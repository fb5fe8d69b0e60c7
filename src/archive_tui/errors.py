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


_JSON_PHRASES = {
    "Expecting value": "a value was expected here",
    "Expecting property name enclosed in double quotes": (
        "a key in double quotes was expected here"
    ),
    "Expecting ':' delimiter": "a colon (:) was expected here",
    "Expecting ',' delimiter": "a comma (,) was expected here",
    "Unterminated string starting at": "a string starts here and is never closed",
    "Invalid control character at": "a string holds a raw control character here",
    "Invalid \\escape": "a backslash escape here is not valid JSON",
    "Invalid \\uXXXX escape": "a \\u escape here is not four hex digits",
    "Extra data": "more text follows the end of the JSON value",
    "Illegal trailing comma before end of object": "a comma ends an object",
    "Illegal trailing comma before end of array": "a comma ends a list",
}


def json_error_phrase(message: str) -> str:
    """The standard JSON parser's terse message (``Unterminated string starting at``,
    a phrase cut before its position) as a whole phrase a user can act on."""
    message = message.strip()
    for terse, phrase in _JSON_PHRASES.items():
        if message == terse or message.startswith(terse + ":"):
            return phrase
    return message
