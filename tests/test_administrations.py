"""Administrations from exact dates: a handover day belongs to both, a period to all it spans."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from shipped_records import shipped_records

from archive_tui.administrations import (
    ADMINISTRATIONS,
    NAMES,
    admin_facet_arrays,
    administrations_for,
    administrations_of,
    match_admin,
)
from archive_tui.dates import DateError, parse_date

# (handover day, outgoing, incoming): the day before is the outgoing's alone, the day after
# the incoming's alone, the day itself both.
HANDOVERS = [
    ("1945-04-12", "Roosevelt", "Truman"),
    ("1953-01-20", "Truman", "Eisenhower"),
    ("1961-01-20", "Eisenhower", "Kennedy"),
    ("1963-11-22", "Kennedy", "Johnson"),
    ("1969-01-20", "Johnson", "Nixon"),
    ("1974-08-09", "Nixon", "Ford"),
    ("1977-01-20", "Ford", "Carter"),
    ("1981-01-20", "Carter", "Reagan"),
    ("1989-01-20", "Reagan", "Bush (G. H. W.)"),
    ("1993-01-20", "Bush (G. H. W.)", "Clinton"),
    ("2001-01-20", "Clinton", "Bush (G. W.)"),
    ("2009-01-20", "Bush (G. W.)", "Obama"),
    ("2017-01-20", "Obama", "Trump"),
    ("2021-01-20", "Trump", "Biden"),
    ("2025-01-20", "Biden", "Trump"),
]


def _shift(iso: str, days: int) -> str:
    return (date.fromisoformat(iso) + timedelta(days=days)).isoformat()


@pytest.mark.parametrize(("day", "outgoing", "incoming"), HANDOVERS)
def test_every_handover_day_belongs_to_both_and_its_neighbours_to_one(day, outgoing, incoming):
    assert administrations_of(_shift(day, -1)) == (outgoing,)
    assert set(administrations_of(day)) == {outgoing, incoming}
    assert administrations_of(_shift(day, 1)) == (incoming,)


def test_the_issues_examples():
    assert administrations_of("1963-11-21") == ("Kennedy",)
    assert administrations_of("November 23, 1963") == ("Johnson",)
    assert administrations_of("1974-08-08") == ("Nixon",)
    assert administrations_of("1974-08-10") == ("Ford",)


def test_a_month_or_year_spanning_a_handover_belongs_to_both():
    assert administrations_of("1963-11") == ("Kennedy", "Johnson")
    assert administrations_of("November, 1963") == ("Kennedy", "Johnson")
    assert administrations_of("1963-10") == ("Kennedy",)
    assert administrations_of("1963-12") == ("Johnson",)
    assert administrations_of("1974") == ("Nixon", "Ford")
    assert administrations_of("1945") == ("Roosevelt", "Truman")
    assert administrations_of("1962") == ("Kennedy",)


def test_before_roosevelt_none_and_the_present_is_trumps():
    assert administrations_of("1933-03-03") == ()
    assert administrations_of("1933-03-04") == ("Roosevelt",)
    assert administrations_of("1932") == ()
    assert administrations_of("1933") == ("Roosevelt",)
    assert administrations_of("2026-11-30") == ("Trump",)
    assert administrations_of("2019-06-01") == ("Trump",)
    assert administrations_for(0, 0) == ()
    with pytest.raises(DateError):
        administrations_of("not a date")


def test_names_are_chronological_and_unique():
    assert NAMES[:8] == (
        "Roosevelt", "Truman", "Eisenhower", "Kennedy", "Johnson", "Nixon", "Ford", "Carter",
    )  # fmt: skip
    assert len(set(NAMES)) == len(NAMES) == len(ADMINISTRATIONS)
    firsts = [a.spans[0][0] for a in ADMINISTRATIONS]
    assert firsts == sorted(firsts)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("kennedy", ("Kennedy",)),
        ("Kennedy", ("Kennedy",)),
        ("JFK", ("Kennedy",)),
        ("John F. Kennedy", ("Kennedy",)),
        ("johnson", ("Johnson",)),
        ("lbj", ("Johnson",)),
        ("bush", ("Bush (G. H. W.)", "Bush (G. W.)")),
        ("Bush (G. W.)", ("Bush (G. W.)",)),
        ("bush41", ("Bush (G. H. W.)",)),
        ("roosevelt", ("Roosevelt",)),
        ("FDR", ("Roosevelt",)),
        ("ike", ("Eisenhower",)),
        ("trump", ("Trump",)),
        ("b", ()),
        ("kenedy", ()),
        ("", ()),
    ],
)
def test_admin_field_values(text, names):
    assert match_admin(text) == names


def test_facet_arrays_match_the_per_record_answer():
    dates = ["1963-11-21", "1963-11-22", "1963-11", "1932-05-01", "1974", "1950-06-25"]
    parsed = [parse_date(d) for d in dates]
    starts = np.array([d.start for d in parsed] + [0], np.int32)  # + a record without a date
    ends = np.array([d.end for d in parsed] + [0], np.int32)
    values, entry_doc, entry_value = admin_facet_arrays(starts, ends)
    assert values == ["Truman", "Kennedy", "Johnson", "Nixon", "Ford"]
    assert entry_doc.dtype == np.int32 and list(entry_doc) == sorted(entry_doc)
    got: dict[int, set[str]] = {}
    for doc, value in zip(entry_doc.tolist(), entry_value.tolist(), strict=True):
        got.setdefault(doc, set()).add(values[value])
    assert got == {
        0: {"Kennedy"},
        1: {"Kennedy", "Johnson"},
        2: {"Kennedy", "Johnson"},
        4: {"Nixon", "Ford"},
        5: {"Truman"},
    }


def test_facet_arrays_of_nothing():
    values, docs, vals = admin_facet_arrays(np.zeros(0, np.int32), np.zeros(0, np.int32))
    assert values == [] and len(docs) == 0 and len(vals) == 0


def test_shipped_documents_either_side_of_dallas():
    records = shipped_records()
    assert records["frus1961-63v05-d377"]["date"] == "1963-11-21"
    assert administrations_of(records["frus1961-63v05-d377"]["date"]) == ("Kennedy",)
    assert records["frus1961-63v05-d378"]["date"] == "1963-11-23"
    assert administrations_of(records["frus1961-63v05-d378"]["date"]) == ("Johnson",)
    counts: dict[str, int] = {}
    for record in records.values():
        for name in administrations_of(record["date"]):
            counts[name] = counts.get(name, 0) + 1
    # the 1944 Wilson Center records are Roosevelt's; FRUS ends 1981-01-17, under Carter
    assert counts["Roosevelt"] == 5 and "Reagan" not in counts
    assert counts["Eisenhower"] == 3788 and counts["Kennedy"] == 1847
