"""Who may search and who may change the records, enforced by the database (0013): a
researcher (a member of archive_tui_users who does not own the tables) searches and reads;
importing and removing also need archive_tui_importers. Real roles on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pg_roles
import pytest

from archive_tui.pg import DatabaseProblem, connect
from archive_tui.pg.archive import PgArchive

make_role = pg_roles.make_role  # fixtures
pg_workspace_db = pg_roles.pg_workspace_db


def made(i: int) -> dict:
    return {
        "id": f"acc-{i:03d}",
        "date": f"{1950 + i}-05-0{1 + i % 9}",
        "title": f"Memorandum {i} on the Berlin question",
        "summary": "Gromyko and Manac’h met in Berlin.",
        "people": ["Gromyko, Andrei"],
        "collection": "FRUS",
    }


@pytest.fixture
def stocked(pg_workspace_db: str) -> str:
    owner = PgArchive.open(pg_workspace_db)
    owner.add([made(i) for i in range(5)])
    owner.close()
    return pg_workspace_db


def test_a_researcher_searches_and_reads_but_cannot_change_records(
    stocked: str, make_role: Callable[..., str]
) -> None:
    archive = PgArchive.open(make_role("reader"))
    try:
        result = archive.search('berlin "berlin question"', filters={"people": "Gromyko"})
        assert result.total == 5
        assert result.facets["collection"] == {"FRUS": 5}
        assert archive.get("acc-001")["title"] == "Memorandum 1 on the Berlin question"
        with pytest.raises(DatabaseProblem, match="permission denied"):
            archive.add([made(9)])
        with pytest.raises(Exception, match="permission denied"):
            archive.remove(["acc-001"])
        assert len(archive) == 5
        assert archive.get("acc-009") is None
    finally:
        archive.close()


def test_an_importer_imports_and_removes(stocked: str, make_role: Callable[..., str]) -> None:
    address = make_role("importer")
    with connect(stocked, autocommit=True) as admin:
        admin.execute(f'GRANT archive_tui_importers TO "{pg_roles.role_of(address)}"')
    archive = PgArchive.open(address)
    try:
        assert archive.add([made(9), {**made(1), "title": "Memorandum 1, revised"}]) == (1, 1)
        assert archive.remove(["acc-002"]) == 1
        assert archive.search("berlin").total == 5  # 5 + 1 new - 1 removed
        assert archive.search("revised").total == 1
        assert archive.search("memorandum").facets["collection"] == {"FRUS": 5}
    finally:
        archive.close()
