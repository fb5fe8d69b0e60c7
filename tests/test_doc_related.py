"""Related documents say when each one is dated and what ties it to the open one (item 12).

The records are the shipped FRUS telegrams that all carry the same title, "Telegram From
the Delegation to the Foreign Ministers Meeting to the Department of State".
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SHIPPED_PATH
from textual.app import App, ComposeResult
from textual.widgets import OptionList, Static

from archive_tui.archive import Archive
from archive_tui.related import date_relation, why_related
from archive_tui.ui.screens.document import DocumentScreen, RecordSequence, display_date

TITLE = "Telegram From the Delegation to the Foreign Ministers Meeting to the Department of State"
OPEN_ID = "frus1958-60v08-d291"  # 1959-05-11, Geneva


def shipped() -> dict[str, dict]:
    table = json.loads(SHIPPED_PATH.read_text(encoding="utf-8"))["records"]
    return {record["id"]: record for record in table.values()}


def test_why_related_names_the_date_people_place_and_volume() -> None:
    records = shipped()
    a = records[OPEN_ID]
    b = records["frus1958-60v08-d294"]  # 1959-05-12: Lloyd, Hammarskjöld, Herter
    assert a["title"] == b["title"] == TITLE
    reasons = why_related(a, b)
    assert reasons[0] == "1 day later"
    assert "people: Lloyd, Hammarskjöld +1" in reasons
    assert "place: Geneva" in reasons and "same volume" in reasons
    assert any(
        reason.startswith("subject: Conference of the Foreign Ministers") for reason in reasons
    )
    assert why_related(b, a)[0] == "1 day earlier"
    # nothing in common: no reasons
    assert why_related(a, {"id": "x", "date": "1990", "title": "Other"}) == []


def test_date_relation_keeps_each_dates_precision() -> None:
    day = {"date": "1962-10-16"}
    assert date_relation(day, {"date": "1962-10-16"}) == "same day"
    assert date_relation(day, {"date": "1962-10-26"}) == "10 days later"
    assert date_relation(day, {"date": "October 1962"}) == "same month"  # never "N days"
    assert date_relation(day, {"date": "1962-12-20"}) == "65 days later"
    assert date_relation(day, {"date": "1964-01-01"}) is None
    assert date_relation(day, {"date": "not a date"}) is None


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("host")


async def test_related_list_shows_date_and_reasons_for_identical_titles(tmp_path: Path) -> None:
    records = shipped()
    same_title = [r for r in records.values() if r["title"] == TITLE]
    assert len(same_title) > 20
    archive = Archive.open(tmp_path / "records.json", create=True)
    archive.add(same_title)
    related = archive.related(OPEN_ID)
    assert len(related) >= 9 and {r["title"] for r in related} == {TITLE}
    app = Host()
    async with app.run_test(size=(160, 50)) as pilot:
        app.push_screen(DocumentScreen(archive, RecordSequence([records[OPEN_ID]]), 0))
        await pilot.pause()
        options = app.screen.query_one("#related-list", OptionList)
        prompts = [options.get_option_at_index(i).prompt.plain for i in range(len(related))]
        for prompt, record in zip(prompts, related, strict=True):
            first, second = prompt.split("\n")
            assert first.startswith(display_date(record["date"])) and TITLE in first
            assert why_related(records[OPEN_ID], record)[0] in second  # e.g. "1 day later"
            assert "place: Geneva" in second
        # the identical titles are told apart by their dates and what they share
        assert len({prompt.split("\n")[1] for prompt in prompts}) >= len(prompts) // 2
