"""The command palette (ctrl+p): every action of the app, found by typing part of its name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from archive_tui.sanitize import one_line

#: (label, help, action on the main screen or "app.<action>").
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Search", "Move to the search box (/)", "focus_search"),
    ("Open document", "Read the selected document (enter)", "open"),
    ("Mark / unmark", "Mark the selected record for citing or export (space)", "toggle_mark"),
    ("Clear marks", "Unmark every marked record (M)", "clear_marks"),
    ("Filters", "Show the filter panel (f)", "toggle_filters"),
    ("Clear filters", "Remove every active filter (x)", "clear_filters"),
    ("Filter by collection", "Values of the collection field", "show_field('collection')"),
    ("Filter by document type", "Values of the document type field", "show_field('document_type')"),
    ("Filter by language", "Values of the language field", "show_field('language')"),
    ("Filter by person", "People named in the results", "show_field('people')"),
    ("Filter by place", "Places named in the results", "show_field('places')"),
    ("Filter by subject", "Subjects of the results", "show_field('subjects')"),
    ("Filter by decade", "Decades of the results", "show_field('decade')"),
    ("Next sort order", "Cycle relevance, date, newest first, title (s)", "cycle_sort"),
    ("Sort by relevance", "Best matches first", "set_sort('relevance')"),
    ("Sort by date, oldest first", "Oldest documents first", "set_sort('date')"),
    ("Sort by date, newest first", "Newest documents first", "set_sort('-date')"),
    ("Sort by title", "Alphabetical by title", "set_sort('title')"),
    (
        "Copy citation",
        "Citation of the selected record, or bibliography of marks (c)",
        "copy_citation",
    ),
    ("Copy citation as…", "Pick a citation style (C)", "choose_citation"),
    ("Export…", "Export marked records, else all results (e)", "export"),
    ("Tag…", "Tag the marked records, else the selected one (t)", "tag"),
    ("Note…", "Write the selected record's note (a)", "note"),
    ("Add to list…", "Add the marked records, else the selected one, to a list (l)", "add_to_list"),
    ("Save search…", "Save the query, filters and sort under a name (S)", "save_search"),
    ("Open saved search…", "Pick one of your saved searches; d deletes one (o)", "saved_searches"),
    ("Lists…", "Your lists: show one, r renames, d deletes (O)", "lists"),
    ("Research log", "Searches, documents opened, tags, notes; re-run one (L)", "research_log"),
    ("Research log on / off", "Record searches and documents opened, or stop", "toggle_logging"),
    ("First result", "Jump to the first result (g)", "first"),
    ("Last result", "Jump to the last result (G)", "last"),
    ("Help", "Keys and search syntax (? or F1)", "app.help"),
    ("Quit", "Leave archive-tui (q)", "app.quit"),
)


class ArchiveCommands(Provider):
    """Offers every action of the main screen, whichever screen the palette was opened on."""

    def _runner(self, action: str) -> Callable[[], object]:
        from archive_tui.ui.screens.main import MainScreen

        if action.startswith("app."):
            return partial(self.app.run_action, action)
        main = next((s for s in reversed(self.app.screen_stack) if isinstance(s, MainScreen)), None)
        target = main if main is not None else self.screen
        return partial(self._run_on, target, action)

    async def _run_on(self, screen, action: str) -> None:  # type: ignore[no-untyped-def]
        # Leave any screen pushed over the main one (help, document) first.
        while self.app.screen is not screen and len(self.app.screen_stack) > 1:
            self.app.pop_screen()
        await screen.run_action(action)

    def _available(self) -> bool:
        from archive_tui.ui.screens.main import MainScreen

        # Not before the archive is open, nor over the error screen of one that failed.
        return any(
            isinstance(s, MainScreen) and s.archive is not None for s in self.app.screen_stack
        )

    def _commands(self) -> list[tuple[str, str, str]]:
        """The fixed commands, then one "Saved search: NAME" per saved search."""
        research = getattr(self.app, "research", None)
        saved = research.saved_searches() if research is not None else []
        lists = research.list_names() if research is not None else []
        extra = [
            (f"Saved search: {one_line(s.name)}", one_line(s.query) or "(every document)",
             f"open_saved({s.name!r})")
            for s in saved
        ]  # fmt: skip
        extra += [
            (f"Delete saved search: {one_line(s.name)}", "Asked first (y/n)",
             f"delete_saved({s.name!r})")
            for s in saved
        ]  # fmt: skip
        for name in lists:
            label = one_line(name)
            extra += [
                (f"Rename list: {label}", "Type the new name", f"rename_list({name!r})"),
                (f"Delete list: {label}", "Asked first (y/n); its records stay",
                 f"delete_list({name!r})"),
            ]  # fmt: skip
        return [*COMMANDS, *extra]

    async def discover(self) -> Hits:
        if not self._available():
            return
        for label, help_text, action in self._commands():
            yield DiscoveryHit(label, self._runner(action), help=help_text)

    async def search(self, query: str) -> Hits:
        if not self._available():
            return
        matcher = self.matcher(query)
        for label, help_text, action in self._commands():
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(label),
                    self._runner(action),
                    text=label,
                    help=help_text,
                )
