"""The research keys both screens have: tag, note, add to a list (the main screen's own
are in :mod:`main_research`).

A mixin, so the screens' modules stay small; the keys themselves are declared in each
screen's ``BINDINGS`` (help and the footer read them there). Every change goes through
``app.research`` (ui/research.py); a refused change (read-only workspace, a bad tag) is
one sentence in a notification, nothing else happens.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from archive_tui.sanitize import one_line
from archive_tui.workspace import WorkspaceError

from .note_editor import NoteEditor
from .prompt import PromptScreen, split_tags

if TYPE_CHECKING:
    from archive_tui.ui.research import Research

#: what a refused or failed workspace change raises: said in one sentence, nothing else
WRITE_ERRORS = (ValueError, KeyError, OSError, WorkspaceError)


def search_extras(archive: Any, annotations: Any) -> dict[str, Any]:
    """Keyword arguments for ``archive.search`` carrying the annotation index, when this
    core takes it (``tag:``, ``list:``, ``note:``, ``has:``; the Tags and Lists facets)."""
    try:
        params = inspect.signature(archive.search).parameters
    except (TypeError, ValueError):
        return {}
    return {"annotations": annotations} if "annotations" in params else {}


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class AnnotateActions:
    """Tag, note and list actions over ``_annotate_targets()`` (records)."""

    app: Any
    notify: Any

    @property
    def research(self) -> Research:
        return self.app.research

    def _annotate_targets(self) -> list[dict]:
        raise NotImplementedError

    def _annotations_changed(self) -> None:
        """Redraw what shows annotations (cards, the document's note)."""

    def _refused(self, error: Exception) -> None:
        self.notify(one_line(str(error)), severity="error", timeout=6, markup=False)

    def _targets_or_say(self) -> list[dict]:
        records = [r for r in self._annotate_targets() if r.get("id")]
        if not records:
            self.notify("No record selected.", severity="warning", timeout=3)
        return records

    def action_tag(self) -> None:
        records = self._targets_or_say()
        if not records:
            return
        ids = [str(r["id"]) for r in records]
        current = list(self.research.tags_of(ids[0])) if len(ids) == 1 else []
        what = one_line(str(records[0].get("title") or ids[0])) if len(ids) == 1 else None
        title = f"Tags · {what}" if what else f"Tags for {_plural(len(ids), 'marked record')}"
        hint = (f"Now: {', '.join(current)}. " if current else "") + (
            "Type tags separated by commas; -tag removes one."
        )

        def done(text: str | None) -> None:
            if text:
                self._apply_tags(ids, text)

        self.app.push_screen(
            PromptScreen(
                title,
                hint=hint,
                placeholder="berlin 1961, wall, -draft",
                choices=self.research.all_tags(),
                several=True,
                input_id="tag-input",
            ),
            done,
        )

    def _apply_tags(self, ids: list[str], text: str) -> None:
        add, remove = split_tags(text)
        try:
            self.research.change_tags(ids, add, remove)
        except WRITE_ERRORS as error:
            self._refused(error)
            return
        parts = []
        if add:
            parts.append(f"tagged {', '.join(add)}")
        if remove:
            parts.append(f"removed {', '.join(remove)}")
        self.notify(
            one_line(f"{'; '.join(parts).capitalize()} ({_plural(len(ids), 'record')})."),
            timeout=3,
            markup=False,
        )
        self._annotations_changed()

    def action_note(self) -> None:
        record = self._note_record()
        if record is None or not record.get("id"):
            self.notify("No record selected.", severity="warning", timeout=3)
            return
        record_id = str(record["id"])
        title = one_line(str(record.get("title") or record_id))

        def done(text: str | None) -> None:
            if text is None:
                return
            try:
                self.research.set_note(record_id, text)
            except WRITE_ERRORS as error:
                self._refused(error)
                # keep the text: reopen the editor with it, so nothing typed is lost
                self.app.push_screen(NoteEditor(title, text), done)
                return
            self.notify("Note saved." if text.strip() else "Note removed.", timeout=2)
            self._annotations_changed()

        self.app.push_screen(NoteEditor(title, self.research.note(record_id) or ""), done)

    def _note_record(self) -> dict | None:
        """A note is one record's: the one shown or selected (never the marks)."""
        records = self._annotate_targets()
        return records[0] if records else None

    def action_add_to_list(self) -> None:
        records = self._targets_or_say()
        if not records:
            return
        ids = [str(r["id"]) for r in records]
        names = self.research.list_names()
        hint = f"Lists: {', '.join(names)}." if names else "A new name makes a new list."

        def done(name: str | None) -> None:
            if not name:
                return
            try:
                self.research.add_to_list(name, ids)
            except WRITE_ERRORS as error:
                self._refused(error)
                return
            self.notify(
                one_line(f"Added {_plural(len(ids), 'record')} to the list {name}."),
                timeout=3,
                markup=False,
            )
            self._annotations_changed()

        self.app.push_screen(
            PromptScreen(
                f"Add {_plural(len(ids), 'record')} to a list",
                hint=hint,
                placeholder="list name",
                choices=names,
                input_id="list-input",
            ),
            done,
        )
