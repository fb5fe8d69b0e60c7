"""Annotating records from the command line: tag, tags, note, list, lists; and what
``export`` needs for ``--list``, ``--marks`` and your tags and notes.

Registered by cli_workspace.add_workspace_commands. Tagging, noting or listing an id no
archive holds is refused unless ``--force`` (the annotations of a removed record are kept
as orphans anyway: ``archive-tui workspace --orphans`` lists them).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from archive_tui.cli import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    _default_style,
    _err,
    _output_text,
    dump_json,
    field_line,
    open_archive,
    plural,
    visible,
)
from archive_tui.workspace import Workspace, WorkspaceError

Command = Callable[[argparse.Namespace], int]


def _friendly(func: Command) -> Command:
    """Bad input (an unknown list, an empty tag, an unreadable workspace): one sentence."""

    @functools.wraps(func)
    def run(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except WorkspaceError as error:
            raise CliError(f"error: {visible(error)}") from None
        except KeyError as error:
            raise CliError(f"error: {visible(error.args[0])}") from None
        except ValueError as error:
            # a usage error: main() prints "PROG CMD: error: …" itself
            raise CliError(visible(error), EXIT_USAGE) from None

    return run


def open_workspace(args: argparse.Namespace | None = None, *, read_only: bool = False) -> Workspace:
    """The user's workspace: the connecting role's in the database of a ``--db
    postgresql://…`` (or ``ARCHIVE_TUI_DB``), else the local file (``ARCHIVE_TUI_HOME``
    honoured). A PgWorkspace has the same API (archive_tui.pg.workspace)."""
    from archive_tui.pg.workspace_open import open_workspace as open_either

    return open_either(getattr(args, "db", None), read_only=read_only)  # type: ignore[return-value]


def _check_ids(args: argparse.Namespace, ids: list[str], doing: str) -> None:
    """Refuse ids no archive holds, unless --force."""
    if getattr(args, "force", False) or not ids:
        return
    archive = open_archive(args)
    missing = [record_id for record_id in ids if archive.get(record_id) is None]
    if missing:
        shown = ", ".join(visible(repr(i)) for i in missing[:10])
        noun = "no record with id" if len(missing) == 1 else "no records with ids"
        raise CliError(
            f"error: {noun} {shown}; nothing was {doing} (add --force to annotate unknown ids "
            "anyway: they are kept and listed as orphans)"
        )


# --------------------------------------------------------------------------- tags


@_friendly
def cmd_tag(args: argparse.Namespace) -> int:
    ws = open_workspace(args)
    ids = list(dict.fromkeys(args.ids))
    if args.add:
        _check_ids(args, ids, "tagged")
    if args.add or args.remove:
        ws.change_tags(ids, add=args.add or (), remove=args.remove or ())
    records = [{"id": record_id, "tags": ws.tags(record_id)} for record_id in ids]
    if args.json:
        dump_json({"command": "tag", "add": args.add or [], "remove": args.remove or [],
                   "records": records})  # fmt: skip
        return EXIT_OK
    for item in records:
        tags = ", ".join(field_line(t) for t in item["tags"]) or "(no tags)"
        print(f"{field_line(item['id'])}: {tags}")
    return EXIT_OK


@_friendly
def cmd_tags(args: argparse.Namespace) -> int:
    tags = open_workspace(args, read_only=True).all_tags()
    if args.json:
        dump_json({"tags": [{"tag": tag, "count": count} for tag, count in tags]})
        return EXIT_OK
    for tag, count in tags:
        print(f"{field_line(tag)}  ({plural(count, 'record')})")
    if not tags:
        print("no tags yet (`archive-tui tag ID --add TAG` adds one)")
    return EXIT_OK


# --------------------------------------------------------------------------- notes


@_friendly
def cmd_note(args: argparse.Namespace) -> int:
    ws = open_workspace(args, read_only=not (args.set is not None or args.append or args.edit))
    record_id = args.id
    saved = False
    if args.set is not None or args.append or args.edit:
        _check_ids(args, [record_id], "noted")
    if args.set is not None:
        ws.set_note(record_id, args.set)
        saved = True
    elif args.append:
        ws.append_note(record_id, args.append)
        saved = True
    elif args.edit:
        saved = _edit_note(ws, record_id)
    note = ws.note(record_id)
    if args.json:
        dump_json({"command": "note", "id": record_id, "note": note, "saved": saved})
        return EXIT_OK
    if saved:
        print(f"saved the note of {visible(repr(record_id))}")
    elif args.edit:
        print(f"no changes to the note of {visible(repr(record_id))}; nothing was saved")
    elif note is None:
        print(f"{visible(repr(record_id))} has no note")
    else:
        sys.stdout.write(_output_text(note.rstrip("\n") + "\n", raw=False))
    return EXIT_OK


def _edit_note(ws: Workspace, record_id: str) -> bool:
    """The note in $VISUAL / $EDITOR (editing.py's helpers); True if it was saved."""
    from archive_tui.editing import EditError, edit_file_path, run_editor

    folder = ws.path.parent / "edits"
    folder.mkdir(parents=True, exist_ok=True)
    path = edit_file_path(folder, record_id).with_name(
        "note-" + edit_file_path(folder, record_id).stem.removeprefix("edit-") + ".md"
    )
    original = ws.note(record_id) or ""
    path.write_text(original, encoding="utf-8")
    try:
        text = run_editor(path, "note")
    except EditError as error:
        raise CliError(f"error: {error}") from None
    if text == original:
        path.unlink(missing_ok=True)
        return False
    ws.set_note(record_id, text)
    path.unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------- lists


@_friendly
def cmd_list(args: argparse.Namespace) -> int:
    writing = bool(args.add or args.remove or args.rename or args.delete)
    ws = open_workspace(args, read_only=not writing)
    name = args.name
    if args.add:
        _check_ids(args, list(args.add), "listed")
        ws.add_to_list(name, args.add)
    if args.remove:
        ws.remove_from_list(name, args.remove)
    if args.rename:
        ws.rename_list(name, args.rename)
        name = args.rename
    if args.delete:
        ws.delete_list(name)
        if args.json:
            dump_json({"command": "list", "name": name, "deleted": True})
        else:
            print(f"deleted the list {visible(repr(name))}")
        return EXIT_OK
    ids = ws.list_ids(name)
    if ids is None:
        raise KeyError(f"no list named {name!r} (`archive-tui lists` shows them)")
    shown = next((n for n in ws.lists() if ws.list_ids(n) == ids), name)
    if args.json:
        dump_json({"command": "list", "name": shown, "ids": ids})
        return EXIT_OK
    print(f"{field_line(shown)}: {plural(len(ids), 'record')}")
    for record_id in ids:
        print(f"  {field_line(record_id)}")
    return EXIT_OK


@_friendly
def cmd_lists(args: argparse.Namespace) -> int:
    ws = open_workspace(args, read_only=True)
    lists, marks = ws.lists(), ws.marks()
    if args.json:
        dump_json(
            {"lists": [{"name": n, "count": len(ids)} for n, ids in lists.items()],
             "marks": marks}
        )  # fmt: skip
        return EXIT_OK
    for name, ids in lists.items():
        print(f"{field_line(name)}  ({plural(len(ids), 'record')})")
    if not lists:
        print("no lists yet (`archive-tui list NAME --add ID` makes one)")
    if marks:
        print(f"marked now: {plural(len(marks), 'record')}")
    return EXIT_OK


# --------------------------------------------------------------------------- export


@dataclass
class ExportSelection:
    """What `archive-tui export` writes: ids, notes to show, and your annotations."""

    ids: list[str]
    notes: list[str]
    annotations: Any
    style: str
    workspace: Workspace | None


def export_selection(
    args: argparse.Namespace, archive: Any, run_search: Callable
) -> ExportSelection:
    """The ids of --list NAME / --marks (kept in their order, narrowed by a query if one is
    given) or of the search; the workspace's tags and notes unless --no-annotations."""
    try:
        ws: Workspace | None = open_workspace(args, read_only=True)
    except WorkspaceError as error:
        _err(f"note: {visible(error)}; exporting without your tags and notes")
        ws = None
    picked: list[str] | None = None
    if getattr(args, "list", None):
        if ws is None or ws.list_ids(args.list) is None:
            raise CliError(f"error: no list named {visible(repr(args.list))}")
        picked = ws.list_ids(args.list)
    elif getattr(args, "marks", False):
        picked = ws.marks() if ws is not None else []
    searched = bool(args.query or args.filter or args.date_from or args.date_to)
    notes: list[str] = []
    if picked is None or searched:
        result = run_search(args, archive, 0)
        notes = list(result.parsed.notes)
        found = list(result.ids())
        ids = found if picked is None else [i for i in picked if i in set(found)]
    else:
        ids = list(picked)
    has_any = ws is not None and (ws.tagged() or ws.notes())
    use = has_any and not getattr(args, "no_annotations", False)
    annotations = ws.annotations_of if use and ws is not None else None
    return ExportSelection(ids, notes, annotations, _default_style(), ws)


def log_export(selection: ExportSelection, fmt: str, count: int, path: str | None) -> None:
    """Note the export in the research log (never failing the export)."""
    if selection.workspace is None:
        return
    try:
        ws = open_workspace(argparse.Namespace(db=getattr(selection.workspace, "address", None)))
        ws.log_event("export", format=fmt, count=count, path=path)
    except (WorkspaceError, OSError):
        pass


def add_export_options(export: argparse.ArgumentParser) -> None:
    group = export.add_mutually_exclusive_group()
    group.add_argument("--list", metavar="NAME", help="export the records of your list NAME")
    group.add_argument("--marks", action="store_true", help="export the records marked now")
    export.add_argument(
        "--no-annotations",
        action="store_true",
        help="leave out your tags and notes (by default they are in the export)",
    )
