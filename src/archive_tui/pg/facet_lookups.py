"""Facet values of a PostgreSQL archive as the local engine sees them (a PgArchive mixin).

``archive_facet_values`` holds every value with how many records hold it; this reads it
once per database generation and answers what facet_fields.py and people_facet.py answer
locally: a filter value matched as the user sees it (values.matching_values, admin names,
every name of a person), the People facet one value a person, and counts per facet from
counts per value id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ..administrations import match_admin
from ..facets import FACET_FIELDS, Facet
from ..people_facet import PeopleFacet, build_people_facet
from ..search import QUERY_FIELD_NAMES
from ..values import close_values, matching_values, no_value_note
from .nul import unescape_value


class FacetLookups:
    """Needs ``_query(sql, params)``, ``_cache`` (cleared per generation) and ``notes``."""

    _cache: dict[str, Any]
    notes: list[str]

    def _query(self, sql: str, params: Any = None) -> list[tuple]:  # pragma: no cover
        raise NotImplementedError

    def _facet_table(self) -> dict[str, Any]:
        """Every facet value held by some record: by field (sorted values, their ids,
        counts) and by id (field, value). Cached per generation."""
        table = self._cache.get("facets")
        if table is None:
            rows = self._query("SELECT id, field, value, df FROM archive_facet_values WHERE df > 0")
            fields: dict[str, list[tuple[str, int, int]]] = {f: [] for f in FACET_FIELDS}
            rows = [(vid, name, unescape_value(value), df) for vid, name, value, df in rows]
            for vid, name, value, df in rows:
                fields.setdefault(name, []).append((value, vid, df))
            table = {"by_id": {vid: (name, value) for vid, name, value, _ in rows}}
            for name, entries in fields.items():
                entries.sort()
                table[name] = (
                    [v for v, _, _ in entries],
                    [i for _, i, _ in entries],
                    [d for _, _, d in entries],
                )
            self._cache["facets"] = table
        return table

    def facet_values(self, field: str) -> list[str]:
        """The field's values, sorted (the local facet's values; People: one a person)."""
        if field == "people":
            return self.people().facet.values
        return self._facet_table()[field][0]

    def field_value_ids(self, field: str) -> list[int]:
        return self._facet_table()[field][1]

    def people(self) -> PeopleFacet:
        """The People facet one value a person (people_facet.py), over the stored names."""
        if "people" not in self._cache:
            values, _ids, counts = self._facet_table()["people"]
            n = int(sum(counts))
            entry_value = np.repeat(np.arange(len(values), dtype=np.int32), counts)
            raw = Facet(values, np.arange(n, dtype=np.int32), entry_value)
            facet = build_people_facet(raw)
            self.notes = list(dict.fromkeys([*self.notes, *facet.notes]))
            self._cache["people"] = facet
        return self._cache["people"]

    def people_multi(self) -> tuple[list[int], list[int]]:
        """(raw name ids, their person's index) for the people named more than one way."""
        found = self._cache.get("people_multi")
        if found is None:
            people = self.people()
            ids = self.field_value_ids("people")
            canon = people.canonical_id.tolist()
            sizes = np.bincount(people.canonical_id, minlength=len(people.facet.values))
            keep = [i for i, c in enumerate(canon) if sizes[c] > 1]
            found = self._cache["people_multi"] = ([ids[i] for i in keep], [canon[i] for i in keep])
        return found

    def facet_counts(self, raw: dict[int, int], multi: dict[int, int]) -> dict[str, dict[str, int]]:
        """Counts per facet from counts per value id (and per person named several ways),
        most frequent first, then by value (search.facet_counts)."""
        table = self._facet_table()
        by_id = table["by_id"]
        found: dict[str, list[tuple[str, int]]] = {f: [] for f in FACET_FIELDS}
        people_raw: dict[int, int] = {}
        for vid, count in raw.items():
            name, value = by_id.get(vid, (None, None))
            if name == "people":
                people_raw[vid] = count
            elif name is not None:
                found[name].append((value, count))
        if people_raw or multi:
            people = self.people()
            index_of = {vid: i for i, vid in enumerate(self.field_value_ids("people"))}
            sums: dict[int, int] = {}
            for vid, count in people_raw.items():
                c = int(people.canonical_id[index_of[vid]])
                sums[c] = sums.get(c, 0) + count
            sums.update(multi)
            names = people.facet.values
            found["people"] = [(names[c], count) for c, count in sums.items() if count]
        return {f: dict(sorted(found[f], key=lambda vc: (-vc[1], vc[0]))) for f in FACET_FIELDS}

    def all_facet_counts(self) -> dict[str, dict[str, int]]:
        """Counts over every record (from the stored frequencies), cached per generation."""
        counts = self._cache.get("all_counts")
        if counts is None:
            table = self._facet_table()
            raw = {vid: df for f in FACET_FIELDS for vid, df in zip(*table[f][1:], strict=True)}
            mraw, mcanon = self.people_multi()
            multi = (
                dict(
                    self._query(
                        "SELECT g.canon, count(DISTINCT r.seq) FROM archive_records r, "
                        "unnest(r.fv) AS v JOIN unnest(%(r)s::integer[], %(c)s::integer[]) "
                        "AS g(raw, canon) ON g.raw = v WHERE r.fv && %(r)s::integer[] "
                        "GROUP BY g.canon",
                        {"r": mraw, "c": mcanon},
                    )
                )
                if mraw
                else {}
            )
            counts = self._cache["all_counts"] = self.facet_counts(raw, multi)
        return {name: dict(values) for name, values in counts.items()}

    def _raw_people(self, canonical_ids: Iterable[int]) -> list[int]:
        """Facet value ids of every name of these people."""
        people = self.people()
        wanted = set(canonical_ids)
        ids = self.field_value_ids("people")
        return [ids[i] for i, c in enumerate(people.canonical_id.tolist()) if c in wanted]

    def match_values(self, field: str, wanted: str, notes: list[str]) -> list[int]:
        """Ids of the stored values ``wanted`` stands for (facet_fields.value_ids); a note
        if none."""
        field = QUERY_FIELD_NAMES.get(field, field)
        values = self.facet_values(field)
        found: list[int] = []
        if field == "people":
            people = self.people()
            raw = matching_values(people.raw.values, wanted)
            if raw:
                found = self._raw_people(people.canonical_id[raw].tolist())
            else:
                found = self._raw_people(matching_values(values, wanted))
        else:
            ids = self.field_value_ids(field)
            names = set(match_admin(wanted)) if field == "admin" else set()
            if names:
                found = [ids[i] for i, v in enumerate(values) if v in names]
            else:
                found = [ids[i] for i in matching_values(values, wanted)]
        if not found:
            notes.append(no_value_note(field, wanted, close_values(values, wanted)))
        return found

    def person_words(self, words: list[str]) -> list[int]:
        people = self.people()
        raw = people.raw_ids_with_words(words)
        return self._raw_people(people.canonical_id[raw].tolist()) if raw else []
