"""People as entities: one person one facet value, never two people in one.

Hand-made names test the rule case by case; the shipped archive's own names (and its alias
file) test the issue's examples exactly.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from shipped_records import shipped_records

from archive_tui.people import PersonResolver, load_aliases, merge_facet_arrays, parse_aliases
from archive_tui.people_aliases import (
    default_alias_paths,
    shipped_aliases_path,
    user_aliases_path,
)
from archive_tui.person_names import compatible, parse_name, translit


def groups(resolver: PersonResolver) -> set[frozenset[str]]:
    return {frozenset(p.variants) for p in resolver.people()}


# --- the name reader ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "surname", "given", "suffix"),
    [
        ("Gromyko, Andrei A.", "gromyko", ("andrei", "a"), ""),
        ("Громыко, Андрей Андреевич", "gromyko", ("andrei", "andreevich"), ""),
        ("I.V. Stalin", "stalin", ("i", "v"), ""),
        ("Stalin", "stalin", (), ""),
        ("M.S. Gorbachev", "gorbachev", ("m", "s"), ""),
        ("Etienne Manac’h", "manach", ("etienne",), ""),
        ("de Gaulle", "gaulle", (), ""),
        ("Gaulle, Charles de", "gaulle", ("charles",), ""),
        ("Charles de Gaulle", "gaulle", ("charles",), ""),
        ("Kennedy, Colonel Richard T.", "kennedy", ("richard", "t"), ""),
        ("Taylor, Gen. Maxwell D.", "taylor", ("maxwell", "d"), ""),
        ("Power, Thomas F., Jr.", "power", ("thomas", "f"), "jr"),
        ("Thomson, James C.,Jr.", "thomson", ("james", "c"), "jr"),
        ("Kent, Col. J.R.", "kent", ("j", "r"), ""),  # initials, not "Jr."
        ("Makarios III", "makarios", (), "iii"),
        ("Gromyko, Andrei I.", "gromyko", ("andrei", "i"), ""),  # an initial, not "the First"
        ("Kennedy, Edward M. “Ted”", "kennedy", ("edward", "m"), ""),
        ("Johnson, James Paul (Jim)", "johnson", ("james", "paul"), ""),
        ("Hussein, King", "hussein", ("king",), ""),  # a king is not a title to drop
        ("Minh (“Big Minh”)", "minh", ("big", "minh"), ""),  # a bare name keeps its nickname
        ("", "", (), ""),
        (" , ", "", (), ""),
    ],
)
def test_parse_name(name, surname, given, suffix):
    form = parse_name(name)
    assert (form.surname, form.given, form.suffix) == (surname, given, suffix)


def test_bracketed_full_names_are_other_names_of_the_person():
    assert parse_name("Dulles, Allen (Ascham, Robert A.)").also == ("Ascham, Robert A.",)
    assert parse_name("Mao Tse-tung (Mao Zedong)").also == ("Mao Zedong",)
    assert parse_name("Bohlen, Charles E. (Chip)").also == ()
    assert parse_name("Coulson, John E. (Sir John from March 1957)").also == ()


def test_transliteration_variants_read_alike():
    assert translit("andreevich") == translit("andreivich") == translit("andreyevich")
    assert translit("sergeevich") == translit("sergeyevich")
    assert translit("anatoly") == translit("anatoliy") == translit("anatoli")
    assert translit("georgii") == translit("georgi") == translit("georgy")
    assert translit("victor") == translit("viktor")


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Gromyko, Andrei A.", "Gromyko, Andrei Andreevich", True),
        ("Gromyko, Andrei Andreivich", "Gromyko, Andrei Andreyevich", True),
        ("Gromyko, Andrei A.", "Gromyko, Andrei I.", False),
        ("Khrushchev, Nikita", "Khrushchev, Nikita S.", True),
        ("Johnson, U. Alexis", "Johnson, Ural Alexis", True),
        ("Johnson, Lyndon B.", "Johnson, U. Alexis", False),
        ("Dulles, John Foster", "Dulles, Allen W.", False),
        ("Kennedy, John F.", "Kennedy, Robert F.", False),
        ("Rostow, Walt", "Rostow, Walter W.", True),  # "Walt" begins "Walter"
        ("Smith, Al", "Smith, Albert", False),  # two letters are too few for a prefix
        ("Stalin", "I.V. Stalin", True),
        ("Thompson, Llewellyn E.", "Thompson, Llewellyn E., Jr.", True),
        ("Wisner, Frank G., Jr.", "Wisner, Frank G., III", False),
        ("Gromiko", "Gromyko, Andrei A.", False),  # surnames compare exactly
        ("", "", False),
    ],
)
def test_the_rule(a, b, same):
    assert compatible(parse_name(a), parse_name(b)) is same
    assert compatible(parse_name(b), parse_name(a)) is same


# --- the resolver on hand-made names ----------------------------------------------------


def test_variants_merge_and_different_people_stay_apart():
    names = Counter(
        {
            "Gromyko, Andrei A.": 313,
            "Gromyko, Andrei Andreivich": 158,
            "Gromyko, Andrei Andreevich": 10,
            "Dulles, John Foster": 431,
            "Dulles, Allen W.": 173,
            "Dulles, Allen": 17,
            "Dulles, Allen (Ascham, Robert A.)": 7,
            "Kennedy, John F.": 517,
            "Kennedy, Robert F.": 47,
            "Johnson, Lyndon B.": 153,
            "Johnson, Lyndon Baines": 140,
            "Johnson, U. Alexis": 272,
            "Johnson, Ural Alexis": 1,
        }
    )
    r = PersonResolver.from_names(names)
    assert r.canonical("Gromyko, Andrei Andreivich") == "Gromyko, Andrei A."
    assert r.canonical("Gromyko, Andrei Andreevich") == "Gromyko, Andrei A."
    assert r.variants("Gromyko, Andrei A.") == [
        "Gromyko, Andrei A.", "Gromyko, Andrei Andreivich", "Gromyko, Andrei Andreevich",
    ]  # fmt: skip
    assert r.canonical("Dulles, Allen (Ascham, Robert A.)") == "Dulles, Allen W."
    assert r.canonical("Dulles, Allen") == "Dulles, Allen W."
    assert r.canonical("Dulles, John Foster") == "Dulles, John Foster"
    assert r.canonical("Kennedy, Robert F.") == "Kennedy, Robert F."
    assert r.canonical("Kennedy, John F.") == "Kennedy, John F."
    assert r.canonical("Johnson, Lyndon Baines") == "Johnson, Lyndon B."
    assert r.canonical("Johnson, Ural Alexis") == "Johnson, U. Alexis"
    assert len(r.people()) == 7  # Gromyko, two Dulles, two Kennedys, two Johnsons
    # a name the archive does not hold is read by the rule
    assert r.canonical("Gromyko, Andrei Andreyevich") == "Gromyko, Andrei A."
    assert r.canonical("Nobody, Known") == "Nobody, Known"
    assert r.variants("Nobody, Known") == ["Nobody, Known"]


def test_a_vague_name_compatible_with_two_people_stays_on_its_own():
    r = PersonResolver.from_names(
        ["Gromyko, Andrei A.", "Gromyko, Andrei I.", "Gromyko, Andrei", "Gromyko, Andrei A."]
    )
    assert groups(r) == {
        frozenset({"Gromyko, Andrei A."}),
        frozenset({"Gromyko, Andrei I."}),
        frozenset({"Gromyko, Andrei"}),
    }
    # the shipped case: "Diem" in FRUS 1964-68 v2 is Bui Diem as likely as Ngo Dinh Diem
    r = PersonResolver.from_names(["Ngo Dinh Diem", "Bui Diem", "Diem"])
    assert len(r.people()) == 3


def test_the_two_shapes_of_a_name_meet():
    r = PersonResolver.from_names(["I.V. Stalin", "Stalin", "Stalin, Iosif V.", "Stalin, I.V."])
    assert len(r.people()) == 1
    r = PersonResolver.from_names(["Mikhail Gorbachev", "M.S. Gorbachev", "Gorbachev, Mikhail S."])
    assert len(r.people()) == 1


def test_canonical_is_the_most_frequent_then_the_fullest():
    r = PersonResolver.from_names({"Rusk, D.": 3, "Rusk, Dean": 3, "Rusk, Dean D.": 1})
    assert r.canonical("Rusk, D.") == "Rusk, Dean"
    assert r.people()[0].records == 7


def test_blank_and_odd_values_do_not_break_it():
    r = PersonResolver.from_names(["", "  ", "…", "Rusk, Dean", 5, None])  # type: ignore[list-item]
    assert {p.canonical for p in r.people()} == {"…", "Rusk, Dean"}


# --- the alias file ---------------------------------------------------------------------


ALIAS_TEXT = """\
# comments and blank lines are ignored

Gromyko, Andrei A. = Gromyko, Andrei I. = Gromiko   # a trailing comment
Johnson, Robert != Johnson, Robert H.
Dulles, Allen W. (Ascham, Robert A.)
this line means nothing
= Lonely
A != B = C
"""


def test_alias_file_lines_and_problems_with_line_numbers():
    aliases = parse_aliases(ALIAS_TEXT, "aliases.txt")
    assert aliases.merges == (
        ("Gromyko, Andrei A.", "Gromyko, Andrei I.", "Gromiko"),
        ("Dulles, Allen W.", "Ascham, Robert A."),
    )
    assert aliases.splits == (("Johnson, Robert", "Johnson, Robert H."),)
    assert [(p.line, p.text) for p in aliases.problems] == [
        (6, "this line means nothing"),
        (7, "= Lonely"),
        (8, "A != B = C"),
    ]
    assert str(aliases.problems[0]).startswith("aliases.txt, line 6: not a merge (A = B)")


def test_aliases_merge_and_split_what_the_rule_cannot_decide():
    names = [
        "Gromyko, Andrei A.", "Gromyko, Andrei I.", "Gromiko", "Gromyko, Andrei",
        "Johnson, Robert", "Johnson, Robert H.", "Ascham, Robert A.", "Dulles, Allen W.",
    ]  # fmt: skip
    without = PersonResolver.from_names(names)
    assert without.canonical("Johnson, Robert") == without.canonical("Johnson, Robert H.")
    assert without.canonical("Gromiko") == "Gromiko"
    r = PersonResolver.from_names(names, parse_aliases(ALIAS_TEXT))
    assert r.canonical("Gromiko") == "Gromyko, Andrei A."
    assert r.canonical("Gromyko, Andrei I.") == "Gromyko, Andrei A."
    assert r.canonical("Gromyko, Andrei") == "Gromyko, Andrei"  # still vague: not in a line
    assert r.canonical("Johnson, Robert") == "Johnson, Robert"
    assert r.canonical("Johnson, Robert H.") == "Johnson, Robert H."
    assert r.canonical("Ascham, Robert A.") == "Dulles, Allen W."


def test_a_split_wins_over_a_merge_and_says_so():
    aliases = parse_aliases("A, B = A, C\nA, B != A, C\n")
    r = PersonResolver.from_names(["A, B", "A, C"], aliases)
    assert len(r.people()) == 2
    assert r.notes and "skipped" in r.notes[0]


def test_alias_files_load_in_order_missing_ones_skipped_bad_ones_reported(tmp_path: Path):
    first = tmp_path / "a.txt"
    first.write_text("X, Y = X, Z\n", encoding="utf-8")
    second = tmp_path / "b.txt"
    second.write_text("nonsense\nP, Q != P, R\n", encoding="utf-8")
    bad = tmp_path / "c.txt"
    bad.write_bytes(b"\xff\xfe\x00garbage")
    aliases = load_aliases([first, tmp_path / "missing.txt", second, bad])
    assert aliases.merges == (("X, Y", "X, Z"),)
    assert aliases.splits == (("P, Q", "P, R"),)
    assert [(Path(p.path).name, p.line) for p in aliases.problems] == [("b.txt", 1), ("c.txt", 0)]
    assert "not UTF-8" in str(aliases.problems[1])


def test_the_user_alias_file_lives_in_the_data_folder(isolated_home: Path):
    assert user_aliases_path() == isolated_home / "data" / "people-aliases.txt"
    assert default_alias_paths() == [shipped_aliases_path(), user_aliases_path()]
    assert shipped_aliases_path().is_file()


# --- the facet arrays -------------------------------------------------------------------


def test_merged_facet_counts_a_record_once_per_person():
    values = ["Gromyko, Andrei A.", "Gromyko, Andrei Andreivich", "Rusk, Dean"]
    r = PersonResolver.from_names(dict(zip(values, [3, 2, 1], strict=True)))
    docs = np.array([0, 0, 1, 2, 2], np.int32)
    vals = np.array([0, 1, 1, 0, 2], np.int32)
    names, entry_doc, entry_value = merge_facet_arrays(values, docs, vals, r)
    assert names == ["Gromyko, Andrei A.", "Rusk, Dean"]
    assert entry_doc.tolist() == [0, 1, 2, 2]
    assert entry_value.tolist() == [0, 0, 0, 1]
    assert np.bincount(entry_value).tolist() == [3, 1]  # Gromyko in 3 records, not 4


# --- the shipped archive ----------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> PersonResolver:
    names = Counter(p for r in shipped_records().values() for p in r["people"])
    return PersonResolver.from_names(names, load_aliases([shipped_aliases_path()]))


def test_the_shipped_alias_file_has_no_problems():
    aliases = load_aliases([shipped_aliases_path()])
    assert aliases.problems == ()
    assert len(aliases.merges) >= 10 and len(aliases.splits) >= 5


def test_shipped_gromyko_is_one_person(shipped):
    spellings = [
        "Gromyko, Andrei A.", "Gromyko, Andrei Andreevich", "Gromyko, Andrei Andreivich",
        "Gromyko, Andrei I.", "Gromyko, Andrei M.", "Gromiko",
    ]  # fmt: skip
    assert {shipped.canonical(n) for n in spellings} == {"Gromyko, Andrei A."}
    assert sorted(shipped.variants("Gromyko, Andrei A.")) == sorted(spellings)


def test_shipped_khrushchev_is_one_person(shipped):
    spellings = [
        "Khrushchev, Nikita S.", "Khrushchev, Nikita Sergeyevich",
        "Khrushchev, Nikita Sergeevich", "Khrushchev, Nikita",
    ]  # fmt: skip
    assert {shipped.canonical(n) for n in spellings} == {"Khrushchev, Nikita S."}


def test_shipped_different_people_stay_apart(shipped):
    c = shipped.canonical
    assert c("Dulles, John Foster") != c("Dulles, Allen W.")
    assert c("Dulles, Allen") == c("Dulles, Allen W.") == c("Dulles, Allen (Ascham, Robert A.)")
    assert c("Dulles, Eleanor") == c("Dulles, Eleanor L.") != c("Dulles, Allen W.")
    assert c("Kennedy, John F.") != c("Kennedy, Robert F.")
    assert c("Kennedy, Edward M. “Ted”") not in (c("Kennedy, John F."), c("Kennedy, Robert F."))
    assert c("Johnson, Lyndon B.") == c("Johnson, Lyndon Baines")
    assert c("Johnson, U. Alexis") == c("Johnson, Ural Alexis") != c("Johnson, Lyndon B.")
    assert c("Bundy, McGeorge") != c("Bundy, William P.")
    # split by the alias file: the rule alone would merge them
    assert c("Brown, George") != c("Brown, George S.")
    assert c("Stewart, Michael") != c("Stewart, Michael N.F.")
    assert c("Wisner, Frank G., III") != c("Wisner, Frank G.")
    assert c("Yang, Dr.") != c("Lei Yang")
    assert c("Ordway") == c("Cabell, General Charles P.") != c("Ordway, John")
    # the rule's own guards
    assert c("Kent, Sherman") != c("Kent, Col. J.R.")
    assert c("Huang Chen") != c("Chen I")
    assert c("Minh (“Big Minh”)") != c("Minh (“Little Minh”)")


def test_shipped_wilson_names_meet_the_frus_ones(shipped):
    c = shipped.canonical
    assert c("I.V. Stalin") == c("Stalin")
    assert c("Kissinger") == "Kissinger, Henry A."
    assert c("M.S. Gorbachev") == c("Mikhail Gorbachev")


def test_shipped_counts(shipped):
    names = {p for r in shipped_records().values() for p in r["people"]}
    assert len(names) == 2922
    assert len(shipped.people()) == 2515


def test_from_records_counts_a_name_once_a_record_and_reads_the_alias_files(isolated_home: Path):
    records = [
        {"people": ["Gromyko, Andrei I.", "Gromyko, Andrei I."]},
        {"people": "Gromyko, Andrei A."},
        {"people": ["Gromyko, Andrei A.", 5, None]},
        {"people": None},
        {},
    ]
    r = PersonResolver.from_records(records)  # the shipped alias file merges I. into A.
    assert r.canonical("Gromyko, Andrei I.") == "Gromyko, Andrei A."
    assert r.people()[0].records == 3
    user = isolated_home / "data" / "people-aliases.txt"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("Gromyko, Andrei A. != Gromyko, Andrei I.\n", encoding="utf-8")
    r = PersonResolver.from_records(records)  # the user's split wins over the shipped merge
    assert r.canonical("Gromyko, Andrei I.") == "Gromyko, Andrei I."
    assert r.notes and "skipped" in r.notes[0]
