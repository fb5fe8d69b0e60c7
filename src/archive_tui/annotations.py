"""Record-id sets for ``tag:``, ``list:``, ``note:``, ``has:note`` and ``has:tag``.

Built once from a workspace snapshot, then kept current by :meth:`AnnotationIndex.apply`
with the :class:`~archive_tui.workspace.Change` list every workspace change returns:
one record's tags or note, or one list, is re-indexed; nothing is rebuilt. Lookups are
dict reads returning sets the caller must not change (copy before mutating).

Tags and list names match folded (``text.fold``: ``Piné`` = ``pine``); note words are
``text.tokenize`` tokens, matched exactly (``note_words()`` lists them for a caller
that expands a prefix or wildcard).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from archive_tui.text import fold, tokenize

if TYPE_CHECKING:
    from archive_tui.workspace import Change, Workspace

_EMPTY: frozenset[str] = frozenset()


def tag_key(name: str) -> str:
    """How a tag or list name is compared: folded, blanks collapsed."""
    return fold(" ".join(name.split()))


class AnnotationIndex:
    """In-memory lookups over one user's tags, notes and lists."""

    def __init__(self) -> None:
        self._tags_of: dict[str, tuple[str, ...]] = {}  # record id -> tags as typed
        self._by_tag: dict[str, set[str]] = {}  # folded tag -> record ids
        self._tag_names: dict[str, str] = {}  # folded tag -> a spelling to show
        self._words_of: dict[str, frozenset[str]] = {}  # record id -> its note's tokens
        self._by_word: dict[str, set[str]] = {}  # note token -> record ids
        self._lists: dict[str, tuple[str, tuple[str, ...]]] = {}  # folded -> (name, ids)
        self._list_sets: dict[str, frozenset[str]] = {}  # folded list name -> ids
        self.version = 0  # the workspace version last brought in (see from_workspace)

    @classmethod
    def from_workspace(cls, workspace: Workspace) -> AnnotationIndex:
        index = cls()
        for record_id, tags in workspace.tagged().items():
            index._set_tags(record_id, tuple(tags))
        for record_id, text in workspace.notes().items():
            index._set_note(record_id, text)
        for name, ids in workspace.lists().items():
            index._set_list(name, tuple(ids))
        index.version = workspace.version
        return index

    def apply(self, change: Change) -> None:
        """Bring in one change (the state of one record's tags / note, or one list)."""
        if change.kind == "tags":
            self._set_tags(change.key, tuple(change.value or ()))
        elif change.kind == "note":
            self._set_note(change.key, change.value if isinstance(change.value, str) else "")
        elif change.kind == "list":
            self._set_list(change.key, None if change.value is None else tuple(change.value))
        else:
            raise ValueError(f"unknown change kind {change.kind!r}")

    def apply_all(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.apply(change)

    # -- lookups ---------------------------------------------------------------------------

    def ids_with_tag(self, name: str) -> set[str] | frozenset[str]:
        return self._by_tag.get(tag_key(name), _EMPTY)

    def ids_with_tag_any(self) -> set[str]:
        """``has:tag``: every record with at least one tag."""
        return set(self._tags_of)

    def ids_in_list(self, name: str) -> frozenset[str]:
        return self._list_sets.get(tag_key(name), _EMPTY)

    def ids_with_note_word(self, word: str) -> set[str] | frozenset[str]:
        """Records whose note holds ``word`` (folded; one exact token, no wildcard)."""
        tokens = tokenize(word)
        if not tokens:
            return _EMPTY
        found = self._by_word.get(tokens[0], _EMPTY)
        for token in tokens[1:]:  # "Manac’h-Piné" gives two tokens: all of them
            found = found & self._by_word.get(token, _EMPTY)
        return found

    def ids_with_note(self) -> set[str]:
        """``has:note``."""
        return set(self._words_of)

    def note_words(self) -> list[str]:
        """Every token in any note, sorted (for prefix and wildcard expansion)."""
        return sorted(self._by_word)

    def tag_names(self) -> list[str]:
        """Every tag in use, one spelling each, sorted folded."""
        return [self._tag_names[key] for key in sorted(self._tag_names)]

    def list_names(self) -> list[str]:
        return [name for name, _ids in self._lists.values()]

    def tags_of(self, record_id: str) -> tuple[str, ...]:
        return self._tags_of.get(record_id, ())

    def tag_counts(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """Tag -> how many of ``ids`` (None: all records) carry it, most first."""
        if ids is None:
            counts = {self._tag_names[k]: len(v) for k, v in self._by_tag.items()}
        else:  # set intersection walks the smaller side: cheap for a few or many ids
            wanted = ids if isinstance(ids, set | frozenset) else set(ids)
            counts = {self._tag_names[k]: len(v & wanted) for k, v in self._by_tag.items()}
            counts = {name: count for name, count in counts.items() if count}
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], fold(kv[0]))))

    def list_counts(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """List name -> how many of ``ids`` (None: all records) it holds, in list order."""
        if ids is None:
            return {name: len(set(members)) for name, members in self._lists.values()}
        wanted = ids if isinstance(ids, set | frozenset) else set(ids)
        return {
            name: len(self._list_sets[key] & wanted)
            for key, (name, _members) in self._lists.items()
        }

    # -- updates ---------------------------------------------------------------------------

    def _set_tags(self, record_id: str, tags: tuple[str, ...]) -> None:
        for tag in self._tags_of.pop(record_id, ()):
            key = tag_key(tag)
            holders = self._by_tag.get(key)
            if holders is not None:
                holders.discard(record_id)
                if not holders:
                    del self._by_tag[key]
                    del self._tag_names[key]
        if not tags:
            return
        self._tags_of[record_id] = tags
        for tag in tags:
            key = tag_key(tag)
            self._by_tag.setdefault(key, set()).add(record_id)
            self._tag_names.setdefault(key, tag)

    def _set_note(self, record_id: str, text: str) -> None:
        for word in self._words_of.pop(record_id, _EMPTY):
            holders = self._by_word[word]
            holders.discard(record_id)
            if not holders:
                del self._by_word[word]
        if not text.strip():
            return
        words = frozenset(tokenize(text))
        self._words_of[record_id] = words
        for word in words:
            self._by_word.setdefault(word, set()).add(record_id)

    def _set_list(self, name: str, ids: tuple[str, ...] | None) -> None:
        key = tag_key(name)
        if ids is None:
            self._lists.pop(key, None)
            self._list_sets.pop(key, None)
            return
        self._lists[key] = (name, ids)
        self._list_sets[key] = frozenset(ids)
