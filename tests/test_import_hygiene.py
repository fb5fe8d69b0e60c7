"""The core never imports Textual or Rich: each core module is imported in a fresh process."""

from __future__ import annotations

import subprocess
import sys

import pytest


def _core_modules() -> list[str]:
    """Every module of the package outside ``archive_tui.ui``: a new core module is covered too."""
    import pkgutil

    import archive_tui

    names = ["archive_tui"]
    for info in pkgutil.iter_modules(archive_tui.__path__, "archive_tui."):
        if info.name != "archive_tui.ui":
            names.append(info.name)
    return sorted(names)


CORE_MODULES = _core_modules()


def test_the_core_module_list_is_found() -> None:
    for name in ("archive_tui.store", "archive_tui.search", "archive_tui.cli"):
        assert name in CORE_MODULES
    assert not any(name.startswith("archive_tui.ui") for name in CORE_MODULES)


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
