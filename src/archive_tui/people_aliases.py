"""The people alias file: merges and splits the name rule cannot decide, one a line.

The shipped archive has ``data/people-aliases.txt``; a user extends it with
``people-aliases.txt`` in their data folder (next to their own ``records.json``). The
format, UTF-8 text::

    # a comment; blank lines are ignored; "  # ..." ends a line with a comment
    # one person: every name on the line; the first is the name the facet shows
    Gromyko, Andrei A. = Gromyko, Andrei I. = Gromyko, Andrei M. = Gromiko
    # different people, never merged by the rule
    Johnson, Robert != Johnson, Robert H.
    # another name of the same person, in brackets (as FRUS prints pseudonyms)
    Dulles, Allen W. (Ascham, Robert A.)

A name is written as an archive gives it (accents, case and spacing may differ). A line
that is none of these is a problem reported with its file and line number, never an
error: the other lines still count. A missing file is no problem (most users have none).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .paths import shipped_data_file, user_data_dir

ALIASES_FILE_NAME = "people-aliases.txt"
_COMMENT = re.compile(r"(^|\s)#.*$")
_BRACKETED = re.compile(r"^(?P<name>[^()]+?)\s*\((?P<other>[^()]+)\)$")


@dataclass(frozen=True)
class AliasProblem:
    """A line of an alias file that was not understood (and was skipped)."""

    path: str
    line: int  # 1-based; 0 for the file as a whole
    text: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}, line {self.line}" if self.line else self.path
        shown = f": {self.text!r}" if self.text else ""
        return f"{where}: {self.reason}{shown}"


@dataclass(frozen=True)
class Aliases:
    """What alias files say. ``merges``: one person each, canonical name first."""

    merges: tuple[tuple[str, ...], ...] = ()
    splits: tuple[tuple[str, ...], ...] = ()  # names that are pairwise different people
    problems: tuple[AliasProblem, ...] = field(default=())

    def __add__(self, other: Aliases) -> Aliases:
        """Both files' lines, this one's first (a later file extends an earlier one)."""
        return Aliases(
            self.merges + other.merges,
            self.splits + other.splits,
            self.problems + other.problems,
        )


def _names(text: str) -> tuple[str, ...] | None:
    names = tuple(" ".join(n.split()) for n in text)
    return names if all(names) else None


def parse_aliases(text: str, source: str = "<aliases>") -> Aliases:
    """Read an alias file's text; never raises. ``source`` names it in problems."""
    merges: list[tuple[str, ...]] = []
    splits: list[tuple[str, ...]] = []
    problems: list[AliasProblem] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw).strip()
        if not line:
            continue
        shown = raw.strip()
        if "!=" in line:
            names = _names(line.split("!="))
            if "=" in line.replace("!=", "") or names is None or len(names) < 2:
                problems.append(
                    AliasProblem(source, number, shown, "a split is 'Name != Other Name'")
                )
                continue
            splits.append(names)
        elif "=" in line:
            names = _names(line.split("="))
            if names is None or len(names) < 2:
                problems.append(
                    AliasProblem(source, number, shown, "a merge is 'Name = Other Name'")
                )
                continue
            merges.append(names)
        elif m := _BRACKETED.match(line):
            names = _names((m["name"], m["other"]))
            assert names is not None
            merges.append(names)
        else:
            problems.append(
                AliasProblem(
                    source,
                    number,
                    shown,
                    "not a merge (A = B), a split (A != B) or a bracketed alias (A (B))",
                )
            )
    return Aliases(tuple(merges), tuple(splits), tuple(problems))


def load_aliases(paths: Iterable[Path | str]) -> Aliases:
    """The alias files at ``paths``, in order, combined; missing files are skipped.

    A file that cannot be read or is not UTF-8 is one problem (line 0), never an error.
    """
    result = Aliases()
    for path in map(Path, paths):
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except (OSError, UnicodeDecodeError) as e:
            reason = "not UTF-8 text" if isinstance(e, UnicodeDecodeError) else "cannot be read"
            result += Aliases(problems=(AliasProblem(str(path), 0, "", reason),))
            continue
        result += parse_aliases(text, str(path))
    return result


def shipped_aliases_path() -> Path:
    """The shipped archive's alias file: package data, else ``<repo>/data/``."""
    return shipped_data_file(ALIASES_FILE_NAME)


def user_aliases_path() -> Path:
    """The user's own alias file, beside their archive in the data folder."""
    return user_data_dir() / ALIASES_FILE_NAME


def default_alias_paths() -> list[Path]:
    """The shipped file, then the user's (which extends it)."""
    return [shipped_aliases_path(), user_aliases_path()]
