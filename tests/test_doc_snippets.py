"""Result cards show the passage around a match deep in the text (issue 8, item 15).

Core tests run ``snippets`` on a real shipped record; the pilot test drives the real app
on a real archive file and reads the cards as they are drawn.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SHIPPED_PATH

from archive_tui.archive import Archive
from archive_tui.query import parse_query
from archive_tui.search import highlight_spans
from archive_tui.snippets import CHUNK, first_match_spans, keyword_in_context, safe_cut
from archive_tui.ui.app import ArchiveApp
from archive_tui.ui.widgets.results import CARD_HEIGHT, ResultList

#: A shipped FRUS record: "Gromyko" first comes 2,089 characters into its text and is in
#: neither its title nor its summary.
DEEP_ID = "frus1948v01p1-d101"


def shipped_record(record_id: str) -> dict:
    table = json.loads(SHIPPED_PATH.read_text(encoding="utf-8"))["records"]
    return next(r for r in table.values() if r["id"] == record_id)


def text_spans(text: str, query: str) -> list[tuple[int, int]]:
    parsed = parse_query(query)
    return first_match_spans(text, lambda chunk: highlight_spans(chunk, parsed, "text"))


def test_passage_around_a_deep_match_in_a_real_record() -> None:
    record = shipped_record(DEEP_ID)
    assert "gromyko" not in (record["summary"] + record["title"]).lower()
    spans = text_spans(record["text"], "gromyko")
    assert spans and spans[0][0] > 2000
    snippet, shown = keyword_in_context(record["text"], spans, 120)
    assert snippet.startswith("…") and len(snippet) <= 120
    assert next(snippet[a:b] for a, b in shown) == "Gromyko"
    assert "\n" not in snippet and "  " not in snippet
    # the words around the match are the record's own words, in order
    words = snippet.strip("…").split()
    assert " ".join(words) in " ".join(record["text"].split())


def test_a_match_at_the_start_has_no_leading_ellipsis() -> None:
    snippet, shown = keyword_in_context("Missiles in Cuba, seen on October 14.", [(0, 8)], 20)
    assert snippet.startswith("Missiles") and snippet.endswith("…")
    assert shown == [(0, 8)]
    assert keyword_in_context("short", [(0, 5)], 40) == ("short", [(0, 5)])


def test_cuts_never_split_a_character_from_its_marks() -> None:
    combining = "e\u0301" * 200  # é as e + combining acute
    for width in range(3, 30):
        for start in range(0, 60, 7):
            snippet, _ = keyword_in_context(combining, [(start * 2, start * 2 + 2)], width)
            body = snippet.strip("…")
            assert body and not body.startswith("\u0301"), (width, start)
            assert not body.endswith("e"), (width, start)  # never an e without its accent
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme of five characters
    text = "word " + family * 40
    for cut in range(len(text)):
        assert safe_cut(text, cut) in {0, 1, 2, 3, 4, *range(5, len(text) + 1, len(family))}


def test_the_search_for_a_first_match_stops_at_the_first_chunk_that_has_one() -> None:
    parsed = parse_query("gromyko")
    seen: list[int] = []

    def find(chunk: str) -> list[tuple[int, int]]:
        seen.append(len(chunk))
        return highlight_spans(chunk, parsed, "text")

    huge = "Gromyko said no. " + "word " * 2_000_000  # 10 MB
    spans = first_match_spans(huge, find)
    assert spans == [(0, 7)] and sum(seen) <= CHUNK
    seen.clear()
    deep = "word " * 5000 + "Gromyko " + "word " * 2_000_000
    spans = first_match_spans(deep, find)
    assert [deep[a:b] for a, b in spans] == ["Gromyko"]
    assert sum(seen) < 40_000  # a few chunks, not the 10 MB
    # a match cut by a chunk boundary is found whole in the next chunk
    for pad in range(CHUNK - 12, CHUNK + 2):
        text = "x" * pad + " Gromyko " + "y " * CHUNK
        assert [text[a:b] for a, b in text_spans(text, "gromyko")] == ["Gromyko"], pad


async def test_cards_show_the_passage_around_a_deep_match(tmp_path: Path) -> None:
    record = shipped_record(DEEP_ID)
    other = {
        "id": "summary-match",
        "date": "1950-01-01",
        "title": "A note",
        "summary": "Gromyko is in this summary already.",
        "text": "Nothing else. " * 200 + "Gromyko again, deep.",
    }
    archive = Archive.open(tmp_path / "records.json", create=True)
    archive.add([record, other])
    app = ArchiveApp(archive=archive, show_timing=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        for char in "gromyko":
            await pilot.press(char)
        for _ in range(50):
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            if app.main_screen.result is not None and app.main_screen.result.total == 2:
                break
        await pilot.pause()
        results = app.main_screen.query_one(ResultList)
        cards = {}
        for index in range(2):
            lines = [results.render_line(index * CARD_HEIGHT + row).text for row in range(7)]
            cards[results.hit(index).record["id"]] = " ".join(" ".join(lines).split())
        deep = cards[DEEP_ID]
        assert "Gromyko" in deep and "…" in deep
        assert record["summary"][:40] not in deep  # the passage replaces the summary's start
        # a card whose summary has the match keeps its summary
        assert "Gromyko is in this summary already." in cards["summary-match"]
        computed = results.snippets_computed
        assert computed == 1  # only the card without a match in its summary
        for _ in range(3):  # repainting reads the cache, never recomputes
            results.refresh_marks()
            await pilot.pause()
            for y in range(2 * CARD_HEIGHT):
                results.render_line(y)
        assert results.snippets_computed == computed
