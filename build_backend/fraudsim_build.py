"""PEP 517 build backend: setuptools, plus mypyc's needs unless FRAUDSIM_COMPILE=0.

A compiled install (the default, see ``setup.py``) runs mypyc, which
type-checks the compiled modules and so needs mypy and the libraries whose
types they use (simpy, numpy, pydantic) in the isolated build environment,
even on a fresh machine where the project's own dependencies are not
installed yet. An install with ``FRAUDSIM_COMPILE=0`` needs only setuptools.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403  (the rest of the hooks, unchanged)

COMPILE_REQUIRES = ["mypy>=2.4", "librt>=0.16", "simpy>=4.1", "numpy>=1.26", "pydantic>=2.6"]

REQUIRES_ONLY = "FRAUDSIM_BUILD_REQUIRES_ONLY"
"""Set while setuptools runs setup.py only to list requirements: mypyc is not there yet."""


def _requires(hook: Callable[[dict[str, Any] | None], list[str]], config: Any) -> list[str]:
    if os.environ.get("FRAUDSIM_COMPILE", "") == "0":
        return list(hook(config))
    os.environ[REQUIRES_ONLY] = "1"
    try:
        return list(hook(config)) + COMPILE_REQUIRES
    finally:
        del os.environ[REQUIRES_ONLY]


def get_requires_for_build_wheel(config_settings: dict[str, Any] | None = None) -> list[str]:
    """Return setuptools' requirements for a wheel, plus mypyc's unless told not to compile."""
    return _requires(_setuptools.get_requires_for_build_wheel, config_settings)


def get_requires_for_build_editable(config_settings: dict[str, Any] | None = None) -> list[str]:
    """Return setuptools' requirements for an editable install, plus mypyc's (as for a wheel)."""
    return _requires(_setuptools.get_requires_for_build_editable, config_settings)
