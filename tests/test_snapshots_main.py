"""Snapshots of the main screen and the filter panel, small and large terminals.

Deterministic: the 14 seed records in a fresh TinyDB file, no search timings shown
(``show_timing=False``), and the screenshot is taken once the archive is open and
the search has settled.  Update with ``pytest tests/test_snapshots_main.py --snapshot-update``
and look at the SVGs before committing them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import SEED_PATH
from ui_helpers import settled, typed

from archive_tui.store import RecordStore
from archive_tui.ui.app import ArchiveApp

pytestmark = pytest.mark.skipif(not SEED_PATH.exists(), reason="seed records not present")


@pytest.fixture
def seed_app(tmp_path: Path) -> ArchiveApp:
    records = json.loads(SEED_PATH.read_text(encoding="utf-8"))
    path = tmp_path / "records.json"
    RecordStore.open(path, create=True).upsert(records)
    return ArchiveApp(path, show_timing=False)


def test_main_80x24(snap_compare, seed_app: ArchiveApp) -> None:
    assert snap_compare(seed_app, terminal_size=(80, 24), run_before=settled)


def test_main_search_80x24(snap_compare, seed_app: ArchiveApp) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press(*typed("france stalin"))
        await settled(pilot)
        await pilot.press("enter", "j")
        await settled(pilot)

    assert snap_compare(seed_app, terminal_size=(80, 24), run_before=run_before)


def test_filter_panel_80x24(snap_compare, seed_app: ArchiveApp) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("enter", "f", "right", "right", "right")  # people
        await settled(pilot)

    assert snap_compare(seed_app, terminal_size=(80, 24), run_before=run_before)


def test_main_160x50(snap_compare, seed_app: ArchiveApp) -> None:
    assert snap_compare(seed_app, terminal_size=(160, 50), run_before=settled)


def test_filter_panel_with_chip_160x50(snap_compare, seed_app: ArchiveApp) -> None:
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settled(pilot)
        await pilot.press("enter", "f", "right", "right", "right", "right")  # places
        await settled(pilot)
        await pilot.press("enter")  # the most frequent place becomes a filter
        await settled(pilot)
        await pilot.press("escape", "space")  # back to the results, mark the first
        await settled(pilot)

    assert snap_compare(seed_app, terminal_size=(160, 50), run_before=run_before)
