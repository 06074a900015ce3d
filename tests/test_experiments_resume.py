"""The results folder: written as replications finish, resumed after a kill or a failure."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fraudsim.experiments.jobs as jobs
from fraudsim.api import simulate
from fraudsim.experiments import ExperimentError, ReplicationError, compare
from fraudsim.scenario import Scenario, load_scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import BUSY, SCENARIOS, XIAMEN
from tests.table_bytes import same_table

SMALL = [*BUSY, "time.horizon_days=2"]
POLICIES = ["as_reported", "manual_counter"]

RUN_CLI = """
import sys
from fraudsim import cli
sys.exit(cli.main(sys.argv[1:]))
"""
"""Runs ``fraudsim`` in a subprocess."""


def small() -> Scenario:
    return load_scenario(XIAMEN, SMALL)


def rep_files(out: Path) -> list[Path]:
    return sorted((out / "replications").rglob("rep-*[0-9].parquet"))


def test_every_replication_is_filed_with_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    result = compare(small(), POLICIES, replications=3, workers=1, out=out, keep_cases=True)
    names = sorted(p.relative_to(out).as_posix() for p in rep_files(out))
    assert names == [f"replications/{p}/rep-0000{r}.parquet" for p in sorted(POLICIES)
                     for r in range(3)]
    one = pq.read_table(out / "replications/manual_counter/rep-00002.parquet").to_pylist()
    assert len(one) == 1 and one[0]["replication"] == 2 and one[0]["policy"] == "manual_counter"
    assert (out / "replications/manual_counter/rep-00002.cases.parquet").exists()
    assert same_table(pq.read_table(out / "replications.parquet"), result.replications,
                      metadata=False)
    for name in ("policies.csv", "differences.csv"):
        assert (out / name).read_text().splitlines()[0].startswith("policy,")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["kind"] == "compare"
    assert manifest["policies"] == POLICIES and manifest["seed"] == small().seed
    assert manifest["scenario"]["name"] == "xiamen-2023"
    assert {"fraudsim", "numpy", "simpy", "pyarrow"} <= set(manifest["versions"])
    assert manifest["replications_used"] == 3


def test_the_manifest_keeps_the_scenario_in_its_order_so_it_replays_the_run(
    tmp_path: Path,
) -> None:
    # Fujian's banks are not in alphabetical order, and banks are numbered
    # as written: a manifest with sorted keys replayed another run.
    fujian = load_scenario(SCENARIOS / "fujian-2023.toml", ["time.horizon_days=1"])
    assert list(fujian.banks) != sorted(fujian.banks)
    out = tmp_path / "exp"
    result = compare(fujian, ["as_2023"], replications=2, workers=1, out=out)
    manifest = json.loads((out / "manifest.json").read_text())
    replayed = validate_scenario(manifest["scenario"])
    assert list(replayed.banks) == list(fujian.banks)
    row = result.replications.to_pylist()[1]
    assert simulate(replayed, replication=1).metric("saved_fen") == row["saved_fen"]
    # The same tables in another order make another experiment.
    raw = fujian.model_dump(by_alias=True)
    raw["banks"] = dict(reversed(raw["banks"].items()))
    with pytest.raises(ExperimentError, match="its scenario differ"):
        compare(validate_scenario(raw), ["as_2023"], replications=2, workers=1, out=out)


def test_a_longer_rerun_reuses_finished_replications(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "exp"
    compare(small(), POLICIES, replications=3, workers=1, out=out)
    calls: list[int] = []
    real = simulate  # what jobs calls: it imports fraudsim.api.simulate

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["replication"])
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "simulate", counting)
    longer = compare(small(), POLICIES, replications=5, workers=1, out=out)
    assert sorted(calls) == [3, 3, 4, 4]
    assert longer.outcome.reused == 6
    compare(small(), POLICIES, replications=5, workers=1, out=tmp_path / "fresh")
    for name in ("policies.csv", "differences.csv"):
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()


def test_a_folder_of_another_experiment_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    compare(small(), POLICIES, replications=2, workers=1, out=out)
    with pytest.raises(ExperimentError, match=r"different experiment \(its seed differ"):
        compare(small(), POLICIES, replications=2, workers=1, out=out, seed=5)
    with pytest.raises(ExperimentError, match="its policies, baseline differ"):
        compare(small(), POLICIES[::-1], replications=2, workers=1, out=out)
    changed = load_scenario(XIAMEN, [*SMALL, "response.analysts.staff=3"])
    with pytest.raises(ExperimentError, match="its scenario differ"):
        compare(changed, POLICIES, replications=2, workers=1, out=out)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ExperimentError, match="not an experiment results folder"):
        compare(small(), POLICIES, replications=2, workers=1, out=other)


def test_temporary_files_of_a_killed_run_are_ignored(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    compare(small(), POLICIES, replications=2, workers=1, out=out)
    stray = out / "replications/as_reported/.rep-00002.parquet.123.tmp"
    stray.write_bytes(b"half a file")
    result = compare(small(), POLICIES, replications=3, workers=1, out=out)
    assert not stray.exists() and result.outcome.reused == 4


def _damage(hit: Path, how: str) -> None:
    """Spoil a replication file the way ``how`` says."""
    table = pq.read_table(hit)
    if how == "empty":  # what a power cut can leave of a file renamed before it was on disk
        hit.write_bytes(b"")
    elif how == "another replication's row":
        shutil.copyfile(hit.with_name("rep-00002.parquet"), hit)
    elif how == "a column missing":  # e.g. written by another fraudsim version
        pq.write_table(table.drop_columns(["saved_fen"]), hit)
    elif how == "a column more":
        pq.write_table(table.append_column("saved_usd", pa.array([1.0])), hit)
    else:  # a measure of another type: its values would be added up as text
        pq.write_table(table.set_column(table.schema.get_field_index("saved_fen"), "saved_fen",
                                        table.column("saved_fen").cast(pa.string())), hit)


@pytest.mark.parametrize("damage", ["empty", "another replication's row", "a column missing",
                                    "a column more", "a column of another type"])
@pytest.mark.parametrize("rep", [0, 1])  # the first row read back sets the table's columns
def test_a_damaged_replication_file_is_set_aside_and_run_again(
    damage: str, rep: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "exp"
    whole = compare(small(), POLICIES, replications=3, workers=1, out=out)
    written = {name: (out / name).read_bytes() for name in ("policies.csv", "differences.csv")}
    hit = out / f"replications/{POLICIES[rep]}/rep-0000{rep}.parquet"
    row = pq.read_table(hit)
    _damage(hit, damage)
    resumed = compare(small(), POLICIES, replications=3, workers=1, out=out)
    err = capsys.readouterr().err
    assert err.startswith(f"{hit} ") and err.count("\n") == 1
    assert f"set aside as rep-0000{rep}.parquet.damaged, its replication is run again" in err
    assert resumed.outcome.reused == 5
    assert same_table(pq.read_table(hit), row, metadata=False)
    assert hit.with_name(f"rep-0000{rep}.parquet.damaged").exists()
    for name in ("policies", "differences", "replications"):
        assert same_table(getattr(resumed, name), getattr(whole, name), metadata=False), name
    for name, data in written.items():
        assert (out / name).read_bytes() == data, name


def test_every_file_is_on_disk_before_it_is_renamed_into_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: dict[int, int] = {}  # inode -> size when flushed
    renamed: list[tuple[Path, int, int | None]] = []  # target, inode, size flushed by then
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        synced[os.fstat(fd).st_ino] = os.fstat(fd).st_size

    def replace(src: Path, dst: Path) -> None:
        inode = os.stat(src).st_ino
        renamed.append((Path(dst), inode, synced.get(inode)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    out = tmp_path / "exp"
    compare(small(), POLICIES, replications=2, workers=1, out=out, keep_cases=True)
    monkeypatch.undo()
    targets = {dst for dst, _, _ in renamed}
    assert set(rep_files(out)) | {out / "manifest.json", out / "policies.csv"} <= targets
    assert len([d for d in targets if d.name.endswith(".cases.parquet")]) == 4
    for dst, inode, size in renamed:
        assert size is not None and size > 0, dst
        if dst.name != "manifest.json":  # rewritten as the run goes on
            assert dst.stat().st_ino == inode and dst.stat().st_size == size, dst


def _fail_on(replication: int, monkeypatch: pytest.MonkeyPatch) -> None:
    real = simulate  # what jobs calls: it imports fraudsim.api.simulate

    def failing(*args: Any, **kwargs: Any) -> Any:
        if kwargs["replication"] == replication:
            raise RuntimeError("disk on fire")
        return real(*args, **kwargs)

    monkeypatch.setattr(jobs, "simulate", failing)


def test_a_failing_replication_stops_cleanly_and_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "exp"
    _fail_on(2, monkeypatch)
    with pytest.raises(ReplicationError) as info:
        compare(small(), POLICIES, replications=4, workers=1, out=out)
    err = info.value
    seed = small().seed
    assert err.what == f"replication 2 of policy 'as_reported' (seed {seed})"
    assert err.error == "RuntimeError: disk on fire" and "Traceback" in (err.detail or "")
    assert err.kept == 4 and len(rep_files(out)) == 4  # replications 0 and 1 of both
    assert not (out / "policies.csv").exists()
    monkeypatch.undo()
    resumed = compare(small(), POLICIES, replications=4, workers=1, out=out)
    assert resumed.outcome.reused == 4


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the failure is injected into forked workers")
def test_a_failing_replication_in_the_pool_keeps_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "exp"
    _fail_on(5, monkeypatch)
    with pytest.raises(ReplicationError, match="replication 5 of policy") as info:
        compare(small(), POLICIES, replications=8, workers=2, out=out)
    kept = rep_files(out)
    assert info.value.kept == len(kept) >= 2
    assert not any(p.name == "rep-00005.parquet" for p in kept)


def test_the_cli_reports_a_failure_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from fraudsim.cli import main

    _fail_on(1, monkeypatch)
    out = tmp_path / "exp"
    code = main(["compare", str(XIAMEN), *[a for s in SMALL for a in ("--set", s)],
                 "--replications", "3", "--workers", "1", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert f"replication 1 of policy 'as_reported' (seed {small().seed}) failed: " \
           "RuntimeError: disk on fire" in err
    assert "3 finished replications are kept" in err and "Traceback" not in err  # rep 0 x 3


def _cli(args: list[str]) -> list[str]:
    return [sys.executable, "-c", RUN_CLI, *args]


def test_resume_after_kill_gives_the_uninterrupted_results(tmp_path: Path) -> None:
    out = tmp_path / "killed"
    sets = [a for s in SMALL for a in ("--set", s)]
    args = ["compare", str(XIAMEN), *sets, "--policies", ",".join(POLICIES),
            "--replications", "40", "--workers", "1", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(_cli(args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while len(rep_files(out)) < 6 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    done = len(rep_files(out))
    assert 6 <= done < 80 and not (out / "policies.csv").exists()

    rerun = subprocess.run(_cli([*args[:-5], "--workers", "2", "--out", str(out), "--quiet"]),
                           capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{done} replications read back from {out}" in rerun.stdout

    whole = tmp_path / "whole"
    compare(small(), POLICIES, replications=40, workers=1, out=whole)
    for name in ("policies.csv", "differences.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert same_table(pq.read_table(out / "replications.parquet"),
                      pq.read_table(whole / "replications.parquet"), metadata=False)


def _start(out: Path, replications: int, workers: int) -> subprocess.Popen[str]:
    sets = [a for s in SMALL for a in ("--set", s)]
    args = ["compare", str(XIAMEN), *sets, "--policies", "as_reported", "--replications",
            str(replications), "--workers", str(workers), "--out", str(out), "--quiet"]
    return subprocess.Popen(_cli(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _wait_for(out: Path, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while len(rep_files(out)) < count and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the experiment finished before it could be interrupted"


def test_ctrl_c_keeps_finished_replications_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    proc = _start(out, 400, 2)
    _wait_for(out, 4, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"interrupted; finished replications are kept in {out}/" in err
    assert "Traceback" not in err and len(rep_files(out)) >= 4


def test_pool_workers_end_when_the_experiment_is_killed(tmp_path: Path) -> None:
    out = tmp_path / "exp"
    proc = _start(out, 400, 2)
    _wait_for(out, 4, proc)
    proc.kill()  # the main process only: its workers must notice and stop
    proc.communicate(timeout=30)  # returns once every holder of the pipes has exited
    assert proc.returncode == -signal.SIGKILL
