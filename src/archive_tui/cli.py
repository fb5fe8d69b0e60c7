"""The command line: the terminal app, plus search/show/stats/import/cite/export for scripts.

Every subcommand is a thin layer over the core (Archive, importer, citations,
export). Heavy modules are imported inside the commands so that ``--help`` and
argument errors answer at once. Failures are one clear line on stderr and a
non-zero exit status (2 for usage, 1 for everything else), never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from archive_tui import __version__

if TYPE_CHECKING:
    from archive_tui.archive import Archive
    from archive_tui.search import Filters, SearchResult

PROG = "archive-tui"
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

# Choices are spelled out here so that building the parser imports nothing heavy;
# tests/test_cli.py checks that they match the core's own tuples.
SORTS = ("relevance", "date", "-date", "title")
STYLES = ("archive", "chicago-note", "chicago-bib", "mla", "apa", "bibtex", "ris", "csl-json")
FORMATS = ("bibtex", "ris", "csv", "json", "csl-json")
RECORD_FILTER_FIELDS = ("collection", "document_type", "language", "people", "places", "subjects")
FILTER_ALIASES = {
    "type": "document_type",
    "lang": "language",
    "person": "people",
    "place": "places",
    "subject": "subjects",
}
# Facets that are not record keys but can still be filtered on.
DERIVED_FILTER_FIELDS = ("decade", "year")

# Order and labels of the fields `show` prints before the long texts.
SHOW_FIELDS = (
    ("id", "Id"),
    ("date", "Date"),
    ("collection", "Collection"),
    ("document_type", "Type"),
    ("language", "Language"),
    ("classification", "Classification"),
    ("people", "People"),
    ("places", "Places"),
    ("subjects", "Subjects"),
    ("source", "Source"),
    ("url", "URL"),
)
LONG_FIELDS = (("summary", "Summary"), ("text", "Text"))

# Characters that JSON leaves raw (ensure_ascii=False) but a terminal would act on.
_JSON_UNSAFE = {
    **{c: f"\\u{c:04x}" for c in range(0x80, 0xA0)},
    **{c: f"\\u{c:04x}" for c in (0x200E, 0x200F, 0x2028, 0x2029, 0x061C)},
    **{c: f"\\u{c:04x}" for c in range(0x202A, 0x202F)},
    **{c: f"\\u{c:04x}" for c in range(0x2066, 0x206A)},
}


class CliError(Exception):
    """A user-facing failure: the message is printed as it is, with the exit status."""

    def __init__(self, message: str, status: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- output helpers


def _local_visible(text: str) -> str:
    """Fallback for sanitize.visible: control characters become Control Pictures."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\n":
            out.append(ch)
        elif code < 0x20:
            out.append(chr(0x2400 + code))
        elif code == 0x7F:
            out.append("\u2421")
        elif 0x80 <= code < 0xA0 or code in _JSON_UNSAFE:
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def _visible_function() -> Callable[[str], str]:
    try:
        from archive_tui.sanitize import visible
    except ImportError:
        return _local_visible
    return visible


def visible(text: object) -> str:
    """Text from a record made safe to print: no escape sequence reaches the terminal."""
    return _VISIBLE(str(text))


_VISIBLE = _visible_function()


def _for_terminal(text: str) -> str:
    """Like visible(), but keeps the tabs and line ends of a multi-line document."""
    try:
        from archive_tui.sanitize import visible as sanitize_visible
    except ImportError:
        return "\n".join(_local_visible(line) for line in text.split("\n"))
    return sanitize_visible(text, keep="\n\t\r")


def _stdout_is_utf8() -> bool:
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    return encoding in ("utf8", "utf8sig")


def dump_json(value: Any, out: TextIO | None = None) -> None:
    """Print one JSON document; characters a terminal would interpret are escaped."""
    out = out or sys.stdout
    text = json.dumps(value, ensure_ascii=not _stdout_is_utf8(), indent=2)
    out.write(text.translate(_JSON_UNSAFE) + "\n")


def _width() -> int:
    return max(40, min(shutil.get_terminal_size((100, 24)).columns, 100))


def _err(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


# --------------------------------------------------------------------------- archive access


def _db_path(args: argparse.Namespace) -> Path | None:
    return Path(args.db).expanduser() if args.db else None


def open_archive(args: argparse.Namespace) -> Archive:
    """The archive a read command works on: --db alone, else shipped + user archive."""
    db = _db_path(args)
    if db is not None and not db.exists():
        raise CliError(f"error: no archive at {db} (import a file into it to create it)")
    from archive_tui.archive import Archive

    if db is None:
        return Archive.open_default()
    return Archive.open(db)


def _get_record(archive: Archive, record_id: str) -> dict:
    record = archive.get(record_id)
    if record is None:
        raise CliError(f"error: no record with id {visible(repr(record_id))}")
    return record


# --------------------------------------------------------------------------- search


def _filter_field(name: str) -> str:
    field = FILTER_ALIASES.get(name, name)
    if field not in RECORD_FILTER_FIELDS and field not in DERIVED_FILTER_FIELDS:
        known = ", ".join(RECORD_FILTER_FIELDS + tuple(FILTER_ALIASES) + DERIVED_FILTER_FIELDS)
        raise CliError(f"unknown filter field {name!r}; use one of: {known}", EXIT_USAGE)
    return field


def build_filters(args: argparse.Namespace) -> Filters:
    """--filter FIELD=VALUE (repeatable), --from and --to as Filters; usage errors say why."""
    from archive_tui.dates import DateError, parse_date_range
    from archive_tui.search import Filters

    facets: dict[str, list[str]] = {}
    for item in args.filter or ():
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value:
            raise CliError(
                f"bad --filter {item!r}: expected FIELD=VALUE, e.g. --filter type=Telegram",
                EXIT_USAGE,
            )
        field = _filter_field(name.strip())
        values = facets.setdefault(field, [])
        if value not in values:
            values.append(value)
    for option, value in (("--from", args.date_from), ("--to", args.date_to)):
        if value is None:
            continue
        if ".." in value:
            raise CliError(f"bad {option} {value!r}: give one date, not a range", EXIT_USAGE)
        try:
            parse_date_range(value)
        except DateError as error:
            raise CliError(f"bad {option} {value!r}: {error.reason}", EXIT_USAGE) from None
    return Filters.from_mapping(
        {
            **{k: tuple(v) for k, v in facets.items()},
            "date_from": args.date_from,
            "date_to": args.date_to,
        }
    )


def run_search(args: argparse.Namespace, archive: Archive, limit: int) -> SearchResult:
    query = " ".join(args.query)
    filters = build_filters(args)
    offset = getattr(args, "offset", 0)
    if offset < 0:
        raise CliError("--offset must be 0 or more", EXIT_USAGE)
    if limit < 0:
        raise CliError("--limit must be 0 or more", EXIT_USAGE)
    return archive.search(query, filters=filters, sort=args.sort, offset=offset, limit=limit)


def _hit_date(hit: Any) -> str:
    try:
        return hit.date.display
    except Exception:  # a record whose date the index could not read still prints
        return str(hit.record.get("date", ""))


def cmd_search(args: argparse.Namespace) -> int:
    archive = open_archive(args)
    result = run_search(args, archive, args.limit)
    if args.json:
        dump_json(
            {
                "query": result.query,
                "total": result.total,
                "notes": list(result.parsed.notes),
                "hits": [
                    {
                        "id": hit.record["id"],
                        "date": hit.record["date"],
                        "title": hit.record["title"],
                        "summary": hit.record.get("summary", ""),
                        "score": round(float(hit.score), 4),
                    }
                    for hit in result.hits
                ],
                "facets": result.facets,
            }
        )
        return EXIT_OK
    out = sys.stdout
    for note in result.parsed.notes:
        out.write(f"note: {visible(note)}\n")
    for hit in result.hits:
        date = _hit_date(hit)
        title = " ".join(visible(hit.record["title"]).split())
        out.write(f"{date:<18}  {title}  [{visible(hit.record['id'])}]\n")
    out.write(_summary_line(result, args.limit) + "\n")
    if result.total == 0 and getattr(result, "suggestions", None):
        out.write("did you mean: " + ", ".join(visible(s) for s in result.suggestions) + "\n")
    if args.limit == 0:
        _print_facets(result.facets, out)
    return EXIT_OK


def _summary_line(result: SearchResult, limit: int) -> str:
    noun = "record" if result.total == 1 else "records"
    if result.total == 0:
        return "No records match."
    if limit == 0 or not result.hits:
        return f"{result.total:,} {noun} match."
    first = result.offset + 1
    last = result.offset + len(result.hits)
    if first == 1 and last == result.total:
        return f"{result.total:,} {noun}."
    return f"Showing {first:,}–{last:,} of {result.total:,} {noun} (see --offset and --limit)."


def _print_facets(facets: dict[str, dict[str, int]], out: TextIO, top: int = 10) -> None:
    for field, counts in facets.items():
        if not counts:
            continue
        out.write(f"\n{field}:\n")
        for value, count in list(counts.items())[:top]:
            out.write(f"  {count:>7,}  {visible(value)}\n")
        if len(counts) > top:
            out.write(f"  … {len(counts) - top:,} more values\n")


# --------------------------------------------------------------------------- show


def _format_value(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def format_record(record: dict, width: int | None = None) -> str:
    """All of a record's fields, labelled and wrapped, safe for a terminal."""
    from archive_tui.dates import DateError, parse_date

    width = width or _width()
    lines = [visible(record["title"]), ""]
    label_width = 16
    shown = {"title"}
    for key, label in SHOW_FIELDS:
        if key not in record:
            continue
        shown.add(key)
        value = _format_value(record[key])
        if key == "date":
            try:
                parsed = parse_date(record["date"])
                if parsed.display != value:
                    value = f"{value} ({parsed.display})"
            except DateError:
                pass
        if not value:
            continue
        lines.append(_wrap_labelled(label, visible(value), label_width, width))
    for key in sorted(k for k in record if k not in shown and k not in dict(LONG_FIELDS)):
        value = _format_value(record[key])
        lines.append(_wrap_labelled(visible(key), visible(value), label_width, width))
    for key, label in LONG_FIELDS:
        value = record.get(key)
        if not value:
            continue
        lines += ["", f"{label}:"]
        for paragraph in visible(_format_value(value)).split("\n"):
            lines.append(
                textwrap.fill(paragraph, width, initial_indent="  ", subsequent_indent="  ")
                if paragraph.strip()
                else ""
            )
    return "\n".join(lines)


def _wrap_labelled(label: str, value: str, label_width: int, width: int) -> str:
    head = f"{label + ':':<{label_width}}"
    wrapped = textwrap.fill(
        " ".join(value.split()),
        width,
        initial_indent=head,
        subsequent_indent=" " * label_width,
        break_on_hyphens=False,
    )
    return wrapped or head.rstrip()


def cmd_show(args: argparse.Namespace) -> int:
    archive = open_archive(args)
    record = _get_record(archive, args.id)
    if args.json:
        dump_json(record)
    else:
        sys.stdout.write(format_record(record) + "\n")
    return EXIT_OK


# --------------------------------------------------------------------------- stats


def cmd_stats(args: argparse.Namespace) -> int:
    from archive_tui.dates import DateError, parse_date
    from archive_tui.paths import shipped_archive_path, user_archive_path

    archive = open_archive(args)
    info = archive.stats()
    result = archive.search("", limit=0)
    out = sys.stdout
    db = _db_path(args)
    if db is not None:
        out.write(f"archive:          {visible(db)}\n")
        out.write(f"records:          {len(archive):,}\n")
    else:
        user = user_archive_path()
        base_count = info.get("base_records")
        user_count = info.get("user_records")
        shipped_note = f" ({base_count:,} records)" if isinstance(base_count, int) else ""
        out.write(f"shipped archive:  {visible(shipped_archive_path())}{shipped_note}\n")
        if user.exists():
            user_note = f" ({user_count:,} records)" if isinstance(user_count, int) else ""
        else:
            user_note = " (not created yet: `archive-tui import FILE` creates it)"
        out.write(f"user archive:     {visible(user)}{user_note}\n")
        total = f"{len(archive):,} in all"
        out.write(f"records:          {total} (yours replace shipped ones of the same id)\n")
    first, last = info.get("date_min"), info.get("date_max")
    if first and last:
        with contextlib.suppress(DateError):
            first, last = parse_date(first).display, parse_date(last).display
        out.write(f"dates:            {visible(first)} to {visible(last)}\n")
    wanted = ("collection", "document_type", "language", "decade")
    _print_facets({k: result.facets.get(k, {}) for k in wanted}, out, top=50)
    return EXIT_OK


# --------------------------------------------------------------------------- import


def cmd_import(args: argparse.Namespace) -> int:
    from archive_tui.importer import read_import_file
    from archive_tui.paths import user_archive_path
    from archive_tui.records import ValidationFailed, validate_records
    from archive_tui.store import RecordStore

    source = Path(args.file).expanduser()
    raws = read_import_file(source)
    try:
        records = validate_records(raws)
    except ValidationFailed as failed:
        for error in failed.errors:
            print(f"{PROG}: invalid: {visible(error)}", file=sys.stderr)
        count = len(failed.errors)
        noun = "record is" if count == 1 else "records are"
        raise CliError(
            f"error: {count:,} {noun} invalid in {source}; nothing was imported"
        ) from None
    target = _db_path(args) or user_archive_path()
    if args.dry_run:
        existing: dict[str, dict] = {}
        if target.exists():
            existing = {r["id"]: r for r in RecordStore.open(target, read_only=True).load()}
        added = sum(1 for r in records if r["id"] not in existing)
        updated = sum(1 for r in records if r["id"] in existing and existing[r["id"]] != r)
        print(
            f"dry run: {len(records):,} valid records in {source}; importing would add "
            f"{added:,} and update {updated:,} in {target} "
            f"({len(records) - added - updated:,} unchanged); nothing was written"
        )
        return EXIT_OK
    from archive_tui.archive import add_to_store

    added, updated = add_to_store(target, records)  # indexes just these records
    unchanged = len(records) - added - updated
    print(
        f"imported {len(records):,} records into {target}: "
        f"{added:,} added, {updated:,} updated, {unchanged:,} unchanged"
    )
    return EXIT_OK


# --------------------------------------------------------------------------- cite and export


def _default_style() -> str:
    try:
        from archive_tui.settings import default_style
    except ImportError:
        return "archive"
    try:
        style = default_style()
    except Exception:  # a broken settings file must not stop citing
        return "archive"
    return style if style in STYLES else "archive"


def cmd_cite(args: argparse.Namespace) -> int:
    from archive_tui.citations import cite

    archive = open_archive(args)
    record = _get_record(archive, args.id)
    style = args.style or _default_style()
    text = cite(record, style).rstrip("\n") + "\n"
    sys.stdout.write(_for_terminal(text) if sys.stdout.isatty() else text)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from archive_tui.export import export_records, write_export

    archive = open_archive(args)
    result = run_search(args, archive, 0)
    ids = list(result.ids())
    records = _records_by_id(archive, ids)
    if args.output:
        path = Path(args.output).expanduser()
        if path.is_dir():
            raise CliError(f"error: {path} is a folder; give a file name")
        if not path.parent.is_dir():
            raise CliError(f"error: cannot write {path}: the folder {path.parent} does not exist")
        if path.exists() and not args.force:
            raise CliError(f"error: {path} exists; use --force to overwrite it")
        try:
            count = write_export(records, args.format, path, overwrite=args.force)
        except FileExistsError:
            raise CliError(f"error: {path} exists; use --force to overwrite it") from None
        print(f"exported {count:,} records to {path} ({args.format})", file=sys.stderr)
    else:
        out: TextIO = _TerminalSafe(sys.stdout) if sys.stdout.isatty() else sys.stdout
        count = export_records(records, args.format, out)
        sys.stdout.flush()
        print(f"exported {count:,} records ({args.format})", file=sys.stderr)
    return EXIT_OK


class _TerminalSafe:
    """A stdout wrapper for exports shown on a terminal: control characters made visible.

    Piped or redirected output is left exact; only what a terminal would act on changes.
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(_for_terminal(text))

    def flush(self) -> None:
        self._out.flush()


def _records_by_id(archive: Archive, ids: Iterable[str]) -> Iterable[dict]:
    for record_id in ids:
        record = archive.get(record_id)
        if record is not None:
            yield record


# --------------------------------------------------------------------------- the app


def cmd_tui(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and (sys.stdout.isatty() or sys.stderr.isatty())):
        raise CliError(
            "error: the terminal app needs an interactive terminal; in scripts use a command "
            "such as `archive-tui search QUERY` (see archive-tui --help)",
            EXIT_USAGE,
        )
    try:
        from archive_tui.ui.app import run
    except ModuleNotFoundError as error:
        missing = error.name or "a module"
        raise CliError(
            f"error: the terminal app cannot start ({missing} is not installed); "
            "the search, show, stats, import, cite and export commands still work"
        ) from None
    return int(run(_db_path(args)) or 0)


# --------------------------------------------------------------------------- parser


def _add_query_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "query", nargs="*", metavar="QUERY", help="search words (empty: every record, by date)"
    )
    parser.add_argument("--from", dest="date_from", metavar="DATE", help="on or after DATE")
    parser.add_argument("--to", dest="date_to", metavar="DATE", help="on or before DATE")
    parser.add_argument(
        "--filter",
        action="append",
        metavar="FIELD=VALUE",
        help="keep records whose FIELD has VALUE; repeat it: one field ORed, fields ANDed "
        "(FIELD: collection, type, lang, person, place, subject, decade, year)",
    )
    parser.add_argument("--sort", choices=SORTS, help="default: relevance, or date if no words")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Search, filter, read and cite declassified historical documents. "
        "Without a command, the terminal app starts.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="use this archive file alone (default: the shipped archive with your own "
        "imported records on top)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    # --db is also accepted after the command (`archive-tui search x --db f.json`).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    search = commands.add_parser("search", parents=[common], help="search and list records")
    _add_query_options(search)
    search.add_argument("--limit", type=int, default=20, help="hits to show (0: only counts)")
    search.add_argument("--offset", type=int, default=0, help="hits to skip")
    search.add_argument("--json", action="store_true", help="print one JSON object")
    search.set_defaults(func=cmd_search)

    show = commands.add_parser("show", parents=[common], help="print every field of one record")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print the record as JSON")
    show.set_defaults(func=cmd_show)

    stats = commands.add_parser("stats", parents=[common], help="counts and archive locations")
    stats.set_defaults(func=cmd_stats)

    imp = commands.add_parser(
        "import",
        parents=[common],
        help="add or update records from a JSON array, JSON Lines or TinyDB file",
        description="Add records to your archive (or to --db PATH). Every record is checked "
        "first: if any is invalid, each problem is listed and nothing is written. A record "
        "whose id exists replaces the stored one.",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    imp.set_defaults(func=cmd_import)

    cite = commands.add_parser("cite", parents=[common], help="print a citation for one record")
    cite.add_argument("id", metavar="ID")
    cite.add_argument("--style", choices=STYLES, help="default: your saved style, else archive")
    cite.set_defaults(func=cmd_cite)

    export = commands.add_parser(
        "export", parents=[common], help="write the records a search finds"
    )
    _add_query_options(export)
    export.add_argument("--format", required=True, choices=FORMATS)
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    export.set_defaults(func=cmd_export)
    return parser


# --------------------------------------------------------------------------- main


def _known_errors() -> tuple[type[BaseException], ...]:
    """Exceptions the core raises for bad input: shown as one line, never a traceback."""
    errors: list[type[BaseException]] = [OSError, UnicodeError]
    for module, names in (
        ("archive_tui.store", ("StoreError",)),
        ("archive_tui.importer", ("ImportFileError",)),
        ("archive_tui.records", ("ValidationFailed", "RecordError")),
        ("archive_tui.dates", ("DateError",)),
    ):
        loaded = sys.modules.get(module)
        for name in names:
            cls = getattr(loaded, name, None) if loaded is not None else None
            if isinstance(cls, type) and issubclass(cls, BaseException):
                errors.append(cls)
    return tuple(errors)


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at devnull so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``archive-tui`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(_join_sort_values(sys.argv[1:] if argv is None else list(argv)))
    func: Callable[[argparse.Namespace], int] = getattr(args, "func", cmd_tui)
    if func is not cmd_export and not _stdout_is_utf8():
        # Readable output on a terminal that cannot show every character: "?" beats a crash.
        with contextlib.suppress(AttributeError, ValueError):
            sys.stdout.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        status = func(args)
        sys.stdout.flush()
        _finish_cache_writes(status)
        return status
    except CliError as error:
        message = str(error)
        if error.status == EXIT_USAGE:
            parser_for = _subparser(parser, args.command)
            parser_for.print_usage(sys.stderr)
            print(f"{parser_for.prog}: error: {message}", file=sys.stderr)
        else:
            _err(message)
        return error.status
    except UnicodeEncodeError as error:
        _err(
            f"error: the output cannot hold {error.object[error.start : error.end]!a} "
            f"({error.encoding}); use -o FILE or set PYTHONIOENCODING=utf-8"
        )
        return EXIT_ERROR
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_ERROR
    except KeyboardInterrupt:
        _err("interrupted")
        _quit_now(EXIT_INTERRUPTED)  # without waiting for an index cache being written
        return EXIT_INTERRUPTED
    except Exception as error:
        if isinstance(error, _known_errors()):
            _err(f"error: {visible(error)}")
            return EXIT_ERROR
        if os.environ.get("ARCHIVE_TUI_DEBUG"):
            raise
        _err(
            f"internal error: {type(error).__name__}: {visible(error)} "
            "(set ARCHIVE_TUI_DEBUG=1 to see the traceback)"
        )
        return EXIT_ERROR


def _finish_cache_writes(status: int) -> None:
    """Let an index cache being written after a first open finish; Ctrl-C skips it.

    Without this the interpreter would wait for the writing thread at exit, where a
    Ctrl-C prints a traceback.
    """
    from archive_tui.archive import cache_writes_pending, wait_for_cache_writes

    if not cache_writes_pending():
        return
    if sys.stderr.isatty():
        _err("saving the search index for next time (Ctrl-C skips it)…")
    try:
        wait_for_cache_writes()
    except KeyboardInterrupt:
        _err("the search index was not saved; the next start builds it again")
        _quit_now(status)


def _quit_now(status: int) -> None:
    """Exit at once, even while a thread still writes an index cache (its temp file is
    removed by the next write)."""
    from archive_tui.archive import cache_writes_pending

    if not cache_writes_pending():
        return
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


def _join_sort_values(argv: list[str]) -> list[str]:
    """`--sort -date` would read `-date` as an option; pass it as `--sort=-date`."""
    joined: list[str] = []
    index = 0
    while index < len(argv):
        item = argv[index]
        if item == "--":
            joined += argv[index:]
            break
        if item == "--sort" and index + 1 < len(argv) and argv[index + 1] in SORTS:
            joined.append(f"--sort={argv[index + 1]}")
            index += 2
            continue
        joined.append(item)
        index += 1
    return joined


def _subparser(parser: argparse.ArgumentParser, command: str | None) -> argparse.ArgumentParser:
    if command:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return action.choices.get(command, parser)
    return parser
