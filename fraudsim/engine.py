"""Which engine runs the model: the model's core compiled with mypyc, or plain Python.

The model's hot path (the event kernel, the mule network, payments, the
response chain) is ordinary typed Python. An install compiles those modules
to C extensions with mypyc (see ``setup.py``) when the machine has a C
compiler and falls back to plain Python when it has not: the same source,
the same results (CI runs the whole test suite, golden scenarios included,
on both engines), the compiled one several times faster (the README's
Speed and scale gives the measured figures, which move with the
machine's pace). Everything else stays Python.
One compiled module is written in C rather than compiled from Python: the
event queue (``fraudsim/model/cqueue.c``, see :data:`C_MODULES`), built
with the others. The Python engine runs without it, on the queue's Python
implementation.

A compiled module is a ``.so`` file beside its ``.py`` file, and Python
imports the ``.so`` first: after an edit of the ``.py`` it would silently
run the old code. So the build records a digest of every source it
compiled (:data:`STAMP`), and :func:`select_engine`, run when ``fraudsim``
is imported, never lets a compiled module run whose source has changed
since: it warns and imports the Python sources instead, which is what an
edit of the model needs anyway (the next install compiles again).
``FRAUDSIM_ENGINE=python`` asks for the Python engine on purpose, and
``FRAUDSIM_ENGINE=compiled`` refuses to run without an up-to-date compiled
one (for benchmarks).

This module is read by ``setup.py`` before ``fraudsim`` is installed, so it
imports nothing of fraudsim's and nothing outside the standard library.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import sys
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

MYPYC_MODULES = (
    "fraudsim.rng",
    "fraudsim.model.queueload",
    "fraudsim.model.kernel",
    "fraudsim.model.monitor",
    "fraudsim.model.staff",
    "fraudsim.model.cases",
    "fraudsim.model.caserows",
    "fraudsim.model.victims",
    "fraudsim.model.lots",
    "fraudsim.model.routing",
    "fraudsim.model.accounts",
    "fraudsim.model.banks",
    "fraudsim.model.casetrace",
    "fraudsim.model.network",
    "fraudsim.model.payments",
    "fraudsim.model.response",
    "fraudsim.model.warning",
    "fraudsim.model.world",
)
"""Python modules an install compiles with mypyc (unless ``FRAUDSIM_COMPILE=0``): the hot path."""

C_MODULES = ("fraudsim.model.cqueue",)
"""Extension modules written in C (``.c`` sources), built with the others: the event queue.

They have no Python source of their own: the Python engine does without
them (it runs :class:`fraudsim.model.pyqueue.PyQueue` instead)."""

COMPILED_MODULES = MYPYC_MODULES + C_MODULES
"""Every module of the compiled engine."""

STAMP = "_engine_stamp.json"
"""File in the ``fraudsim`` package: module -> SHA-256 of the source it was compiled from."""

COMPILE_HINT = (
    "reinstall to rebuild it (pip install -e '.[dev]'), or reinstall with "
    "FRAUDSIM_COMPILE=0 to keep only the Python engine"
)

ENGINE_ENV = "FRAUDSIM_ENGINE"
"""Environment variable: ``python`` or ``compiled`` to insist on an engine; unset picks the best."""


class EngineWarning(UserWarning):
    """The compiled engine is there but out of date: the Python engine runs instead."""


class StaleEngineError(ImportError):
    """A compiled module no longer matches its Python source."""


def source_path(root: Path, module: str) -> Path:
    """Return the source of ``module`` under the project (or site) root: ``.py``, or ``.c``."""
    return root.joinpath(*module.split(".")).with_suffix(".c" if module in C_MODULES else ".py")


def digest(path: Path) -> str:
    """Return the SHA-256 of a file's bytes, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_stamp(root: Path) -> Path:
    """Record the digest of every module about to be compiled (called by the build)."""
    stamp = {m: digest(source_path(root, m)) for m in COMPILED_MODULES}
    path = root / "fraudsim" / STAMP
    path.write_text(json.dumps(stamp, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return path


def compiled_files(root: Path) -> list[Path]:
    """Return the compiled artefacts of an in-place build under ``root``.

    These are the extension modules beside the compiled sources, mypyc's
    shared runtime library (``fraudsim__mypyc*``) and the stamp.
    """
    found: list[Path] = []
    for m in COMPILED_MODULES:
        src = source_path(root, m)
        found += sorted(src.parent.glob(src.stem + ".*.so")) + sorted(
            src.parent.glob(src.stem + ".*.pyd")
        )
    found += sorted(root.glob("fraudsim__mypyc*.so")) + sorted(root.glob("fraudsim__mypyc*.pyd"))
    stamp = root / "fraudsim" / STAMP
    return found + ([stamp] if stamp.exists() else [])


def remove_compiled(root: Path) -> list[Path]:
    """Delete the artefacts of an earlier in-place compiled build; return them.

    An ordinary (uncompiled) install calls this, so that the engine one gets
    is the one asked for, not a compiled one left in the tree from before.
    """
    removed = compiled_files(root)
    for path in removed:
        path.unlink()
    return removed


def _origins() -> dict[str, str]:
    """Return where each compiled-module candidate would be imported from."""
    out: dict[str, str] = {}
    for m in COMPILED_MODULES:
        try:
            spec = importlib.util.find_spec(m)
        except ModuleNotFoundError:  # a C module under the Python engine (see _SourceFinder)
            spec = None
        out[m] = spec.origin if spec is not None and spec.origin else ""
    return out


def _is_extension(origin: str) -> bool:
    return origin.endswith((".so", ".pyd"))


def engine(origins: Mapping[str, str] | None = None) -> str:
    """Return ``"compiled"`` if the model's core runs compiled, else ``"python"``.

    Args:
        origins: Module name -> the file it is imported from (default: as
            Python would import them now).
    """
    origins = _origins() if origins is None else origins
    return "compiled" if any(_is_extension(o) for o in origins.values()) else "python"


def check_engine(origins: Mapping[str, str] | None = None) -> None:
    """Refuse compiled modules that do not match their sources.

    Args:
        origins: Module name -> the file it is imported from (default: as
            Python would import them now).

    Raises:
        StaleEngineError: If some modules are compiled and others not, if the
            stamp is missing, or if a source has changed since it was compiled.
    """
    origins = _origins() if origins is None else origins
    compiled = [m for m, o in origins.items() if _is_extension(o)]
    if not compiled:
        return
    if len(compiled) != len(COMPILED_MODULES):
        missing = sorted(set(COMPILED_MODULES) - set(compiled))
        raise StaleEngineError(
            f"compiled engine is incomplete ({', '.join(missing)} not compiled): " + COMPILE_HINT
        )
    package = Path(origins["fraudsim.rng"]).parent
    stamp_path = package / STAMP
    if not stamp_path.exists():
        raise StaleEngineError(f"compiled engine has no {STAMP}: " + COMPILE_HINT)
    stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    changed = [
        m
        for m in COMPILED_MODULES
        if (src := source_path(package.parent, m)).exists() and stamp.get(m) != digest(src)
    ]
    if changed:
        raise StaleEngineError(
            f"compiled engine is stale: {', '.join(changed)} changed since it was compiled; "
            + COMPILE_HINT
        )


class _SourceFinder(importlib.abc.MetaPathFinder):
    """Import the compiled modules from their ``.py`` sources, ignoring the ``.so``.

    Placed first on ``sys.meta_path``, it answers only for the names in
    :data:`COMPILED_MODULES`; every other import goes on as usual.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """Return a source spec for a compiled module's name, else None.

        Raises:
            ModuleNotFoundError: For a module written in C: the Python
                engine runs without it.
        """
        if fullname not in COMPILED_MODULES:
            return None
        if fullname in C_MODULES:
            raise ModuleNotFoundError(f"{fullname} is not part of the Python engine", name=fullname)
        return importlib.util.spec_from_file_location(fullname, source_path(self.root, fullname))


def use_python_engine(root: Path) -> None:
    """From now on, import the compiled modules' Python sources under ``root``.

    Must run before any of them is imported (``fraudsim/__init__.py`` calls
    :func:`select_engine` first thing).

    Raises:
        StaleEngineError: If a source is missing (an install that shipped
            only the compiled modules), or a module was already imported
            compiled.
    """
    if any(isinstance(f, _SourceFinder) for f in sys.meta_path):
        return
    missing = [m for m in COMPILED_MODULES if not source_path(root, m).exists()]
    if missing:
        raise StaleEngineError(f"no Python source for {', '.join(missing)}: " + COMPILE_HINT)
    loaded = [m for m in COMPILED_MODULES if m in sys.modules]
    if loaded:
        raise StaleEngineError(f"{', '.join(loaded)} already imported before the engine was chosen")
    sys.meta_path.insert(0, _SourceFinder(root))


def stop_command_on(error: Exception, argv0: str | None = None) -> None:
    """End the ``fraudsim`` command with a one-line message if the engine cannot be chosen.

    The engine is chosen when the package is imported, which the command
    does before its ``main`` can catch anything: left alone, a mistyped
    ``FRAUDSIM_ENGINE`` would end every command in a traceback. Imported as
    a library (any other program), nothing happens here and the caller
    raises the error.

    Args:
        error: The error of :func:`select_engine`.
        argv0: The program's name (default ``sys.argv[0]``).

    Raises:
        SystemExit: 2 for a value that is no engine (bad input), 1 for an
            engine asked for that cannot run (as ``main`` treats a stale one).
    """
    program = Path(sys.argv[0] if argv0 is None else argv0).name
    if program not in ("fraudsim", "fraudsim.exe"):
        return
    print(f"fraudsim: {error}", file=sys.stderr)
    raise SystemExit(1 if isinstance(error, StaleEngineError) else 2)


def select_engine(environ: Mapping[str, str] | None = None) -> str:
    """Choose the engine when ``fraudsim`` is imported; return ``"compiled"`` or ``"python"``.

    The compiled engine runs when it is installed and up to date. An
    out-of-date one (a source edited since the build, or a build cut short)
    is set aside with an :class:`EngineWarning`, and the Python sources run:
    slower, never wrong. ``FRAUDSIM_ENGINE`` (see :data:`ENGINE_ENV`)
    overrides: ``python`` always runs the sources, ``compiled`` raises rather
    than run without an up-to-date compiled engine.

    Args:
        environ: Environment to read (default: ``os.environ``).

    Raises:
        StaleEngineError: With ``FRAUDSIM_ENGINE=compiled``, if the compiled
            engine is missing or out of date.
        ValueError: If ``FRAUDSIM_ENGINE`` has another value.
    """
    # Read as people type it: "Python" or " compiled" is no different request.
    wanted = (os.environ if environ is None else environ).get(ENGINE_ENV, "").strip().lower()
    if wanted not in ("", "python", "compiled"):
        raise ValueError(f"{ENGINE_ENV} must be 'python' or 'compiled', not {wanted!r}")
    root = Path(__file__).resolve().parent.parent
    if wanted == "python":
        use_python_engine(root)
        return "python"
    origins = _origins()
    try:
        check_engine(origins)
    except StaleEngineError as exc:
        if wanted == "compiled":
            raise
        warnings.warn(f"{exc}; running the Python engine meanwhile", EngineWarning, stacklevel=2)
        use_python_engine(root)
        return "python"
    # The check passed: either every module is compiled and current, or none is.
    current = engine(origins)
    if wanted == "compiled" and current != "compiled":
        raise StaleEngineError(
            f"{ENGINE_ENV}=compiled, but the engine is not compiled: " + COMPILE_HINT
        )
    return current
