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
        self._blocks: dict[str, bytes] = {}  # table name -> its joined part of the file

    def payload(
        self, tables: Tables, dirty: set[str] | None, appended: dict[str, list[str]]
    ) -> bytes:
        """The whole file; ValueError naming the entry if one is not JSON or not read back.

        Only tables in ``dirty`` (None: all) are joined again; a table in ``appended`` gets
        those entries' lines added to its last block. Unchanged tables reuse their block.
        """
        blocks = {}
        for name, table in tables.items():
            block = self._blocks.get(name)
            if block is None or dirty is None or name in dirty or not table:
                block = self._block(name, table)
            elif name in appended:
                if block.endswith(b"{}"):
                    block = self._block(name, table)
                else:
                    rows = [self._row(name, i, table[i]) for i in appended[name]]
                    block = block[:-2] + b",\n" + b",\n".join(rows) + b"\n}"
            blocks[name] = block
        self._blocks = blocks
        count = sum(len(table) for table in tables.values())
        if len(self._lines) > 2 * count + 64:  # forget the lines of entries gone
            live = {(n, i) for n, t in tables.items() for i in t}
            self._lines = {k: v for k, v in self._lines.items() if k in live}
        return b"{" + b", ".join(blocks.values()) + b"}\n"

    def _block(self, name: str, table: dict[str, dict[str, Any]]) -> bytes:
        head = orjson.dumps(name)
        if not table:
            return b"%s: {}" % head
        rows = [self._row(name, doc_id, doc) for doc_id, doc in table.items()]
        return b"%s: {\n%s\n}" % (head, b",\n".join(rows))

    def _row(self, name: str, doc_id: str, doc: dict[str, Any]) -> bytes:
        key = (name, doc_id)
        hit = self._lines.get(key)
        if hit is None or hit[0] is not doc:
            hit = self._lines[key] = (doc, _line(name, doc_id, doc))
        return hit[1]


def _line(table: str, doc_id: str, doc: dict[str, Any]) -> bytes:
    try:
        body = orjson.dumps(doc)
    except TypeError as error:
        raise ValueError(f"entry {doc_id} of table {table!r} is not JSON ({error})") from None
    if orjson.loads(body) != doc:  # NaN written as null, and the like
        raise ValueError(f"entry {doc_id} of table {table!r} does not read back the same")
    return b"%s: %s" % (orjson.dumps(str(doc_id)), body)
