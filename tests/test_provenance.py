"""Provenance and classification from FRUS source notes, checked against the printed notes.

Every shipped example below was read by hand: the source string (to the end of its
classification sentence) and, for the 1948–1951 volumes, the opening of the text are
copied from data/records.json with the record's id.
"""

from __future__ import annotations

import pytest
from shipped_records import shipped_records

from archive_tui.provenance import (
    CLASSIFICATIONS,
    DERIVED_KEYS,
    Provenance,
    derived_fields,
    parse_provenance,
)

# (id, source as printed, opening of the text, expected): copied from data/records.json
# and checked by hand against the printed note.
SHIPPED = [
    (
        "frus1961-63v17-d45",
        "Source: Department of State, Central Files, 611.86B/5–1061. Top Secret; Niact.",
        "",
        Provenance(
            "Top Secret",
            ("Niact",),
            "Department of State",
            None,
            "Central Files, 611.86B/5–1061",
        ),
    ),
    (
        "frus1964-68v12-d57",
        (
            "Source: National Archives and Records Administration, RG 59, Central Files "
            "1964-66, POL 17 FR-US. Confidential."
        ),
        "",
        Provenance(
            "Confidential",
            (),
            "National Archives",
            "RG 59",
            "Central Files 1964-66, POL 17 FR-US",
        ),
    ),
    (
        "frus1964-68v02-d101",
        (
            "Source: Johnson Library, National Security File, Name File, Vietnam—Mansfield "
            "Memo and Reply. No classification marking."
        ),
        "",
        Provenance(
            "No classification marking",
            (),
            "Johnson Library",
            None,
            "National Security File, Name File, Vietnam—Mansfield Memo and Reply",
        ),
    ),
    (
        "frus1964-68v29p1-d75",
        (
            "Source: Washington National Records Center, RG 330, OSD/OASD/ISA Files: FRC 70 "
            "A 1265, Korea 370.02. Secret."
        ),
        "",
        Provenance(
            "Secret",
            (),
            "Washington National Records Center",
            "RG 330",
            "OSD/OASD/ISA Files: FRC 70 A 1265, Korea 370.02",
        ),
    ),
    (
        "frus1952-54Guat-d269",
        (
            "Source: Central Intelligence Agency, Job 79-01025A, Box 6, Folder 7. Secret; "
            "Operational Immediate; RYBAT; PBSUCCESS."
        ),
        "",
        Provenance(
            "Secret",
            ("Operational Immediate", "RYBAT", "PBSUCCESS"),
            "Central Intelligence Agency",
            None,
            "Job 79-01025A, Box 6, Folder 7",
        ),
    ),
    (
        "frus1948v05p1-d34",
        "867N.6363/10–1648: Telegram",
        (
            "Washington, October 19, 1948—7 p. m. secret us urgent 4082. Urtel 5404 Oct 16. "
            "Be Haifa pipeline. De"
        ),
        Provenance(
            "Secret",
            ("US Urgent",),
            "Department of State",
            None,
            "Central Files, 867N.6363/10–1648",
        ),
    ),
    (
        "frus1949v07p1-d195",
        "501.BC Indonesia/2–2749: Telegram",
        (
            "Batavia, February 27, 1949—7 p. m. secret us urgent niact 207. Gocus 607. "
            "Received alone by Beel, Ko"
        ),
        Provenance(
            "Secret",
            ("US Urgent", "Niact"),
            "Department of State",
            None,
            "Central Files, 501.BC Indonesia/2–2749",
        ),
    ),
    (
        "frus1948v01p1-d158",
        "IO Files: US/A/AC. 18/151",
        (
            "[New York ,] July 2, 1948 confidential Participants: M. Joseph Nisot, Belgian "
            "Delegation Mr. J. E. J"
        ),
        Provenance(
            "Confidential",
            (),
            "Department of State",
            None,
            "IO Files: US/A/AC. 18/151",
        ),
    ),
    (
        "frus1958-60v05-d82",
        (
            "Source: Department of State, S/S–NSC (Miscellaneous) Files: Lot 66 D 95, NSC "
            "5902 Memoranda. Official Use Only."
        ),
        "",
        Provenance(
            "Official Use Only",
            (),
            "Department of State",
            None,
            "S/S–NSC (Miscellaneous) Files: Lot 66 D 95, NSC 5902 Memoranda",
        ),
    ),
    (
        "frus1969-76ve09p1-d119",
        (
            "Summary: Seelye reported on the Tunisian Government’s request for additional "
            "military assistance to counter perceived threats posed by Libya and Algeria. "
            "Source: National Archives, RG 59, Central Foreign Policy Files. Secret; Exdis."
        ),
        "",
        Provenance(
            "Secret",
            ("Exdis",),
            "National Archives",
            "RG 59",
            "Central Foreign Policy Files",
        ),
    ),
    (
        "frus1969-76ve13-d65",
        (
            "Source: National Archives, Nixon Presidential Materials, NSC Files, Kissinger "
            "Office Files, Box 87, Country Files, Far East, China, Commitments to the PRC "
            "[10/71-7/73]. Top Secret; Sensitive; Exclusively Eyes Only."
        ),
        "",
        Provenance(
            "Top Secret",
            ("Sensitive", "Exclusively Eyes Only"),
            "National Archives",
            None,
            (
                "Nixon Presidential Materials, NSC Files, Kissinger Office Files, Box 87, "
                "Country Files, Far East, China, Commitments to the PRC [10/71-7/73]"
            ),
        ),
    ),
    (
        "frus1961-63v05-d64",
        "Source: Central Intelligence Agency: Job 79-S01060A. Secret; Noforn.",
        "",
        Provenance(
            "Secret",
            ("Noforn",),
            "Central Intelligence Agency",
            None,
            "Job 79-S01060A",
        ),
    ),
    (
        "frus1964-68v14-d212",
        (
            "Source: Johnson Library, National Security File, Country File, USSR, Vol. XV. "
            "Secret; Official-Informal."
        ),
        "",
        Provenance(
            "Secret",
            ("Official-Informal",),
            "Johnson Library",
            None,
            "National Security File, Country File, USSR, Vol. XV",
        ),
    ),
    (
        "frus1958-60v11-d18",
        "Source: Department of State, Central Files, 783A.00/5–458. Top Secret; Niact.",
        "",
        Provenance(
            "Top Secret",
            ("Niact",),
            "Department of State",
            None,
            "Central Files, 783A.00/5–458",
        ),
    ),
    (
        "frus1955-57v14-d321",
        "source: Department of State, Central Files, 774.56/10–155. Top Secret; Niact.",
        "",
        Provenance(
            "Top Secret",
            ("Niact",),
            "Department of State",
            None,
            "Central Files, 774.56/10–155",
        ),
    ),
    (
        "frus1969-76v19p1-d15",
        (
            "Source: National Archives, Nixon Presidential Materials, NSC Files, Box 434, "
            "Korea: EC–121 Shootdown, North Korea Reconnaissance Shootdown 4/17/69, Vol. II "
            "Haig. No classification marking."
        ),
        "",
        Provenance(
            "No classification marking",
            (),
            "National Archives",
            None,
            (
                "Nixon Presidential Materials, NSC Files, Box 434, Korea: EC–121 Shootdown, "
                "North Korea Reconnaissance Shootdown 4/17/69, Vol. II Haig"
            ),
        ),
    ),
    (
        "frus1977-80v01-d16",
        (
            "Source: Department of State Bulletin, March 7, 1977, pp. 182–185. All brackets "
            "are in the original."
        ),
        "",
        Provenance(
            None,
            (),
            None,
            None,
            None,
        ),
    ),
    (
        "frus1949v07p2-d25",
        "740.00119 Control (Japan)/2–1249: Airgram",
        (
            "Tokyo, February 12, 1949. [Received February 21—1:20 p. m.] secret A–35. It has "
            "come to my attention"
        ),
        Provenance(
            "Secret",
            (),
            "Department of State",
            None,
            "Central Files, 740.00119 Control (Japan)/2–1249",
        ),
    ),
    (
        "frus1952-54v14p2-d462",
        "693.94/12–2951: Telegram",
        (
            "Tokyo, December 31, 1951—2:26 p.m. Top Secret Priority Topad 1875. Eyes only "
            "Sebald from Dulles. Reu"
        ),
        Provenance(
            "Top Secret",
            ("Priority", "Topad"),
            "Department of State",
            None,
            "Central Files, 693.94/12–2951",
        ),
    ),
    (
        "frus1949v07p2-d381",
        "890.00/9–849",
        (
            "[Washington, September 8, 1949.] confidential General Objectives The United "
            "States supports the emer"
        ),
        Provenance(
            "Confidential",
            (),
            "Department of State",
            None,
            "Central Files, 890.00/9–849",
        ),
    ),
    (
        "frus1964-68v18-d289",
        (
            "Source: Washington National Records Center, RG 330, OSD Files: FRC 70 A 4443, "
            "Israel 463.2. Secret; Limited Distribution; No Foreign Dissem."
        ),
        "",
        Provenance(
            "Secret",
            ("Limited Distribution", "No Foreign Dissem"),
            "Washington National Records Center",
            "RG 330",
            "OSD Files: FRC 70 A 4443, Israel 463.2",
        ),
    ),
    (
        "frus1969-76v28-d173",
        (
            "Source: National Security Council, Ford Administration Intelligence Files, 40 "
            "Committee Meetings. Secret; Sensitive."
        ),
        "",
        Provenance(
            "Secret",
            ("Sensitive",),
            "National Security Council",
            None,
            "Ford Administration Intelligence Files, 40 Committee Meetings",
        ),
    ),
    (
        "frus1958-60v05-d291",
        (
            "Source: Eisenhower Library, Whitman File, DDE Diaries. No drafting information "
            "is given on the source text. Delivered by Cabot to Kubitschek at Brasilia on "
            "July 14. The text was released by the Department and published in Rio de "
            "Janeiro."
        ),
        "",
        Provenance(
            None,
            (),
            "Eisenhower Library",
            None,
            "Whitman File, DDE Diaries",
        ),
    ),
    (
        "frus1964-68v18-d56",
        (
            "Source: Washington National Records Center, RG 330, OSD Files: FRC 70 A 1266, "
            "Israel 470 Secret; Eyes Only."
        ),
        "",
        Provenance(
            "Secret",
            ("Eyes Only",),
            "Washington National Records Center",
            "RG 330",
            "OSD Files: FRC 70 A 1266, Israel 470",
        ),
    ),
]


@pytest.mark.parametrize(("record_id", "source", "text", "expected"), SHIPPED)
def test_hand_checked_shipped_examples(record_id, source, text, expected):
    record = shipped_records()[record_id]
    assert record["source"].startswith(source) and record.get("text", "").startswith(text)
    assert parse_provenance({"source": source, "text": text}) == expected
    assert parse_provenance(record) == expected


@pytest.mark.parametrize(
    ("source", "classification", "handling"),
    [
        (
            "Source: X Library, Y File. Limited official use. Sent for action.",
            "Limited Official Use",
            (),
        ),
        ("Source: X Library, Y File. Personal and Secret. Drafted by Z.", "Secret", ()),
        ("Source: X Library, Y File. Eyes Only. A notation says so.", None, ("Eyes Only",)),
        ("Source: X Library, Y File. Secret—Eyes Only.", "Secret", ("Eyes Only",)),
        ("Source: X Library, Y File. Confidential; EXDIS.", "Confidential", ("Exdis",)),
        ("Source: X Library, Y File. Secret; Official–Informal.", "Secret", ("Official-Informal",)),
        ("Source: X Library, Top Secret Files, Box 3. Drafted by Z.", None, ()),  # a file's name
        ("Source: Source: Department of State, Central Files. Secret.", "Secret", ()),
    ],
)
def test_hand_made_notes(source, classification, handling):
    p = parse_provenance({"source": source})
    assert (p.classification, p.handling) == (classification, handling)


def test_repository_names_are_tidied():
    def repo(note: str) -> tuple[str | None, str | None, str | None]:
        p = parse_provenance({"source": f"Source: {note}. Secret."})
        return p.repository, p.record_group, p.file

    assert repo("Department of Sate, Central Files, 1") == (
        "Department of State",
        None,
        "Central Files, 1",
    )
    assert repo("Eisenhower library, Whitman File") == ("Eisenhower Library", None, "Whitman File")
    assert repo("National Archives and Records Administration RG 59, Central Files") == (
        "National Archives", "RG 59", "Central Files",
    )  # fmt: skip
    assert repo("Central Intelligence Agency Files, Job 80") == (
        "Central Intelligence Agency", None, "Job 80",
    )  # fmt: skip
    assert repo("Department of State Bulletin, May 6, 1974, pp. 477–483") == (None, None, None)
    early = parse_provenance({"source": "Policy Planning Staff Files"})
    assert early.repository == "Department of State" and early.file == "Policy Planning Staff Files"
    defense = parse_provenance({"source": "Department of Defense Files: Telegram"})
    assert defense.repository == "Department of Defense"


@pytest.mark.parametrize(
    "record",
    [
        {},
        {"source": None, "text": None},
        {"source": 5, "text": ["x"]},
        {"source": "", "text": ""},
        {"source": "Source:", "text": "Washington, 1948. secretary"},
        {"source": "Source: .", "text": ""},
        {"source": "Summary: nothing here at all"},
    ],
)
def test_odd_records_give_empty_provenance_never_an_error(record):
    p = parse_provenance(record)
    assert p.classification is None and p.handling == ()


def test_early_text_marking_needs_the_dateline():
    text = "Washington, January 19, 1948. Secretary Marshall said the secret talks went well."
    assert parse_provenance({"source": "711.00/1–1948", "text": text}).classification is None
    text = "Paris, October 30, 1948—8 p. m. secret Delga 555. Following replying aide-mémoire"
    assert parse_provenance({"source": "501.BC/10–3048", "text": text}).classification == "Secret"


def test_derived_fields_keep_a_given_classification():
    record = {"source": "Source: Johnson Library, NSF, Vol. I. Top Secret; Nodis.", "text": ""}
    assert derived_fields(record) == {
        "classification": "Top Secret",
        "handling": ["Nodis"],
        "repository": "Johnson Library",
        "source_file": "NSF, Vol. I",
    }
    assert set(derived_fields(record)) <= set(DERIVED_KEYS)
    assert "classification" not in derived_fields({**record, "classification": "Secret"})
    assert derived_fields({"title": "no source"}) == {}


def test_shipped_coverage():
    frus = [r for r in shipped_records().values() if r["id"].startswith("frus")]
    parsed = [parse_provenance(r) for r in frus]
    assert len(frus) == 12401
    assert all(p.classification in (None, *CLASSIFICATIONS) for p in parsed)
    with_class = sum(p.classification is not None for p in parsed)
    with_repo = sum(p.repository is not None for p in parsed)
    assert with_class >= 11850  # 11,869 when written: 95.7 %
    assert with_repo >= 12230  # 12,237: 98.7 %
    assert sum(p.record_group == "RG 59" for p in parsed) >= 1400
