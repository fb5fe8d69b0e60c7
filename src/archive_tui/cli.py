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
IMPORT_FORMATS = ("json", "bibtex", "ris", "csv", "csl-json")
RECORD_FILTER_FIELDS = ("collection", "document_type", "language", "people", "places", "subjects")
FILTER_ALIASES = {
    "type": "document_type",
    "lang": "language",
    "person": "people",
    "place": "places",
    "subject": "subjects",
}
# Facets that are not record keys but can still be filtered on.
DERIVED_FILTER_FIELDS = ("decade", "year", "admin", "classification", "handling", "repository")
FILTER_ALIASES.update({"class": "classification", "repo": "repository"})

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

    def __init__(
        self, message: str, status: int = EXIT_ERROR, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.details = details or {}  # more keys for the --json error object


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


def field_line(text: object) -> str:
    """A one-line field (an id, a title in a list, a label): no line break can get out,
    so a record cannot print a line that looks like another record or field."""
    from archive_tui.sanitize import one_line

    return one_line(str(text))


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
    out.write(_escape_json(text.translate(_JSON_UNSAFE)) + "\n")


def _escape_json(text: str) -> str:
    """DEL, C1, bidi and invisible characters as \\uXXXX (sanitize.escape_json)."""
    from archive_tui.sanitize import escape_json

    return escape_json(text)


def _width() -> int:
    return max(40, min(shutil.get_terminal_size((100, 24)).columns, 100))


def _err(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


# --------------------------------------------------------------------------- archive access


def _db_path(args: argparse.Namespace) -> Path | None:
    if not args.db:
        return None
    try:
        return Path(args.db).expanduser()
    except RuntimeError:  # "~" with no home folder
        raise CliError(f"error: cannot expand ~ in --db {args.db}: no home folder") from None


def open_archive(args: argparse.Namespace) -> Archive:
    """The archive a read command works on: --db alone, else shipped + user archive."""
    from archive_tui.cli_db import database_target, open_database_archive

    if (address := database_target(args)) is not None:  # postgresql:// (or ARCHIVE_TUI_DB)
        return open_database_archive(address)
    db = _db_path(args)
    if db is not None and not db.exists():
        raise CliError(f"error: no archive at {db} (import a file into it to create it)")
    from archive_tui.archive import Archive

    if not _home_usable():
        return _open_without_home(db)
    if db is None:
        return Archive.open_default()
    return Archive.open(db)


def _home_usable() -> bool:
    from archive_tui.paths import home_available

    return home_available()


_told_no_cache = False


def _open_without_home(db: Path | None) -> Archive:
    """No home folder (an arbitrary container uid): read, but keep no index cache and,
    without --db, no user archive; said once on stderr."""
    global _told_no_cache
    from archive_tui.archive import Archive
    from archive_tui.paths import HOME_ENV, shipped_archive_path

    if not _told_no_cache:
        _told_no_cache = True
        mine = "" if db is not None else " and your own archive is not read"
        _err(
            f"note: no home folder (HOME is not set and this user has no passwd entry), so "
            f"no index cache is written{mine}; set HOME or {HOME_ENV} to keep them"
        )
    if db is None:
        return Archive.open(shipped_archive_path(), read_only=True, use_cache=False)
    return Archive.open(db, use_cache=False)


def _get_record(archive: Archive, record_id: str) -> dict:
    record = archive.get(record_id)
    if record is None:
        raise CliError(f"error: no record with id {visible(repr(record_id))}")
    return record


# --------------------------------------------------------------------------- search


def _filter_field(name: str) -> str:
    from archive_tui.cli_search_annotations import ANNOTATION_FILTER_FIELDS

    if name in ANNOTATION_FILTER_FIELDS:  # your tags and lists (issue 10)
        return name
    field = FILTER_ALIASES.get(name, name)
    if field not in RECORD_FILTER_FIELDS and field not in DERIVED_FILTER_FIELDS:
        known = ", ".join(
            RECORD_FILTER_FIELDS + tuple(FILTER_ALIASES) + DERIVED_FILTER_FIELDS + ("tag", "list")
        )
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
    from archive_tui.cli_db import database_target
    from archive_tui.cli_search_annotations import search_annotations

    return archive.search(
        query,
        filters=filters,
        sort=args.sort,
        offset=offset,
        limit=limit,
        annotations=search_annotations(database_target(args)),
    )


def _hit_date(hit: Any) -> str:
    try:
        return hit.date.display
    except Exception:  # a record whose date the index could not read still prints
        return str(hit.record.get("date", ""))


def cmd_search(args: argparse.Namespace) -> int:
    from archive_tui.cli_workspace import log_search_run

    archive = open_archive(args)
    report_archive_notes(archive)
    result = run_search(args, archive, args.limit)
    log_search_run(args, result.total)  # the research log (issue 10)
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
                "histogram": histogram_json(result),
            }
        )
        return EXIT_OK
    out = sys.stdout
    for note in result.parsed.notes:
        out.write(f"note: {field_line(note)}\n")
    for hit in result.hits:
        date = field_line(_hit_date(hit))
        title = " ".join(field_line(hit.record["title"]).split())
        out.write(f"{date:<18}  {title}  [{field_line(hit.record['id'])}]\n")
    out.write(_summary_line(result, args.limit) + "\n")
    if result.total == 0 and getattr(result, "suggestions", None):
        out.write("did you mean: " + ", ".join(field_line(s) for s in result.suggestions) + "\n")
    if args.limit == 0:
        _print_facets(result.facets, out)
    return EXIT_OK


def report_archive_notes(archive: Archive) -> None:
    """Say once on stderr what the archive notes (bad lines of a People alias file)."""
    for note in archive.notes:
        _err(f"note: {field_line(note)}")


def histogram_json(result: SearchResult) -> dict[str, Any]:
    """The results over time: unit, buckets (bucket, count) and undated; they add up to total."""
    hist = result.histogram()
    return {"unit": hist.unit, "buckets": hist.to_json(), "undated": hist.undated}


def cmd_timeline(args: argparse.Namespace) -> int:
    """``archive-tui timeline QUERY``: the results over time as a text chart."""
    from archive_tui.timeline import render_text_chart

    archive = open_archive(args)
    report_archive_notes(archive)
    result = run_search(args, archive, 0)
    if args.json:
        dump_json({"query": result.query, "total": result.total, **histogram_json(result)})
        return EXIT_OK
    out = sys.stdout
    for note in result.parsed.notes:
        out.write(f"note: {field_line(note)}\n")
    if result.total == 0:
        out.write("No records match.\n")
        return EXIT_OK
    hist = result.histogram()
    for line in render_text_chart(hist, _width()):
        out.write(line.rstrip() + "\n")
    noun = "record" if result.total == 1 else "records"
    out.write(f"{result.total:,} {noun} by {hist.unit}.\n")
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
            out.write(f"  {count:>7,}  {field_line(value)}\n")
        if len(counts) > top:
            out.write(f"  … {plural(len(counts) - top, 'more value')}\n")


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
    lines = [field_line(record["title"]), ""]
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
        lines.append(_wrap_labelled(field_line(key), visible(value), label_width, width))
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
    from archive_tui.cli_db import database_target, stats_json

    address = database_target(args)
    info = info if address is None else stats_json(archive, info)
    db = _db_path(args) if address is None else info["path"]
    wanted = ("collection", "document_type", "language", "decade")
    if args.json:
        dump_json({**info, "facets": {k: result.facets.get(k, {}) for k in wanted}})
        return EXIT_OK
    if db is not None:
        out.write(f"archive:          {visible(db)}\n")
        out.write(f"records:          {len(archive):,}\n")
    elif not _home_usable():
        out.write(f"archive:          {visible(shipped_archive_path())}\n")
        out.write(f"records:          {len(archive):,} (no home folder: no user archive)\n")
    else:
        user = user_archive_path()
        base_count = info.get("base_records")
        user_count = info.get("user_records")
        shipped_note = f" ({plural(base_count, 'record')})" if isinstance(base_count, int) else ""
        out.write(f"shipped archive:  {visible(shipped_archive_path())}{shipped_note}\n")
        if user.exists():
            user_note = f" ({plural(user_count, 'record')})" if isinstance(user_count, int) else ""
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
    _print_facets({k: result.facets.get(k, {}) for k in wanted}, out, top=50)
    return EXIT_OK


# --------------------------------------------------------------------------- import


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """``1 record``, ``2 records``, ``1,000 entries`` (with ``nouns`` for irregular ones)."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


class _ProgressBar:
    """A one-line bar on stderr for long imports; nothing unless stderr is a terminal."""

    MIN_ENTRIES = 2000

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = False
        self.on = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.on or total < self.MIN_ENTRIES:
            return
        width = 30
        filled = width * done // max(total, 1)
        bar = "█" * filled + "·" * (width - filled)
        sys.stderr.write(f"\r{self.label} [{bar}] {done:,}/{total:,}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


def cmd_import(args: argparse.Namespace) -> int:
    from archive_tui.formats import parse_column_map, validate_entries
    from archive_tui.importer import read_import_file
    from archive_tui.paths import user_archive_path
    from archive_tui.store import RecordStore

    column_map = None
    if args.map:
        try:
            column_map = parse_column_map(args.map)
        except ValueError as error:
            raise CliError(str(error), EXIT_USAGE) from None
    source = Path(args.file).expanduser()
    if sys.stderr.isatty() and source.is_file() and source.stat().st_size > 5_000_000:
        _err(f"reading {source}…")
    raws = read_import_file(source, _import_limits(args), fmt=args.format, column_map=column_map)
    bar = _ProgressBar("checking")
    try:
        records, problems = validate_entries(raws, bar)
    finally:
        bar.close()
    target = _db_path(args) or user_archive_path()
    report: dict[str, Any] = {
        "command": "import",
        "file": str(source),
        "archive": str(target),
        "entries": len(raws),
        "valid": len(records),
        "invalid": problems,
        "dry_run": bool(args.dry_run),
    }
    if problems:
        for problem in problems:
            label = "skipped" if args.skip_invalid else "invalid"
            print(f"{PROG}: {label}: {visible(problem)}", file=sys.stderr)
        if not args.skip_invalid:
            raise CliError(
                f"error: {plural(len(problems), 'entry is', 'entries are')} invalid in "
                f"{source}; nothing was imported (--skip-invalid imports the "
                f"{plural(len(records), 'valid one', 'valid ones')})",
                details={**report, "added": 0, "updated": 0, "unchanged": 0},
            )
    from archive_tui.cli_db import database_target, import_into_database

    if (address := database_target(args)) is not None:  # postgresql://: one transaction
        return import_into_database(args, address, records, problems, report)
    if args.dry_run:
        existing: dict[str, dict] = {}
        if target.exists():
            existing = {r["id"]: r for r in RecordStore.open(target, read_only=True).load()}
        from archive_tui.provenance import add_derived_fields

        add_derived_fields(records)  # as an import would store them
        added = sum(1 for r in records if r["id"] not in existing)
        updated = sum(1 for r in records if r["id"] in existing and existing[r["id"]] != r)
        unchanged = len(records) - added - updated
        if args.json:
            dump_json({**report, "added": added, "updated": updated, "unchanged": unchanged})
            return EXIT_OK
        print(
            f"dry run: {plural(len(records), 'valid record')} in {source}; importing would "
            f"add {added:,} and update {updated:,} in {target} ({unchanged:,} unchanged); "
            "nothing was written"
        )
        return EXIT_OK
    from archive_tui.archive import add_to_store

    added = updated = 0
    if records:
        added, updated = add_to_store(target, records)  # indexes just these records
    unchanged = len(records) - added - updated
    if args.json:
        dump_json({**report, "added": added, "updated": updated, "unchanged": unchanged})
        return EXIT_OK
    skipped = f"; {plural(len(problems), 'invalid entry', 'invalid entries')} skipped"
    print(
        f"imported {plural(len(records), 'record')} into {target}: "
        f"{added:,} added, {updated:,} updated, {unchanged:,} unchanged"
        + (skipped if problems else "")
    )
    return EXIT_OK


def _add_limit_options(parser: argparse.ArgumentParser) -> None:
    """The import size limits (limits.py), each raisable; 0 means no limit."""
    from archive_tui.limits import DEFAULT_LIMITS as limits

    for flag, default, what in (
        ("--max-file-mb", limits.max_file_bytes // 1_000_000, "megabytes in the file"),
        ("--max-record-chars", limits.max_record_chars, "characters in one record"),
        ("--max-field-chars", limits.max_field_chars, "characters in one field"),
        ("--max-token-chars", limits.max_token_chars, "characters in one word"),
    ):
        parser.add_argument(
            flag,
            type=_count,
            default=default,
            metavar="N",
            help=f"refuse more than N {what} (default {default:,}; 0: no limit)",
        )


def _count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is below 0")
    return value


def _import_limits(args: argparse.Namespace) -> Any:
    from archive_tui.limits import ImportLimits

    return ImportLimits(
        max_file_bytes=args.max_file_mb * 1_000_000,
        max_record_chars=args.max_record_chars,
        max_field_chars=args.max_field_chars,
        max_token_chars=args.max_token_chars,
    )


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


def _cite_ids(args: argparse.Namespace) -> list[str]:
    """The ids given, with ``-`` replaced by the ids read from stdin (one a line)."""
    ids: list[str] = []
    for item in args.ids:
        if item == "-":
            ids += [line.strip() for line in sys.stdin if line.strip()]
        else:
            ids.append(item)
    if not ids:
        raise CliError("no ids to cite (stdin held none)", EXIT_USAGE)
    return ids


def cmd_cite(args: argparse.Namespace) -> int:
    from archive_tui.citations import bibliography, cite

    ids = _cite_ids(args)
    archive = open_archive(args)
    missing = [record_id for record_id in ids if archive.get(record_id) is None]
    if missing:
        shown = ", ".join(visible(repr(record_id)) for record_id in missing[:10])
        more = f" and {len(missing) - 10:,} more" if len(missing) > 10 else ""
        noun = "no record with id" if len(missing) == 1 else "no records with ids"
        raise CliError(f"error: {noun} {shown}{more}; nothing was cited")
    records = [archive.get(record_id) for record_id in ids]
    style = args.style or _default_style()
    text = cite(records[0], style) if len(records) == 1 else bibliography(records, style)
    if args.json:
        dump_json(
            {
                "style": style,
                "citations": [{"id": r["id"], "text": cite(r, style)} for r in records],
                "text": text,
            }
        )
        return EXIT_OK
    text = text.rstrip("\n") + "\n"
    sys.stdout.write(_output_text(text, raw=getattr(args, "raw", False)))
    return EXIT_OK


def _output_text(text: str, *, raw: bool) -> str:
    """Text for stdout: control, bidi and invisible characters made visible, on a
    terminal always, in a pipe unless ``raw`` asks for the exact characters."""
    if raw and not sys.stdout.isatty():
        return text
    from archive_tui.sanitize import visible as sanitize_visible

    return sanitize_visible(text, keep="\n\t")


def cmd_export(args: argparse.Namespace) -> int:
    from archive_tui.export import export_records, write_export

    if args.json and not args.output:
        raise CliError(
            "--json needs -o FILE: without it the export itself is what goes to stdout",
            EXIT_USAGE,
        )
    from archive_tui.cli_annotate import export_selection, log_export

    archive = open_archive(args)
    selection = export_selection(args, archive, run_search)  # a search, --list or --marks
    for note in selection.notes:  # e.g. a filter value that matches nothing
        _err(f"note: {visible(note)}")
    records = _records_by_id(archive, selection.ids)
    options = {**_export_options(args), "annotations": selection.annotations}
    options["style"] = selection.style
    if args.output:
        path = Path(args.output).expanduser()
        if path.is_dir():
            raise CliError(f"error: {path} is a folder; give a file name")
        if not path.parent.is_dir():
            raise CliError(f"error: cannot write {path}: the folder {path.parent} does not exist")
        if path.exists() and not args.force:
            raise CliError(f"error: {path} exists; use --force to overwrite it")
        try:
            count = write_export(records, args.format, path, overwrite=args.force, **options)
        except FileExistsError:
            raise CliError(f"error: {path} exists; use --force to overwrite it") from None
        if args.json:
            dump_json(
                {
                    "format": args.format,
                    "path": str(path),
                    "exported": count,
                    "notes": selection.notes,
                }
            )
        else:
            print(f"exported {plural(count, 'record')} to {path} ({args.format})", file=sys.stderr)
    else:
        out: TextIO = _TerminalSafe(sys.stdout) if sys.stdout.isatty() else sys.stdout
        count = export_records(records, args.format, out, **options)
        sys.stdout.flush()
        print(f"exported {plural(count, 'record')} ({args.format})", file=sys.stderr)
    log_export(selection, args.format, count, args.output)
    return EXIT_OK


def _export_options(args: argparse.Namespace) -> dict[str, bool]:
    """--raw (every character exact) and --csv-raw (spreadsheet formulas left as they are)."""
    raw = bool(getattr(args, "raw", False))
    return {"raw": raw, "csv_formulas": raw or bool(getattr(args, "csv_raw", False))}


def _add_output_options(parser: argparse.ArgumentParser, *, csv: bool = False) -> None:
    parser.add_argument(
        "--raw",
        action="store_true",
        help="keep every character exactly as stored (by default control, bidi and "
        "invisible characters are shown as visible stand-ins"
        + (", and CSV cells starting with = + - @ get a leading ')" if csv else ")"),
    )
    if csv:
        parser.add_argument(
            "--csv-raw",
            action="store_true",
            help="write CSV cells starting with = + - @ as they are (a spreadsheet may run "
            "them as formulas); by default they start with '",
        )


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
    from archive_tui.cli_serve import served_in_browser

    interactive = sys.stdin.isatty() and (sys.stdout.isatty() or sys.stderr.isatty())
    if not (interactive or served_in_browser()):
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
    from archive_tui.cli_db import database_target

    return int(run(database_target(args) or _db_path(args)) or 0)


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
        "(FIELD: collection, type, lang, person, place, subject, decade, year, admin, "
        "class, handling, repo)",
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
        help="use this archive file alone, or a PostgreSQL archive (postgresql://…; also "
        "ARCHIVE_TUI_DB) (default: the shipped archive with your own imported records on top)",
    )
    from archive_tui.cli_edit import cmd_edit, cmd_remove

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

    timeline = commands.add_parser(
        "timeline",
        parents=[common],
        help="the results of a search over time, as a text chart",
        description="Count the records a search finds by year (by month when they span three "
        "years or less) and draw the counts as bars. Each record counts once, in the period "
        "its date starts; undated records get a line of their own.",
    )
    _add_query_options(timeline)
    timeline.add_argument("--json", action="store_true", help="print one JSON object")
    timeline.set_defaults(func=cmd_timeline)

    show = commands.add_parser("show", parents=[common], help="print every field of one record")
    show.add_argument("id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print the record as JSON")
    show.set_defaults(func=cmd_show)

    stats = commands.add_parser("stats", parents=[common], help="counts and archive locations")
    stats.add_argument("--json", action="store_true", help="print one JSON object")
    stats.set_defaults(func=cmd_stats)

    imp = commands.add_parser(
        "import",
        parents=[common],
        help="add or update records from JSON, JSON Lines, TinyDB, BibTeX, RIS, CSV or CSL-JSON",
        description="Add records to your archive (or to --db PATH). Every entry is checked "
        "first: if any is invalid, each problem is listed with its line and nothing is "
        "written (--skip-invalid writes the valid ones). A record whose id exists replaces "
        "the stored one.",
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument(
        "--format",
        choices=IMPORT_FORMATS,
        help="the file's format (default: by extension: .bib, .ris, .csv, .csl.json; "
        "else JSON, JSON Lines or TinyDB, or CSL-JSON recognised by content)",
    )
    imp.add_argument(
        "--map",
        metavar="FIELD=COLUMN,...",
        help="CSV: which column holds which record field, e.g. title=Title,date=Year",
    )
    imp.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid entries and list the invalid ones (default: import nothing "
        "if any is invalid)",
    )
    imp.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
    imp.add_argument("--json", action="store_true", help="print one JSON object")
    _add_limit_options(imp)
    imp.set_defaults(func=cmd_import)

    remove = commands.add_parser(
        "remove",
        parents=[common],
        help="remove records from your archive",
        description="Remove records of your own archive (or of --db PATH). The shipped "
        "archive is never changed: removing your copy of a shipped record brings the "
        "shipped one back. If any id cannot be removed, nothing is.",
    )
    remove.add_argument("ids", nargs="+", metavar="ID")
    remove.add_argument("--json", action="store_true", help="print one JSON object")
    remove.set_defaults(func=cmd_remove)

    edit = commands.add_parser(
        "edit",
        parents=[common],
        help="edit one record as JSON in $VISUAL / $EDITOR (else vi)",
        description="Open the record as JSON in your editor; when you save and quit it is "
        "checked, and written atomically. An invalid edit is explained, and you may open it "
        "again; otherwise your text is kept in a file that is named. A shipped record is "
        "saved as your own copy, which overrides it; the shipped archive is never changed.",
    )
    edit.add_argument("id", metavar="ID")
    edit.add_argument("--json", action="store_true", help="print one JSON object")
    edit.set_defaults(func=cmd_edit)

    cite = commands.add_parser(
        "cite",
        parents=[common],
        help="print citations (several ids: a bibliography ordered as the style wants)",
    )
    cite.add_argument("ids", nargs="+", metavar="ID", help="record ids; - reads ids from stdin")
    cite.add_argument("--style", choices=STYLES, help="default: your saved style, else archive")
    cite.add_argument("--json", action="store_true", help="print one JSON object")
    _add_output_options(cite)
    cite.set_defaults(func=cmd_cite)

    export = commands.add_parser(
        "export", parents=[common], help="write the records a search finds"
    )
    _add_query_options(export)
    export.add_argument("--format", required=True, choices=(*FORMATS, "markdown"))
    export.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    export.add_argument(
        "--json", action="store_true", help="with -o: print one JSON object saying what was written"
    )
    _add_output_options(export, csv=True)
    export.set_defaults(func=cmd_export)

    from archive_tui.cli_annotate import add_export_options
    from archive_tui.cli_workspace import add_workspace_commands

    add_export_options(export)
    add_workspace_commands(commands, common)
    from archive_tui.cli_serve import add_serve_command

    add_serve_command(commands, common)
    from archive_tui.cli_db import add_db_commands

    add_db_commands(commands, common)
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
        ("archive_tui.paths", ("NoHomeFolder",)),
        ("archive_tui.pg.connection", ("DatabaseProblem",)),
    ):
        loaded = sys.modules.get(module)
        for name in names:
            cls = getattr(loaded, name, None) if loaded is not None else None
            if isinstance(cls, type) and issubclass(cls, BaseException):
                errors.append(cls)
    return tuple(errors)


def _database_error(error: BaseException) -> str | None:
    """A PostgreSQL server's refusal or failure as one sentence (None: not one)."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(error, psycopg.Error):
        return None
    reason = " ".join(str(error).split()) or type(error).__name__
    if isinstance(error, psycopg.errors.InsufficientPrivilege):
        return (
            f"the database refused: {reason} (ask its administrator to run "
            "archive-tui db add-user YOUR_ROLE, with --importer to import)"
        )
    return f"the database failed: {reason}"


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
        _json_error(args, message, error.status, error.details)
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
            _json_error(args, str(error), EXIT_ERROR)
            return EXIT_ERROR
        database = _database_error(error)
        if database is not None and not os.environ.get("ARCHIVE_TUI_DEBUG"):
            _err(f"error: {visible(database)}")
            _json_error(args, database, EXIT_ERROR)
            return EXIT_ERROR
        if os.environ.get("ARCHIVE_TUI_DEBUG"):
            raise
        _err(
            f"internal error: {type(error).__name__}: {visible(error)} "
            "(set ARCHIVE_TUI_DEBUG=1 to see the traceback)"
        )
        return EXIT_ERROR


def _json_error(
    args: argparse.Namespace, message: str, status: int, details: dict[str, Any] | None = None
) -> None:
    """With --json, a failure is also one JSON object on stdout: ``{"error", "status", …}``."""
    if not getattr(args, "json", False):
        return
    text = message[len("error: ") :] if message.startswith("error: ") else message
    with contextlib.suppress(OSError, ValueError):
        dump_json({"error": text, "status": status, **(details or {})})


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
