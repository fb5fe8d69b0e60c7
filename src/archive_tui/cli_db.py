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
    if args.db_command == "add-user":
        return _add_user(args, address)
    if args.db_command == "compact":
        return _compact(args, address)
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


def _compact(args: argparse.Namespace, address: str) -> int:
    """``db compact [--all]``: rewrite the import chunks left mostly dead by replaced or
    removed records (imports do the worst ones themselves) and give word positions to rows
    imported before schema 0003 (their phrases are otherwise checked the old, slower way)."""
    from .cli import EXIT_OK, dump_json
    from .pg.compact import compact
    from .pg.connection import connect, redact

    with connect(address, autocommit=True) as conn:
        done = compact(conn, everything=args.all)
    if args.json:
        dump_json({"database": redact(address), **done.to_dict()})
    else:
        print(
            f"{redact(address)}: {done.chunks} chunks rewritten, {done.records} records "
            f"indexed anew, {done.dead} dead posting entries gone"
        )
    return EXIT_OK


def _add_user(args: argparse.Namespace, address: str) -> int:
    """``db add-user NAME``: a login role in the researchers' group (and, with
    ``--importer``, the importers' group). A password only from stdin, never argv."""
    import sys

    from .cli import EXIT_OK, EXIT_USAGE, CliError, dump_json
    from .pg.connection import connect, redact
    from .pg.workspace_admin import add_user

    if not args.name:
        raise CliError("error: db add-user needs a role name: db add-user NAME", EXIT_USAGE)
    password = None
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CliError("error: --password-stdin read an empty password", EXIT_USAGE)
    with connect(address, autocommit=True) as conn:
        created = add_user(conn, args.name, password)
        groups = ["archive_tui_users"]
        if args.importer:
            from psycopg import sql

            from .pg import DatabaseProblem

            found = conn.execute(
                "SELECT 1 FROM pg_roles WHERE rolname = 'archive_tui_importers'"
            ).fetchone()
            if found is None:
                raise DatabaseProblem(
                    "this database has no group archive_tui_importers: run db migrate first"
                )
            conn.execute(
                sql.SQL("GRANT archive_tui_importers TO {}").format(sql.Identifier(args.name))
            )
            groups.append("archive_tui_importers")
    if args.json:
        dump_json({"database": redact(address), "role": args.name, "created": created,
                   "groups": groups})  # fmt: skip
    else:
        made = "created" if created else "already existed"
        print(f"{args.name} ({made}) is a member of {', '.join(groups)} in {redact(address)}")
    return EXIT_OK


def add_db_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``db init|migrate|status|add-user|compact`` on cli.py's subparsers."""
    db = commands.add_parser(
        "db",
        parents=[common],
        help="create or upgrade a PostgreSQL archive (--db postgresql://…)",
        description="PostgreSQL archives: init creates the tables, migrate applies newer "
        "schema versions, status lists them, add-user NAME makes a login role a researcher "
        "(its own private workspace; --importer: may import), compact rewrites the posting "
        "lists left mostly dead by replaced or removed records (--all: every chunk). "
        f"The address comes from --db or {ENV}.",
    )
    db.add_argument("db_command", choices=("init", "migrate", "status", "add-user", "compact"))
    db.add_argument("name", nargs="?", help="add-user: the researcher's role name")
    db.add_argument(
        "--importer", action="store_true", help="add-user: may also import and remove records"
    )
    db.add_argument(
        "--password-stdin",
        action="store_true",
        help="add-user: read the new role's password from the first line of stdin",
    )
    db.add_argument(
        "--all", action="store_true", help="compact: rewrite every chunk, not only the worst"
    )
    db.add_argument("--json", action="store_true", help="print one JSON object")
    db.set_defaults(func=cmd_db)


__all__ = [
    "add_db_commands",
    "database_target",
    "import_into_database",
    "open_database_archive",
    "stats_json",
]
