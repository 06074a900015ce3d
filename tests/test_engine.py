"""The engine check (fraudsim/engine.py): a compiled module never runs stale code.

The artefacts here are stand-ins (empty files named as a compiled build
names them, in a temporary tree); the real compiled build is checked by
``.ci/run``, which builds it and runs this suite on it with
``FRAUDSIM_EXPECT_ENGINE=compiled``. The engine's choice at import is
checked in a subprocess on a copy of the installed package, whose
extension modules are the real ones on the compiled engine and unloadable
stand-ins on the Python engine: either way a test fails if one is imported.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import fraudsim
from fraudsim.engine import (
    COMPILED_MODULES,
    STAMP,
    StaleEngineError,
    check_engine,
    compiled_files,
    digest,
    engine,
    remove_compiled,
    select_engine,
    source_path,
    stop_command_on,
    write_stamp,
)

SUFFIX = ".cpython-311-x86_64-linux-gnu.so"


def fake_tree(root: Path, compiled: bool) -> dict[str, str]:
    """Write every compiled module's source (and a stand-in .so); return their origins."""
    origins: dict[str, str] = {}
    for m in COMPILED_MODULES:
        src = source_path(root, m)
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_text(f"# {m}\n", encoding="utf-8")
        ext = src.with_name(src.stem + SUFFIX)
        if compiled:
            ext.write_bytes(b"")
        origins[m] = str(ext if compiled else src)
    if compiled:
        (root / f"fraudsim__mypyc{SUFFIX}").write_bytes(b"")
    return origins


def test_the_engine_running_these_tests_is_the_one_ci_asked_for() -> None:
    # .ci/run sets FRAUDSIM_EXPECT_ENGINE on each pass: without this check a
    # failed compiled build would pass silently on the Python engine.
    expected = os.environ.get("FRAUDSIM_EXPECT_ENGINE")
    assert engine() in ("python", "compiled")
    if expected:
        assert engine() == expected


def test_the_installed_engine_passes_its_own_check() -> None:
    check_engine()


def test_a_python_tree_passes(tmp_path: Path) -> None:
    check_engine(fake_tree(tmp_path, compiled=False))


def test_a_freshly_stamped_compiled_tree_passes(tmp_path: Path) -> None:
    origins = fake_tree(tmp_path, compiled=True)
    write_stamp(tmp_path)
    check_engine(origins)
    stamp = json.loads((tmp_path / "fraudsim" / STAMP).read_text(encoding="utf-8"))
    assert stamp == {m: digest(source_path(tmp_path, m)) for m in COMPILED_MODULES}


def test_an_edited_source_makes_the_compiled_engine_stale(tmp_path: Path) -> None:
    origins = fake_tree(tmp_path, compiled=True)
    write_stamp(tmp_path)
    with source_path(tmp_path, "fraudsim.model.network").open("a", encoding="utf-8") as f:
        f.write("# an edit after the build\n")
    with pytest.raises(StaleEngineError, match=r"stale: fraudsim\.model\.network changed"):
        check_engine(origins)


def test_a_compiled_tree_without_its_stamp_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StaleEngineError, match=r"no _engine_stamp\.json"):
        check_engine(fake_tree(tmp_path, compiled=True))


def test_a_partly_compiled_tree_is_refused(tmp_path: Path) -> None:
    origins = fake_tree(tmp_path, compiled=True)
    write_stamp(tmp_path)
    origins["fraudsim.model.kernel"] = str(source_path(tmp_path, "fraudsim.model.kernel"))
    with pytest.raises(StaleEngineError, match=r"incomplete \(fraudsim\.model\.kernel not"):
        check_engine(origins)


def test_an_ordinary_install_removes_every_compiled_artefact(tmp_path: Path) -> None:
    fake_tree(tmp_path, compiled=True)
    write_stamp(tmp_path)
    found = compiled_files(tmp_path)
    # one extension per module, the shared runtime library and the stamp
    assert len(found) == len(COMPILED_MODULES) + 2
    assert sorted(remove_compiled(tmp_path)) == sorted(found)
    assert compiled_files(tmp_path) == []
    # the sources stay
    assert all(source_path(tmp_path, m).exists() for m in COMPILED_MODULES)


def test_remove_compiled_leaves_a_python_tree_alone(tmp_path: Path) -> None:
    fake_tree(tmp_path, compiled=False)
    assert remove_compiled(tmp_path) == []


def copy_of_the_package(root: Path) -> Path:
    """Copy the installed package under ``root`` with an extension for every compiled module.

    On the Python engine the extensions are garbage files: importing one
    would fail, so a passing run proves the sources were imported instead.
    """
    package = Path(fraudsim.__file__).parent
    shutil.copytree(package, root / "fraudsim", ignore=shutil.ignore_patterns("__pycache__"))
    for lib in package.parent.glob("fraudsim__mypyc*"):
        shutil.copy2(lib, root / lib.name)
    if not compiled_files(root):  # the Python engine: stand-ins that cannot load
        suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
        for m in COMPILED_MODULES:
            src = source_path(root, m)
            src.with_name(src.stem + suffix).write_bytes(b"not an extension module")
        write_stamp(root)
    return root


def import_in(root: Path, engine_env: str | None) -> subprocess.CompletedProcess[str]:
    """Import the package copied under ``root`` in a new interpreter; print what ran."""
    env = {k: v for k, v in os.environ.items() if k != "FRAUDSIM_ENGINE"}
    env["PYTHONPATH"] = str(root)
    if engine_env is not None:
        env["FRAUDSIM_ENGINE"] = engine_env
    code = (
        "import fraudsim, fraudsim.engine as e, fraudsim.model.lots as m, "
        "fraudsim.model.kernel as k; "
        "print(e.engine(), m.__file__, k.default_queue().__name__)"
    )
    return subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        cwd=root, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def stale_modules(error: str, stderr: str) -> list[str]:
    """Return the modules a stale-engine message in ``stderr`` names (failing if none does)."""
    found = re.search(
        rf"{error}: compiled engine is stale: ([\w.]+(?:, [\w.]+)*) changed since it was compiled",
        stderr,
    )
    assert found, stderr
    names = found.group(1).split(", ")
    assert set(names) <= set(COMPILED_MODULES), names
    return names


def test_an_edited_source_runs_as_python_with_a_warning(tmp_path: Path) -> None:
    root = copy_of_the_package(tmp_path)
    with source_path(root, "fraudsim.model.lots").open("a", encoding="utf-8") as f:
        f.write("# an edit after the build\n")
    done = import_in(root, None)
    assert done.returncode == 0, done.stderr
    lots = str(source_path(root, "fraudsim.model.lots"))
    # The C event queue is part of the compiled engine: the Python one runs without it.
    assert done.stdout.split() == ["python", lots, "PyQueue"]
    # Other modules edited since the installed build may be named too.
    assert "fraudsim.model.lots" in stale_modules("EngineWarning", done.stderr)
    assert "running the Python engine meanwhile" in done.stderr


def test_asking_for_the_compiled_engine_refuses_a_stale_one(tmp_path: Path) -> None:
    root = copy_of_the_package(tmp_path)
    with source_path(root, "fraudsim.model.kernel").open("a", encoding="utf-8") as f:
        f.write("# an edit after the build\n")
    done = import_in(root, "compiled")
    assert done.returncode == 1
    assert "fraudsim.model.kernel" in stale_modules("StaleEngineError", done.stderr)


def test_asking_for_the_python_engine_imports_the_sources(tmp_path: Path) -> None:
    root = copy_of_the_package(tmp_path)
    done = import_in(root, "python")
    assert done.returncode == 0, done.stderr
    lots = str(source_path(root, "fraudsim.model.lots"))
    assert done.stdout.split() == ["python", lots, "PyQueue"]
    assert "EngineWarning" not in done.stderr


def test_an_edited_event_queue_source_makes_the_compiled_engine_stale(tmp_path: Path) -> None:
    origins = fake_tree(tmp_path, compiled=True)
    write_stamp(tmp_path)
    assert source_path(tmp_path, "fraudsim.model.cqueue").suffix == ".c"
    with source_path(tmp_path, "fraudsim.model.cqueue").open("a", encoding="utf-8") as f:
        f.write("/* an edit after the build */\n")
    with pytest.raises(StaleEngineError, match=r"stale: fraudsim\.model\.cqueue changed"):
        check_engine(origins)


def test_the_compiled_engine_runs_the_c_event_queue() -> None:
    from fraudsim.model.kernel import default_queue

    expected = "CQueue" if engine() == "compiled" else "PyQueue"
    assert default_queue().__name__ == expected


def test_an_unknown_engine_request_is_refused() -> None:
    with pytest.raises(ValueError, match="FRAUDSIM_ENGINE must be 'python' or 'compiled'"):
        select_engine({"FRAUDSIM_ENGINE": "fast"})


@pytest.mark.parametrize(("typed", "wanted"), [(" Python ", "python"), ("COMPILED", "compiled")])
def test_an_engine_request_is_read_whatever_its_case_and_spaces(typed: str, wanted: str) -> None:
    """``Python`` asks for the Python engine as ``python`` does (in a new interpreter).

    Without a compiled engine installed, ``COMPILED`` is refused as a
    request for it that cannot be met, not as an unknown request.
    """
    env = {k: v for k, v in os.environ.items() if k != "FRAUDSIM_ENGINE"}
    env["FRAUDSIM_ENGINE"] = typed
    done = subprocess.run(
        [sys.executable, "-c", "import fraudsim.engine as e, fraudsim; print(e.engine())"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert "must be 'python' or 'compiled'" not in done.stderr
    if done.returncode == 0:
        assert done.stdout.split() == [wanted]
    else:
        assert wanted == "compiled" and "FRAUDSIM_ENGINE=compiled" in done.stderr


@pytest.mark.parametrize(("error", "code"), [
    (ValueError("FRAUDSIM_ENGINE must be 'python' or 'compiled', not 'x'"), 2),
    (StaleEngineError("FRAUDSIM_ENGINE=compiled, but the engine is not compiled"), 1),
])
def test_the_command_says_an_engine_error_in_one_line(
    error: Exception, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """As the fraudsim command: one line and an exit code; imported by a program: nothing."""
    stop_command_on(error, "/usr/bin/python3")  # returns: the importing program raises
    assert capsys.readouterr().err == ""
    with pytest.raises(SystemExit) as stop:
        stop_command_on(error, "/venv/bin/fraudsim")
    assert stop.value.code == code
    assert capsys.readouterr().err == f"fraudsim: {error}\n"


def test_the_installed_command_with_a_mistyped_engine_exits_2_without_a_traceback() -> None:
    command = Path(sys.executable).with_name("fraudsim")
    if not command.exists():
        pytest.skip("no fraudsim command beside this interpreter")
    env = {**os.environ, "FRAUDSIM_ENGINE": "bogus"}
    done = subprocess.run([str(command), "schema"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr == "fraudsim: FRAUDSIM_ENGINE must be 'python' or 'compiled', not 'bogus'\n"
