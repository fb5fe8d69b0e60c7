"""The status line: how many results, how the query was read, the sort, the search time."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from archive_tui.sanitize import one_line

if TYPE_CHECKING:
    from archive_tui.search import SearchResult

SORT_LABELS = {
    "relevance": "relevance",
    "date": "date, oldest first",
    "-date": "date, newest first",
    "title": "title",
}


def sort_label(sort: str) -> str:
    return SORT_LABELS.get(sort, sort)


class StatusLine(Static):
    """Under the search box: one line, plus the reading notes of a malformed query on lines
    of their own, wrapped, so they are read in full even at 80 columns. Built from Text,
    never markup (notes quote the query).
    """

    def show_result(
        self,
        result: SearchResult,
        *,
        archive_size: int | None,
        show_timing: bool = True,
        marked: int = 0,
        notice: str | None = None,
    ) -> None:
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        total = result.total
        empty_search = result.parsed.is_empty and result.filters.is_empty()
        if empty_search and archive_size is not None:
            noun = "document" if total == 1 else "documents"
            text.append(f"{total:,} {noun}", style="bold")
        else:
            noun = "result" if total == 1 else "results"
            text.append(f"{total:,} {noun}", style="bold")
        text.append(f" · sorted by {sort_label(result.sort)}")
        if marked:
            text.append(f" · {marked:,} marked", style="bold")
        if show_timing:
            text.append(f" · {result.elapsed_ms:,.0f} ms", style="dim")
        if notice:
            text.append(" · ")
            text.append(one_line(notice), style="bold")
        notes = [one_line(note) for note in result.parsed.notes]
        if notes:
            text.no_wrap = False
            text.overflow = "fold"
            text.append("\n")
            text.append("Query notes: " if len(notes) > 1 else "Query note: ", style="bold")
            text.append(" · ".join(notes), style="italic")
        had_notes = self.has_class("-notes")
        self.set_class(bool(notes), "-notes")
        self.set_class(False, "-error")
        # one line (no layout pass) unless notes come or go: they change the height
        self.update(text, layout=bool(notes) or had_notes)

    def show_text(self, message: str, *, error: bool = False) -> None:
        had_notes = self.has_class("-notes")
        self.set_class(False, "-notes")
        self.set_class(error, "-error")
        self.update(
            Text(one_line(message), no_wrap=True, overflow="ellipsis", end=""), layout=had_notes
        )
