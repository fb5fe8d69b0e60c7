"""The native index module is compiled by the build (hatch_build.py), and only optionally."""

import importlib
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NATIVE_IN_WHEEL = "archive_tui/_index_native" + sysconfig.get_config_var("EXT_SUFFIX")
ARCHIVE_IN_WHEEL = "archive_tui/data/records.json"


def build_wheel(out: Path, **env: str) -> tuple[Path, str]:
    """Build a wheel of the source tree the way `pip install .` does (isolated build env)."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-v", "-w", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-4000:]
    wheels = list(out.glob("archive_tui-*.whl"))
    assert len(wheels) == 1, log[-4000:]
    return wheels[0], log


def hook_messages(log: str) -> str:
    return "\n".join(line for line in log.splitlines() if line.strip().startswith("archive-tui:"))


@pytest.mark.skipif(not os.environ.get("CI"), reason="CI machines have a C compiler; set CI=1")
def test_native_module_is_built_for_the_installed_package():
    native = importlib.import_module("archive_tui._index_native")
    assert isinstance(native.ABI, int)


def test_wheel_carries_the_compiled_module_and_a_platform_tag(tmp_path):
    wheel, log = build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert NATIVE_IN_WHEEL in names, hook_messages(log) or log[-4000:]
    assert ARCHIVE_IN_WHEEL in names
    assert not wheel.name.endswith("-py3-none-any.whl"), wheel.name

    # The compiled file is a working extension module, not just a file with the right name.
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(wheel).extract(NATIVE_IN_WHEEL, unpacked)
    probe = (
        "import importlib.util, sys\n"
        "spec = importlib.util.spec_from_file_location('archive_tui._index_native', sys.argv[1])\n"
        "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)\n"
        "print(m.ABI)\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe, str(unpacked / NATIVE_IN_WHEEL)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip().isdigit()


@pytest.mark.skipif(sys.platform == "win32", reason="MSVC is not chosen through CC")
def test_without_a_compiler_the_wheel_is_pure_python_and_says_why(tmp_path):
    wheel, log = build_wheel(tmp_path / "dist", CC=str(tmp_path / "no-such-compiler"))
    names = zipfile.ZipFile(wheel).namelist()
    assert wheel.name.endswith("-py3-none-any.whl"), wheel.name
    assert not any("_index_native." in n and not n.endswith(".c") for n in names)
    assert ARCHIVE_IN_WHEEL in names
    assert "could not compile" in hook_messages(log), log[-4000:]
