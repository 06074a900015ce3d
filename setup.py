"""Build script: the model's core is compiled with mypyc when FRAUDSIM_COMPILE=1.

Everything about the package is in pyproject.toml; this file only decides
the extension modules. ``FRAUDSIM_COMPILE=1 pip install -e '.[dev]'``
compiles the modules listed in ``fraudsim/engine.py`` (the simulation's hot
path) to C extensions and records a digest of each source, so that an edited
source is never shadowed by its old compiled module (see
``fraudsim.engine.check_engine``). An install without the variable removes
compiled modules left in the tree by an earlier one: the engine you get is
the one you asked for.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from setuptools import setup

ROOT = Path(__file__).resolve().parent


def _engine_module() -> ModuleType:
    """Load fraudsim/engine.py on its own: fraudsim's dependencies may not be installed yet."""
    spec = importlib.util.spec_from_file_location(
        "_fraudsim_engine", ROOT / "fraudsim" / "engine.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _ext_modules() -> list[object]:
    engine = _engine_module()
    if os.environ.get("FRAUDSIM_BUILD_REQUIRES_ONLY"):
        return []  # the backend is only listing requirements (build_backend/fraudsim_build.py)
    if os.environ.get("FRAUDSIM_COMPILE", "") != "1":
        engine.remove_compiled(ROOT)
        return []
    from mypyc.build import mypycify  # a build requirement only when compiling

    engine.write_stamp(ROOT)
    sources = [str(engine.source_path(Path(), m)) for m in engine.COMPILED_MODULES]
    # mypy follows the compiled modules' imports into the rest of the package
    # (the CLI, the experiment runners), whose optional libraries (dask, tqdm's
    # stubs) the build environment lacks: their types are not needed, and
    # `mypy --strict fraudsim` checks those modules in CI, so errors there
    # are silenced here rather than failing the build.
    return mypycify(
        ["--follow-imports=silent", *sources], opt_level="3", group_name="fraudsim"
    )


setup(ext_modules=_ext_modules())
