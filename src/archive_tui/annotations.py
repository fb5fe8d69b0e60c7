"""Record-id sets for ``tag:``, ``list:``, ``note:``, ``has:note`` and ``has:tag``.

Built once from a workspace snapshot, then kept current by :meth:`AnnotationIndex.apply`
with the :class:`~archive_tui.workspace.Change` list every workspace change returns:
one record's tags or note, or one list, is re-indexed; nothing is rebuilt. Lookups are
dict reads returning sets the caller must not change (copy before mutating).

Tags and list names match folded (``text.fold``: ``Piné`` = ``pine``); note words are
``text.tokenize`` tokens, matched exactly (``note_words()`` lists them for a caller
that expands a prefix or wildcard).

The note words are indexed on first use, not when the index is built: at start-up only
the tags and lists are needed (the first results of an empty or restored query), and
tokenizing thousands of notes beside the archive's open would delay them. The app asks
for them once its first results are painted (:meth:`AnnotationIndex.index_note_words`);
a search that needs them first builds them itself (``note_index_builds`` counts builds).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING

from archive_tui.text import canonical, fold, fold_bytes, tokenize

if TYPE_CHECKING:
    from archive_tui.workspace import Change, Workspace

_EMPTY: frozenset[str] = frozenset()
_TOUCHED_KEPT = 256  # revisions whose changed keys are remembered (touched_since)


def tag_key(name: str) -> str:
    """How a tag or list name is compared: folded, blanks collapsed."""
    return fold(" ".join(name.split()))


def note_words(text: str) -> frozenset[str]:
    """``frozenset(tokenize(text))``, each distinct word made once (a note repeats its
    words: the build of a workspace's index is mostly this)."""
    words = set()
    for raw in set(fold_bytes(text).split()):
        token = canonical(raw)
        if token:
            words.add(token.decode("utf-8", "surrogatepass"))
    return frozenset(words)


class AnnotationIndex:
    """In-memory lookups over one user's tags, notes and lists."""

    def __init__(self) -> None:
        self._tags_of: dict[str, tuple[str, ...]] = {}  # record id -> tags as typed
        # Sets are never changed in place: a change puts a new frozenset in the dict, so a
        # search on a worker thread that holds one keeps a consistent snapshot, and readers
        # iterate over list(dict.items()) (one atomic step) while the UI thread applies.
        self._by_tag: dict[str, frozenset[str]] = {}  # folded tag -> record ids
        self._tag_names: dict[str, str] = {}  # folded tag -> a spelling to show
        self._notes: dict[str, str] = {}  # record id -> its note (not blank)
        # the note words, made on first use (module docstring); both None until then
        self._words_of: dict[str, frozenset[str]] | None = None  # record id -> its tokens
        self._by_word: dict[str, frozenset[str]] | None = None  # note token -> record ids
        self._words_lock = threading.Lock()  # the build (a worker) vs a change (UI thread)
        self.note_index_builds = 0  # how often the note words were indexed (a debug stat)
        self.note_index_thread: str | None = None  # where they were (a debug stat)
        self._lists: dict[str, tuple[str, tuple[str, ...]]] = {}  # folded -> (name, ids)
        self._list_sets: dict[str, frozenset[str]] = {}  # folded list name -> ids
        self.version = 0  # the workspace version last brought in (see from_workspace)
        self.revision = 0  # grows with every apply(): searches cache their doc arrays by it
        self._touched: dict[int, frozenset[tuple[str, str]]] = {}  # revision -> keys it changed

    @classmethod
    def from_workspace(cls, workspace: Workspace) -> AnnotationIndex:
        """The index of a whole workspace, built in one pass: each tag's and note word's
        holders are gathered in a set and frozen once (adding them one by one, as
        ``apply`` does, copies a frozenset per holder: quadratic in a common word's
        notes, 0.35 s at 2,000 notes). The same index as applying every entry."""
        index = cls()
        by_tag: dict[str, set[str]] = {}
        keys: dict[str, str] = {}  # tag as typed -> key (a few hundred tags, many uses)
        for record_id, tags in workspace.tagged().items():
            if not tags:
                continue
            index._tags_of[record_id] = tuple(tags)
            for tag in tags:
                key = keys.get(tag)
                if key is None:
                    key = keys[tag] = tag_key(tag)
                index._tag_names.setdefault(key, tag)
                by_tag.setdefault(key, set()).add(record_id)
        index._by_tag = {key: frozenset(ids) for key, ids in by_tag.items()}
        index._notes = {rid: text for rid, text in workspace.notes().items() if text.strip()}
        for name, ids in workspace.lists().items():
            index._set_list(name, tuple(ids))
        index.version = workspace.version
        return index

    def apply(self, change: Change) -> None:
        """Bring in one change (the state of one record's tags / note, or one list)."""
        if change.kind == "tags":
            tags = tuple(change.value or ())
            touched = {("tag", tag_key(t)) for t in (*self._tags_of.get(change.key, ()), *tags)}
            touched.add(("has", "tag"))
            self._set_tags(change.key, tags)
        elif change.kind == "note":
            text = change.value if isinstance(change.value, str) else ""
            touched = {("note", w) for w in self._old_note_words(change.key)}
            touched.update(("note", w) for w in tokenize(text))
            touched.add(("has", "note"))
            self._set_note(change.key, text)
        elif change.kind == "list":
            touched = {("list", tag_key(change.key)), ("has", "list")}
            self._set_list(change.key, None if change.value is None else tuple(change.value))
        else:
            raise ValueError(f"unknown change kind {change.kind!r}")
        self._touched[self.revision + 1] = frozenset(touched)
        self._touched.pop(self.revision + 1 - _TOUCHED_KEPT, None)
        self.revision += 1

    def apply_all(self, changes: Iterable[Change]) -> None:
        for change in changes:
            self.apply(change)

    # -- lookups ---------------------------------------------------------------------------

    def ids_with_tag(self, name: str) -> set[str] | frozenset[str]:
        return self._by_tag.get(tag_key(name), _EMPTY)

    def ids_with_tag_any(self) -> set[str]:
        """``has:tag``: every record with at least one tag."""
        return set(list(self._tags_of))

    def ids_in_list(self, name: str) -> frozenset[str]:
        return self._list_sets.get(tag_key(name), _EMPTY)

    def ids_with_note_word(self, word: str) -> set[str] | frozenset[str]:
        """Records whose note holds ``word`` (folded; one exact token, no wildcard)."""
        tokens = tokenize(word)
        if not tokens:
            return _EMPTY
        by_word = self._note_word_index()
        found = by_word.get(tokens[0], _EMPTY)
        for token in tokens[1:]:  # "Manac’h-Piné" gives two tokens: all of them
            found = found & by_word.get(token, _EMPTY)
        return found

    def ids_with_note(self) -> set[str]:
        """``has:note`` (the notes themselves: no words needed)."""
        return set(list(self._notes))

    def note_words(self) -> list[str]:
        """Every token in any note, sorted (for prefix and wildcard expansion)."""
        return sorted(list(self._note_word_index()))

    @property
    def note_words_indexed(self) -> bool:
        return self._by_word is not None

    def index_note_words(self) -> None:
        """Index the notes' words now (the app calls it on a worker after the first paint,
        so the first note search does not pay for it). Safe from any thread."""
        self._note_word_index()

    def _note_word_index(self) -> dict[str, frozenset[str]]:
        """The note token -> record ids map, built on first use, in one pass: each word's
        holders gathered in a set and frozen once (adding them one by one, as a change
        does, copies a frozenset per holder: quadratic in a common word)."""
        by_word = self._by_word
        if by_word is not None:
            return by_word
        with self._words_lock:
            if self._by_word is None:
                words_of: dict[str, frozenset[str]] = {}
                holders: dict[str, set[str]] = {}
                for record_id, text in list(self._notes.items()):
                    words = words_of[record_id] = note_words(text)
                    for word in words:
                        holders.setdefault(word, set()).add(record_id)
                self._words_of = words_of
                self._by_word = {word: frozenset(ids) for word, ids in holders.items()}
                self.note_index_builds += 1
                self.note_index_thread = threading.current_thread().name
            return self._by_word

    def _old_note_words(self, record_id: str) -> frozenset[str]:
        """The words of ``record_id``'s note as indexed (or as they would be)."""
        with self._words_lock:
            if self._words_of is not None:
                return self._words_of.get(record_id, _EMPTY)
        text = self._notes.get(record_id)
        return note_words(text) if text else _EMPTY

    def tag_names(self) -> list[str]:
        """Every tag in use, one spelling each, sorted folded."""
        names = dict(list(self._tag_names.items()))
        return [names[key] for key in sorted(names)]

    def list_names(self) -> list[str]:
        return [name for name, _ids in list(self._lists.values())]

    def fields_in_use(self) -> frozenset[str]:
        """``"tags"`` when any record has a tag, ``"lists"`` when any list exists."""
        return frozenset(
            name for name, present in (("tags", self._by_tag), ("lists", self._lists)) if present
        )

    def tags_of(self, record_id: str) -> tuple[str, ...]:
        return self._tags_of.get(record_id, ())

    def tag_counts(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """Tag -> how many of ``ids`` (None: all records) carry it, most first."""
        names = dict(list(self._tag_names.items()))
        by_tag = list(self._by_tag.items())
        if ids is None:
            counts = {names[k]: len(v) for k, v in by_tag if k in names}
        else:  # set intersection walks the smaller side: cheap for a few or many ids
            wanted = ids if isinstance(ids, set | frozenset) else set(ids)
            counts = {names[k]: len(v & wanted) for k, v in by_tag if k in names}
            counts = {name: count for name, count in counts.items() if count}
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], fold(kv[0]))))

    def list_counts(self, ids: Iterable[str] | None = None) -> dict[str, int]:
        """List name -> how many of ``ids`` (None: all records) it holds, in list order."""
        lists = list(self._lists.items())
        if ids is None:
            return {name: len(set(members)) for _key, (name, members) in lists}
        wanted = ids if isinstance(ids, set | frozenset) else set(ids)
        return {name: len(frozenset(members) & wanted) for _key, (name, members) in lists}

    # -- for search (annotation_search.py): snapshots safe to read on a worker thread -----

    def touched_since(self, revision: int) -> set[tuple[str, str]] | None:
        """The (field, folded key) pairs changed after ``revision`` (field ``tag``, ``list``,
        ``note`` for a note word, or ``has``); None when that is too long ago to say."""
        keys: set[tuple[str, str]] = set()
        for at in range(revision + 1, self.revision + 1):
            found = self._touched.get(at)
            if found is None:
                return None
            keys |= found
        return keys

    def tag_keys(self) -> list[tuple[str, str]]:
        """(folded key, a spelling to show) of every tag in use."""
        return list(self._tag_names.items())  # one atomic step

    def list_keys(self) -> list[tuple[str, str]]:
        """(folded key, name) of every list."""
        return [(key, name) for key, (name, _ids) in list(self._lists.items())]

    def ids_with_list_any(self) -> set[str]:
        """``has:list``: every record in at least one list."""
        out: set[str] = set()
        for members in list(self._list_sets.values()):
            out |= members
        return out

    # -- updates ---------------------------------------------------------------------------

    def _set_tags(self, record_id: str, tags: tuple[str, ...]) -> None:
        for tag in self._tags_of.pop(record_id, ()):
            key = tag_key(tag)
            holders = self._by_tag.get(key)
            if holders is not None:
                rest = holders - {record_id}
                if rest:
                    self._by_tag[key] = rest
                else:
                    del self._by_tag[key]
                    del self._tag_names[key]
        if not tags:
            return
        self._tags_of[record_id] = tags
        for tag in tags:
            key = tag_key(tag)
            self._tag_names.setdefault(key, tag)
            self._by_tag[key] = self._by_tag.get(key, _EMPTY) | {record_id}

    def _set_note(self, record_id: str, text: str) -> None:
        with self._words_lock:  # a build meanwhile would miss or keep this note
            if text.strip():
                self._notes[record_id] = text
            else:
                self._notes.pop(record_id, None)
            words_of, by_word = self._words_of, self._by_word
            if words_of is None or by_word is None:
                return  # indexed from self._notes when first needed
            for word in words_of.pop(record_id, _EMPTY):
                rest = by_word[word] - {record_id}
                if rest:
                    by_word[word] = rest
                else:
                    del by_word[word]
            if not text.strip():
                return
            words = frozenset(tokenize(text))
            words_of[record_id] = words
            for word in words:
                by_word[word] = by_word.get(word, _EMPTY) | {record_id}

    def _set_list(self, name: str, ids: tuple[str, ...] | None) -> None:
        key = tag_key(name)
        if ids is None:
            self._lists.pop(key, None)
            self._list_sets.pop(key, None)
            return
        self._lists[key] = (name, ids)
        self._list_sets[key] = frozenset(ids)
