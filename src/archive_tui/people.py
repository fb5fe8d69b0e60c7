"""People as entities: one person, one facet value, whatever spellings the archive uses.

The People facet used to list ``Gromyko, Andrei A.``, ``… Andreivich`` and ``…
Andreevich`` one by one. :class:`PersonResolver` groups an archive's name strings into
people and names each group by one canonical name; ``person:`` and a person chip then
match every variant, and the document view keeps the name as the document gives it.

How names are grouped (conservative: a wrong merge hides a person, a missed one only
leaves two facet values):

1. names the rule reads identically (:func:`person_names.parse_name`: titles, dots,
   accents, case and word order of the two shapes do not count) are one person;
2. within a surname, two such forms are one person when :func:`person_names.compatible`
   says so, except that a form compatible with two forms that are not compatible with
   each other (``Gromyko, Andrei`` beside ``… Andrei A.`` and ``… Andrei I.``) stays on its
   own: it could be either. What is left is groups in which every pair is compatible;
3. the alias files then split (before step 2) and merge (after it) what the rule cannot
   decide; a split always wins over a merge. A bracketed full name in a value
   (``Dulles, Allen (Ascham, Robert A.)``) merges with that name where the archive has it.

The canonical name is the one an alias line gives first, else the variant most records
carry (ties: the fuller name, then alphabetical). Names are bucketed by surname, so the
cost grows with the number of distinct names, not with their square.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .people_aliases import (
    Aliases,
    AliasProblem,
    default_alias_paths,
    load_aliases,
    parse_aliases,
)
from .person_names import NameForm, compatible, parse_name, specificity

__all__ = [
    "AliasProblem",
    "Aliases",
    "PersonResolver",
    "default_alias_paths",
    "load_aliases",
    "merge_facet_arrays",
    "parse_aliases",
]

Key = tuple[str, tuple[str, ...], str]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Key, Key] = {}

    def find(self, x: Key) -> Key:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:  # path compression
            parent[x], x = root, parent.get(x, x)
        return root

    def union(self, a: Key, b: Key) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra


@dataclass(frozen=True)
class Person:
    """One person: the name the facet shows and every name string the archive uses."""

    canonical: str
    variants: tuple[str, ...]  # most records first
    records: int  # how many name occurrences (records, when counts were given) in all


@dataclass(frozen=True)
class NameGrouping:
    """Which names are one person: everything of the grouping but the counts.

    Made by :func:`group_names` from the names and the alias files alone; with the counts,
    :meth:`PersonResolver.from_grouping` orders each person's variants and names them.
    """

    names: tuple[str, ...]  # the names grouped, in the order given
    keys: tuple[Key, ...]  # each name's key (its NameForm's, or its own for no surname)
    specificity: tuple[int, ...]  # each name's specificity
    groups: tuple[tuple[int, ...], ...]  # each person's names (indices into ``names``)
    stated: tuple[str | None, ...]  # each person's canonical name from an alias file
    notes: tuple[str, ...]  # what the alias files asked that could not be done


def group_names(names: Sequence[str], aliases: Aliases | None = None) -> NameGrouping:
    """Group distinct, non-blank ``names`` into people (the rule, then the alias files)."""
    aliases = aliases or Aliases()
    notes: list[str] = []
    forms: dict[str, NameForm] = {n: parse_name(n) for n in names}
    key_of = {n: f.key if f.surname else ("", (n,), "") for n, f in forms.items()}
    by_key: dict[Key, list[str]] = {}
    for name, key in key_of.items():  # no letters at all: a person of its own
        by_key.setdefault(key, []).append(name)
    key_form = {k: forms[ns[0]] for k, ns in by_key.items()}
    splits = _split_pairs(aliases, notes)
    uf = _UnionFind()
    buckets: dict[str, list[Key]] = {}
    for key in by_key:
        if key[0]:
            buckets.setdefault(key[0], []).append(key)
    for keys in buckets.values():
        _group_bucket(keys, key_form, splits, uf)
    canonical_of: dict[Key, str] = {}
    for line in aliases.merges:
        _apply_merge(line, by_key, splits, uf, canonical_of, notes)
    for name, form in forms.items():
        for other in form.also:
            _apply_merge((name, other), by_key, splits, uf, {}, notes, stated=False)
    groups: dict[Key, list[str]] = {}
    for key, key_names in by_key.items():
        groups.setdefault(uf.find(key), []).extend(key_names)
    order = list(forms)
    at = {n: i for i, n in enumerate(order)}
    return NameGrouping(
        names=tuple(order),
        keys=tuple(key_of[n] for n in order),
        specificity=tuple(specificity(forms[n]) for n in order),
        groups=tuple(tuple(at[n] for n in group) for group in groups.values()),
        stated=tuple(canonical_of.get(root) for root in groups),
        notes=tuple(notes),
    )


class PersonResolver:
    """Name string -> canonical name, canonical name -> variants (see the module doc)."""

    def __init__(self, people: list[Person], keys: dict[Key, str], notes: list[str]) -> None:
        self._people = {p.canonical: p for p in people}
        self._canonical = {v: p.canonical for p in people for v in p.variants}
        self._keys = keys  # a form's key -> canonical, for names the archive does not hold
        self.notes = notes  # what the alias files asked that could not be done, and why

    @classmethod
    def from_names(
        cls, names: Iterable[str] | Mapping[str, int], aliases: Aliases | None = None
    ) -> PersonResolver:
        """Group ``names`` (strings, repeats counted; or name -> count) into people."""
        counts = Counter(names if isinstance(names, Mapping) else list(names))
        counts = Counter({n: c for n, c in counts.items() if isinstance(n, str) and n.strip()})
        return cls.from_grouping(group_names(list(counts), aliases), counts)

    @classmethod
    def from_grouping(cls, grouping: NameGrouping, counts: Mapping[str, int]) -> PersonResolver:
        """The people of ``grouping`` (:func:`group_names`), ordered and named by ``counts``
        (name -> count, every grouped name): ``from_names`` in two steps, the first of
        which does not depend on the counts (so it can be kept while they change)."""
        names, spec = grouping.names, grouping.specificity
        people = []
        for members, stated in zip(grouping.groups, grouping.stated, strict=True):
            group = sorted(
                members, key=lambda i: (-counts[names[i]], -spec[i], -len(names[i]), names[i])
            )
            variants = tuple(names[i] for i in group)
            canonical = stated if stated is not None else variants[0]
            people.append(Person(canonical, variants, sum(counts[n] for n in variants)))
        people = _unique_canonicals(people)
        key_of = dict(zip(names, grouping.keys, strict=True))
        keys_out = {key_of[v]: p.canonical for p in people for v in p.variants}
        return cls(people, keys_out, list(grouping.notes))

    @classmethod
    def from_records(
        cls, records: Iterable[dict], aliases: Aliases | None = None
    ) -> PersonResolver:
        """Group the ``people`` of ``records``; a name counts once a record (its facet count).

        ``aliases`` defaults to the shipped and the user's alias files (default_alias_paths).
        """
        counts: Counter[str] = Counter()
        for record in records:
            people = record.get("people")
            if isinstance(people, str):
                people = [people]
            if isinstance(people, list):
                counts.update({p for p in people if isinstance(p, str)})
        if aliases is None:
            aliases = load_aliases(default_alias_paths())
        return cls.from_names(counts, aliases)

    def canonical(self, name: str) -> str:
        """The person's canonical name; a name the archive does not hold is read by the
        rule (``Gromyko, Andrei Andreyevich``) and else returned unchanged."""
        found = self._canonical.get(name)
        if found is not None:
            return found
        form = parse_name(name)
        return self._keys.get(form.key, name) if form.surname else name

    def variants(self, canonical: str) -> list[str]:
        """Every name string of the person (most frequent first); ``[canonical]`` if unknown."""
        person = self._people.get(self.canonical(canonical))
        return list(person.variants) if person else [canonical]

    def people(self) -> list[Person]:
        """Every person, most name occurrences first."""
        return sorted(self._people.values(), key=lambda p: (-p.records, p.canonical))

    def merged(self) -> list[Person]:
        """The people with more than one variant: what the rule and the alias files merged."""
        return [p for p in self.people() if len(p.variants) > 1]


def _split_pairs(aliases: Aliases, notes: list[str]) -> set[frozenset[Key]]:
    pairs: set[frozenset[Key]] = set()
    for line in aliases.splits:
        keys = [parse_name(n).key for n in line]
        for i, a in enumerate(keys):
            for j in range(i + 1, len(keys)):
                if a == keys[j]:
                    notes.append(f"split {line[i]!r} != {line[j]!r}: the rule reads them as one")
                else:
                    pairs.add(frozenset((a, keys[j])))
    return pairs


def _group_bucket(
    keys: list[Key], form: dict[Key, NameForm], splits: set[frozenset[Key]], uf: _UnionFind
) -> None:
    """Union the forms of one surname that are one person (step 2 of the module doc)."""
    if len(keys) == 1:
        return
    n = len(keys)
    ok = [[False] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            if compatible(form[keys[i]], form[keys[j]]) and (
                not splits or frozenset((keys[i], keys[j])) not in splits
            ):
                ok[i][j] = ok[j][i] = True
    hubs = set()
    for h in range(n):
        near = [i for i in range(n) if ok[h][i]]
        if any(not ok[a][b] for x, a in enumerate(near) for b in near[x + 1 :]):
            hubs.add(h)
    for i in range(n):
        for j in range(i + 1, n):
            if ok[i][j] and i not in hubs and j not in hubs:
                uf.union(keys[i], keys[j])


def _apply_merge(
    line: tuple[str, ...],
    by_key: dict[Key, list[str]],
    splits: set[frozenset[Key]],
    uf: _UnionFind,
    canonical_of: dict[Key, str],
    notes: list[str],
    *,
    stated: bool = True,
) -> None:
    """Union the names of one merge line that the archive holds; the first is canonical."""
    keys = [parse_name(n).key for n in line]
    present = [(n, k) for n, k in zip(line, keys, strict=True) if k in by_key]
    if not present:
        return
    anchor = present[0][1]
    for name, key in present[1:]:
        ra, rb = uf.find(anchor), uf.find(key)
        if ra != rb and any({uf.find(x) for x in pair} == {ra, rb} for pair in splits):
            notes.append(f"merge of {line[0]!r} and {name!r} skipped: a split says they differ")
            continue
        uf.union(anchor, key)
    if stated:
        canonical_of[uf.find(anchor)] = line[0]


def _unique_canonicals(people: list[Person]) -> list[Person]:
    """Two groups may not show the same name: the later gets its own most frequent variant."""
    seen: set[str] = set()
    out = []
    for p in sorted(people, key=lambda p: (-p.records, p.canonical)):
        if p.canonical in seen:
            p = Person(p.variants[0], p.variants, p.records)
        seen.add(p.canonical)
        out.append(p)
    return out


def merge_facet_arrays(
    values: list[str], entry_doc: np.ndarray, entry_value: np.ndarray, resolver: PersonResolver
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The People facet with one value a person, in the index's CSR form.

    ``values``/``entry_doc``/``entry_value`` are a ``facets.Facet``'s (entries sorted by
    doc); the result has the sorted canonical names, and a record naming two variants of
    one person counts once. ``facets.Facet(*merge_facet_arrays(...))`` is the new facet.
    """
    canon = [resolver.canonical(v) for v in values]
    names = sorted(set(canon))
    ids = {n: i for i, n in enumerate(names)}
    remap = np.array([ids[c] for c in canon], np.int64)
    if not len(entry_doc):
        return names, np.zeros(0, np.int32), np.zeros(0, np.int32)
    pair = np.asarray(entry_doc, np.int64) * (len(names) + 1) + remap[np.asarray(entry_value)]
    pair = np.sort(pair)  # by doc, then value (np.unique is many times slower here)
    pair = pair[np.concatenate(([True], pair[1:] != pair[:-1]))]  # a person once a record
    docs, vals = np.divmod(pair, len(names) + 1)
    return names, docs.astype(np.int32), vals.astype(np.int32)
