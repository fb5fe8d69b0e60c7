"""Per-record metadata: the facet values and counts, date and title orders a user sees.

The records are hand-made with the awkward cases real archives have: blank and missing
values, a lone string where a list belongs, repeated and non-string list items, accents
and Cyrillic in titles, equal titles with different dates, month- and year-only dates and
dates that cannot be read.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from archive_tui.facets import FACET_FIELDS, RecordMeta, build_record_meta

RECORDS = [
    {  # 0
        "date": "1962-10-27",
        "title": "Cuba: Khrushchev letter",
        "collection": "FRUS",
        "document_type": "Telegram",
        "language": "English",
        "people": ["Kennedy, John F.", "Khrushchev, Nikita", "Kennedy, John F."],
        "places": ["Moscow"],
        "subjects": ["Cuba"],
    },
    {  # 1: month-only date; the same title in capitals; blank and odd facet values
        "date": "October, 1962",
        "title": "CUBA: KHRUSHCHEV LETTER",
        "collection": "   ",
        "document_type": "",
        "language": None,
        "people": "Castro, Fidel",
        "places": [],
        "subjects": ["Cuba", 5, None, "", "  ", "Soviet Union", "Cuba"],
    },
    {  # 2: year-only date, accented title; no language or subjects at all
        "date": "1962",
        "title": "Élysée memo",
        "collection": "FRUS",
        "document_type": "Memorandum",
        "people": ["Piné, Antoine"],
        "places": ["Paris", "Paris"],
    },
    {  # 3: a date that does not exist, a Cyrillic title, unhashable list items
        "date": "1962-02-30",
        "title": "Громыко note",
        "collection": "Wilson Center",
        "language": "Russian",
        "people": [],
        "places": None,
        "subjects": [["nested"], {"name": "Cuba"}],
    },
    {},  # 4: nothing at all
    {  # 5: the same folded title as record 2, eighteen years earlier
        "date": "1944-11-09",
        "title": "Elysee memo",
        "collection": "FRUS",
        "document_type": "Telegram",
        "language": "English",
        "people": ["Manac’h, Étienne", "Kennedy, John F."],
        "places": ["Paris"],
        "subjects": ["Soviet Union"],
    },
    {  # 6: a blank title; lone strings and a number where lists belong
        "date": "June, 2007",
        "title": "  ",
        "collection": "Wilson Center",
        "people": [42],
        "places": "Moscow",
        "subjects": "Cuba",
    },
]


def ordinal(year: int, month: int, day: int) -> int:
    return date(year, month, day).toordinal()


def holders(meta: RecordMeta, field: str) -> list[tuple[int, str]]:
    """(record, value) pairs of a facet, in the stored order."""
    facet = meta.facets[field]
    return [
        (int(doc), facet.values[value])
        for doc, value in zip(facet.entry_doc, facet.entry_value, strict=True)
    ]


def test_dates_cover_their_precision_and_unreadable_ones_sort_first() -> None:
    meta = build_record_meta(RECORDS)
    assert meta.date_start.tolist() == [
        ordinal(1962, 10, 27),
        ordinal(1962, 10, 1),
        ordinal(1962, 1, 1),
        0,
        0,
        ordinal(1944, 11, 9),
        ordinal(2007, 6, 1),
    ]
    assert meta.date_end.tolist() == [
        ordinal(1962, 10, 27),
        ordinal(1962, 10, 31),
        ordinal(1962, 12, 31),
        0,
        0,
        ordinal(1944, 11, 9),
        ordinal(2007, 6, 30),
    ]
    # No date first (in archive order), then by first day; the coarser date first that day.
    assert meta.date_order.tolist() == [3, 4, 5, 2, 1, 0, 6]
    assert meta.date_rank.tolist() == [5, 4, 3, 0, 1, 2, 6]
    for name in ("date_start", "date_end", "date_order", "date_rank", "title_order"):
        assert getattr(meta, name).dtype == np.int32, name


def test_titles_sort_folded_and_equal_titles_by_date() -> None:
    meta = build_record_meta(RECORDS)
    # "" < "  " < "cuba: …" (October 1962 before October 27) < "elysee memo" (1944 before
    # 1962) < "gromyko note"
    assert meta.title_order.tolist() == [4, 6, 1, 0, 5, 2, 3]


def test_facet_values_are_the_non_blank_strings_once_per_record() -> None:
    meta = build_record_meta(RECORDS)
    assert set(meta.facets) == set(FACET_FIELDS)
    assert meta.facets["collection"].values == ["FRUS", "Wilson Center"]
    assert holders(meta, "collection") == [
        (0, "FRUS"),
        (2, "FRUS"),
        (3, "Wilson Center"),
        (5, "FRUS"),
        (6, "Wilson Center"),
    ]
    assert holders(meta, "document_type") == [(0, "Telegram"), (2, "Memorandum"), (5, "Telegram")]
    assert meta.facets["language"].values == ["English", "Russian"]
    assert holders(meta, "language") == [(0, "English"), (3, "Russian"), (5, "English")]
    # Values sort by their own characters (not folded); a lone string counts as one value.
    assert meta.facets["people"].values == [
        "Castro, Fidel",
        "Kennedy, John F.",
        "Khrushchev, Nikita",
        "Manac’h, Étienne",
        "Piné, Antoine",
    ]
    assert holders(meta, "people") == [
        (0, "Kennedy, John F."),
        (0, "Khrushchev, Nikita"),
        (1, "Castro, Fidel"),
        (2, "Piné, Antoine"),
        (5, "Manac’h, Étienne"),
        (5, "Kennedy, John F."),
    ]
    assert holders(meta, "places") == [(0, "Moscow"), (2, "Paris"), (5, "Paris"), (6, "Moscow")]
    assert meta.facets["subjects"].values == ["Cuba", "Soviet Union"]
    assert holders(meta, "subjects") == [
        (0, "Cuba"),
        (1, "Cuba"),
        (1, "Soviet Union"),
        (5, "Soviet Union"),
        (6, "Cuba"),
    ]


def test_year_and_decade_facets_come_from_readable_dates() -> None:
    meta = build_record_meta(RECORDS)
    assert meta.facets["year"].values == ["1944", "1962", "2007"]
    assert holders(meta, "year") == [
        (0, "1962"),
        (1, "1962"),
        (2, "1962"),
        (5, "1944"),
        (6, "2007"),
    ]
    assert meta.facets["decade"].values == ["1940s", "1960s", "2000s"]
    assert holders(meta, "decade") == [
        (0, "1960s"),
        (1, "1960s"),
        (2, "1960s"),
        (5, "1940s"),
        (6, "2000s"),
    ]


def test_a_list_where_one_string_belongs_still_counts_its_strings() -> None:
    records = [
        {"date": "1950-03", "title": "B", "collection": ["FRUS", "Wilson Center", "FRUS"]},
        {"date": ["1950"], "title": "A", "collection": "FRUS", "language": ["French", ""]},
        {"date": "1949", "title": "B", "collection": [], "language": "French"},
    ]
    meta = build_record_meta(records)
    assert holders(meta, "collection") == [(0, "FRUS"), (0, "Wilson Center"), (1, "FRUS")]
    assert holders(meta, "language") == [(1, "French"), (2, "French")]
    assert meta.date_order.tolist() == [1, 2, 0]  # a list is no date: it sorts first
    assert meta.title_order.tolist() == [1, 2, 0]
    assert holders(meta, "year") == [(0, "1950"), (2, "1949")]
    assert meta.facets["year"].values == ["1949", "1950"]


def test_facet_arrays_are_int32_and_sorted_by_record() -> None:
    meta = build_record_meta(RECORDS)
    for name, facet in meta.facets.items():
        assert facet.entry_doc.dtype == np.int32 and facet.entry_value.dtype == np.int32, name
        assert np.all(np.diff(facet.entry_doc) >= 0), name
        counts = np.bincount(facet.entry_value, minlength=len(facet.values))
        assert not len(facet.values) or counts.min() > 0, name  # every value is held


def test_counts_follow_the_records_when_the_archive_grows() -> None:
    """Many records sharing few values: each record keeps its own values."""
    people = ["Acheson, Dean", "Bohlen, Charles", "Dulles, John Foster"]
    records = [
        {
            "date": f"{1945 + i % 40}-{1 + i % 12:02d}",
            "title": f"Memo {i % 7}",
            "people": [people[i % 3], people[(i + 1) % 3], people[i % 3]],
            "places": "Berlin" if i % 2 else ["Bonn"],
        }
        for i in range(500)
    ]
    meta = build_record_meta(records)
    assert holders(meta, "people")[:4] == [
        (0, "Acheson, Dean"),
        (0, "Bohlen, Charles"),
        (1, "Bohlen, Charles"),
        (1, "Dulles, John Foster"),
    ]
    assert len(meta.facets["people"].entry_doc) == 1000
    assert np.bincount(meta.facets["places"].entry_value).tolist() == [250, 250]  # Berlin, Bonn
    assert meta.facets["places"].values == ["Berlin", "Bonn"]
    assert len(meta.facets["year"].values) == 40 and len(meta.facets["decade"].values) == 5
    titles = [records[i]["title"] for i in meta.title_order.tolist()]
    assert titles == sorted(titles)
    rank = meta.date_rank
    for a, b in zip(meta.title_order[:-1], meta.title_order[1:], strict=True):
        if records[a]["title"] == records[b]["title"]:
            assert rank[a] < rank[b]


def test_an_empty_archive_has_empty_orders_and_facets() -> None:
    meta = build_record_meta([])
    assert meta.date_order.tolist() == [] and meta.title_order.tolist() == []
    assert set(meta.facets) == set(FACET_FIELDS)
    assert all(f.values == [] and len(f.entry_doc) == 0 for f in meta.facets.values())
