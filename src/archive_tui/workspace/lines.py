"""The workspace file's bytes, one entry a line, without re-serializing what did not change.

The layout is exactly ``store.dumps_tables``'s (a test holds them equal), so any reader of
the archive store's files reads a workspace. Each entry's line is serialized once and
verified once (parsed back and compared) when the entry object is new; a write then joins
cached lines. Entries are never changed in place (the workspace replaces an entry's dict),
so an entry object that is still the same object still has the same line.
"""

from __future__ import annotations

from typing import Any

import orjson

Tables = dict[str, dict[str, dict[str, Any]]]


class LineCache:
    def __init__(self) -> None:
        self._lines: dict[tuple[str, str], tuple[dict[str, Any], bytes]] = {}

    def payload(self, tables: Tables) -> bytes:
        """The whole file; ValueError naming the entry if one is not JSON or not read back."""
        lines = self._lines
        parts = []
        count = 0
        for name, table in tables.items():
            head = orjson.dumps(name)
            if not table:
                parts.append(b"%s: {}" % head)
                continue
            rows = []
            for doc_id, doc in table.items():
                key = (name, doc_id)
                hit = lines.get(key)
                if hit is None or hit[0] is not doc:
                    hit = lines[key] = (doc, _line(name, doc_id, doc))
                rows.append(hit[1])
            count += len(rows)
            parts.append(b"%s: {\n%s\n}" % (head, b",\n".join(rows)))
        if len(lines) > 2 * count + 64:  # forget the lines of entries gone
            live = {(n, i) for n, t in tables.items() for i in t}
            self._lines = {k: v for k, v in lines.items() if k in live}
        return b"{" + b", ".join(parts) + b"}\n"


def _line(table: str, doc_id: str, doc: dict[str, Any]) -> bytes:
    try:
        body = orjson.dumps(doc)
    except TypeError as error:
        raise ValueError(f"entry {doc_id} of table {table!r} is not JSON ({error})") from None
    if orjson.loads(body) != doc:  # NaN written as null, and the like
        raise ValueError(f"entry {doc_id} of table {table!r} does not read back the same")
    return b"%s: %s" % (orjson.dumps(str(doc_id)), body)
