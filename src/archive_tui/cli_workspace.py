"""The research-workspace commands: saved, history, log, workspace; and the registration
of every workspace command (:func:`add_workspace_commands`, called by cli.py's parser).

The annotating ones (tag, tags, note, list, lists) and the export hooks are in
cli_annotate.py. Every command takes ``--json``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from archive_tui.cli import (
    EXIT_OK,
    SORTS,
    CliError,
    _default_style,
    _err,
    _output_text,
    build_filters,
    cmd_search,
    dump_json,
    field_line,
    open_archive,
    plural,
    visible,
)
from archive_tui.cli_annotate import (
    Command,
    _friendly,
    cmd_list,
    cmd_lists,
    cmd_note,
    cmd_tag,
    cmd_tags,
    open_workspace,
)
from archive_tui.workspace import (
    Orphan,
    SavedSearch,
    Workspace,
    WorkspaceError,
    export_workspace,
    merge_workspace,
)

# --------------------------------------------------------------------------- saved searches


def _filters_mapping(args: argparse.Namespace) -> dict[str, Any]:
    filters = build_filters(args)
    mapping: dict[str, Any] = {k: list(v) for k, v in filters.facets.items()}
    for key in ("date_from", "date_to"):
        if getattr(filters, key):
            mapping[key] = getattr(filters, key)
    return mapping


@_friendly
def cmd_saved(args: argparse.Namespace) -> int:
    if args.name is None:
        saved = open_workspace(args, read_only=True).saved_searches()
        if args.json:
            dump_json({"saved": [_saved_json(s) for s in saved]})
        for item in saved if not args.json else ():
            print(f"{field_line(item.name)}: {field_line(_describe_saved(item))}")
        if not saved and not args.json:
            print("no saved searches yet (`archive-tui saved NAME --query Q` saves one)")
        return EXIT_OK
    if args.query is not None or args.filter or args.date_from or args.date_to:
        ws = open_workspace(args)
        item = ws.save_search(args.name, args.query or "", _filters_mapping(args), args.sort)
        if args.json:
            dump_json({"command": "saved", "saved": _saved_json(item)})
        else:
            print(f"saved the search {visible(repr(item.name))}: {_describe_saved(item)}")
        return EXIT_OK
    ws = open_workspace(args, read_only=not args.delete)
    item = ws.saved_search(args.name)
    if item is None:
        raise KeyError(f"no saved search named {args.name!r} (`archive-tui saved` lists them)")
    if args.delete:
        ws.delete_saved_search(item.name)
        if args.json:
            dump_json({"command": "saved", "deleted": item.name})
        else:
            print(f"deleted the saved search {visible(repr(item.name))}")
        return EXIT_OK
    if args.run:
        return cmd_search(_search_args(args, item))
    if args.json:
        dump_json({"saved": _saved_json(item)})
    else:
        print(f"{field_line(item.name)}: {field_line(_describe_saved(item))}")
    return EXIT_OK


def _saved_json(item: SavedSearch) -> dict[str, Any]:
    return {"name": item.name, "query": item.query, "filters": item.filters, "sort": item.sort}


def _describe_saved(item: SavedSearch) -> str:
    from archive_tui.research_log import describe_filters

    parts = [f"`{item.query}`" if item.query else "(every record)"]
    if item.filters:
        parts.append(f"filters {describe_filters(item.filters)}")
    if item.sort:
        parts.append(f"sorted by {item.sort}")
    return ", ".join(parts)


def _search_args(args: argparse.Namespace, item: SavedSearch) -> argparse.Namespace:
    """The saved search as the arguments of `archive-tui search`."""
    filters = dict(item.filters)
    date_from, date_to = filters.pop("date_from", None), filters.pop("date_to", None)
    pairs = [
        f"{key}={value}"
        for key, values in filters.items()
        for value in (values if isinstance(values, list) else [values])
    ]
    return argparse.Namespace(
        **{**vars(args), "query": [item.query] if item.query else [], "filter": pairs,
           "date_from": date_from, "date_to": date_to, "sort": item.sort}
    )  # fmt: skip


# --------------------------------------------------------------------------- history and log


@_friendly
def cmd_history(args: argparse.Namespace) -> int:
    history = open_workspace(args, read_only=True).history()
    if args.json:
        dump_json({"history": history})
        return EXIT_OK
    for query in history:
        print(field_line(query))
    return EXIT_OK


@_friendly
def cmd_log(args: argparse.Namespace) -> int:
    ws = open_workspace(args, read_only=True)
    # the appendix is the whole log: the entries rolled out of the workspace too
    events = ws.log(older=args.markdown)
    if args.markdown:
        from archive_tui.research_log import log_markdown

        archive = open_archive(args)
        kept = list(dict.fromkeys([*ws.marks(), *_kept(ws)]))
        text = log_markdown(events, archive.get, kept, _default_style())
        if args.output:
            _write_text(Path(args.output).expanduser(), text, args.force)
            if args.json:
                dump_json({"command": "log", "path": args.output, "events": len(events)})
            else:
                print(f"wrote the research log ({plural(len(events), 'event')}) to {args.output}")
            return EXIT_OK
        sys.stdout.write(_output_text(text, raw=False))
        return EXIT_OK
    if args.json:
        dump_json({"log": events, "logging": ws.logging_enabled})
        return EXIT_OK
    from archive_tui.research_log import when

    for event in events:
        details = {k: v for k, v in event.items() if k not in ("at", "event")}
        shown = ", ".join(f"{k}={v}" for k, v in details.items())
        print(f"{when(event)}  {event['event']:<6}  {field_line(shown)}")
    if not ws.logging_enabled:
        print("(the research log is off)")
    return EXIT_OK


def _kept(ws: Workspace) -> Iterable[str]:
    for ids in ws.lists().values():
        yield from ids
    yield from ws.tagged()
    yield from ws.notes()


def _write_text(path: Path, text: str, force: bool) -> None:
    from archive_tui.atomic import atomic_write

    try:
        with atomic_write(path, text=True, overwrite=force) as out:
            out.write(text)
    except FileExistsError:
        raise CliError(f"error: {path} exists; use --force to overwrite it") from None


# --------------------------------------------------------------------------- the workspace file


@_friendly
def cmd_workspace(args: argparse.Namespace) -> int:
    from archive_tui.paths import workspace_path
    from archive_tui.pg.workspace_open import workspace_address

    address = workspace_address(getattr(args, "db", None))
    path: Path | str = workspace_path() if address is None else _redacted(address)
    if args.path:
        dump_json({"path": str(path)}) if args.json else print(path)
        return EXIT_OK
    if args.export:
        target = Path(args.export).expanduser()
        try:
            ws = open_workspace(args, read_only=True)
            count = export_workspace(ws, target, overwrite=args.force)  # type: ignore[arg-type]
        except FileExistsError:
            raise CliError(f"error: {target} exists; use --force to overwrite it") from None
        if args.json:
            dump_json({"command": "workspace", "exported": str(target), "entries": count})
        else:
            print(f"exported the workspace ({plural(count, 'entry', 'entries')}) to {target}")
        return EXIT_OK
    if args.import_file:
        source = Path(args.import_file).expanduser()
        if address is not None:  # into the role's workspace in PostgreSQL, one transaction
            from archive_tui.pg.workspace_merge import merge_into_database

            report = merge_into_database(open_workspace(args), source)  # type: ignore[arg-type]
        else:
            report = merge_workspace(open_workspace(args), source)
        if args.json:
            dump_json({"command": "workspace", "imported": args.import_file,
                       **{k: v for k, v in vars(report).items() if k != "changes"}})  # fmt: skip
            return EXIT_OK
        print(
            f"merged {args.import_file}: tags on {plural(report.records_tagged, 'record')}, "
            f"{plural(report.notes_added, 'new note')}, {plural(report.lists_changed, 'list')} "
            f"changed, {plural(len(report.saved_added), 'saved search', 'saved searches')}"
        )
        for record_id in report.notes_combined:
            print(
                f"the note of {visible(repr(record_id))} differed: both are kept, the "
                "imported one after a line '--- imported note ---'"
            )
        for name in report.saved_added:
            print(f"added the saved search {visible(repr(name))}")
        return EXIT_OK
    ws = open_workspace(args, read_only=True)
    if args.orphans:
        archive = open_archive(args)
        orphans = ws.orphans({record["id"] for record in archive.records()})
        if args.json:
            dump_json({"orphans": [_orphan_json(o) for o in orphans]})
            return EXIT_OK
        for orphan in orphans:
            print(f"{field_line(orphan.id)}: {field_line(_describe_orphan(orphan))}")
        print(f"{plural(len(orphans), 'orphaned record')} (annotations kept)")
        return EXIT_OK
    summary = _summary(ws)
    if args.json:
        dump_json({"path": str(path), **summary})
        return EXIT_OK
    print(path)
    for key, value in summary.items():
        print(f"  {key}: {value}")
    return EXIT_OK


def _redacted(address: str) -> str:
    from archive_tui.pg.connection import redact

    return redact(address)


def _orphan_json(orphan: Orphan) -> dict[str, Any]:
    return {"id": orphan.id, "tags": list(orphan.tags), "note": orphan.note,
            "lists": list(orphan.lists), "marked": orphan.marked}  # fmt: skip


def _describe_orphan(orphan: Orphan) -> str:
    parts = []
    if orphan.tags:
        parts.append("tags " + ", ".join(orphan.tags))
    if orphan.note:
        parts.append("a note")
    if orphan.lists:
        parts.append("in " + ", ".join(orphan.lists))
    if orphan.marked:
        parts.append("marked")
    return "; ".join(parts)


def _summary(ws: Workspace) -> dict[str, int]:
    return {
        "tagged records": len(ws.tagged()),
        "notes": len(ws.notes()),
        "lists": len(ws.lists()),
        "marks": len(ws.marks()),
        "saved searches": len(ws.saved_searches()),
        "history": len(ws.history()),
        "log events": len(ws.log()),
    }


# --------------------------------------------------------------------------- logging a search


def log_search_run(args: argparse.Namespace, total: int) -> None:
    """Note a search in the research log; never failing the search (a problem is one note)."""
    from archive_tui.paths import home_available

    if not home_available():
        return
    try:
        ws = open_workspace(args)
        if ws.logging_enabled:
            ws.log_search(" ".join(args.query), _filters_mapping(args), total)
    except (WorkspaceError, OSError) as error:
        _err(f"note: the research log was not written: {visible(error)}")


# --------------------------------------------------------------------------- parser


def add_workspace_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register the workspace commands on cli.py's subparsers."""

    def command(name: str, func: Command, help: str, **kw: Any) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, parents=[common], help=help, **kw)
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.set_defaults(func=func)
        return parser

    force = "tag/note/list ids no archive holds (kept as orphans)"
    tag = command("tag", cmd_tag, "add or remove tags on records; show their tags")
    tag.add_argument("ids", nargs="+", metavar="ID")
    tag.add_argument("--add", nargs="+", metavar="TAG", help="tags to add")
    tag.add_argument("--remove", nargs="+", metavar="TAG", help="tags to remove")
    tag.add_argument("--force", action="store_true", help=force)
    command("tags", cmd_tags, "every tag in use, with how many records carry it")

    note = command("note", cmd_note, "show, set, append to or edit a record's note")
    note.add_argument("id", metavar="ID")
    how = note.add_mutually_exclusive_group()
    how.add_argument("--set", metavar="TEXT", help="replace the note (empty: remove it)")
    how.add_argument("--append", metavar="TEXT", help="add a paragraph to the note")
    how.add_argument("--edit", action="store_true", help="edit in $VISUAL / $EDITOR (else vi)")
    how.add_argument("--show", action="store_true", help="print the note (the default)")
    note.add_argument("--force", action="store_true", help=force)

    lst = command("list", cmd_list, "add records to a named list, remove, rename, show")
    lst.add_argument("name", metavar="NAME")
    lst.add_argument("--add", nargs="+", metavar="ID", help="record ids to add (in order)")
    lst.add_argument("--remove", nargs="+", metavar="ID", help="record ids to remove")
    lst.add_argument("--rename", metavar="NEW", help="rename the list")
    lst.add_argument("--delete", action="store_true", help="delete the list (not its records)")
    lst.add_argument("--force", action="store_true", help=force)
    command("lists", cmd_lists, "your lists, with how many records each holds")

    saved = command(
        "saved",
        cmd_saved,
        "list saved searches; save one (NAME --query Q); run one (NAME --run)",
    )
    saved.add_argument("name", nargs="?", metavar="NAME")
    saved.add_argument("--query", metavar="Q", help="the search words to save")
    saved.add_argument("--from", dest="date_from", metavar="DATE", help="on or after DATE")
    saved.add_argument("--to", dest="date_to", metavar="DATE", help="on or before DATE")
    saved.add_argument(
        "--filter", action="append", metavar="FIELD=VALUE", help="as in `archive-tui search`"
    )
    saved.add_argument("--sort", choices=SORTS, help="the sort to save")
    saved.add_argument("--run", action="store_true", help="run it as `archive-tui search` does")
    saved.add_argument("--delete", action="store_true", help="delete it")
    saved.add_argument("--limit", type=int, default=20, help="with --run: hits to show")
    saved.add_argument("--offset", type=int, default=0, help="with --run: hits to skip")

    command("history", cmd_history, "the searches you ran, newest last")
    log = command("log", cmd_log, "the research log; --markdown: as a methods appendix")
    log.add_argument("--markdown", action="store_true", help="write it as Markdown")
    log.add_argument("-o", "--output", metavar="FILE", help="with --markdown: write here")
    log.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    from archive_tui.cli_share import add_share_commands

    add_share_commands(command)

    ws = command("workspace", cmd_workspace, "where the workspace is; export, import, orphans")
    what = ws.add_mutually_exclusive_group()
    what.add_argument("--path", action="store_true", help="print the workspace file's path")
    what.add_argument("--export", metavar="FILE", help="write the whole workspace to FILE")
    what.add_argument(
        "--import", dest="import_file", metavar="FILE", help="merge a workspace file in"
    )
    what.add_argument("--orphans", action="store_true", help="annotations of missing records")
    ws.add_argument("--force", action="store_true", help="with --export: overwrite FILE")
