"""The record store: a TinyDB JSON file that is never left half-written.

The file is an ordinary TinyDB database (table ``records``, one document per
record) so any TinyDB program can read it, but it is written the careful way:

* deterministically, one record per line (compact orjson: UTF-8 as given, the
  equivalent of ``ensure_ascii=False``), keys in each record's own order, so
  re-saving an archive that changed little makes a small diff;
* serialized first and parsed back before anything touches the disk;
* through a temporary file in the same folder, flushed and fsynced, then moved over
  the old file with ``os.replace`` (and the folder fsynced), so a crash leaves
  either the old or the new file, never a mix;
* read-modify-write under an exclusive ``flock`` on ``<path>.lock``, re-reading
  inside the lock, so two processes adding records at once lose nothing.

A file that cannot be read completely (missing, empty, not JSON, wrong shape, an
invalid record) is a :class:`StoreError` and is never rewritten.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import threading
from array import array
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from archive_tui.atomic import atomic_write, remove_orphan_temps
from archive_tui.errors import FileProblem
from archive_tui.records import (
    RecordError,
    ValidationFailed,
    ensure_record,
    is_plain_record,
    validate_records,
)

try:  # POSIX; elsewhere writes are still atomic but not serialized between processes.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

TABLE = "records"
_BOM = b"\xef\xbb\xbf"

Tables = dict[str, dict[str, Any]]


class StoreError(FileProblem):
    """An archive file that cannot be read or written; the message is one sentence naming it."""

    TEMPLATE = "Archive {path} {reason}"


def fingerprint_of(stat: os.stat_result) -> str:
    """Identity of a file's content as far as ``stat`` can tell (cheap; for cache keys)."""
    return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"


def dumps_tables(tables: Tables) -> bytes:
    """Serialize TinyDB tables deterministically: one document per line, UTF-8 as is.

    ``{"records": {\\n"1": {...},\\n"2": {...}\\n}}`` plus a final newline.
    Records are compact orjson (UTF-8 as given, like ``ensure_ascii=False``), keys in
    their own order. Raises TypeError for what JSON cannot hold (lone surrogates, huge
    integers, objects); orjson writes NaN as null, which the parse-back check refuses.
    """
    parts = []
    for name, table in tables.items():
        head = orjson.dumps(name)
        if not table:
            parts.append(b"%s: {}" % head)
            continue
        rows = b",\n".join(
            b"%s: %s" % (orjson.dumps(str(doc_id)), orjson.dumps(doc))
            for doc_id, doc in table.items()
        )
        parts.append(b"%s: {\n%s\n}" % (head, rows))
    return b"{" + b", ".join(parts) + b"}\n"


Spans = tuple[array, array]  # per record of the ``records`` table: (line offset, line length)


def line_spans(data: bytes, tables: Tables) -> Spans | None:
    """Where each record's line lies in ``data`` (as :func:`dumps_tables` writes it), or None.

    A line is ``"<doc id>": {record},`` (no comma on the last). None when the file is not
    laid out that way (another writer, other tables), so records cannot be read one by one.
    """
    offsets, lengths = array("q"), array("q")
    if set(tables) - {TABLE}:
        return None
    docs = tables.get(TABLE) or {}
    if not docs:
        return offsets, lengths
    pos = len(_BOM) if data.startswith(_BOM) else 0
    head = b'{"%s": {\n' % TABLE.encode()
    if not data.startswith(head, pos):
        return None
    pos += len(head)
    find, startswith = data.find, data.startswith
    for doc_id in docs:
        if not startswith(b"%s: " % orjson.dumps(doc_id), pos):
            return None
        end = find(b"\n", pos)
        if end < 0:
            return None
        offsets.append(pos)
        lengths.append(end - pos)
        pos = end + 1
    if data[pos:] != b"}}\n":
        return None
    return offsets, lengths


_HEAD = b'{"%s": {\n' % TABLE.encode()
_TAIL = b"\n}}\n"


def parse_lines(data: bytes) -> tuple[Tables, Spans] | None:
    """The tables in ``data`` and their record lines, if laid out as :func:`dumps_tables` writes.

    Each line is parsed on its own, which is faster than orjson on the whole 400 MB
    document, and gives :func:`line_spans` for free. None, to parse the whole document
    instead, unless ``data`` is exactly ``{"records": {`` (after a BOM), lines ``"<digits>":
    <JSON value>,`` (no comma on the last), then ``}}``: the same JSON, read the same way.
    One difference remains: orjson's depth limit counts from the line, not the document,
    so a value nested ~1,000 levels deep is read here, and refused by the whole-document
    parse; such a record is never valid, and its error path parses the whole document.
    """
    start = len(_BOM) if data.startswith(_BOM) else 0
    if not data.startswith(_HEAD, start) or not data.endswith(_TAIL):
        return None
    pos = start + len(_HEAD)
    last = len(data) - len(_TAIL) + 1  # where "}}" starts, after the last line's newline
    if pos >= last:
        return None
    view = memoryview(data)
    find, loads = data.find, orjson.loads
    docs: dict[str, Any] = {}
    offsets, lengths = array("q"), array("q")
    try:
        while pos < last:
            end = find(b"\n", pos, last)
            close = find(b'": ', pos + 1, end)
            if data[pos] != 0x22 or close < 0:  # 0x22: a quote opens the doc id
                return None
            doc_id = data[pos + 1 : close]
            if not doc_id.isdigit():  # ASCII digits: nothing to unescape
                return None
            stop = end
            if end + 1 < last:  # a comma ends every line but the last
                if data[end - 1] != 0x2C:
                    return None
                stop -= 1
            key = doc_id.decode("ascii")
            if key in docs:
                return None  # a repeated doc id: the whole-document reading decides
            docs[key] = loads(view[close + 3 : stop])
            offsets.append(pos)
            lengths.append(end - pos)
            pos = end + 1
    except orjson.JSONDecodeError:
        return None
    finally:
        view.release()
    return {TABLE: docs}, (offsets, lengths)


def parse_line(line: bytes) -> object:
    """The record on one line of a store file (see :func:`line_spans`); ValueError if none."""
    if not line.startswith(b'"'):
        raise ValueError("not a record line")
    start = line.find(b'": ')
    if start < 0:
        raise ValueError("not a record line")
    end = len(line) - 1 if line.endswith(b",") else len(line)
    return orjson.loads(memoryview(line)[start + 3 : end])


def describe_json_error(data: bytes, error: ValueError) -> tuple[str, int | None, int | None]:
    """Why ``data`` is not JSON, as (reason, line, column); positions count characters.

    orjson reports byte offsets, so the document is re-parsed with the standard library
    to locate the fault the way an editor shows it.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as bad:
        line = data.count(b"\n", 0, bad.start) + 1
        column = bad.start - (data.rfind(b"\n", 0, bad.start) + 1) + 1
        return (
            f"is not UTF-8 text (byte {bad.start}, line {line}, column {column})",
            line,
            column,
        )
    try:
        json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as precise:
        error = precise
    except (ValueError, RecursionError):  # nested deeper than the standard library goes
        pass
    line = getattr(error, "lineno", None)
    column = getattr(error, "colno", None)
    from archive_tui.errors import json_error_phrase  # (kept inside: store.py is shared)

    message = json_error_phrase(getattr(error, "msg", str(error)))
    where = f" at line {line}, column {column}" if line is not None else ""
    return f"is not valid JSON{where} ({message})", line, column


def _json_error(path: Path, data: bytes, error: ValueError) -> StoreError:
    reason, line, column = describe_json_error(data, error)
    return StoreError(path, reason, line=line, column=column)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _lock_problem(lock_path: Path, error: OSError) -> str:
    """Why the lock file could not be opened, in the user's words (issue 13: an unwritable
    folder is not "cannot be locked")."""
    folder = lock_path.parent
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"cannot be written: the folder {folder} is not writable "
            f"({error.strerror or error}); nothing was written"
        )
    if error.errno == errno.ELOOP:
        return f"cannot be locked for writing: {lock_path} is a symbolic link, never followed"
    return f"cannot be locked for writing ({lock_path}: {error.strerror or error})"


class AtomicJSONStorage(Storage):
    """TinyDB storage with atomic, verified, deterministic writes and an inter-process lock.

    Usable directly by TinyDB: ``TinyDB(path, storage=AtomicJSONStorage)``. Reading a
    missing file gives None (an empty database, as TinyDB expects); reading a file that
    is empty or not a TinyDB document raises StoreError. Nothing is created until the
    first write.
    """

    def __init__(self, path: os.PathLike[str] | str, *, read_only: bool = False) -> None:
        super().__init__()
        self.path = Path(path)
        self.read_only = read_only
        self._thread_lock = threading.RLock()
        self._lock_depth = 0
        self._lock_fd: int | None = None
        self.written_spans: Spans | None = None  # record lines of the last file written

    # -- reading ---------------------------------------------------------------------------

    def read(self) -> Tables | None:
        return self.read_with_fingerprint()[0]

    def read_with_fingerprint(self) -> tuple[Tables | None, str]:
        """The parsed tables and the fingerprint of exactly the bytes they came from."""
        data, fingerprint = self.read_bytes()
        if data is None:
            return None, fingerprint
        return self.parse(data), fingerprint

    def read_bytes(self) -> tuple[bytes | None, str]:
        """The file's bytes (None if missing) and the fingerprint of that very file."""
        path = self.path
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None, "missing"
        except IsADirectoryError:
            raise StoreError(path, "is a folder, not an archive file") from None
        except OSError as error:
            raise StoreError(path, f"cannot be read: {error.strerror or error}") from None
        try:
            stat = os.fstat(fd)
            with open(fd, "rb", closefd=False) as handle:
                data = handle.read()
        except IsADirectoryError:
            raise StoreError(path, "is a folder, not an archive file") from None
        except OSError as error:
            raise StoreError(path, f"cannot be read: {error.strerror or error}") from None
        finally:
            os.close(fd)
        return data, fingerprint_of(stat)

    def parse(self, data: bytes) -> Tables:
        """Parse and shape-check file bytes; StoreError (with line/column) when they are bad."""
        return self.parse_with_spans(data)[0]

    def parse_with_spans(self, data: bytes) -> tuple[Tables, Spans | None]:
        """Like :meth:`parse`, with where each record's line is when that came for free.

        A file laid out as this storage writes it is parsed line by line (see
        :func:`parse_lines`); anything else, or any problem, is left to the whole-document
        parse, which decides what is reported.
        """
        with _paused_for(data):
            lines = parse_lines(data)
        if lines is not None:
            try:
                check_tables(self.path, lines[0])
            except StoreError:
                pass  # a problem: the whole document says which one comes first
            else:
                return lines
        return self.parse_whole(data), None

    def parse_whole(self, data: bytes) -> Tables:
        """:meth:`parse` as one JSON document, whatever the layout."""
        path = self.path
        if data.startswith(_BOM):
            data = data[len(_BOM) :]
        try:
            with _paused_for(data):
                tables = orjson.loads(data)
        except orjson.JSONDecodeError as error:
            if not data.strip():
                raise StoreError(
                    path, "is empty; an archive file holds a JSON object of tables"
                ) from None
            raise _json_error(path, data, error) from None
        check_tables(path, tables)
        return tables

    # -- writing ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the exclusive inter-process lock on ``<path>.lock`` (re-entrant in a process)."""
        if self.read_only:
            raise StoreError(self.path, "is open read-only; nothing was written")
        with self._thread_lock:
            if self._lock_depth == 0:
                self._lock_fd = self._acquire()
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
                if self._lock_depth == 0 and self._lock_fd is not None:
                    os.close(self._lock_fd)  # closing releases the flock
                    self._lock_fd = None

    def _acquire(self) -> int:
        # Lock next to the real file, so two names (symlinks) for it share one lock.
        target = Path(os.path.realpath(self.path))
        lock_path = target.with_name(target.name + ".lock")
        try:
            lock_path.parent.mkdir(parents=True, exist_ok=True)
            # never through a planted symlink: that would create or lock its target
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | _NOFOLLOW, 0o666)
        except OSError as error:
            raise StoreError(self.path, _lock_problem(lock_path, error)) from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError as error:  # pragma: no cover - e.g. a file system without locks
                os.close(fd)
                raise StoreError(
                    self.path, f"cannot be locked for writing: {error.strerror or error}"
                ) from None
        return fd

    def write(self, data: Tables) -> None:
        """Serialize, verify, and atomically replace the file (under the lock)."""
        if self.read_only:
            raise StoreError(self.path, "is open read-only; nothing was written")
        tables = {name: {str(k): doc for k, doc in table.items()} for name, table in data.items()}
        try:
            payload = dumps_tables(tables)
        except (TypeError, ValueError) as error:
            raise StoreError(
                self.path, f"was not written: the data is not JSON ({error})"
            ) from None
        try:
            parsed_back = orjson.loads(payload)
        except orjson.JSONDecodeError as error:  # pragma: no cover - a serializer bug
            raise StoreError(
                self.path, f"was not written: the new content does not parse back ({error})"
            ) from None
        if parsed_back != tables:
            raise StoreError(
                self.path, "was not written: the new content does not read back the same"
            )
        self.written_spans = line_spans(payload, parsed_back)
        del parsed_back
        with self.lock():
            self._replace(payload)

    def _replace(self, payload: bytes) -> None:
        target = Path(os.path.realpath(self.path))
        folder = target.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if fcntl is not None:  # every writer holds the lock: any temp file is stale
                remove_orphan_temps(target, writers_locked_out=True)
            with atomic_write(target) as out:
                view = memoryview(payload)  # unbuffered: a 400 MB payload is not copied
                while view:
                    view = view[os.write(out.fileno(), view) :]
        except OSError as error:
            raise StoreError(self.path, f"was not written: {error.strerror or error}") from None


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_was_enabled = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large JSON document is parsed.

    Parsing creates hundreds of thousands of lists and dicts, none of them garbage, and
    the collector would walk all of them again and again as they pile up (a third of
    orjson's time on a 400 MB file). Nested and concurrent pauses restore the state the
    first one found. At the end, tracked objects are moved to the oldest generation
    (``gc.freeze()`` then ``gc.unfreeze()``, as documented), so the new records are not
    walked twice more on their way there; nothing stays frozen, and this is skipped when
    someone else holds objects frozen.
    """
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                if gc.get_freeze_count() == 0:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()


#: below this size a parse makes too few objects for the collector to matter, and pausing it
#: (which ends by moving every object to the oldest generation) only costs: a workspace parsed
#: a thousand times in a long process made each later full collection walk a huge heap
PAUSE_COLLECTOR_BYTES = 8 << 20


def _paused_for(data: bytes) -> contextlib.AbstractContextManager[None]:
    """:func:`collector_paused` for a large document, nothing for a small one."""
    return collector_paused() if len(data) >= PAUSE_COLLECTOR_BYTES else contextlib.nullcontext()


def check_tables(path: Path, tables: object) -> None:
    """Raise StoreError unless ``tables`` has TinyDB's shape: {table: {doc_id: {...}}}."""
    if not isinstance(tables, dict):
        kind = "a list" if isinstance(tables, list) else type(tables).__name__
        hint = " (a list of records can be added with `archive-tui import`)" * isinstance(
            tables, list
        )
        raise StoreError(
            path, f"is not a TinyDB file: its top level is {kind}, not an object of tables{hint}"
        )
    for name, table in tables.items():
        if not isinstance(table, dict):
            raise StoreError(path, f"is not a TinyDB file: table {name!r} is not an object")
        for doc_id, doc in table.items():
            if not isinstance(doc, dict):
                raise StoreError(
                    path, f"has a document that is not an object (table {name!r}, id {doc_id!r})"
                )
            try:
                int(doc_id)
            except ValueError:
                raise StoreError(
                    path, f"has a doc id {doc_id!r} that is not a number (table {name!r})"
                ) from None


class RecordStore:
    """The records of one archive file.

    ``open`` reads and checks the whole file at once, so a bad file is reported
    before anything else happens; the parsed records are kept for ``load`` as long as
    the file does not change. Records handed out are shared, not copied: treat them as
    read-only.
    """

    def __init__(
        self, path: Path, *, read_only: bool, create: bool, trusted: str | None = None
    ) -> None:
        self.path = path
        self.read_only = read_only
        self._create = create
        self.storage = AtomicJSONStorage(path, read_only=read_only)
        self._cache: tuple[str, Tables] | None = None  # (fingerprint, tables)
        self._trusted = trusted
        self._clean: str | None = None  # fingerprint of content known valid and normal
        self._spans: tuple[str, Spans] | None = None  # (fingerprint, record line spans)
        self.last_changed: set[str] = set()  # ids the last upsert added or changed

    @classmethod
    def open(
        cls,
        path: os.PathLike[str] | str,
        *,
        create: bool = False,
        read_only: bool = False,
        trusted: str | None = None,
        defer: str | None = None,
    ) -> RecordStore:
        """Open an archive file; StoreError if it is missing (unless ``create``) or unreadable.

        With ``create``, a missing file is fine and nothing is written until the first upsert.
        ``trusted`` is a fingerprint this file had when it was last fully validated (the
        index cache remembers it): when the bytes read still have it, the per-record
        validation is skipped (the JSON and table shape are always checked).
        ``defer`` is such a fingerprint too: when the file still has it, nothing is read
        until records are asked for (the caller reads single records by their spans).
        """
        store = cls(Path(path), read_only=read_only, create=create, trusted=trusted)
        if defer is not None and defer != "missing" and store.fingerprint() == defer:
            return store
        tables, _ = store._read()
        if tables is None and not create:
            raise StoreError(store.path, "does not exist")
        return store

    def _read(self) -> tuple[Tables | None, str]:
        """Read, check and cache the file; a record failing validation is a StoreError."""
        self._cache = None
        self._clean = None
        self._spans = None
        data, fingerprint = self.storage.read_bytes()
        if data is None:
            self._spans = (fingerprint, (array("q"), array("q")))
            return None, fingerprint
        tables, spans = self.storage.parse_with_spans(data)
        if self._trusted is None or fingerprint != self._trusted:
            try:
                replaced = check_records(self.path, tables)
            except StoreError:
                if spans is not None:  # read line by line: a JSON error would come first
                    self.storage.parse_whole(data)
                raise
            if replaced == 0:
                self._clean = fingerprint
        else:  # validated (and found already normal) when this fingerprint was recorded
            self._clean = fingerprint
        if self._clean is not None:
            if spans is None:
                spans = line_spans(data, tables)
            if spans is not None:
                self._spans = (fingerprint, spans)
        del data
        self._cache = (fingerprint, tables)
        return tables, fingerprint

    def record_spans(self) -> tuple[str, Spans] | None:
        """(fingerprint, where each record's line is) for the loaded, valid content, if known.

        With it a later open can read single records without parsing the file; see
        :func:`line_spans`. A missing file has no records (fingerprint ``"missing"``).
        """
        spans = self._spans
        if spans is None:
            return None
        if spans[0] == "missing":
            return spans if self._cache is None else None
        return spans if spans[0] == self.clean_fingerprint() else None

    def clean_fingerprint(self) -> str | None:
        """Fingerprint of the loaded content if every record in it was valid as stored.

        None when some record needed normalizing (the file differs from what is held)
        or nothing is loaded. Worth remembering so a later open can pass it as ``trusted``.
        """
        if self._cache is None or self._clean != self._cache[0]:
            return None
        return self._clean

    def _current(self) -> Tables | None:
        """The cached tables if the file is unchanged (by stat), else a fresh read."""
        if self._cache is not None and self._cache[0] == self.fingerprint():
            return self._cache[1]
        return self._read()[0]

    def load(self) -> list[dict]:
        """All records in stored order (the parsed objects themselves, not copies)."""
        tables = self._current()
        if tables is None:
            if not self._create:
                raise StoreError(self.path, "does not exist")
            return []
        return list(tables.get(TABLE, {}).values())

    def __len__(self) -> int:
        tables = self._current()
        return len(tables.get(TABLE, {})) if tables else 0

    def upsert(self, records: Iterable[dict]) -> tuple[int, int]:
        """Add new records and replace those whose id exists (keeping their place), atomically.

        Returns (added, updated); a record identical to the stored one counts as neither,
        and when nothing changes the file is not rewritten. The batch is validated first
        (ValidationFailed, nothing written); O(n) in the size of archive and batch.
        """
        if self.read_only:
            raise StoreError(self.path, "is open read-only; nothing was written")
        batch = validate_records(records)
        with self.storage.lock():
            # Re-read inside the lock: another process may have written since we last looked,
            # and comparing with what is on disk (not with records handed out earlier, which a
            # caller may have changed in place) decides what is new or updated.
            tables = self._read()[0] or {}
            cached, self._cache = self._cache, None  # the tables change below
            table = tables.setdefault(TABLE, {})
            where = {doc["id"]: doc_id for doc_id, doc in table.items()}
            next_id = max(map(int, table), default=0) + 1
            added = updated = 0
            changed: set[str] = set()
            for record in batch:
                doc_id = where.get(record["id"])
                if doc_id is None:
                    doc_id = str(next_id)
                    next_id += 1
                    where[record["id"]] = doc_id
                    table[doc_id] = record
                    added += 1
                    changed.add(record["id"])
                elif table[doc_id] != record:
                    table[doc_id] = record
                    updated += 1
                    changed.add(record["id"])
            self.last_changed = changed
            if added or updated:
                self._write_tables(tables)
            else:
                self._cache = cached
        return added, updated

    def _write_tables(self, tables: Tables) -> None:
        self.storage.write(tables)
        self._cache = (self.fingerprint(), tables)
        self._clean = self._cache[0]  # every record written was validated and normal
        written = self.storage.written_spans
        self._spans = None if written is None else (self._cache[0], written)

    def remove(self, ids: Iterable[str]) -> int:
        """Remove the records with these ids, atomically and under the lock; how many.

        Ids not in this file are ignored (the caller says which); when none is here the
        file is not rewritten.
        """
        if self.read_only:
            raise StoreError(self.path, "is open read-only; nothing was written")
        wanted = set(ids)
        with self.storage.lock():
            tables = self._read()[0] or {}
            cached, self._cache = self._cache, None
            table = tables.get(TABLE, {})
            gone = [doc_id for doc_id, doc in table.items() if doc["id"] in wanted]
            for doc_id in gone:
                del table[doc_id]
            self.last_changed = set()
            if gone:
                self._write_tables(tables)
            else:
                self._cache = cached
        return len(gone)

    def snapshot(self) -> tuple[str, list[dict], Spans | None]:
        """(fingerprint, records in file order, their line spans if known) as loaded now.

        Reads the file if it changed since it was last read.
        """
        records = self.load()
        cache = self._cache
        fingerprint = cache[0] if cache is not None else self.fingerprint()
        spans = self.record_spans()
        return fingerprint, records, (spans[1] if spans is not None else None)

    def fingerprint(self) -> str:
        """Cheap identity of the file's current content (stat-based), for cache keys."""
        try:
            return fingerprint_of(os.stat(self.path))
        except FileNotFoundError:
            return "missing"
        except OSError as error:
            raise StoreError(self.path, f"cannot be read: {error.strerror or error}") from None

    def tinydb(self) -> Any:
        """A TinyDB handle on the same file and storage, for ad-hoc queries."""
        from tinydb import TinyDB

        return TinyDB(self.path, storage=AtomicJSONStorage, read_only=self.read_only)


def check_records(path: Path, tables: Tables) -> int:
    """Validate the ``records`` table in place; StoreError naming the first bad record.

    Valid records are kept as the very objects parsed; only a record that needs
    normalizing (say a single string where a list belongs) is replaced by its normal form.
    Returns how many were replaced.
    """
    table = tables.get(TABLE)
    if table is None:
        others = [name for name, docs in tables.items() if docs]
        if others:
            names = ", ".join(repr(name) for name in others)
            raise StoreError(
                path,
                f"has no {TABLE!r} table (it has {names}); "
                "add its records with `archive-tui import` instead",
            )
        return 0
    # The common case first: records valid and normal as stored, ids all different.
    ids = []
    for doc in table.values():
        if not is_plain_record(doc):
            break
        ids.append(doc["id"])
    else:
        if len(set(ids)) == len(ids):
            return 0
    # Otherwise the full check, in order, so the first problem is the one reported; the
    # records found plain above need no second look.
    plain = len(ids)
    seen: dict[str, str] = {}
    replaced = 0
    for position, (doc_id, doc) in enumerate(table.items(), start=1):
        if position <= plain:
            record = doc
        else:
            try:
                record = ensure_record(doc, position, parsed_json=True)
            except RecordError as error:
                raise StoreError(
                    path, f"has an invalid record (doc id {doc_id}): {error}"
                ) from None
        if record is not doc:
            table[doc_id] = record
            replaced += 1
        earlier = seen.setdefault(record["id"], doc_id)
        if earlier != doc_id:
            raise StoreError(
                path, f"has the id {record['id']!r} twice (doc ids {earlier} and {doc_id})"
            )
    return replaced


__all__ = [
    "TABLE",
    "AtomicJSONStorage",
    "LazyRecords",
    "RecordStore",
    "StaleLayout",
    "StoreError",
    "ValidationFailed",
    "dumps_tables",
    "fingerprint_of",
    "line_spans",
    "parse_line",
    "parse_lines",
]

from archive_tui.store.lazy import LazyRecords, StaleLayout  # noqa: E402 (re-exported)
