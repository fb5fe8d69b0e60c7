"""Citations: exact strings per style for Wilson Center and FRUS records, and the
machine formats parsed back by the libraries reference managers rely on."""

from __future__ import annotations

import json
import re

import bibtexparser
import pytest
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware

from archive_tui.citations import (
    STYLE_LABELS,
    STYLES,
    bibliography,
    bibtex_key,
    cite,
    csl_item,
)

# --------------------------------------------------------------------------- records

WILGRESS = {
    "id": "wilson-1944-11-09-wilgress",
    "date": "November 09, 1944",
    "title": "Letter No. 402 from L.D. Wilgress, Canadian Embassy, Moscow, to the Secretary "
    "of State for External Affairs, W.L. Mackenzie King",
    "summary": "The Canadian Ambassador to the Soviet Union, L.D. Wilgress, thoroughly reviews "
    "Soviet foreign policy in Europe, Asia, and in Latin America and its relations with the "
    "United States and the United Kingdom.",
    "collection": "Wilson Center Digital Archive",
    "people": ["L.D. Wilgress", "W.L. Mackenzie King"],
    "places": ["Moscow"],
}
WILGRESS_TITLE = WILGRESS["title"]

# The same letter as a full Wilson Center record would carry it (source note and URL).
WILGRESS_FULL = {
    **WILGRESS,
    "source": "Library and Archives Canada, RG 25, vol. 3444, file 4-1944/3.",
    "url": "https://digitalarchive.wilsoncenter.org/document/example-wilgress",
}

CHEKIST = {
    "id": "wilson-2007-06-ussr-france-society",
    "date": "June, 2007",
    "title": "The USSR-France Society. Folder 71. The Chekist Anthology",
    "summary": "This note describes the relations between the U.S.S.R. – France Society and "
    "the All-Union Society for Cultural Relations with Foreign Countries (SSOD).",
    "collection": "Wilson Center Digital Archive",
    "people": ["Mitrokhin"],
}

# Two real records from ../shared/data/frus-records.json (text shortened).
FRUS_D25 = {
    "id": "frus1964-68v12-d25",
    "date": "1964-02-12",
    "title": "Telegram From the Embassy in France to the Department of State",
    "summary": "3857. We appear to be heading for a confrontation with French on Cuban trade. "
    "For Embassy to be effective in circumstances, we will need clear-cut instructions on "
    "real US objectives.",
    "text": "Paris, February 12, 1964, 8 p.m. 3857. We appear to be heading for a "
    "confrontation with French on Cuban trade.",
    "collection": "Foreign Relations of the United States, 1964–1968, Volume XII, Western Europe",
    "subjects": ["Western Europe", "France"],
    "source": "Source: National Archives and Records Administration, RG 59, Central Files "
    "1964-66, STR 12-3 CUBA-FR. Confidential; Priority. Repeated to London, Bonn, and "
    "Brussels for the Embassy and USEC.",
    "document_type": "Telegram",
    "people": ["Alphand, Hervé", "Bohlen, Charles E."],
    "places": ["Paris"],
    "language": "English",
    "url": "https://history.state.gov/historicaldocuments/frus1964-68v12/d25",
}
FRUS_D165 = {
    "id": "frus1964-68v12-d165",
    "date": "1965-09",
    "title": "Letter from Foreign Minister Nogueira to the Ambassador to Portugal (Anderson)",
    "summary": "My dear George: It will be recalled that during our conversation on "
    "September 2, the Ambassador outlined to me the terms of a proposal…",
    "text": "Lisbon, September 1965. My dear George: It will be recalled…",
    "collection": "Foreign Relations of the United States, 1964–1968, Volume XII, Western Europe",
    "subjects": ["Western Europe", "Portugal"],
    "source": "Source: National Archives and Records Administration, RG 59, Central Files "
    "1964-66, POL 10 PORT. Confidential; Personal. Transmitted to the Department of State "
    "as enclosure 2 to airgram A-131 from Lisbon, October 6.",
    "document_type": "Letter",
    "people": ["Nogueira, Alberto Franco"],
    "places": ["Lisbon"],
    "language": "English",
    "url": "https://history.state.gov/historicaldocuments/frus1964-68v12/d165",
}
D25_URL = FRUS_D25["url"]
D25_TITLE = FRUS_D25["title"]
VOL12 = FRUS_D25["collection"]

# LaTeX specials, a lone brace, accents, curly apostrophe, Cyrillic.
TRICKY = {
    "id": "user/Piné {1}",
    "date": "1955-03-19",
    "title": "Piné's {draft} & 100% of $5 #1 a_b \\ Manac’h — Громыко",
    "collection": "Papers of R&D {West}",
    "source": "Box 3 } folder 2",
    "url": "https://example.org/doc?id=5&x=100%25",
}


# --------------------------------------------------------------------------- plain styles

WILGRESS_EXPECTED = {
    "archive": f'"{WILGRESS_TITLE}", November 9, 1944, Wilson Center Digital Archive.',
    "chicago-note": f'"{WILGRESS_TITLE}," November 9, 1944, Wilson Center Digital Archive.',
    "chicago-bib": f'"{WILGRESS_TITLE}." November 9, 1944. Wilson Center Digital Archive.',
    "mla": f'"{WILGRESS_TITLE}." 9 Nov. 1944. Wilson Center Digital Archive.',
    "apa": f"{WILGRESS_TITLE}. (1944, November 9). Wilson Center Digital Archive.",
}

SOURCE = "Library and Archives Canada, RG 25, vol. 3444, file 4-1944/3"
WURL = WILGRESS_FULL["url"]
WILGRESS_FULL_EXPECTED = {
    "archive": f'"{WILGRESS_TITLE}", November 9, 1944, Wilson Center Digital Archive, '
    f"{SOURCE}.\n{WURL}",
    "chicago-note": f'"{WILGRESS_TITLE}," November 9, 1944, {SOURCE}, '
    f"Wilson Center Digital Archive, {WURL}.",
    "chicago-bib": f'"{WILGRESS_TITLE}." November 9, 1944. {SOURCE}. '
    f"Wilson Center Digital Archive. {WURL}.",
    "mla": f'"{WILGRESS_TITLE}." 9 Nov. 1944. {SOURCE}. Wilson Center Digital Archive, '
    "digitalarchive.wilsoncenter.org/document/example-wilgress.",
    "apa": f"{WILGRESS_TITLE}. (1944, November 9). {SOURCE}. Wilson Center Digital Archive. {WURL}",
}

CHEKIST_TITLE = CHEKIST["title"]
CHEKIST_EXPECTED = {
    "archive": f'"{CHEKIST_TITLE}", June 2007, Wilson Center Digital Archive.',
    "chicago-note": f'"{CHEKIST_TITLE}," June 2007, Wilson Center Digital Archive.',
    "chicago-bib": f'"{CHEKIST_TITLE}." June 2007. Wilson Center Digital Archive.',
    "mla": f'"{CHEKIST_TITLE}." June 2007. Wilson Center Digital Archive.',
    "apa": f"{CHEKIST_TITLE}. (2007, June). Wilson Center Digital Archive.",
}

D25_EXPECTED = {
    # Office of the Historian: document, date, volume, Document N; the URL appended.
    "archive": f'"{D25_TITLE}," February 12, 1964, {VOL12}, Document 25.\n{D25_URL}',
    "chicago-note": f'"{D25_TITLE}," February 12, 1964, in {VOL12}, doc. 25, {D25_URL}.',
    "chicago-bib": f'"{D25_TITLE}." February 12, 1964. In {VOL12}, doc. 25. {D25_URL}.',
    "mla": f'"{D25_TITLE}." 12 Feb. 1964. {VOL12}, doc. 25, '
    "history.state.gov/historicaldocuments/frus1964-68v12/d25.",
    "apa": f"{D25_TITLE}. (1964, February 12). In {VOL12} (Document 25). {D25_URL}",
}

D165_TITLE = FRUS_D165["title"]
D165_URL = FRUS_D165["url"]
D165_EXPECTED = {
    "archive": f'"{D165_TITLE}," September 1965, {VOL12}, Document 165.\n{D165_URL}',
    "chicago-note": f'"{D165_TITLE}," September 1965, in {VOL12}, doc. 165, {D165_URL}.',
    "chicago-bib": f'"{D165_TITLE}." September 1965. In {VOL12}, doc. 165. {D165_URL}.',
    "mla": f'"{D165_TITLE}." September 1965. {VOL12}, doc. 165, '
    "history.state.gov/historicaldocuments/frus1964-68v12/d165.",
    "apa": f"{D165_TITLE}. (1965, September). In {VOL12} (Document 165). {D165_URL}",
}

CASES = [
    (WILGRESS, WILGRESS_EXPECTED),
    (WILGRESS_FULL, WILGRESS_FULL_EXPECTED),
    (CHEKIST, CHEKIST_EXPECTED),
    (FRUS_D25, D25_EXPECTED),
    (FRUS_D165, D165_EXPECTED),
]


@pytest.mark.parametrize("style", ["archive", "chicago-note", "chicago-bib", "mla", "apa"])
@pytest.mark.parametrize(("record", "expected"), CASES, ids=lambda x: x.get("id", "expected"))
def test_plain_styles_give_the_exact_citation(record: dict, expected: dict, style: str) -> None:
    assert cite(record, style) == expected[style]


def test_default_style_is_the_archive_form() -> None:
    assert cite(FRUS_D25) == D25_EXPECTED["archive"]
    assert set(STYLE_LABELS) == set(STYLES)


def test_month_precise_date_is_never_given_a_day() -> None:
    for style in ("archive", "chicago-note", "chicago-bib", "mla"):
        assert "June 2007" in cite(CHEKIST, style)
        assert "June 1, 2007" not in cite(CHEKIST, style)
    assert "(2007, June)" in cite(CHEKIST, "apa")
    assert csl_item(CHEKIST)["issued"] == {"date-parts": [[2007, 6]]}
    assert "DA  - 2007/06//\n" in cite(CHEKIST, "ris")
    assert "date = {2007-06}" in cite(CHEKIST, "bibtex")


def test_year_only_date() -> None:
    record = {"id": "y", "date": "1961", "title": "Annual Review", "collection": "Some Papers"}
    assert cite(record, "archive") == '"Annual Review", 1961, Some Papers.'
    assert cite(record, "mla") == '"Annual Review." 1961. Some Papers.'
    assert cite(record, "apa") == "Annual Review. (1961). Some Papers."
    assert csl_item(record)["issued"] == {"date-parts": [[1961]]}


STRAY = re.compile(r",\s*,|\.\s*\.|,\s*\.|\.\s*,|\s[,.]|\s$|^\s|\s\s|\(\s*\)|\"\s*\"")


@pytest.mark.parametrize("style", ["archive", "chicago-note", "chicago-bib", "mla", "apa"])
def test_missing_parts_leave_no_stray_punctuation(style: str) -> None:
    bare = {"id": "bare-1", "date": "1950-05-01", "title": "Memorandum on Berlin"}
    no_title = {"id": "bare-2", "date": "1950-05", "collection": "Some Papers"}
    frus_bare = {"id": "frus1958-60v08-d12", "date": "1958-11-27", "title": "Note"}
    for record in (bare, no_title, frus_bare, {**WILGRESS, "collection": ""}):
        text = cite(record, style)
        for line in text.split("\n"):
            assert not STRAY.search(line), (record["id"], line)
    assert cite(bare, "archive") == '"Memorandum on Berlin", May 1, 1950.'
    assert cite(bare, "chicago-note") == '"Memorandum on Berlin," May 1, 1950.'
    assert cite(bare, "apa") == "Memorandum on Berlin. (1950, May 1)."
    assert cite(frus_bare, "archive") == (
        '"Note," November 27, 1958, Foreign Relations of the United States, Document 12.'
    )


def test_title_ending_in_a_question_mark_gets_no_extra_comma_or_period() -> None:
    record = {"id": "q", "date": "1962-10-27", "title": "Is It War?", "collection": "Papers"}
    assert cite(record, "chicago-note") == '"Is It War?" October 27, 1962, Papers.'
    # The Wilson Center form puts the comma outside the quotes, so it stays.
    assert cite(record, "archive") == '"Is It War?", October 27, 1962, Papers.'
    assert cite({**record, "collection": "", "date": ""}, "archive") == '"Is It War?"'
    assert cite(record, "chicago-bib") == '"Is It War?" October 27, 1962. Papers.'
    assert cite(record, "mla") == '"Is It War?" 27 Oct. 1962. Papers.'
    assert cite(record, "apa") == "Is It War? (1962, October 27). Papers."


def test_no_author_is_invented_from_people() -> None:
    for style in STYLES:
        text = cite(FRUS_D25, style)
        assert "Alphand" not in text and "Bohlen" not in text
    assert "AU  -" not in cite(FRUS_D25, "ris")
    assert "author" not in cite(FRUS_D25, "bibtex")
    assert "author" not in csl_item(FRUS_D25)


def test_unknown_style_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown citation style 'harvard'.*chicago-note"):
        cite(WILGRESS, "harvard")


# --------------------------------------------------------------------------- BibTeX


def _bib_fields(text: str) -> list[tuple[str, dict[str, str]]]:
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    assert not library.failed_blocks
    return [(entry.key, {f.key: f.value for f in entry.fields}) for entry in library.entries]


def test_bibtex_parses_back_to_the_same_fields() -> None:
    [(key, fields)] = _bib_fields(cite(FRUS_D25, "bibtex"))
    assert key == "frus1964-68v12-d25"
    assert fields["title"] == D25_TITLE
    assert fields["date"] == "1964-02-12"
    assert fields["year"] == "1964"
    assert fields["url"] == D25_URL
    assert fields["howpublished"] == f"{VOL12}, Document 25"
    assert fields["note"] == FRUS_D25["source"]
    assert fields["type"] == "Telegram"


def test_bibtex_exact_entry_for_a_month_precise_record() -> None:
    assert cite(CHEKIST, "bibtex") == (
        "@misc{wilson-2007-06-ussr-france-society,\n"
        "  title = {{The USSR-France Society. Folder 71. The Chekist Anthology}},\n"
        "  date = {2007-06},\n"
        "  year = {2007},\n"
        "  howpublished = {Wilson Center Digital Archive},\n"
        "  abstract = {This note describes the relations between the U.S.S.R. – France Society "
        "and the All-Union Society for Cultural Relations with Foreign Countries (SSOD).}\n"
        "}\n"
    )


def test_bibtex_escapes_specials_and_keeps_accents_as_utf8() -> None:
    record = {
        "id": "tricky",
        "date": "1955",
        "title": "Piné's {draft} & 100% of $5 #1 a_b \\ Manac’h — Громыко",
        "collection": "Papers of R&D",
    }
    text = cite(record, "bibtex")
    assert (
        r"title = {{Piné's \{draft\} \& 100\% of \$5 \#1 a\_b \textbackslash{} "
        "Manac’h — Громыко}}" in text
    )
    [(_, fields)] = _bib_fields(text)
    assert fields["title"] == record["title"]
    assert fields["howpublished"] == "Papers of R&D"
    assert fields["year"] == "1955"


def test_bibtex_lone_braces_stay_balanced_for_bibtex() -> None:
    text = cite(TRICKY, "bibtex")
    library = bibtexparser.parse_string(text)
    assert not library.failed_blocks
    fields = {f.key: f.value for f in library.entries[0].fields}
    assert fields["note"] == r"Box 3 \textbraceright{} folder 2"
    assert fields["howpublished"] == r"Papers of R\&D \{West\}"
    assert fields["url"] == TRICKY["url"]  # URLs are verbatim: % and & untouched
    # The whole entry's braces balance when backslashes are ignored (BibTeX's rule).
    assert text.count("{") == text.count("}")


def test_bibtex_keys_are_stable_safe_and_distinct() -> None:
    assert bibtex_key(FRUS_D25) == "frus1964-68v12-d25"
    key = bibtex_key(TRICKY)
    assert key == bibtex_key(dict(TRICKY))
    assert re.fullmatch(r"[A-Za-z0-9_:.\-]+", key)
    assert key.startswith("user-Pine-1-")
    assert bibtex_key({"id": "a b"}) != bibtex_key({"id": "a/b"})


def test_bibtex_bibliography_holds_every_entry_once() -> None:
    text = bibliography([FRUS_D25, TRICKY, WILGRESS, FRUS_D25], "bibtex")
    entries = _bib_fields(text)
    assert [key for key, _ in entries] == [
        "frus1964-68v12-d25",
        bibtex_key(TRICKY),
        "wilson-1944-11-09-wilgress",
    ]
    assert entries[1][1]["title"] == TRICKY["title"]


# --------------------------------------------------------------------------- RIS


def test_ris_exact_entry_and_parse_back() -> None:
    text = cite(FRUS_D25, "ris")
    assert text == (
        "TY  - GEN\n"
        "ID  - frus1964-68v12-d25\n"
        f"TI  - {D25_TITLE}\n"
        "DA  - 1964/02/12/\n"
        "PY  - 1964\n"
        f"T2  - {VOL12}\n"
        "N1  - Document 25\n"
        "M3  - Telegram\n"
        f"N1  - {FRUS_D25['source']}\n"
        f"AB  - {FRUS_D25['summary']}\n"
        "KW  - Western Europe\n"
        "KW  - France\n"
        "LA  - English\n"
        f"UR  - {D25_URL}\n"
        "ER  - \n"
    )
    [entry] = rispy.loads(text)
    assert entry["type_of_reference"] == "GEN"
    assert entry["title"] == D25_TITLE
    assert entry["date"] == "1964/02/12/"
    assert entry["year"] == "1964"
    assert entry["urls"] == [D25_URL]
    assert entry["secondary_title"] == VOL12
    assert "authors" not in entry


def test_ris_round_trips_special_characters() -> None:
    [entry] = rispy.loads(cite(TRICKY, "ris"))
    assert entry["type_of_reference"] == "MANSCPT"
    assert entry["title"] == TRICKY["title"]
    assert entry["secondary_title"] == TRICKY["collection"]
    assert entry["notes"] == [TRICKY["source"]]
    assert entry["urls"] == [TRICKY["url"]]
    assert entry["date"] == "1955/03/19/"


def test_ris_bibliography_keeps_every_record() -> None:
    entries = rispy.loads(bibliography([WILGRESS, CHEKIST, FRUS_D165], "ris"))
    assert [e["id"] for e in entries] == [WILGRESS["id"], CHEKIST["id"], FRUS_D165["id"]]
    assert entries[1]["date"] == "2007/06//"


def test_ris_values_stay_on_one_line() -> None:
    record = {"id": "nl", "date": "1950", "title": "Two\nlines", "summary": "a\r\nb"}
    [entry] = rispy.loads(cite(record, "ris"))
    assert entry["title"] == "Two lines"
    assert entry["abstract"] == "a b"


# --------------------------------------------------------------------------- CSL-JSON

CSL_TYPES = {"document", "manuscript"}


def _check_csl(item: dict) -> None:
    assert isinstance(item["id"], str) and item["id"]
    assert item["type"] in CSL_TYPES
    parts = item["issued"]["date-parts"]
    assert len(parts) == 1 and 1 <= len(parts[0]) <= 3
    assert all(isinstance(p, int) for p in parts[0])
    for key, value in item.items():
        if key != "issued":
            assert isinstance(value, str), key


def test_csl_item_for_frus() -> None:
    item = csl_item(FRUS_D25)
    _check_csl(item)
    assert item == {
        "id": "frus1964-68v12-d25",
        "type": "document",
        "title": D25_TITLE,
        "issued": {"date-parts": [[1964, 2, 12]]},
        "genre": "Telegram",
        "container-title": VOL12,
        "collection-title": "Foreign Relations of the United States",
        "number": "25",
        "note": FRUS_D25["source"],
        "abstract": FRUS_D25["summary"],
        "language": "English",
        "URL": D25_URL,
    }


def test_csl_item_for_an_archival_document() -> None:
    item = csl_item(WILGRESS_FULL)
    _check_csl(item)
    assert item["type"] == "manuscript"
    assert item["archive"] == "Wilson Center Digital Archive"
    assert item["archive_location"] == WILGRESS_FULL["source"]
    assert item["URL"] == WILGRESS_FULL["url"]
    assert item["issued"] == {"date-parts": [[1944, 11, 9]]}


def test_csl_json_bibliography_is_a_json_array_of_items() -> None:
    items = json.loads(bibliography([FRUS_D25, CHEKIST, TRICKY], "csl-json"))
    assert [i["id"] for i in items] == [FRUS_D25["id"], CHEKIST["id"], TRICKY["id"]]
    for item in items:
        _check_csl(item)
    assert items[2]["title"] == TRICKY["title"]
    assert json.loads(cite(CHEKIST, "csl-json")) == csl_item(CHEKIST)


# --------------------------------------------------------------------------- bibliographies


def test_reference_lists_sort_by_title_ignoring_articles_and_accents() -> None:
    records = [
        {"id": "1", "date": "1950", "title": "Zhou Enlai to Nehru"},
        {"id": "2", "date": "1950", "title": "The Berlin Note"},
        {"id": "3", "date": "1950", "title": "Élysée Communiqué"},
        {"id": "4", "date": "1950", "title": "A Cable on Cuba"},
    ]
    for style in ("chicago-bib", "mla", "apa"):
        text = bibliography(records, style)
        order = [text.index(t) for t in ("Berlin", "Cable", "Élysée", "Zhou")]
        assert order == sorted(order), style
        assert len(text.split("\n\n")) == 4


def test_notes_keep_the_given_order_and_are_numbered() -> None:
    text = bibliography([FRUS_D25, WILGRESS, FRUS_D25], "chicago-note")
    assert text == (
        f"1. {D25_EXPECTED['chicago-note']}\n\n"
        f"2. {WILGRESS_EXPECTED['chicago-note']}\n\n"
        f"3. {D25_EXPECTED['chicago-note']}"
    )


def test_archive_form_bibliography_keeps_order_and_lists_each_record_once() -> None:
    text = bibliography([FRUS_D25, WILGRESS, FRUS_D25], "archive")
    assert text == f"{D25_EXPECTED['archive']}\n\n{WILGRESS_EXPECTED['archive']}"


def test_empty_bibliography() -> None:
    assert bibliography([], "mla") == ""
    assert json.loads(bibliography([], "csl-json")) == []


# --------------------------------------------------------------------------- saved default style
# (settings.py has no test file of its own: its one setting is the citation style.)


def test_default_style_persists_across_load_and_save(isolated_home) -> None:
    from archive_tui.settings import default_style, load_settings, set_default_style

    assert default_style() == "archive"
    assert not (isolated_home / "config").exists()  # reading creates nothing
    set_default_style("chicago-note")
    path = isolated_home / "config" / "settings.json"
    assert json.loads(path.read_text(encoding="utf-8")) == {"default_style": "chicago-note"}
    assert default_style() == "chicago-note"
    assert load_settings() == {"default_style": "chicago-note"}
    set_default_style("csl-json")
    assert default_style() == "csl-json"
    assert sorted(p.name for p in path.parent.iterdir()) == ["settings.json"]


def test_unknown_keys_survive_a_save(isolated_home) -> None:
    from archive_tui.settings import load_settings, save_settings, set_default_style

    save_settings({"default_style": "mla", "theme": "ansi-dark", "recent": ["Berlin"]})
    set_default_style("apa")
    assert load_settings() == {"default_style": "apa", "theme": "ansi-dark", "recent": ["Berlin"]}


def test_invalid_style_is_refused_and_nothing_is_written(isolated_home) -> None:
    from archive_tui.settings import save_settings, set_default_style

    with pytest.raises(ValueError, match="unknown citation style 'harvard'"):
        set_default_style("harvard")
    with pytest.raises(ValueError, match="unknown citation style"):
        save_settings({"default_style": "harvard"})
    with pytest.raises(ValueError, match="cannot be saved as JSON"):
        save_settings({"default_style": "mla", "when": object()})
    assert not (isolated_home / "config" / "settings.json").exists()


def test_a_stored_style_that_no_longer_exists_falls_back_to_archive(isolated_home) -> None:
    from archive_tui.settings import default_style, load_settings

    config = isolated_home / "config"
    config.mkdir()
    (config / "settings.json").write_text('{"default_style": "harvard", "x": 1}', "utf-8")
    assert default_style() == "archive"
    assert load_settings() == {"default_style": "archive", "x": 1}


@pytest.mark.parametrize(
    "content", [b"{not json", b"[1, 2]", b"\xff\xfe{}", b"", b'"chicago-note"']
)
def test_a_corrupt_settings_file_gives_defaults_and_is_kept(isolated_home, content) -> None:
    from archive_tui.settings import default_style, read_settings, set_default_style

    config = isolated_home / "config"
    config.mkdir()
    path = config / "settings.json"
    path.write_bytes(content)
    settings, notice = read_settings()
    assert settings == {"default_style": "archive"}
    assert notice is not None and "settings.json.bak" in notice
    assert default_style() == "archive"
    assert path.read_bytes() == content  # reading never rewrites the file
    assert (config / "settings.json.bak").read_bytes() == content
    set_default_style("mla")  # saving replaces it, the backup stays
    assert default_style() == "mla"
    assert (config / "settings.json.bak").read_bytes() == content
    assert sorted(p.name for p in config.iterdir()) == ["settings.json", "settings.json.bak"]


def test_a_second_corrupt_file_does_not_overwrite_the_first_backup(isolated_home) -> None:
    from archive_tui.settings import load_settings

    config = isolated_home / "config"
    config.mkdir()
    (config / "settings.json.bak").write_bytes(b"first broken file")
    (config / "settings.json").write_bytes(b"second broken file")
    assert load_settings() == {"default_style": "archive"}
    assert (config / "settings.json.bak").read_bytes() == b"first broken file"
    assert (config / "settings.json.bak.1").read_bytes() == b"second broken file"
