"""The shipped archive's records by id, read once per test session (for exact expectations)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson

SHIPPED_PATH = Path(__file__).resolve().parents[1] / "data" / "records.json"


@lru_cache(maxsize=1)
def shipped_records() -> dict[str, dict]:
    """id -> record of data/records.json (a TinyDB file: table ``records``)."""
    table = orjson.loads(SHIPPED_PATH.read_bytes())["records"]
    return {r["id"]: r for r in table.values()}
