"""Sharing from the command line (a workspace in PostgreSQL only): ``share``, ``shared``.

``archive-tui share list NAME --with ROLE`` lets the members of ROLE read your list NAME
(``tag`` for a tag; ``--stop`` ends it); ``archive-tui shared`` says what you share and
what others share with you. The database enforces it (row-level security): see
docs/postgres-workspaces.md. Registered by cli_workspace.add_workspace_commands.
"""

from __future__ import annotations

import argparse
from typing import Any

from archive_tui.cli import EXIT_OK, CliError, dump_json, field_line, plural, visible
from archive_tui.cli_annotate import _friendly, open_workspace


def _pg_workspace(args: argparse.Namespace, *, read_only: bool) -> Any:
    ws = open_workspace(args, read_only=read_only)
    if not hasattr(ws, "share"):
        raise CliError(
            "error: sharing needs a workspace in PostgreSQL: add --db postgresql://… "
            "(or set ARCHIVE_TUI_DB)"
        )
    return ws


@_friendly
def cmd_share(args: argparse.Namespace) -> int:
    ws = _pg_workspace(args, read_only=False)
    if args.stop:
        ended = ws.unshare(args.kind, args.name, args.grantee)
        if args.json:
            dump_json({"command": "share", "kind": args.kind, "name": args.name,
                       "stopped": ended})  # fmt: skip
        else:
            print(f"stopped {plural(ended, 'share')} of the {args.kind} {visible(repr(args.name))}")
        return EXIT_OK
    if not args.grantee:
        raise ValueError("say with whom: --with ROLE (a group role, or archive_tui_users)")
    share = ws.share(args.kind, args.name, args.grantee)
    if args.json:
        dump_json({"command": "share", "kind": share.kind, "name": args.name,
                   "with": share.grantee})  # fmt: skip
    else:
        print(
            f"the members of {visible(share.grantee)} may now read your {args.kind} "
            f"{visible(repr(args.name))} (not change it)"
        )
    return EXIT_OK


@_friendly
def cmd_shared(args: argparse.Namespace) -> int:
    ws = _pg_workspace(args, read_only=True)
    mine = ws.shares()
    theirs = ws.shared_with_me()
    if args.json:
        dump_json(
            {
                "mine": [{"kind": s.kind, "name": s.name, "with": s.grantee} for s in mine],
                "lists": [
                    {"owner": o, "name": n, "ids": ids} for (o, n), ids in theirs.lists.items()
                ],
                "tags": [{"owner": o, "tag": t, "ids": ids} for (o, t), ids in theirs.tags.items()],
            }
        )
        return EXIT_OK
    for share in mine:
        print(
            f"you share the {share.kind} {field_line(share.name)} with {field_line(share.grantee)}"
        )
    for (owner, name), ids in theirs.lists.items():
        print(f"{field_line(owner)}'s list {field_line(name)}: {plural(len(ids), 'record')}")
    for (owner, tag), ids in theirs.tags.items():
        print(f"{field_line(owner)}'s tag {field_line(tag)}: {plural(len(ids), 'record')}")
    if not (mine or theirs.lists or theirs.tags):
        print("nothing is shared (`archive-tui share list NAME --with ROLE` shares a list)")
    return EXIT_OK


def add_share_commands(command: Any) -> None:
    """Register ``share`` and ``shared`` with cli_workspace's ``command`` helper."""
    share = command("share", cmd_share, "let a group read one of your lists or tags")
    share.add_argument("kind", choices=("list", "tag"))
    share.add_argument("name", metavar="NAME")
    share.add_argument("--with", dest="grantee", metavar="ROLE", help="the group role")
    share.add_argument("--stop", action="store_true", help="stop sharing (with ROLE, or all)")
    command("shared", cmd_shared, "what you share, and what others share with you")
