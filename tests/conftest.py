"""Shared test set-up: every test gets its own user folders, so nothing touches the real home.

Opening the shipped archive (data/records.json, 12,415 records) in a fresh home indexes it
from scratch, a second or more of CPU each time. So the index is built once a session (by the
real cold path, shared by the xdist workers) and every fresh home starts with it: a test opens
the shipped archive warm, as a user's second start does. A test about the cold build asks for
``@pytest.mark.cold_shipped_cache``: its home starts without it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
FRUS_PATH = SHARED_DIR / "data" / "frus-records.json"
SEED_PATH = REPO_ROOT / "data" / "seed" / "wilson-center-seed.json"
SHIPPED_PATH = REPO_ROOT / "data" / "records.json"

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cold_shipped_cache: the test's fresh home has no index of the shipped archive "
        "(a test of the cold build)",
    )


@contextlib.contextmanager
def _flock(path: Path) -> Iterator[None]:
    """One xdist worker at a time (the others wait, then find the work done)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _build_shipped_cache(home: Path) -> Path | None:
    """Index the shipped archive into ``home``'s cache; its segment folder, or None."""
    from archive_tui.archive import Archive
    from archive_tui.index.store_index import store_folder
    from archive_tui.paths import shipped_archive_path

    shipped = shipped_archive_path()
    if not shipped.is_file() or shipped.stat().st_size < 1000:  # a placeholder: nothing to warm
        return None
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARCHIVE_TUI_HOME", str(home))
        cold = Archive.open_default()
        cold.wait_for_cache()
        if cold.from_cache or not Archive.open_default().from_cache:
            return None  # not a fresh build, or not saved: let each test build its own
        return store_folder(shipped)


@pytest.fixture(scope="session")
def shipped_cache(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """The shipped archive's saved index (its ``cache/segments/<key>`` folder), built once.

    None when there is no real shipped archive or the build could not be saved.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the workers' common folder: one build for the whole run
    home = root / "shipped-cache-home"
    done = root / "shipped-cache.path"
    with _flock(root / "shipped-cache.lock"):
        if done.exists():
            text = done.read_text(encoding="utf-8")
            return Path(text) if text else None
        folder = _build_shipped_cache(home)
        done.write_text(str(folder or ""), encoding="utf-8")
        return folder


def warm_home(home: Path, shipped_cache: Path | None) -> None:
    """Give the user folders at ``home`` the shipped archive's saved index.

    Hard links, not copies (46 MB): the index files are never written in place (a writer
    makes new ones and renames the manifest over), so a test cannot change the shared ones.
    The lock file is left out: each home locks its own.
    """
    if shipped_cache is None:
        return
    target = home / "cache" / "segments" / shipped_cache.name
    for source in shipped_cache.rglob("*"):
        if source.name == "lock":
            continue
        dest = target / source.relative_to(shipped_cache)
        if source.is_dir():
            dest.mkdir(mode=0o700, parents=True, exist_ok=True)
        else:
            dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.link(source, dest)
    for folder in (home / "cache", home / "cache" / "segments", target):
        folder.chmod(0o700)


@pytest.fixture(autouse=True)
def isolated_home(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    shipped_cache: Path | None,
) -> Path:
    """Point ARCHIVE_TUI_HOME (user data, config, cache) at a fresh temp folder, holding the
    shipped archive's index unless the test is marked ``cold_shipped_cache``."""
    home = tmp_path_factory.mktemp("home")
    if request.node.get_closest_marker("cold_shipped_cache") is None:
        warm_home(home, shipped_cache)
    monkeypatch.setenv("ARCHIVE_TUI_HOME", str(home))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


from pg_server import pg_db, pg_open, pg_server  # noqa: E402, F401  (PostgreSQL fixtures)
