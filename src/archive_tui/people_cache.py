"""The grouping of People names into people, kept on disk beside the segments.

Grouping the names (parsing ~3,000 of them and comparing forms) was the largest part of
opening a 100k archive (~40 ms of CPU in every ``archive-tui search`` process). It
depends only on the distinct names and the alias files, not on the counts, so an import
that adds records naming known people keeps it: the counts are applied at each open
(:meth:`PersonResolver.from_grouping`, ~3 ms). One file, ``<cache>/people/grouping.json``,
holds the grouping of the last names seen, under a digest of the names and the alias
lines; any other names or alias lines build it again and replace it.

Same safety as the segments: JSON data only (no pickle), the file must be ours and
private, every field is checked (types, lengths, the groups a partition of the names), and
a damaged or foreign file is never trusted: it is rebuilt, counted in :func:`cache_stats`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from .people import NameGrouping, group_names
from .people_aliases import Aliases

VERSION = 1
_STATS = {"hits": 0, "builds": 0, "damaged": 0, "written": 0}


class _Damaged(ValueError):
    pass


def cache_stats() -> dict[str, int]:
    """What this process did: groupings read from disk, built, found damaged, written."""
    return dict(_STATS)


def cache_path() -> Path | None:
    """Where the grouping is kept (None when there is no home folder: nothing is kept)."""
    from .paths import cache_dir

    try:
        return cache_dir() / "people" / "grouping.json"
    except Exception:  # no home folder: build every time
        return None


def digest(names: Sequence[str], aliases: Aliases) -> str:
    """What the grouping is of: the format, the names in order and the alias lines."""
    text = json.dumps([VERSION, list(names), aliases.merges, aliases.splits], ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def cached_grouping(names: Sequence[str], aliases: Aliases) -> NameGrouping:
    """``group_names(names, aliases)``, read from disk when the same names and alias lines
    were grouped before (by any process), else built and saved."""
    path = cache_path()
    key = digest(names, aliases)
    if path is not None:
        found = _read(path, key, names)
        if found is not None:
            _STATS["hits"] += 1
            return found
    grouping = group_names(names, aliases)
    _STATS["builds"] += 1
    if path is not None:
        with contextlib.suppress(OSError):  # no room, read-only: only time is lost
            _write(path, key, grouping)
            _STATS["written"] += 1
    return grouping


def _read(path: Path, key: str, names: Sequence[str]) -> NameGrouping | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None  # none yet (or a link: never followed)
    try:
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fh.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise _Damaged("not a file")
            if hasattr(os, "getuid") and st.st_uid != os.getuid():
                raise _Damaged("owned by someone else")
            if st.st_mode & 0o077:
                raise _Damaged("others may read or write it")
            data = json.loads(fh.read())
        if not isinstance(data, dict) or data.get("version") != VERSION:
            raise _Damaged("version")
        if not isinstance(data.get("digest"), str):
            raise _Damaged("digest")
        if data.get("digest") != key:
            return None  # other names or alias lines: built again, replaced
        return _checked(data, names)
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        _STATS["damaged"] += 1
        return None


def _strs(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _checked(data: dict, names: Sequence[str]) -> NameGrouping:
    """The grouping ``data`` holds, or _Damaged: nothing in it is trusted unchecked."""
    n = len(names)
    keys, spec, groups = data["keys"], data["specificity"], data["groups"]
    stated, notes = data["stated"], data["notes"]
    if not (isinstance(keys, list) and len(keys) == n):
        raise _Damaged("keys")
    out_keys = []
    for k in keys:
        if not (
            isinstance(k, list)
            and len(k) == 3
            and isinstance(k[0], str)
            and _strs(k[1])
            and isinstance(k[2], str)
        ):
            raise _Damaged("key")
        out_keys.append((k[0], tuple(k[1]), k[2]))
    if not (isinstance(spec, list) and len(spec) == n):
        raise _Damaged("specificity")
    if not all(type(s) is int for s in spec):
        raise _Damaged("specificity")
    if not (isinstance(groups, list) and all(isinstance(g, list) and g for g in groups)):
        raise _Damaged("groups")
    members = [i for g in groups for i in g]
    if not all(type(i) is int for i in members) or sorted(members) != list(range(n)):
        raise _Damaged("groups are not a partition of the names")
    if not (isinstance(stated, list) and len(stated) == len(groups)):
        raise _Damaged("stated")
    if not all(s is None or isinstance(s, str) for s in stated) or not _strs(notes):
        raise _Damaged("stated or notes")
    return NameGrouping(
        names=tuple(names),
        keys=tuple(out_keys),
        specificity=tuple(spec),
        groups=tuple(tuple(g) for g in groups),
        stated=tuple(stated),
        notes=tuple(notes),
    )


def _write(path: Path, key: str, grouping: NameGrouping) -> None:
    from .atomic import atomic_write

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {
        "version": VERSION,
        "digest": key,
        "keys": grouping.keys,
        "specificity": grouping.specificity,
        "groups": grouping.groups,
        "stated": grouping.stated,
        "notes": grouping.notes,
    }
    with atomic_write(path, mode=0o600, keep_mode=False) as fh:
        fh.write(json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii"))
