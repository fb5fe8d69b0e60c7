"""The core never imports Textual or Rich: each core module is imported in a fresh process."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE_MODULES = [
    "archive_tui",
    "archive_tui.dates",
    "archive_tui.records",
    "archive_tui.store",
    "archive_tui.importer",
    "archive_tui.paths",
    "archive_tui.text",
    "archive_tui.query",
    "archive_tui.index",
    "archive_tui.search",
    "archive_tui.archive",
    "archive_tui.citations",
    "archive_tui.export",
    "archive_tui.settings",
    "archive_tui.sanitize",
    "archive_tui.cli",
]

PROBE = """
import importlib, sys
importlib.import_module({module!r})
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))
print(','.join(bad))
"""


@pytest.mark.parametrize("module", CORE_MODULES)
def test_core_module_does_not_import_textual_or_rich(module: str) -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.strip() == "", f"{module} pulled in {out.stdout.strip()}"


def test_searching_does_not_import_textual_or_rich(tmp_path) -> None:
    code = f"""
import sys
sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
from search_fixtures import write_archive
from pathlib import Path
from archive_tui.archive import Archive
archive = Archive.open(write_archive(Path({str(tmp_path)!r}) / "a.json"))
archive.search("cuba OR soviet", limit=5).page(0, 5)
print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == ""
