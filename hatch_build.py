"""Hatch build hook: compile ``src/archive_tui/_index_native.c`` into the wheel.

The compiler is driven by setuptools' ``build_ext`` (a build-only dependency), which knows
each platform's compiler, flags and extension file name (``EXT_SUFFIX``).

- A regular wheel gets the compiled module and a platform tag (``cp311-cp311-linux_x86_64``…).
- An editable install leaves the compiled module next to the source, in ``src/archive_tui/``,
  where the editable ``.pth`` makes ``import archive_tui._index_native`` find it.
- If compiling fails (no compiler, no Python headers…), the build goes on with a warning and
  the wheel is pure Python: the package falls back to its pure-Python code.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PACKAGE = "archive_tui"
MODULE = "_index_native"
SOURCE = Path("src") / PACKAGE / f"{MODULE}.c"


def _ext_suffix() -> str:
    return sysconfig.get_config_var("EXT_SUFFIX") or (".pyd" if os.name == "nt" else ".so")


def compile_extension(root: Path, build_dir: Path) -> Path:
    """Compile the extension into ``build_dir``; return the built file. Raises on any failure."""
    from setuptools import Distribution, Extension
    from setuptools.command.build_ext import build_ext

    class OptimisedBuildExt(build_ext):
        def build_extensions(self) -> None:
            optimise = ["/O2"] if self.compiler.compiler_type == "msvc" else ["-O3"]
            for ext in self.extensions:
                ext.extra_compile_args = [*ext.extra_compile_args, *optimise]
            super().build_extensions()

    source = root / SOURCE
    if not source.is_file():
        raise FileNotFoundError(f"{SOURCE} is missing")
    ext = Extension(f"{PACKAGE}.{MODULE}", sources=[str(source)])
    dist = Distribution({"name": "archive-tui", "ext_modules": [ext]})
    cmd = OptimisedBuildExt(dist)
    cmd.build_lib = str(build_dir / "lib")
    cmd.build_temp = str(build_dir / "temp")
    cmd.inplace = False
    cmd.force = True
    cmd.ensure_finalized()
    cmd.run()
    built = Path(cmd.get_ext_fullpath(ext.name))
    if not built.is_file():
        raise FileNotFoundError(f"the compiler reported success but {built.name} is missing")
    return built


class NativeExtensionHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        root = Path(self.root)
        in_tree = root / SOURCE.with_name(MODULE + _ext_suffix())
        self._build_dir = Path(tempfile.mkdtemp(prefix="archive-tui-native-"))
        try:
            built = compile_extension(root, self._build_dir)
        except Exception as exc:
            message = (
                f"archive-tui: could not compile {SOURCE} ({type(exc).__name__}: {exc}). "
                "Building a pure-Python wheel instead; the index build will use its "
                "slower pure-Python code."
            )
            if version == "editable" and in_tree.exists():
                # A module left from an earlier build no longer matches the source.
                in_tree.unlink()
                message += f" Removed the stale {in_tree.relative_to(root)}."
            self.app.display_warning(message)
            return

        if version == "editable":
            # The editable install imports straight from src/: put the module there
            # (through a temporary name, so a process that has the old one loaded keeps it).
            partial = in_tree.with_name(in_tree.name + ".partial")
            shutil.copy2(built, partial)
            os.replace(partial, in_tree)
        else:
            build_data["force_include"][str(built)] = f"{PACKAGE}/{built.name}"
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        self.app.display_info(f"archive-tui: compiled {SOURCE} -> {built.name}")

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        shutil.rmtree(self._build_dir, ignore_errors=True)

    def clean(self, versions: list[str]) -> None:
        for built in (Path(self.root) / SOURCE).parent.glob(f"{MODULE}.*"):
            if built.suffix in {".so", ".pyd"}:
                built.unlink()
