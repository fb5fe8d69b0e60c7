"""The People facet with one value a person, made at search time over an index view.

Segments keep the names as the records give them (``Gromyko, Andrei A.``, ``… Andreivich``);
an :class:`~.index.view.IndexView` groups its merged People values into people once (on
first use, cached on the view) with :class:`~.people.PersonResolver` and the alias files,
and shows one canonical name per person with the summed count. Grouping at search time,
not in the segments, means an alias file edited by the user takes effect at the next open
without rebuilding any index, and a person spread over two stores is still one value.

``person:`` and a person filter match every variant: a wanted name is looked up among the
names as the records give them, then stands for every name of those people.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .facets import Facet
from .people import PersonResolver, merge_facet_arrays
from .people_aliases import Aliases, load_aliases, shipped_aliases_path, user_aliases_path
from .people_cache import cached_grouping
from .text import tokenize
from .values import matching_values

log = logging.getLogger(__name__)
_LOCK = threading.Lock()  # one build at a time (the app searches on two threads)


@dataclass
class PeopleFacet:
    """A view's People: the names as given (``raw``), the people (``facet``) and the map."""

    resolver: PersonResolver
    raw: Facet  # the names as records give them
    facet: Facet  # one canonical name a person
    canonical_id: np.ndarray  # raw value id -> facet value id
    notes: list[str] = field(default_factory=list)  # alias file problems, said once
    _words: dict[str, set[int]] | None = None  # folded word -> raw value ids (on first use)

    def raw_ids_with_words(self, words: list[str]) -> list[int]:
        """Raw values holding every one of ``words`` (folded tokens)."""
        if self._words is None:
            index: dict[str, set[int]] = {}
            for i, value in enumerate(self.raw.values):
                for word in tokenize(value):
                    index.setdefault(word, set()).add(i)
            self._words = index
        found: set[int] | None = None
        for word in words:
            holding = self._words.get(word, set())
            found = set(holding) if found is None else found & holding
            if not found:
                return []
        return sorted(found or ())


def alias_files() -> tuple[Aliases, list[str]]:
    """The shipped alias file and the user's (see people_aliases), and problems as sentences."""
    paths = [shipped_aliases_path()]
    with contextlib.suppress(RuntimeError):  # no home folder: only the shipped file
        paths.append(user_aliases_path())
    aliases = load_aliases(paths)
    return aliases, [f"People alias file {p}" for p in aliases.problems]


def build_people_facet(raw: Facet, aliases: Aliases | None = None) -> PeopleFacet:
    """Group ``raw`` (a People facet of names as given) into people."""
    notes: list[str] = []
    if aliases is None:
        aliases, notes = alias_files()
    counts = np.bincount(np.asarray(raw.entry_value), minlength=len(raw.values)).tolist()
    # as PersonResolver.from_names, with the count-free grouping kept on disk (people_cache)
    named = {
        n: c for n, c in zip(raw.values, counts, strict=True) if isinstance(n, str) and n.strip()
    }
    grouping = cached_grouping(list(named), aliases)
    resolver = PersonResolver.from_grouping(grouping, named)
    notes += [f"People alias file: {n}." for n in resolver.notes]
    values, docs, vals = merge_facet_arrays(raw.values, raw.entry_doc, raw.entry_value, resolver)
    where = {v: i for i, v in enumerate(values)}
    canonical_id = np.array([where[resolver.canonical(v)] for v in raw.values], np.int32)
    return PeopleFacet(resolver, raw, Facet(values, docs, vals), canonical_id, notes)


def people_facet(view: Any, facets: dict[str, Facet] | None = None) -> PeopleFacet:
    """The view's PeopleFacet, made once (``facets``: the view's facets being assembled)."""
    found = getattr(view, "_people_facet", None)
    if found is None and facets is None:
        facets = view.facets  # assembling a view's facets makes its PeopleFacet
        found = getattr(view, "_people_facet", None)
    if found is None:
        with _LOCK:
            found = getattr(view, "_people_facet", None)
            if found is None:
                found = build_people_facet(facets["people"])
                for note in found.notes:
                    log.info("%s", note)  # said once by the CLI / app (Archive.notes)
                view._people_facet = found
    return found


def with_canonical_people(view: Any, facets: dict[str, Facet]) -> dict[str, Facet]:
    """``facets`` (a view's, names as given) with People one value a person."""
    out = dict(facets)
    out["people"] = people_facet(view, facets).facet
    return out


def person_value_ids(view: Any, wanted: str) -> list[int]:
    """Ids of the canonical People values ``wanted`` stands for, whichever variant it names.

    The wanted name is matched (values.matching_values) against the names as the records
    give them, each found name standing for its person; failing that, against the
    canonical names (an alias file's name the records never print).
    """
    people = people_facet(view)
    raw = matching_values(people.raw.values, wanted)
    if raw:
        return sorted(set(people.canonical_id[raw].tolist()))
    return matching_values(people.facet.values, wanted)


def person_words_mask(view: Any, words: list[str]) -> np.ndarray:
    """Records naming a person one of whose names holds all ``words`` (``person:`` terms)."""
    people = people_facet(view)
    mask = np.zeros(view.n, bool)
    raw = people.raw_ids_with_words(words)
    if not raw:
        return mask
    wanted = np.zeros(len(people.facet.values) + 1, bool)
    wanted[people.canonical_id[raw]] = True
    facet = people.facet
    mask[np.asarray(facet.entry_doc)[wanted[np.asarray(facet.entry_value)]]] = True
    return mask
