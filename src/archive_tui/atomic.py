"""Writing a file so that it is either the old one or the whole new one, never half.

The store, the index cache, settings and exports all write the same way: a temporary
file in the target's folder, flushed and fsynced, then moved into place, and the folder
fsynced so the move itself survives a crash. A failure removes the temporary file and
leaves the target as it was.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def temp_path(target: Path) -> Path:
    """``.<name>.<pid>.<random>.tmp`` beside ``target`` (the store cleans up stale ones)."""
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def remove_orphan_temps(target: Path, *, writers_locked_out: bool = False) -> None:
    """Remove temp files beside ``target`` left by writers that quit or were killed mid-write.

    A temp file is named with its writer's pid (:func:`temp_path`); one whose process no
    longer runs is an orphan. With ``writers_locked_out`` (the caller holds the lock every
    writer takes, as the store does) no other write is under way, so every one is.
    """
    for temp in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = temp.name[len(target.name) + 2 :].split(".", 1)[0]
        if writers_locked_out or (pid.isdigit() and not _running(int(pid))):
            with contextlib.suppress(OSError):
                temp.unlink()


def _running(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill(pid, 0) is not a probe
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, under another user, or we cannot tell: leave it
        return True
    return True


@contextlib.contextmanager
def atomic_write(
    path: str | os.PathLike[str],
    *,
    text: bool = False,
    overwrite: bool = True,
    mode: int = 0o666,
    keep_mode: bool = True,
) -> Iterator[IO[Any]]:
    """Yield a file to write; on success it replaces ``path`` in one step.

    ``text`` opens it as UTF-8 text (newlines as written); ``overwrite=False`` raises
    FileExistsError rather than replace a file that exists at the moment of the move;
    ``mode`` is the new file's permissions (umask applies) unless ``keep_mode`` copies
    those of the file it replaces.
    """
    target = Path(path)
    temp = temp_path(target)
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as error:  # name the file the caller asked for, not our temp file
        raise type(error)(error.errno, error.strerror, str(target)) from None
    try:
        if keep_mode and hasattr(os, "fchmod"):
            with contextlib.suppress(OSError):
                os.fchmod(fd, stat.S_IMODE(os.stat(target).st_mode))
        out = os.fdopen(fd, "w", encoding="utf-8", newline="") if text else os.fdopen(fd, "wb")
        with out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        if overwrite:
            os.replace(temp, target)
        else:
            _place_new(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    fsync_folder(target.parent)


def _place_new(temp: Path, target: Path) -> None:
    """Move temp to target without ever replacing a file that appeared meanwhile."""
    try:
        os.link(temp, target)  # fails with FileExistsError if target exists
    except FileExistsError:
        raise FileExistsError(f"{target} already exists") from None
    except OSError:  # a file system without hard links
        if target.exists():
            raise FileExistsError(f"{target} already exists") from None
        os.replace(temp, target)
        return
    os.unlink(temp)


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort: not every platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
