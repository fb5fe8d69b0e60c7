"""Shared test set-up: every test gets its own user folders, so nothing touches the real home."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
FRUS_PATH = SHARED_DIR / "data" / "frus-records.json"
SEED_PATH = REPO_ROOT / "data" / "seed" / "wilson-center-seed.json"
SHIPPED_PATH = REPO_ROOT / "data" / "records.json"


@pytest.fixture(autouse=True)
def isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Point ARCHIVE_TUI_HOME (user data, config, cache) at a fresh temp folder."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ARCHIVE_TUI_HOME", str(home))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


from pg_server import pg_db, pg_server  # noqa: E402, F401  (PostgreSQL fixtures)
