"""The build (setup.py): the compiled engine by default, the Python one if compiling fails.

Each test builds a wheel from a copy of the source tree, as pip builds one
for a newcomer: in an isolated environment, which downloads mypy and the
libraries it type-checks, then mypyc and the C compiler. That takes a
minute or two per build, so the tests are marked slow (``python -m pytest
-m slow``). A missing compiler is played by ``CC=/bin/false``: the
compiler command runs and fails, as it does where none is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def source_copy(dest: Path) -> Path:
    """Copy the project's files (those git tracks or would track) to ``dest``."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs a git checkout to list the project's files")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


def environ(**extra: str) -> dict[str, str]:
    """Return this process's environment without fraudsim's own settings, plus ``extra``."""
    return {k: v for k, v in os.environ.items() if not k.startswith("FRAUDSIM_")} | extra


def build_wheel(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Build a wheel from a fresh copy of the sources; return pip's run and the wheel's files."""
    src = source_copy(tmp_path / "src")
    out = tmp_path / "wheels"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w", str(out), str(src)],
        env=environ(**env), capture_output=True, text=True, timeout=1200, check=False,
    )
    wheels = sorted(out.glob("fraudsim-*.whl"))
    names = zipfile.ZipFile(wheels[0]).namelist() if wheels else []
    return done, names


def test_without_a_compiler_the_install_gives_the_python_engine(tmp_path: Path) -> None:
    done, names = build_wheel(tmp_path, CC="/bin/false")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "compiled engine could not be built" in done.stdout + done.stderr
    assert "fraudsim/model/kernel.py" in names
    assert not [n for n in names if n.endswith((".so", ".pyd"))]


def test_insisting_on_compiling_fails_without_a_compiler(tmp_path: Path) -> None:
    done, names = build_wheel(tmp_path, CC="/bin/false", FRAUDSIM_COMPILE="1")
    assert done.returncode != 0
    assert names == []


def test_a_default_install_runs_the_compiled_engine(tmp_path: Path) -> None:
    if shutil.which(os.environ.get("CC", "cc")) is None:
        pytest.skip("no C compiler on this machine")
    done, names = build_wheel(tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "fraudsim/_engine_stamp.json" in names
    assert [n for n in names if n.startswith("fraudsim/model/kernel.") and n.endswith(".so")]
    # Installed from the wheel (not in place), the package checks its stamp
    # in site-packages and runs compiled.
    target = tmp_path / "site"
    wheel = next((tmp_path / "wheels").glob("fraudsim-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True, capture_output=True,
    )
    ran = subprocess.run(
        [sys.executable, "-c", "import fraudsim, fraudsim.engine as e; print(e.engine())"],
        env=environ(PYTHONPATH=str(target)), cwd=tmp_path,
        capture_output=True, text=True, check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == "compiled"
