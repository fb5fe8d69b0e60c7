"""The record schema: what a stored document looks like, and how raw input becomes one.

A record is a plain dict so that it serializes as it is and costs no wrapper per
document. Normalizing never strips, re-encodes or reorders what was given: the
only changes are that a single string in a list field becomes a one-item list and
that a ``null`` in a known optional field means the field is absent. Everything
else that is not valid is an error naming the record, the field and the value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard

import orjson

from archive_tui.dates import DateError, DocDate, parse_date

REQUIRED_FIELDS = ("id", "date", "title")
STRING_FIELDS = (
    "summary",
    "text",
    "collection",
    "document_type",
    "language",
    "source",
    "url",
    "classification",
)
LIST_FIELDS = ("subjects", "people", "places")
KNOWN_FIELDS = REQUIRED_FIELDS + STRING_FIELDS + LIST_FIELDS

#: How many errors a ValidationFailed message lists before "and N more".
MAX_LISTED_ERRORS = 20

# A lone surrogate (from a JSON escape such as "\ud800") is not a character and
# cannot be written as UTF-8, so it is refused rather than silently replaced.
_SURROGATE = re.compile("[\ud800-\udfff]")
TextCheck = Callable[[str, str], None]
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1
_REQUIRED_SET = frozenset(REQUIRED_FIELDS)
_STRING_SET = frozenset(STRING_FIELDS)
_LIST_SET = frozenset(LIST_FIELDS)
_KNOWN_SET = frozenset(KNOWN_FIELDS)


class RecordError(ValueError):
    """One invalid record: where it is, which id it claims, and what is wrong."""

    def __init__(
        self, reason: str, position: int | None = None, record_id: str | None = None
    ) -> None:
        self.reason = reason
        self.position = position
        self.record_id = record_id
        super().__init__(self._message())

    def _message(self) -> str:
        where = "record" if self.position is None else f"record {self.position}"
        if self.record_id is not None:
            where += f" (id {_show(self.record_id)})"
        return f"{where}: {self.reason}"

    def __str__(self) -> str:
        return self._message()


class ValidationFailed(ValueError):
    """A batch had invalid records; ``errors`` holds every one of them, in order."""

    def __init__(self, errors: list[RecordError]) -> None:
        self.errors = list(errors)
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.errors)
        noun = "record is" if count == 1 else "records are"
        lines = [f"{count} {noun} invalid:"]
        lines += [f"  {error}" for error in self.errors[:MAX_LISTED_ERRORS]]
        if count > MAX_LISTED_ERRORS:
            lines.append(f"  … and {count - MAX_LISTED_ERRORS} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._message()


def _show(value: object, limit: int = 60) -> str:
    """A value for an error message: quoted, escaped, and cut when long."""
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _kind(value: object) -> str:
    """What a JSON reader would call the value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return f"a {type(value).__name__}"


def _check_text(field: str, value: str) -> None:
    if not value.isascii() and _SURROGATE.search(value):
        raise ValueError(f"{field} holds a lone surrogate (\\ud800-\\udfff), which is not text")


def _check_json(field: str, value: Any, depth: int = 0) -> None:
    """Unknown fields may hold any JSON value, but only JSON values (the file must parse back)."""
    if depth > 64:
        raise ValueError(f"{field} is nested too deeply")
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int):
        # Readers such as orjson turn larger integers into floats, which would alter them.
        if not _INT_MIN <= value <= _INT_MAX:
            raise ValueError(f"{field} holds an integer too large to store exactly")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{field} holds {value!r}, which JSON cannot store")
        return
    if isinstance(value, str):
        _check_text(field, value)
        return
    if isinstance(value, list):
        for item in value:
            _check_json(field, item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{field} has a key {_show(key)} that is not a string")
            _check_text(field, key)
            _check_json(field, item, depth + 1)
        return
    raise ValueError(f"{field} holds {_kind(value)}, which JSON cannot store")


def _date_reason(value: object, error: DateError) -> str:
    if error.reason.startswith("not a date"):
        return f"date {_show(value)} is {error.reason}"
    return f"date {_show(value)} is not a date: {error.reason}"


def _no_check(field: str, value: str) -> None:
    """Text parsed by orjson cannot hold lone surrogates: nothing to check."""


def _normal_value(field: str, value: Any, check_text: TextCheck) -> Any:
    """The stored form of one field's value; raises ValueError with the reason."""
    if field in _LIST_SET:
        if isinstance(value, str):
            check_text(field, value)
            return [value] if value else []
        if not isinstance(value, list | tuple):
            raise ValueError(f"{field} must be a list of strings, not {_kind(value)}")
        for number, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise ValueError(f"{field} item {number} is {_kind(item)}, not a string")
            check_text(field, item)
        return value if isinstance(value, list) else list(value)
    if field in _STRING_SET:
        if not isinstance(value, str):
            raise ValueError(f"{field} must be a string, not {_kind(value)}")
        check_text(field, value)
        return value
    _check_json(field, value)
    return value


def _encodes(raw: dict) -> bool:
    """True when orjson can write the record: then it holds no lone surrogate."""
    try:
        orjson.dumps(raw)
    except TypeError:  # orjson.JSONEncodeError included
        return False
    return True


def _record_id(raw: dict, position: int | None) -> str:
    """The record's id, or a RecordError saying why it has none."""
    record_id = raw.get("id")
    if "id" not in raw or record_id is None:
        raise RecordError("id is missing", position)
    if not isinstance(record_id, str):
        raise RecordError(f"id must be a string, not {_kind(record_id)} ({record_id!r})", position)
    if not record_id.strip():
        raise RecordError("id is empty", position, record_id)
    try:
        _check_text("id", record_id)
    except ValueError as error:
        raise RecordError(str(error), position) from None
    return record_id


# Record shapes seen, by their keys in order: for each value the type a plain record has
# there (str, or list for a list field), and the list fields; None when some key is not a
# known field (or not a str) or a required field is missing. Bounded: the keys come from files.
_Shape = tuple[tuple[type, ...], tuple[str, ...]]
_SHAPES: dict[tuple, _Shape | None] = {}
_SHAPES_SIZE = 256
_UNSEEN = object()


def _shape(keys: tuple) -> _Shape | None:
    if not _REQUIRED_SET.issubset(keys):
        return None
    types: list[type] = []
    lists: list[str] = []
    for key in keys:
        if type(key) is not str or key not in _KNOWN_SET:
            return None
        if key in _LIST_SET:
            types.append(list)
            lists.append(key)
        else:
            types.append(str)
    return tuple(types), tuple(lists)


def is_plain_record(raw: object) -> TypeGuard[dict]:
    """True when ``raw`` is a valid record already in normal form, lone surrogates aside.

    The common case, checked in a few steps: only known fields, every value exactly a str
    (a list of them in a list field), id and title not blank, a date that parses. False
    does not mean invalid, only that the full check must decide. Text is not scanned for
    lone surrogates: the caller knows it has none (parsed by orjson) or checks it.
    """
    if type(raw) is not dict:
        return False
    keys = tuple(raw)
    shape = _SHAPES.get(keys, _UNSEEN)
    if shape is _UNSEEN:
        shape = _shape(keys)
        if len(_SHAPES) < _SHAPES_SIZE:
            _SHAPES[keys] = shape
    if shape is None:
        return False
    types, lists = shape
    if tuple(map(type, raw.values())) != types:
        return False
    for field in lists:
        for item in raw[field]:
            if type(item) is not str:
                return False
    if not raw["id"].strip() or not raw["title"].strip():
        return False
    try:
        parse_date(raw["date"])
    except DateError:
        return False
    return True


def _check(
    raw: object, position: int | None, check_text: TextCheck = _check_text
) -> tuple[dict, bool]:
    """Validate ``raw``; returns (record, changed) where record is ``raw`` when nothing changes."""
    if is_plain_record(raw) and (
        check_text is _no_check or (check_text is _check_text and _encodes(raw))
    ):
        return raw, False
    if not isinstance(raw, dict):
        raise RecordError(f"is {_kind(raw)}, not an object", position)
    record_id = _record_id(raw, position)
    for field in ("date", "title"):
        if raw.get(field) is None:
            raise RecordError(f"{field} is missing", position, record_id)
    title = raw["title"]
    if not isinstance(title, str):
        raise RecordError(f"title must be a string, not {_kind(title)}", position, record_id)
    if not title.strip():
        raise RecordError("title is empty", position, record_id)
    date = raw["date"]
    if not isinstance(date, str):
        raise RecordError(
            f"date must be a string such as '1944-11-09', not {_kind(date)} ({_show(date)})",
            position,
            record_id,
        )
    try:
        parse_date(date)
    except DateError as error:
        raise RecordError(_date_reason(date, error), position, record_id) from None
    if check_text is _check_text and _encodes(raw):
        check_text = _no_check  # orjson found no lone surrogate anywhere in the record
    changes: dict[str, Any] = {}
    try:
        check_text("title", title)
        check_text("date", date)
        for field, value in raw.items():
            if field in _REQUIRED_SET:
                continue
            if field in _STRING_SET:
                if type(value) is str:  # the common case, checked inline for speed
                    check_text(field, value)
                    continue
            elif field in _LIST_SET:
                if type(value) is list and all(type(item) is str for item in value):
                    for item in value:
                        check_text(field, item)
                    continue
            else:
                if not isinstance(field, str):
                    raise ValueError(f"field name {_show(field)} is not a string")
                check_text("a field name", field)
            if value is None and (field in _STRING_SET or field in _LIST_SET):
                changes[field] = None  # null in a known optional field: the field is absent
                continue
            normal = _normal_value(field, value, check_text)
            if normal is not value:
                changes[field] = normal
    except ValueError as error:
        raise RecordError(str(error), position, record_id) from None
    if not changes:
        return raw, False
    record = {}
    for field, value in raw.items():
        if field in changes:
            if changes[field] is not None:
                record[field] = changes[field]
        else:
            record[field] = value
    return record, True


def normalize_record(raw: object, position: int | None = None) -> dict:
    """Return a new, valid record built from ``raw``; raises RecordError saying what is wrong.

    ``position`` (1-based) is only used to say where the record was in its batch.
    """
    record, changed = _check(raw, position)
    return record if changed else dict(record)


def ensure_record(raw: object, position: int | None = None, *, parsed_json: bool = False) -> dict:
    """Like normalize_record, but returns ``raw`` itself when it is already a valid record.

    The store uses it when loading, so that 100,000 stored records are checked
    without being copied. ``parsed_json`` skips the lone-surrogate scan for text that
    orjson parsed (it refuses them itself).
    """
    return _check(raw, position, _no_check if parsed_json else _check_text)[0]


def validate_records(raws: Iterable[object]) -> list[dict]:
    """Normalize a whole batch, or raise ValidationFailed listing every invalid record.

    Errors carry 1-based positions; an id repeated within the batch is an error
    naming the position that used it first.
    """
    records: list[dict] = []
    errors: list[RecordError] = []
    first_seen: dict[str, int] = {}
    for position, raw in enumerate(raws, start=1):
        try:
            record = normalize_record(raw, position)
        except RecordError as error:
            errors.append(error)
            continue
        record_id = record["id"]
        earlier = first_seen.setdefault(record_id, position)
        if earlier != position:
            errors.append(RecordError(f"id repeats record {earlier}", position, record_id))
            continue
        records.append(record)
    if errors:
        raise ValidationFailed(errors)
    return records


def record_date(record: dict) -> DocDate:
    """The parsed date of a (valid) record."""
    return parse_date(record["date"])
