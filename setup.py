"""Build script: the model's core is compiled with mypyc, in Python if that fails.

Everything about the package is in pyproject.toml; this file only decides
the extension modules. ``pip install -e '.[dev]'`` compiles the modules
listed in ``fraudsim/engine.py`` (the simulation's hot path) to C extensions
and records a digest of each source, so that an edited source is never
shadowed by its old compiled module (see ``fraudsim.engine.select_engine``).
It also builds the event queue's C source (``fraudsim/model/cqueue.c``).
``FRAUDSIM_COMPILE`` chooses:

- unset: compile if this machine can (a C compiler and Python's headers);
  if it cannot, say why and install the Python engine, which gives the same
  results more slowly;
- ``1``: compile, and fail the install if that fails;
- ``0``: do not compile.

An install that ends without a compiled engine removes compiled modules
left in the tree by an earlier one: the engine you get is the one the
install built.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
# The event queue's C is optimised as mypyc's own (-O3) where the compiler
# is gcc or clang; MSVC keeps setuptools' defaults.
_C_FLAGS = [] if sys.platform == "win32" else ["-O3"]
MODES = {"": "auto", "1": "required", "0": "off"}


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


ENGINE = _engine_module()


def _mode() -> str:
    value = os.environ.get("FRAUDSIM_COMPILE", "")
    if value not in MODES:
        sys.exit(f"FRAUDSIM_COMPILE must be 1, 0 or unset, not {value!r}")
    return MODES[value]


def _fall_back(error: BaseException) -> None:
    """Leave a Python-engine install behind, and say why on stderr (pip -v shows it)."""
    ENGINE.remove_compiled(ROOT)
    reason = f"{type(error).__name__}: {error}"
    reason = reason if len(reason) <= 200 else reason[:200] + "..."
    print(
        f"warning: fraudsim's compiled engine could not be built ({reason}); "
        "installing the Python engine, which gives the same results several "
        "times more slowly. FRAUDSIM_COMPILE=1 pip install -v -e '.[dev]' shows the error.",
        file=sys.stderr,
    )


class OptionalBuildExt(build_ext):
    """``build_ext`` that installs the Python engine if the C compiler fails."""

    def run(self) -> None:
        """Compile the extensions; on any failure remove what was built and go on."""
        try:
            super().run()
        except Exception as exc:  # compiler missing, headers missing, compile or link error
            for out in self.get_outputs():
                Path(out).unlink(missing_ok=True)
            self.extensions = []
            _fall_back(exc)


def _mypycify() -> list[Any]:
    from mypyc.build import mypycify  # a build requirement only when compiling

    ENGINE.write_stamp(ROOT)
    sources = [str(ENGINE.source_path(Path(), m)) for m in ENGINE.MYPYC_MODULES]
    # mypy follows the compiled modules' imports into the rest of the package
    # (the CLI, the experiment runners), whose optional libraries (dask, tqdm's
    # stubs) the build environment lacks: their types are not needed, and
    # `mypy --strict fraudsim` checks those modules in CI, so errors there
    # are silenced here rather than failing the build.
    modules = list(
        mypycify(["--follow-imports=silent", *sources], opt_level="3", group_name="fraudsim")
    )
    # The event queue, written in C (fraudsim/model/cqueue.c), built beside them.
    return modules + [
        Extension(m, [str(ENGINE.source_path(Path(), m))], extra_compile_args=_C_FLAGS)
        for m in ENGINE.C_MODULES
    ]


def _ext_modules(mode: str) -> list[Any]:
    if os.environ.get("FRAUDSIM_BUILD_REQUIRES_ONLY"):
        return []  # the backend is only listing requirements (build_backend/fraudsim_build.py)
    if mode == "off":
        ENGINE.remove_compiled(ROOT)
        return []
    try:
        return _mypycify()
    except (Exception, SystemExit) as exc:  # mypyc missing or failing: still install
        if mode == "required":
            raise
        _fall_back(exc)
        return []


MODE = _mode()
setup(
    ext_modules=_ext_modules(MODE),
    cmdclass={} if MODE == "required" else {"build_ext": OptionalBuildExt},
)
