"""Size limits on what an import may bring in, each with a flag to raise it.

One hostile record (a 50 MB one-word title) used to be accepted, and every later
search and the document view then worked through it. An import now refuses, with a
sentence naming the record, the field and the flag, anything past these limits:

=================  ==================  =====================================
limit              default             ``archive-tui import`` flag
=================  ==================  =====================================
import file        500 MB              ``--max-file-mb N``
record             4,000,000 chars     ``--max-record-chars N``
field (a string)   2,000,000 chars     ``--max-field-chars N``
token (a word)     1,000 chars         ``--max-token-chars N``
nesting            64 levels           (fixed: the store cannot write deeper)
=================  ==================  =====================================

``0`` for a flag means no limit. The shipped archive's largest record is 7,434
characters, its longest field 3,999 and its longest word 25.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

MB = 1_000_000
MAX_DEPTH = 64


@dataclass(frozen=True)
class ImportLimits:
    """The limits of one import; 0 (or None) for a field means no limit."""

    max_file_bytes: int = 500 * MB
    max_record_chars: int = 4_000_000
    max_field_chars: int = 2_000_000
    max_token_chars: int = 1_000
    max_depth: int = MAX_DEPTH


DEFAULT_LIMITS = ImportLimits()
NO_LIMITS = ImportLimits(0, 0, 0, 0, MAX_DEPTH)

FLAGS = {
    "max_file_bytes": "--max-file-mb",
    "max_record_chars": "--max-record-chars",
    "max_field_chars": "--max-field-chars",
    "max_token_chars": "--max-token-chars",
}


@lru_cache(maxsize=8)
def _long_word(limit: int) -> re.Pattern[str]:
    # starts only at a word's first letter, so each word is scanned once: linear time
    return re.compile(rf"(?<![^\W_])[^\W_]{{{limit + 1}}}")


def _short(value: object, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def record_problem(raw: object, limits: ImportLimits) -> str | None:
    """Why ``raw`` is over a limit (one phrase naming the field and the flag), or None."""
    total = 0
    stack: list[tuple[str, object, int]] = [("", raw, 0)]
    long_word = _long_word(limits.max_token_chars) if limits.max_token_chars else None
    while stack:
        name, value, depth = stack.pop()
        if depth > limits.max_depth:
            return f"{name or 'it'} nests lists or objects more than {limits.max_depth} deep"
        if isinstance(value, str):
            size = len(value)
            total += size
            if limits.max_field_chars and size > limits.max_field_chars:
                return (
                    f"{name or 'a value'} has {size:,} characters, over the limit of "
                    f"{limits.max_field_chars:,} ({FLAGS['max_field_chars']} raises it)"
                )
            if long_word is not None and size > limits.max_token_chars:
                found = long_word.search(value)
                if found is not None:
                    return (
                        f"{name or 'a value'} has a word of more than "
                        f"{limits.max_token_chars:,} characters ({_short(found.group())}), "
                        f"which no search could use ({FLAGS['max_token_chars']} raises the limit)"
                    )
        elif isinstance(value, dict):
            for key, item in value.items():
                total += len(key) if isinstance(key, str) else 0
                stack.append((f"{name}.{key}" if name else str(key), item, depth + 1))
        elif isinstance(value, list):
            for item in value:
                stack.append((name, item, depth + 1))
        if limits.max_record_chars and total > limits.max_record_chars:
            return (
                f"it has more than {limits.max_record_chars:,} characters in all "
                f"({FLAGS['max_record_chars']} raises the limit)"
            )
    return None


def check_records(raws: list[object], limits: ImportLimits) -> list[str]:
    """One sentence per record over a limit: ``record 3 (id 'x'): title has ...``."""
    problems = []
    for position, raw in enumerate(raws, start=1):
        reason = record_problem(raw, limits)
        if reason is not None:
            rid = raw.get("id") if isinstance(raw, dict) else None
            named = f" (id {_short(rid)})" if isinstance(rid, str) else ""
            problems.append(f"record {position:,}{named}: {reason}")
    return problems
