"""The People grouping kept on disk (people_cache.py): what it gives equals a fresh grouping.

``PersonResolver.from_names`` is the reference: the grouping split from the counts
(``group_names`` + ``from_grouping``) and the grouping read back from disk must give the
same people, variants in the same order, the same canonical names, keys and notes, for
any counts of the same names. A damaged, foreign or stale file is rebuilt, never trusted.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter

import numpy as np
import pytest
from shipped_records import shipped_records

from archive_tui import people_cache
from archive_tui.facets import Facet
from archive_tui.people import PersonResolver, group_names, parse_aliases
from archive_tui.people_aliases import Aliases
from archive_tui.people_facet import build_people_facet

ALIASES = parse_aliases(
    "Gromyko, Andrei A. = Gromyko, Andrei I. = Gromiko\n"
    "Johnson, Robert != Johnson, Robert H.\n"
    "Dulles, Allen W. (Ascham, Robert A.)\n"
    "Rusk = Rusk, Dean\n"
)
HAND = [
    "Gromyko, Andrei A.", "Gromyko, Andrei I.", "Gromiko", "Gromyko, Andrei",
    "Johnson, Robert", "Johnson, Robert H.", "Ascham, Robert A.", "Dulles, Allen W.",
    "Rusk, Dean", "Dean Rusk", "Rusk, D.", "Rusk", "Kennedy, John F.", "Kennedy, Robert F.",
    "Kennedy", "John F. Kennedy", "Smith (John Smith)", "—", "123", "Ngo Dinh Diem",
    "Diem, Ngo Dinh", "de Gaulle, Charles", "Gaulle, Charles de", "Khrushchev, Nikita S.",
    "Khrushchev", "Krushchev, N.",
]  # fmt: skip


def _state(r: PersonResolver) -> tuple:
    return (
        [(p.canonical, p.variants, p.records) for p in r.people()],
        r._keys,
        r._canonical,
        list(r.notes),
    )


def _shipped_names() -> list[str]:
    names: set[str] = set()
    for record in shipped_records().values():
        people = record.get("people")
        if isinstance(people, list):
            names.update(p for p in people if isinstance(p, str))
    return sorted(names)


@pytest.mark.parametrize("aliases", [Aliases(), ALIASES])
def test_grouping_then_counts_equals_from_names_for_any_counts(aliases: Aliases) -> None:
    rng = random.Random(9)
    names = HAND + _shipped_names()[:1500]
    grouping = group_names(names, aliases)
    for _ in range(6):
        counts = Counter({n: rng.randint(0, 40) for n in names})
        fresh = PersonResolver.from_names(counts, aliases)
        assert _state(PersonResolver.from_grouping(grouping, counts)) == _state(fresh)


def _raw(names: list[str], seed: int) -> Facet:
    """A People facet over 300 records naming ``names`` (values sorted, entries by doc)."""
    rng = np.random.default_rng(seed)
    values = sorted(names)
    docs = np.sort(rng.integers(0, 300, 4 * len(values))).astype(np.int32)
    vals = rng.integers(0, len(values), len(docs)).astype(np.int32)
    vals[: len(values)] = np.arange(len(values))  # every name named at least once
    return Facet(values, docs, vals)


def _same(a, b) -> None:
    assert _state(a.resolver) == _state(b.resolver)
    assert a.facet.values == b.facet.values
    assert np.array_equal(a.facet.entry_doc, b.facet.entry_doc)
    assert np.array_equal(a.facet.entry_value, b.facet.entry_value)
    assert np.array_equal(a.canonical_id, b.canonical_id)


def _uncached(raw: Facet, aliases: Aliases, monkeypatch) -> object:
    with monkeypatch.context() as m:
        m.setattr(people_cache, "cache_path", lambda: None)
        return build_people_facet(raw, aliases)


def test_the_grouping_is_read_from_disk_and_survives_new_counts(monkeypatch) -> None:
    before = people_cache.cache_stats()
    first = build_people_facet(_raw(HAND, 1), ALIASES)
    assert people_cache.cache_path().is_file()
    assert people_cache.cache_path().stat().st_mode & 0o077 == 0
    # an import naming the same people: other counts, the grouping read back
    raw = _raw(HAND, 2)
    again = build_people_facet(raw, ALIASES)
    after = people_cache.cache_stats()
    assert after["builds"] - before["builds"] == 1
    assert after["hits"] - before["hits"] == 1
    _same(again, _uncached(raw, ALIASES, monkeypatch))
    assert len(first.facet.values) == len(again.facet.values)  # the same people


def test_new_names_or_alias_lines_group_again(monkeypatch) -> None:
    build_people_facet(_raw(HAND, 1), ALIASES)
    for names, aliases in (([*HAND, "Nixon, Richard M."], ALIASES), (HAND, Aliases())):
        builds = people_cache.cache_stats()["builds"]
        raw = _raw(names, 3)
        got = build_people_facet(raw, aliases)
        assert people_cache.cache_stats()["builds"] == builds + 1
        _same(got, _uncached(raw, aliases, monkeypatch))


def _damage_partition(path) -> None:
    data = json.loads(path.read_text())
    data["groups"][0] = data["groups"][0] + data["groups"][1]  # a name in two people
    path.write_text(json.dumps(data))


def _damage_key(path) -> None:
    data = json.loads(path.read_text())
    data["keys"][0] = ["x", "not a list", ""]
    path.write_text(json.dumps(data))


def _damage_count(path) -> None:
    data = json.loads(path.read_text())
    data["specificity"] = data["specificity"][:-1]
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "damage",
    [
        lambda p: p.write_bytes(b"\x00garbage"),
        lambda p: p.write_text('{"version": 1, "digest": 5}'),
        lambda p: p.write_text("[1, 2, 3]"),
        _damage_partition,
        _damage_key,
        _damage_count,
        lambda p: os.chmod(p, 0o644),  # others could have written it
    ],
)
def test_a_damaged_grouping_file_is_rebuilt_not_trusted(damage, monkeypatch) -> None:
    build_people_facet(_raw(HAND, 1), ALIASES)
    path = people_cache.cache_path()
    damage(path)
    before = people_cache.cache_stats()
    raw = _raw(HAND, 4)
    got = build_people_facet(raw, ALIASES)
    after = people_cache.cache_stats()
    assert after["damaged"] == before["damaged"] + 1
    assert after["builds"] == before["builds"] + 1
    _same(got, _uncached(raw, ALIASES, monkeypatch))
    # and replaced: the next open reads it
    build_people_facet(raw, ALIASES)
    assert people_cache.cache_stats()["hits"] == after["hits"] + 1


def test_a_link_in_its_place_is_not_followed(tmp_path, monkeypatch) -> None:
    build_people_facet(_raw(HAND, 1), ALIASES)
    path = people_cache.cache_path()
    elsewhere = tmp_path / "elsewhere.json"
    os.replace(path, elsewhere)
    os.symlink(elsewhere, path)
    builds = people_cache.cache_stats()["builds"]
    raw = _raw(HAND, 5)
    got = build_people_facet(raw, ALIASES)
    assert people_cache.cache_stats()["builds"] == builds + 1
    _same(got, _uncached(raw, ALIASES, monkeypatch))
