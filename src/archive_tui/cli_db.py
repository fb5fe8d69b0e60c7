"""The CLI's PostgreSQL side: ``db init`` / ``db migrate`` / ``db status``, and the commands
that read or import when ``--db`` (or ``ARCHIVE_TUI_DB``) is a ``postgresql://`` address.

cli.py asks :func:`database_target` first; for a database it opens a PgArchive (the same
calls as the local Archive, see backend.py) or imports through :func:`import_into_database`.
"""

from __future__ import annotations

import argparse
from typing import Any

from .backend import ENV, database_address, is_database_address


def database_target(args: argparse.Namespace) -> str | None:
    """The ``postgresql://`` address this command works on, or None (a local archive).

    ``--db`` wins; without it, ``ARCHIVE_TUI_DB`` when it holds a database address.
    """
    explicit = getattr(args, "db", None)
    if explicit:
        return str(explicit) if is_database_address(explicit) else None
    address = database_address(None)
    return address if is_database_address(address) else None


def open_database_archive(address: str) -> Any:
    """A PgArchive (DatabaseProblem, one sentence, when it cannot be used)."""
    from .pg.archive import PgArchive

    return PgArchive.open(address)


def import_into_database(
    args: argparse.Namespace,
    address: str,
    records: list[dict],
    problems: list[str],
    report: dict[str, Any],
) -> int:
    """``archive-tui import FILE --db postgresql://…``: one transaction, nothing on failure."""
    from .cli import EXIT_OK, dump_json, plural
    from .pg.connection import redact
    from .pg.records import prepare

    archive = open_database_archive(address)
    report = {**report, "archive": redact(address)}
    try:
        batch = prepare(records)
        if args.dry_run:
            existing = {r["id"]: archive.get(r["id"]) for r in batch}
            added = sum(1 for r in batch if existing[r["id"]] is None)
            updated = sum(1 for r in batch if existing[r["id"]] not in (None, r))
        else:
            added, updated = archive.add(batch) if batch else (0, 0)
    finally:
        archive.close()
    unchanged = len(records) - added - updated
    if args.json:
        dump_json({**report, "added": added, "updated": updated, "unchanged": unchanged})
        return EXIT_OK
    where = redact(address)
    if args.dry_run:
        print(
            f"dry run: {plural(len(records), 'valid record')}; importing would add {added:,} "
            f"and update {updated:,} in {where} ({unchanged:,} unchanged); nothing was written"
        )
        return EXIT_OK
    skipped = f"; {plural(len(problems), 'invalid entry', 'invalid entries')} skipped"
    print(
        f"imported {plural(len(records), 'record')} into {where}: "
        f"{added:,} added, {updated:,} updated, {unchanged:,} unchanged"
        + (skipped if problems else "")
    )
    return EXIT_OK


def stats_json(archive: Any, info: dict) -> dict:
    """A PgArchive's stats with the keys the local ``stats --json`` has."""
    return {
        "records": info["records"],
        "base_records": 0,
        "user_records": info["records"],
        "path": info["path"],
        "base": None,
        "date_min": info["date_min"],
        "date_max": info["date_max"],
        "collections": info["collections"],
        "people": info["people"],
        "subjects": info["subjects"],
        "vocabulary": info["vocabulary"],
        "from_cache": False,
        "open_ms": 0.0,
        "segments": [],
        "fallbacks": 0,
    }


def cmd_db(args: argparse.Namespace) -> int:
    """``db init`` / ``db migrate`` (the same: apply what is pending) and ``db status``."""
    from .cli import EXIT_OK, EXIT_USAGE, CliError, dump_json
    from .pg.connection import connect, redact
    from .pg.migrations import applied, available, migrate, pending

    address = database_target(args)
    if address is None:
        raise CliError(
            f"error: db {args.db_command} needs --db postgresql://… (or {ENV})", EXIT_USAGE
        )
    with connect(address, autocommit=True) as conn:
        if args.db_command == "status":
            waiting = pending(conn)
            info = {
                "database": redact(address),
                "applied": applied(conn),
                "pending": [m.version for m in waiting],
                "known": [m.version for m in available()],
            }
            if args.json:
                dump_json(info)
            else:
                print(
                    f"{info['database']}: schema versions {info['applied'] or 'none'} applied, "
                    f"{info['pending'] or 'none'} pending"
                )
            return EXIT_OK
        done = migrate(conn)
    versions = [f"{m.version:04d}_{m.name}" for m in done]
    if args.json:
        dump_json({"database": redact(address), "applied_now": versions})
    elif versions:
        print(f"{redact(address)}: applied {', '.join(versions)}")
    else:
        print(f"{redact(address)}: the schema is up to date")
    return EXIT_OK


def add_db_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``db init|migrate|status`` on cli.py's subparsers."""
    db = commands.add_parser(
        "db",
        parents=[common],
        help="create or upgrade a PostgreSQL archive (--db postgresql://…)",
        description="PostgreSQL archives: init creates the tables, migrate applies newer "
        f"schema versions, status lists them. The address comes from --db or {ENV}.",
    )
    db.add_argument("db_command", choices=("init", "migrate", "status"))
    db.add_argument("--json", action="store_true", help="print one JSON object")
    db.set_defaults(func=cmd_db)


__all__ = [
    "add_db_commands",
    "database_target",
    "import_into_database",
    "open_database_archive",
    "stats_json",
]
