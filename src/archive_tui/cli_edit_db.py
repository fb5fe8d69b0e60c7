"""``archive-tui remove`` and ``edit`` on a PostgreSQL archive (``--db postgresql://…``).

The same output and ``--json`` as on a local archive (cli_edit.py), with the address
(its password hidden) where a store path would be. A database has no shipped archive
under it, so nothing is ever "restored". Removing a record keeps the annotations of
every workspace (listed as orphans), as locally; the database's own rights decide who
may write (a refusal is one sentence, see cli._database_error).
"""

from __future__ import annotations

import argparse

from archive_tui.cli import (
    EXIT_OK,
    CliError,
    _database_error,
    _err,
    dump_json,
    plural,
    visible,
)


def _open(address: str):  # -> PgArchive
    from archive_tui.cli_db import open_database_archive

    return open_database_archive(address)


def _refusal(error: Exception) -> str:
    """Why PgArchive.add refused an edited record, as one clause."""
    reason = " ".join(str(error).split())
    reason = reason.removeprefix("the import failed and nothing of it was kept: ")
    if "permission denied" in reason:
        return (
            f"the database refused: {reason} (ask its administrator to run archive-tui db "
            "add-user YOUR_ROLE --importer)"
        )
    return f"the database failed: {reason}"


def remove_in_database(args: argparse.Namespace, address: str) -> int:
    """Remove ``args.ids`` (all or none: an unknown id removes nothing)."""
    from archive_tui.pg.connection import redact

    where = redact(address)
    ids = list(dict.fromkeys(args.ids))
    archive = _open(address)
    try:
        missing = [record_id for record_id in ids if archive.get(record_id) is None]
        if missing:
            for record_id in missing:
                _err(f"no record with id {visible(repr(record_id))} in {where}")
            count = plural(len(missing), "id")
            raise CliError(f"error: {count} cannot be removed; nothing was removed")
        removed = archive.remove(ids)
    finally:
        archive.close()
    if removed != len(ids):  # another session removed some meanwhile: say so, never hide it
        _err(f"note: {plural(len(ids) - removed, 'record')} had been removed meanwhile")
    if args.json:
        dump_json({"command": "remove", "archive": where, "removed": ids, "restored": []})
        return EXIT_OK
    print(f"removed {plural(removed, 'record')} from {where}")
    return EXIT_OK


def edit_in_database(args: argparse.Namespace, address: str) -> int:
    """Edit one record in the editor; saved only if nobody changed it meanwhile."""
    from archive_tui.cli_edit import edit_in_editor
    from archive_tui.editing import edit_file_path, finish_edit
    from archive_tui.paths import user_archive_path
    from archive_tui.pg.connection import redact

    where = redact(address)
    archive = _open(address)
    try:
        record = archive.get(args.id)
        if record is None:
            raise CliError(f"error: no record with id {visible(repr(args.id))}")
        folder = user_archive_path().parent / "edits"

        edited = edit_in_editor(record, folder)
        if edited is not None:
            if archive.get(args.id) != record:  # a colleague saved it while you edited
                kept = edit_file_path(folder, args.id)
                raise CliError(
                    f"error: {visible(repr(args.id))} was changed in {where} while you edited "
                    f"it, so your edit was not saved; your text is kept in {kept}"
                )
            try:
                archive.add([edited])  # one transaction
            except Exception as error:  # refused (a researcher), or the server failed
                kept = edit_file_path(folder, args.id)
                reason = _database_error(error) or _refusal(error)
                raise CliError(
                    f"error: {visible(reason)}; your edit was not saved and is kept in {kept}"
                ) from None
            finish_edit(folder, args.id)
    finally:
        archive.close()
    if args.json:
        dump_json(
            {
                "command": "edit",
                "id": args.id,
                "archive": where,
                "saved": edited is not None,
                "overrides_shipped": False,
            }
        )
        return EXIT_OK
    if edited is None:
        print(f"no changes to {visible(repr(args.id))}; nothing was saved")
    else:
        print(f"saved {visible(repr(args.id))} in {where}")
    return EXIT_OK


__all__ = ["edit_in_database", "remove_in_database"]
