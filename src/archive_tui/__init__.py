"""archive-tui: search, filter, read and cite declassified historical documents.

The core (records, store, index, query, search, citations, import/export) never
imports Textual, so the CLI, the tests and the benchmarks use it directly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Archive", "__version__"]

if TYPE_CHECKING:
    from archive_tui.archive import Archive


def __getattr__(name: str) -> Any:
    # Imported lazily so that `archive-tui --help` does not pay for numpy.
    if name == "Archive":
        from archive_tui.archive import Archive

        return Archive
    raise AttributeError(name)
