"""Edit one record as JSON in the user's editor, losing nothing on the way.

The record is written to a file in the user's data folder (``edits/``), the editor runs
on it, and the text is read back, parsed and validated. On an error the reason is
shown and the user may open the file again; otherwise the file stays where it is and
is named, so the edited text is never lost. Only a valid record is returned; the
caller writes it atomically (``RecordStore.upsert``), into the user's archive: a
shipped record edited becomes an override there, the shipped file is never changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

from archive_tui.records import RecordError, normalize_record

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EditError(Exception):
    """The edit could not be finished; the message says why and where the text is kept."""


def editor_command() -> list[str]:
    """``$VISUAL``, else ``$EDITOR``, else ``vi``, split as a shell would (``code --wait``)."""
    for name in ("VISUAL", "EDITOR"):
        value = os.environ.get(name, "").strip()
        if value:
            return shlex.split(value)
    return ["vi"]


def edit_file_path(folder: Path, record_id: str) -> Path:
    """Where the record being edited is kept: readable name, plus a hash of the exact id."""
    safe = _UNSAFE.sub("-", record_id).strip("-")[:60] or "record"
    digest = hashlib.sha1(record_id.encode("utf-8")).hexdigest()[:8]
    return folder / f"edit-{safe}-{digest}.json"


def record_text(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2) + "\n"


def check_edited(text: str, record_id: str) -> dict:
    """The record in ``text``, validated; ValueError with one sentence saying what is wrong."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"it is not valid JSON at line {error.lineno}, column {error.colno} ({error.msg})"
        ) from None
    try:
        record = normalize_record(value)
    except RecordError as error:
        raise ValueError(f"the record is not valid: {error.reason}") from None
    if record["id"] != record_id:
        raise ValueError(
            f"the id was changed to {record['id']!r}; an edit keeps the id {record_id!r} "
            "(import a file to add a record under a new id)"
        )
    return record


def run_editor(path: Path, what: str) -> str:
    """Open ``path`` in the user's editor and read it back once the editor exits.

    EditError when the editor cannot be started or fails; its message names ``path``,
    which keeps the text (``what`` says what is in it: "record", "note").
    """
    command = editor_command()
    try:
        status = subprocess.run([*command, str(path)], check=False).returncode
    except OSError as error:
        raise EditError(
            f"the editor {command[0]!r} cannot be started ({error.strerror or error}); "
            f"set $EDITOR; the {what} is in {path}"
        ) from None
    if status != 0:
        raise EditError(
            f"the editor exited with status {status}; nothing was saved, and the "
            f"edited text is kept in {path}"
        )
    return path.read_text(encoding="utf-8", errors="surrogateescape")


def edit_record(
    record: dict,
    folder: Path,
    *,
    ask_again: Callable[[str], bool],
    say: Callable[[str], object],
) -> dict | None:
    """Open ``record`` in the editor until it is valid; the new record, or None if unchanged.

    ``ask_again(reason)`` shows why an edit is invalid and decides whether to re-open the
    editor; ``say`` shows a line to the user. EditError when the user gives up or the editor
    fails: the message names the file that keeps the edited text.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = edit_file_path(folder, record["id"])
    original = record_text(record)
    if path.exists():
        say(f"an earlier edit of this record was kept in {path}; it is replaced")
    path.write_text(original, encoding="utf-8")
    while True:
        try:
            text = run_editor(path, "record")
        except KeyboardInterrupt:
            kept = f"nothing was saved, and the text is kept in {path}"
            raise EditError(f"interrupted; {kept}") from None
        if text == original:
            path.unlink(missing_ok=True)
            return None
        try:
            edited = check_edited(text, record["id"])
        except ValueError as error:
            reason = f"the edited record cannot be saved: {error}"
            if ask_again(reason):
                continue
            # the reason went to ask_again; this says what became of the text
            raise EditError(f"the edit was not saved; your text is kept in {path}") from None
        if edited == record:
            path.unlink(missing_ok=True)
            return None
        return edited


def finish_edit(folder: Path, record_id: str) -> None:
    """The edit was saved: its file is no longer needed."""
    edit_file_path(folder, record_id).unlink(missing_ok=True)
