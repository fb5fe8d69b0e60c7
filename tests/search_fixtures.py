"""A small hand-made archive whose search results can be worked out by hand."""

from __future__ import annotations

from pathlib import Path

from archive_tui.store import RecordStore

RECORDS: list[dict] = [
    {
        "id": "wilgress",
        "date": "1944-11-09",
        "title": "Letter from Wilgress on Soviet foreign policy",
        "summary": "Wilgress reviews Soviet policy in Europe and Asia.",
        "text": "Moscow, November 9, 1944. The Soviet Government are desirous of co-operating.",
        "collection": "Wilson Center",
        "document_type": "Letter",
        "language": "English",
        "people": ["Wilgress, L.D."],
        "places": ["Moscow"],
        "subjects": ["Soviet Union", "Canada"],
    },
    {
        "id": "degaulle",
        "date": "1944-12-02",
        "title": "Account of General de Gaulle’s Meeting with Marshal Stalin",
        "summary": "Stalin and de Gaulle discuss an alliance and a treaty.",
        "text": "The alliance between France and the Soviet Union; an alliance of two nations.",
        "collection": "Wilson Center",
        "document_type": "Memorandum of Conversation",
        "language": "English",
        "people": ["Stalin, Joseph", "de Gaulle, Charles"],
        "places": ["Moscow"],
        "subjects": ["France", "Soviet Union"],
    },
    {
        "id": "pine",
        "date": "1955-03",
        "title": "Telegram on the Report of the Agency France Press",
        "summary": "A meeting is needed with Piné about the Geneva accords.",
        "text": "Paris. Piné will meet the minister.",
        "collection": "Wilson Center",
        "document_type": "Telegram",
        "language": "French",
        "places": ["Paris"],
        "subjects": ["France"],
    },
    {
        "id": "manach",
        "date": "1969",
        "title": "Conversation with Manac’h on Cambodia",
        "summary": "Manac'h and the ambassador discuss Cambodia.",
        "collection": "Wilson Center",
        "document_type": "Memorandum of Conversation",
        "language": "English",
        "people": ["Manac’h, Étienne"],
        "places": ["Beijing"],
        "subjects": ["China"],
    },
    {
        "id": "gromyko",
        "date": "1962-10-18",
        "title": "Громыко meets the President",
        "summary": "Gromyko assures Kennedy there are no offensive weapons in Cuba.",
        "collection": "FRUS",
        "document_type": "Memorandum of Conversation",
        "language": "Russian",
        "people": ["Gromyko, Andrei", "Kennedy, John F."],
        "places": ["Washington"],
        "subjects": ["Cuba", "Soviet Union"],
    },
    {
        "id": "khrushchev",
        "date": "1962-10-27",
        "title": "Letter from Khrushchev to Kennedy",
        "summary": "Khrushchev proposes removing the missiles from Cuba.",
        "text": "Dear Mr. President, the Cuban missile crisis must end. Soviet missiles, Cuba.",
        "collection": "FRUS",
        "document_type": "Letter",
        "language": "English",
        "people": ["Khrushchev, Nikita S.", "Kennedy, John F."],
        "places": ["Moscow"],
        "subjects": ["Cuba", "Soviet Union"],
    },
    {
        "id": "wall",
        "date": "1989-11-10",
        "title": "Telegram on the opening of the Berlin Wall",
        "summary": "The wall opened; crowds in Berlin.",
        "text": "Berlin, November 10, 1989. The wall is open.",
        "collection": "FRUS",
        "document_type": "Telegram",
        "language": "English",
        "places": ["Berlin"],
        "subjects": ["Germany"],
    },
    {
        "id": "alliance",
        "date": "1950-06",
        "title": "Draft Treaty of Alliance",
        "summary": "A draft.",
        "collection": "FRUS",
        "document_type": "Paper",
        "language": "English",
        "subjects": ["France"],
    },
    {
        "id": "rusk",
        "date": "1947-10-20",
        "title": "Memorandum on U.S. policy toward Berlin",
        "summary": "Rusk outlines policy on Berlin and Vienna.",
        "collection": "FRUS",
        "document_type": "Memorandum",
        "language": "English",
        "people": ["Rusk, Dean"],
        "places": ["Washington"],
        "subjects": ["Germany"],
    },
    {
        "id": "estimate",
        "date": "1962-10",
        "title": "Intelligence estimate on Cuba",
        "summary": "Soviet missiles in Cuba: an estimate.",
        "collection": "FRUS",
        "document_type": "Intelligence Estimate",
        "language": "English",
        "places": ["Washington"],
        "subjects": ["Cuba"],
    },
]

IDS = [r["id"] for r in RECORDS]


def write_archive(path: Path, records: list[dict] | None = None) -> Path:
    """A real TinyDB archive file holding ``records`` (default: RECORDS)."""
    RecordStore.open(path, create=True).upsert(list(RECORDS if records is None else records))
    return path
