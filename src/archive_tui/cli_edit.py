"""The commands that change your own records: ``archive-tui edit ID`` and ``remove ID…``.

Kept apart from cli.py (which defines their arguments) because they are about
ownership: only the writable archive (yours, or ``--db``) is ever changed; a shipped
record is edited by saving your own copy over it, and removing that copy brings the
shipped one back.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archive_tui.cli import (
    EXIT_OK,
    PROG,
    CliError,
    _db_path,
    _err,
    dump_json,
    plural,
    visible,
)


def _writable_store_path(args: argparse.Namespace) -> Path:
    """The archive a write goes to: --db (which must exist), else the user's archive."""
    from archive_tui.paths import user_archive_path

    db = _db_path(args)
    if db is not None and not db.exists():
        raise CliError(f"error: no archive at {db} (import a file into it to create it)")
    return db or user_archive_path()


def _shipped_records(args: argparse.Namespace) -> dict[str, dict]:
    """The shipped archive's records by id (none with --db, which is used alone)."""
    from archive_tui.paths import shipped_archive_path
    from archive_tui.store import RecordStore

    shipped = shipped_archive_path()
    if _db_path(args) is not None or not shipped.exists():
        return {}
    return {r["id"]: r for r in RecordStore.open(shipped, read_only=True).load()}


def cmd_remove(args: argparse.Namespace) -> int:
    from archive_tui.cli_db import database_target
    from archive_tui.store import RecordStore

    if (address := database_target(args)) is not None:  # postgresql://
        from archive_tui.cli_edit_db import remove_in_database

        return remove_in_database(args, address)

    target = _writable_store_path(args)
    store = RecordStore.open(target, create=True)
    own = {r["id"] for r in store.load()}
    ids = list(dict.fromkeys(args.ids))
    missing = [record_id for record_id in ids if record_id not in own]
    shipped = _shipped_records(args)
    if missing:
        for record_id in missing:
            shown = visible(repr(record_id))
            if record_id in shipped:
                _err(
                    f"{shown} is a record of the shipped archive, which is never changed: only "
                    f"records of your own archive ({target}) can be removed"
                )
            else:
                _err(f"no record with id {shown} in {target}")
        count = plural(len(missing), "id")
        raise CliError(f"error: {count} cannot be removed; nothing was removed")
    restored = [record_id for record_id in ids if record_id in shipped]
    from archive_tui.archive import write_store

    removed = write_store(store, lambda: (store.remove(ids), 0))[0]  # the index kept current
    if args.json:
        dump_json(
            {"command": "remove", "archive": str(target), "removed": ids, "restored": restored}
        )
        return EXIT_OK
    print(f"removed {plural(removed, 'record')} from {target}")
    for record_id in restored:
        print(f"the shipped record {visible(repr(record_id))} shows again (yours overrode it)")
    return EXIT_OK


def cmd_edit(args: argparse.Namespace) -> int:
    from archive_tui.cli_db import database_target

    if (address := database_target(args)) is not None:  # postgresql://
        from archive_tui.cli_edit_db import edit_in_database

        return edit_in_database(args, address)
    from archive_tui.editing import finish_edit
    from archive_tui.paths import user_archive_path
    from archive_tui.store import RecordStore

    target = _writable_store_path(args)
    store = RecordStore.open(target, create=True)
    record = next((r for r in store.load() if r["id"] == args.id), None)
    shipped = record is None and args.id in (shipped_records := _shipped_records(args))
    if shipped:
        record = shipped_records[args.id]
    if record is None:
        raise CliError(f"error: no record with id {visible(repr(args.id))}")
    folder = user_archive_path().parent / "edits"

    edited = edit_in_editor(record, folder)
    if edited is not None:
        from archive_tui.archive import write_store

        write_store(store, lambda: store.upsert([edited]))  # atomic, locked; index kept current
        finish_edit(folder, args.id)
    if args.json:
        dump_json(
            {
                "command": "edit",
                "id": args.id,
                "archive": str(target),
                "saved": edited is not None,
                "overrides_shipped": bool(shipped and edited is not None),
            }
        )
        return EXIT_OK
    if edited is None:
        print(f"no changes to {visible(repr(args.id))}; nothing was saved")
    elif shipped:
        print(
            f"saved {visible(repr(args.id))} in {target}: your copy now overrides the shipped "
            f"record (`{PROG} remove {visible(args.id)}` brings the shipped one back)"
        )
    else:
        print(f"saved {visible(repr(args.id))} in {target}")
    return EXIT_OK


def edit_in_editor(record: dict, folder: Path) -> dict | None:
    """``record`` edited in $EDITOR (its text kept under ``folder``); asked again on a
    mistake; None when left unchanged. Both the local and the database edit use it."""
    from archive_tui.editing import EditError, edit_record

    def ask_again(reason: str) -> bool:
        _err(visible(reason))
        sys.stderr.write("Open it again in the editor? [Y/n] ")
        sys.stderr.flush()
        answer = sys.stdin.readline()
        return bool(answer) and answer.strip().lower() in ("", "y", "yes")

    try:
        return edit_record(record, folder, ask_again=ask_again, say=_err)
    except EditError as error:
        raise CliError(f"error: {error}") from None
