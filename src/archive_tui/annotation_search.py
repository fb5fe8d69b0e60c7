"""Your annotations in a search: ``tag:``, ``list:``, ``note:``, ``has:``, notes matched by
bare words, and the ``tags`` / ``lists`` facets and filters.

The :class:`~archive_tui.annotations.AnnotationIndex` answers with record-id sets; a search
needs doc masks. Each id set is turned into a doc array once per annotation *revision*
(``AnnotationIndex.revision``, bumped by every ``apply``) and index, and remembered on the
index like its other lookup tables, so a search with ``tag:`` costs what any other does.
A tag or note change bumps the revision: the next search converts the sets it needs again
(a dict lookup per annotated record), and nothing is rebuilt.

Ranking: ``tag:``, ``list:``, ``note:`` and ``has:`` select without scoring (like
``date:``). A bare word found in a record's note adds a score as if the word were in the
record's summary (BM25F, an average-length record, the word's rarity in the archive): a
record matched only by its note ranks like a summary match, and one matched in both ranks
above one matched in its text alone. Phrases are not looked for in notes.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from .annotations import AnnotationIndex, tag_key
from .index import FIELD_WEIGHTS, K1, _idf, distinct
from .query import AnnotationMatch, Node, Term
from .wildcard import compile_glob, literal_prefix

if TYPE_CHECKING:
    from .index.view import IndexView

# Facet (and filter) fields of the annotations, in the order a panel shows them.
ANNOTATION_FACETS = ("tags", "lists")
# Filter names accepted for them (Filters.from_mapping, --filter tag=berlin).
ANNOTATION_FILTER_NAMES = {"tag": "tags", "tags": "tags", "list": "lists", "lists": "lists"}
_TOP = "\U0010ffff"
_LOCK = threading.Lock()


def sorted_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values in both of two sorted arrays of distinct values: ``np.intersect1d``
    without its ``np.unique`` (which imports ``numpy.ma``, ~10 ms of a search process)."""
    if not len(a) or not len(b):
        return a[:0]
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return a[b[at] == a]


class _Cache:
    """Doc arrays of one AnnotationIndex at one revision, for one index."""

    def __init__(self, annotations: AnnotationIndex, revision: int) -> None:
        self.annotations = annotations
        self.revision = revision
        self.docs: dict[tuple[str, str], np.ndarray] = {}  # (field, folded key) -> docs
        self.facets: dict[
            str, tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]
        ] = {}
        self.sorted_keys: dict[str, list[str]] = {}
        self.all_counts: dict[str, dict[str, int]] | None = None  # facets of everything

    def carried_to(self, revision: int) -> _Cache:
        """This cache brought to ``revision``: what the changes since touched is dropped
        (a tag op then costs one or two set conversions, not all of them)."""
        touched = self.annotations.touched_since(self.revision)
        fresh = _Cache(self.annotations, revision)
        if touched is None:
            return fresh
        fresh.docs = {key: docs for key, docs in self.docs.items() if key not in touched}
        fields = {field for field, _key in touched}
        fresh.sorted_keys = {f: keys for f, keys in self.sorted_keys.items() if f not in fields}
        stale = {"tags": "tag" in fields, "lists": "list" in fields}
        fresh.facets = {name: t for name, t in self.facets.items() if not stale[name]}
        return fresh


class AnnotationSearch:
    """The annotation side of one search over ``index`` (see the module docstring)."""

    conversions = 0  # id sets turned into doc arrays (a debug stat: tests see the cache work)

    def __init__(
        self, index: IndexView, doc_of: Mapping[str, int], annotations: AnnotationIndex
    ) -> None:
        self.n = index.n
        self.index = index
        self.doc_of = doc_of
        self.ann = annotations
        revision = annotations.revision
        with _LOCK:  # searches may run on two threads
            cache = getattr(index, "_annotation_docs", None)
            if cache is None or cache.annotations is not annotations:
                cache = _Cache(annotations, revision)
            elif cache.revision != revision:
                cache = cache.carried_to(revision)
            index._annotation_docs = cache  # type: ignore[attr-defined]
        self.cache = cache

    # -- id sets -> docs -------------------------------------------------------------------

    def _docs(self, kind: str, key: str, ids: Callable[[], Iterable[str]]) -> np.ndarray:
        """The docs of the records in ``ids()``, cached (records not in the archive: orphans,
        skipped)."""
        cache_key = (kind, key)
        found = self.cache.docs.get(cache_key)
        if found is None:
            doc_of = self.doc_of
            snapshot = tuple(ids())  # one C-level copy: safe while the app applies a change
            docs = [d for d in map(doc_of.get, snapshot) if d is not None]
            found = distinct(np.array(docs, np.int64))
            type(self).conversions += 1
            self.cache.docs[cache_key] = found
        return found

    def _mask(self, docs: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.n, bool)
        mask[docs] = True
        return mask

    def _keys(self, field: str) -> list[str]:
        """Sorted keys of ``field`` (tag keys, list keys, note words), for patterns."""
        keys = self.cache.sorted_keys.get(field)
        if keys is None:
            if field == "tag":
                keys = sorted(k for k, _name in self.ann.tag_keys())
            elif field == "list":
                keys = sorted(k for k, _name in self.ann.list_keys())
            else:
                keys = self.ann.note_words()
            self.cache.sorted_keys[field] = keys
        return keys

    def _expand(self, field: str, value: str, kind: str) -> list[str]:
        """The keys of ``field`` a prefix or wildcard stands for."""
        keys = self._keys(field)
        literal = value if kind == "prefix" else literal_prefix(value)
        lo = bisect_left(keys, literal)
        hi = bisect_left(keys, literal + _TOP, lo) if literal else len(keys)
        if kind == "prefix":
            return keys[lo:hi]
        match = compile_glob(value).fullmatch
        return [k for k in keys[lo:hi] if match(k) is not None]

    def _key_docs(self, field: str, key: str) -> np.ndarray:
        ann = self.ann
        if field == "tag":
            return self._docs("tag", key, lambda: ann.ids_with_tag(key))
        if field == "list":
            return self._docs("list", key, lambda: ann.ids_in_list(key))
        return self._docs("note", key, lambda: ann.ids_with_note_word(key))

    def docs(self, node: AnnotationMatch) -> np.ndarray:
        """The docs ``node`` selects."""
        ann = self.ann
        if node.field == "has":
            source = {
                "note": ann.ids_with_note,
                "tag": ann.ids_with_tag_any,
                "list": ann.ids_with_list_any,
            }[node.value]
            return self._docs("has", node.value, source)
        if node.kind == "word":
            if node.words:  # note:"two words": notes holding all of them
                found = self._key_docs(node.field, node.words[0])
                for word in node.words[1:]:
                    found = sorted_intersection(found, self._key_docs(node.field, word))
                return found
            key = node.value if node.field == "note" else tag_key(node.value)
            return self._key_docs(node.field, key)
        keys = self._expand(node.field, node.value, node.kind)
        if not keys:
            return np.zeros(0, np.int64)
        return distinct(np.concatenate([self._key_docs(node.field, k) for k in keys]))

    def mask(self, node: AnnotationMatch) -> np.ndarray:
        return self._mask(self.docs(node))

    # -- bare words in notes ---------------------------------------------------------------

    def note_term_docs(self, term: Term) -> np.ndarray:
        """Docs whose note holds the bare word (or prefix / wildcard) ``term``."""
        if term.kind == "word":
            return self._key_docs("note", term.text)
        return self.docs(AnnotationMatch("note", term.text, term.kind))

    def note_score(self, term: Term) -> float:
        """What a note match of ``term`` adds: the word as a summary word (module docstring)."""
        tid = self.index.term_id(term.text) if term.kind == "word" else -1
        df = int(self.index.df[tid]) if tid >= 0 else 1
        idf = float(_idf(np.array([df], np.int64), max(self.n, 1))[0])
        weight = FIELD_WEIGHTS["summary"]
        return idf * weight * (K1 + 1) / (K1 + weight)

    def add_note_matches(self, term: Term, mask: np.ndarray, score: np.ndarray) -> None:
        """OR the records whose note holds ``term`` into ``mask``, adding their score."""
        docs = self.note_term_docs(term)
        if len(docs):
            mask[docs] = True
            score[docs] += np.float32(self.note_score(term))

    # -- facets and filters ----------------------------------------------------------------

    def _facet(self, name: str) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(display names, docs, codes, totals, ranks by folded name) of every tag / list,
        as one CSR."""
        table = self.cache.facets.get(name)
        if table is None:
            keys = self.ann.tag_keys() if name == "tags" else self.ann.list_keys()
            names: list[str] = []
            docs_l: list[np.ndarray] = []
            field = "tag" if name == "tags" else "list"
            for key, shown in keys:
                names.append(shown)
                docs_l.append(self._key_docs(field, key))
            lengths = [len(d) for d in docs_l]
            docs = np.concatenate(docs_l) if docs_l else np.zeros(0, np.int64)
            codes = np.repeat(np.arange(len(names)), lengths)
            totals = np.array(lengths, np.int64)
            ranks = np.empty(len(keys), np.int64)  # each name's place by folded key
            ranks[sorted(range(len(keys)), key=lambda i: keys[i][0])] = np.arange(len(keys))
            table = (names, docs, codes, totals, ranks)
            self.cache.facets[name] = table
        return table

    def facet_counts(self, mask: np.ndarray | None) -> dict[str, dict[str, int]]:
        """``{"tags": {tag: count}, "lists": {list: count}}`` over ``mask`` (None: all),
        most first, zero counts left out."""
        if mask is None and self.cache.all_counts is not None:
            return {name: dict(counts) for name, counts in self.cache.all_counts.items()}
        out: dict[str, dict[str, int]] = {}
        for name in ANNOTATION_FACETS:
            names, docs, codes, totals, ranks = self._facet(name)
            if mask is None:
                counts = totals
            else:
                counts = np.bincount(codes[mask[docs]], minlength=len(names))
            order = np.lexsort((ranks, -counts))  # most first, then by folded name
            order = order[counts[order] > 0]
            shown = [names[i] for i in order.tolist()]
            out[name] = dict(zip(shown, counts[order].tolist(), strict=True))
        if mask is None:
            self.cache.all_counts = {name: dict(counts) for name, counts in out.items()}
        return out

    def filter_masks(
        self, facets: Mapping[str, tuple[str, ...]], notes: list[str]
    ) -> dict[str, np.ndarray]:
        """One mask per active ``tags`` / ``lists`` filter (values ORed); an unknown value
        is noted and matches nothing."""
        masks: dict[str, np.ndarray] = {}
        for name in ANNOTATION_FACETS:
            values = facets.get(name, ())
            if not values:
                continue
            field = "tag" if name == "tags" else "list"
            keys = self._keys(field)
            docs_l = []
            for value in values:
                key = tag_key(value)
                at = bisect_left(keys, key)
                if at == len(keys) or keys[at] != key:
                    notes.append(f"No {field} {value!r} in your workspace: it matches nothing.")
                    continue
                docs_l.append(self._key_docs(field, key))
            docs = np.concatenate(docs_l) if docs_l else np.zeros(0, np.int64)
            masks[name] = self._mask(docs)
        return masks


def uses_annotations(root: Node | None) -> bool:
    """Whether a query has a ``tag:``, ``list:``, ``note:`` or ``has:`` term anywhere."""
    if root is None:
        return False
    if isinstance(root, AnnotationMatch):
        return True
    children = getattr(root, "children", None)
    if children is not None:
        return any(uses_annotations(c) for c in children)
    child = getattr(root, "child", None)
    return uses_annotations(child) if child is not None else False


__all__ = [
    "ANNOTATION_FACETS",
    "ANNOTATION_FILTER_NAMES",
    "AnnotationSearch",
    "uses_annotations",
]
