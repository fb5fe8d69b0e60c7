"""Record normalization keeps every character and reports every invalid record precisely."""

from __future__ import annotations

import pytest

from archive_tui.records import (
    MAX_LISTED_ERRORS,
    RecordError,
    ValidationFailed,
    ensure_record,
    is_plain_record,
    normalize_record,
    record_date,
    validate_records,
)


def make(**fields: object) -> dict:
    record: dict = {"id": "r1", "date": "1944-11-09", "title": "A title"}
    record.update(fields)
    return record


def test_a_single_string_becomes_a_one_item_list() -> None:
    record = normalize_record(make(subjects="Cold War", people=["Stalin, I. V."], places=()))
    assert record["subjects"] == ["Cold War"]
    assert record["people"] == ["Stalin, I. V."]
    assert record["places"] == []


def test_unknown_keys_are_kept_in_their_order() -> None:
    raw = make(archive_box=17, notes={"folder": "B-3", "pages": [1, 2.5, None, True]})
    raw["summary"] = "s"
    record = normalize_record(raw)
    assert list(record) == ["id", "date", "title", "archive_box", "notes", "summary"]
    assert record["notes"] == {"folder": "B-3", "pages": [1, 2.5, None, True]}


def test_every_character_is_kept() -> None:
    text = "Manac’h met Громыко 🕊️ at the Café; Piné\u00a0said «non»\u2028 e\u0301\x1b[0m  "
    raw = make(
        id=" id-Громыко ",
        title=f"  {text}",
        date=" June, 2007 ",
        summary=text,
        people=["Manac’h, Étienne", "Громыко, А. А."],
        places="Ürümqi",
        extra={"ключ": text},
    )
    record = normalize_record(raw)
    assert record["id"] == " id-Громыко "
    assert record["title"] == f"  {text}"
    assert record["date"] == " June, 2007 "
    assert record["summary"] == text
    assert record["people"] == ["Manac’h, Étienne", "Громыко, А. А."]
    assert record["places"] == ["Ürümqi"]
    assert record["extra"] == {"ключ": text}
    assert record_date(record).display == "June, 2007"


def test_normalizing_returns_a_new_dict_and_leaves_the_input_alone() -> None:
    raw = make(subjects="X")
    record = normalize_record(raw)
    assert record is not raw
    assert raw["subjects"] == "X"
    already = make(subjects=["X"])
    assert normalize_record(already) is not already


def test_ensure_record_does_not_copy_a_valid_record() -> None:
    valid = make(subjects=["X"])
    assert ensure_record(valid) is valid
    fixed = ensure_record(make(subjects="X"))
    assert fixed["subjects"] == ["X"]


def test_null_in_a_known_optional_field_means_absent() -> None:
    record = normalize_record(make(summary=None, people=None, custom=None))
    assert "summary" not in record
    assert "people" not in record
    assert record["custom"] is None


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("not a record", "is a string, not an object"),
        ([1, 2], "is a list, not an object"),
        ({"date": "1944", "title": "t"}, "id is missing"),
        (make(id=42), "id must be a string, not a number"),
        (make(id="  "), "id is empty"),
        (make(title=None), "title is missing"),
        (make(title=""), "title is empty"),
        (make(title=["t"]), "title must be a string, not a list"),
        ({"id": "r1", "title": "t"}, "date is missing"),
        (make(date="someday"), "date 'someday' is not a date"),
        (make(date="1944-02-30"), "date '1944-02-30' is not a date: day 30 out of range"),
        (make(date=1944), "date must be a string such as '1944-11-09', not a number"),
        (make(subjects=[1]), "subjects item 1 is a number, not a string"),
        (make(people=["ok", None]), "people item 2 is null, not a string"),
        (make(places={"a": 1}), "places must be a list of strings, not an object"),
        (make(summary=3), "summary must be a string, not a number"),
        (make(url=["u"]), "url must be a string, not a list"),
        (make(summary="bad \ud800 text"), "summary holds a lone surrogate"),
        (make(extra=float("nan")), "extra holds nan, which JSON cannot store"),
        (make(extra=2**70), "extra holds an integer too large"),
        (make(extra={1, 2}), "extra holds a set, which JSON cannot store"),
        (make(extra={1: "x"}), "extra has a key 1 that is not a string"),
    ],
)
def test_invalid_records_say_what_is_wrong(raw: object, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        normalize_record(raw, position=4)
    assert caught.value.position == 4
    assert reason in caught.value.reason
    assert str(caught.value).startswith("record 4")


def test_the_error_names_the_record_id() -> None:
    with pytest.raises(RecordError) as caught:
        normalize_record(make(id="x", date="foo"), position=3)
    assert caught.value.record_id == "x"
    assert str(caught.value).startswith("record 3 (id 'x'): date 'foo' is not a date")


def test_validation_reports_every_invalid_record_with_position() -> None:
    raws = [
        make(id="a"),
        make(id="b", date="Smarch 1944"),
        17,
        make(id="c", subjects=[None]),
        make(id="a"),  # repeats record 1
        make(id="d"),
        {"id": "e"},
    ]
    with pytest.raises(ValidationFailed) as caught:
        validate_records(raws)
    errors = caught.value.errors
    assert [(e.position, e.record_id) for e in errors] == [
        (2, "b"),
        (3, None),
        (4, "c"),
        (5, "a"),
        (7, "e"),
    ]
    assert "unknown month name 'Smarch'" in errors[0].reason
    assert errors[3].reason == "id repeats record 1"
    message = str(caught.value)
    assert message.startswith("5 records are invalid:")
    assert "record 3: is a number, not an object" in message


def test_validation_message_lists_the_first_errors_and_counts_the_rest() -> None:
    raws = (make(id=f"r{n}", date="never") for n in range(MAX_LISTED_ERRORS + 7))
    with pytest.raises(ValidationFailed) as caught:
        validate_records(raws)
    assert len(caught.value.errors) == MAX_LISTED_ERRORS + 7
    message = str(caught.value)
    assert f"record {MAX_LISTED_ERRORS} (id" in message
    assert f"record {MAX_LISTED_ERRORS + 1} (id" not in message
    assert message.endswith("and 7 more")
    assert isinstance(caught.value, ValueError)


def test_valid_batch_is_returned_normalized_in_order() -> None:
    records = validate_records([make(id="b", subjects="S"), make(id="a")])
    assert [r["id"] for r in records] == ["b", "a"]
    assert records[0]["subjects"] == ["S"]
    assert validate_records([]) == []


class Text(str):
    """A str subclass: valid text, but not what a JSON parser gives."""


FULL = make(
    summary="s",
    text="t",
    collection="c",
    document_type="Telegram",
    language="English",
    source="src",
    url="https://example.org",
    classification="Secret",
    subjects=["A", "B"],
    people=[],
    places=["Moscow"],
)


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        (make(), True),
        (FULL, True),
        (dict(reversed(FULL.items())), True),
        (make(title=Text("t")), False),  # valid, checked the long way
        (make(people=[Text("p")]), False),
        (make(people=("p",)), False),  # becomes a list
        (make(summary=None), False),  # the field is dropped
        (make(subjects="S"), False),
        (make(custom=1), False),  # unknown fields are checked the long way
        (make(id=" "), False),
        (make(title="\t"), False),
        (make(date="1944-13"), False),
        (make(date=None), False),
        ({"date": "1944", "title": "t"}, False),
        ([("id", "x")], False),
    ],
)
def test_the_quick_check_only_passes_records_the_full_check_keeps_as_they_are(
    raw: object, plain: bool
) -> None:
    assert is_plain_record(raw) is plain
    if plain:
        assert ensure_record(raw, parsed_json=True) is raw
        assert normalize_record(raw) == raw


def test_records_the_quick_check_passes_on_keep_their_full_check_result() -> None:
    assert ensure_record(make(title=Text("t")))["title"] == "t"
    assert ensure_record(make(people=("p",)))["people"] == ["p"]
    assert "summary" not in ensure_record(make(summary=None))
    assert ensure_record(make(custom=1))["custom"] == 1
    for bad, reason in [
        (make(id=" "), "id is empty"),
        (make(title="\t"), "title is empty"),
        (make(date="1944-13"), "month 13 out of range"),
    ]:
        with pytest.raises(RecordError, match=reason):
            ensure_record(bad, parsed_json=True)
