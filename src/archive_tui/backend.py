"""The seam between the CLI (and the app) and where an archive lives.

:class:`ArchiveBackend` is what a caller may use of an archive: the local
:class:`~archive_tui.archive.Archive` (a JSON store and its index) and
:class:`~archive_tui.pg.archive.PgArchive` (PostgreSQL) both provide it, and
tests/test_backend_contract.py holds both to the same results. :func:`open_backend`
picks one from an address: ``postgresql://…`` is PostgreSQL, anything else a store path.
``ARCHIVE_TUI_DB`` gives the address when none is passed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

ENV = "ARCHIVE_TUI_DB"


@runtime_checkable
class SearchResultLike(Protocol):
    """What a search returns (search.SearchResult, pg.result.PgSearchResult)."""

    query: str
    total: int
    hits: list[Any]  # search.Hit
    facets: dict[str, dict[str, int]]
    suggestions: list[str]

    def page(self, offset: int, limit: int) -> list[Any]: ...
    def ids(self) -> Sequence[str]: ...
    def histogram(self) -> Any: ...  # timeline.Histogram


@runtime_checkable
class ArchiveBackend(Protocol):
    """An archive: read, search, write. See docs/architecture.md (Archive)."""

    notes: list[str]

    def __len__(self) -> int: ...
    def search(
        self,
        query: str = "",
        filters: Any = None,
        sort: str | None = None,
        offset: int = 0,
        limit: int = 20,
        **kwargs: Any,
    ) -> SearchResultLike: ...
    def get(self, record_id: str) -> dict | None: ...
    def records(self) -> Iterator[dict]: ...
    def related(self, record_id: str, limit: int = 10) -> list[dict]: ...
    def stats(self) -> dict: ...
    def add(self, records: Iterable[object]) -> tuple[int, int]: ...
    def remove(self, record_ids: Iterable[str]) -> int: ...


def database_address(explicit: str | os.PathLike[str] | None = None) -> str | None:
    """``explicit`` (``--db``) if given, else ``$ARCHIVE_TUI_DB``, else None."""
    if explicit is not None and str(explicit):
        return str(explicit)
    return os.environ.get(ENV) or None


def is_database_address(address: object) -> bool:
    from .pg.connection import is_database_address as _is

    return _is(str(address)) if address is not None else False


def open_backend(address: str | os.PathLike[str], **kwargs: Any) -> ArchiveBackend:
    """PgArchive for a ``postgresql://`` address, else the local Archive at that path.

    DatabaseProblem (one sentence) when the database cannot be used; StoreError for a
    bad store file.
    """
    if is_database_address(address):
        from .pg.archive import PgArchive

        return PgArchive.open(str(address))
    from .archive import Archive

    return Archive.open(Path(address).expanduser(), **kwargs)


__all__ = [
    "ENV",
    "ArchiveBackend",
    "SearchResultLike",
    "database_address",
    "is_database_address",
    "open_backend",
]
