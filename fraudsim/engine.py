"""Which engine runs the model: plain Python, or the model's core compiled with mypyc.

The model's hot path (the event kernel, the mule network, payments, the
response chain) is ordinary typed Python. Installed with
``FRAUDSIM_COMPILE=1``, those modules are also compiled to C extensions by
mypyc (see ``setup.py``): the same source, the same results (CI runs the
whole test suite, golden scenarios included, on both engines), two to three
times faster (the README's Speed and scale gives the measured figures).
Everything else stays Python.

A compiled module is a ``.so`` file beside its ``.py`` file, and Python
imports the ``.so`` first: after an edit of the ``.py`` it would silently
run the old code. So the build records a digest of every source it
compiled (:data:`STAMP`), and :func:`check_engine`, run when ``fraudsim``
is imported, refuses a compiled module whose source has changed since.

This module is read by ``setup.py`` before ``fraudsim`` is installed, so it
imports nothing of fraudsim's and nothing outside the standard library.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path

COMPILED_MODULES = (
    "fraudsim.rng",
    "fraudsim.model.queueload",
    "fraudsim.model.kernel",
    "fraudsim.model.monitor",
    "fraudsim.model.staff",
    "fraudsim.model.cases",
    "fraudsim.model.victims",
    "fraudsim.model.lots",
    "fraudsim.model.routing",
    "fraudsim.model.accounts",
    "fraudsim.model.network",
    "fraudsim.model.payments",
    "fraudsim.model.response",
    "fraudsim.model.warning",
    "fraudsim.model.world",
)
"""Modules compiled by a ``FRAUDSIM_COMPILE=1`` install: the simulation's hot path."""

STAMP = "_engine_stamp.json"
"""File in the ``fraudsim`` package: module -> SHA-256 of the source it was compiled from."""

COMPILE_HINT = (
    "reinstall to rebuild it (FRAUDSIM_COMPILE=1 pip install -e '.[dev]'), "
    "or reinstall without FRAUDSIM_COMPILE to go back to the Python engine"
)


class StaleEngineError(ImportError):
    """A compiled module no longer matches its Python source."""


def source_path(root: Path, module: str) -> Path:
    """Return the ``.py`` file of ``module`` under the project (or site) root."""
    return root.joinpath(*module.split(".")).with_suffix(".py")


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
        spec = importlib.util.find_spec(m)
        out[m] = spec.origin if spec is not None and spec.origin else ""
    return out


def _is_extension(origin: str) -> bool:
    return origin.endswith((".so", ".pyd"))


def engine() -> str:
    """Return ``"compiled"`` if the model's core runs compiled, else ``"python"``."""
    return "compiled" if any(_is_extension(o) for o in _origins().values()) else "python"


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
