"""NUL characters (U+0000) in records stored in PostgreSQL, whose text cannot hold them.

A record keeps every character: its body is JSON, where orjson writes NUL as ``\\u0000``
inside strings, so :meth:`PgArchive.get` gives it back byte for byte. Only the columns
made from the record for searching hold raw text, and NUL reaches two of them:

- the title sort key (``title_key``): NUL and U+0001 become two characters starting
  with U+0001, the smallest PostgreSQL text may hold, so the order is exactly kept
  (:func:`title_key`);
- facet values (``archive_facet_values.value``): escaped reversibly (:func:`escape_value`,
  U+0001 is the escape) and read back by :func:`unescape_value`, so a facet and a filter
  show and match the very value the record holds, as locally.

A record id with NUL is refused in one sentence: ids are keys of the workspace tables too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .connection import DatabaseProblem

if TYPE_CHECKING:
    from .rows import Batch

_ESC = "\x01"
_ESCAPES = str.maketrans({"\x01": "\x01\x01", "\x00": "\x01\x02"})
_UNESCAPE = re.compile("\x01([\x01\x02])")
_TITLE = str.maketrans({"\x00": "\x01\x01", "\x01": "\x01\x02"})


def escape_value(value: str) -> str:
    """A facet value as stored: NUL and the escape character escaped (reversible)."""
    return value.translate(_ESCAPES) if "\x00" in value or _ESC in value else value


def unescape_value(value: str) -> str:
    """The facet value a stored one stands for (:func:`escape_value` undone)."""
    if _ESC not in value:
        return value
    return _UNESCAPE.sub(lambda m: "\x01" if m[1] == "\x01" else "\x00", value)


def refuse_nul_ids(records: Iterable[dict]) -> None:
    """DatabaseProblem (one sentence) if a record's id holds NUL (see above)."""
    for record in records:
        if "\x00" in record["id"]:
            shown = repr(record["id"].replace("\x00", "\u2400"))
            raise DatabaseProblem(
                f"the record id {shown} holds a NUL character, which a PostgreSQL archive "
                "cannot hold in an id; nothing was imported"
            )


def title_key(title: str) -> str:
    """A folded title as stored: NUL as U+0001 U+0001 and U+0001 as U+0001 U+0002, which
    keeps the order of any two titles (both codes sort below every other character)."""
    return title.translate(_TITLE) if "\x00" in title or _ESC in title else title


def storable(batch: Batch) -> Batch:
    """``batch`` (pg.rows.make_batch) with its raw-text columns free of NUL (see above)."""
    refuse_nul_ids({"id": i} for i in batch.ids)
    batch.titles = [title_key(t) for t in batch.titles]
    batch.values = [(field, escape_value(value)) for field, value in batch.values]
    return batch


__all__ = ["escape_value", "refuse_nul_ids", "storable", "title_key", "unescape_value"]
