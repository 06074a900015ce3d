"""The ``fraudsim compare`` and ``fraudsim sweep`` commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from fraudsim import cli
from fraudsim.cli import main
from fraudsim.cli_experiments import register
from tests.conftest import BUSY, XIAMEN

SETS = [a for s in [*BUSY, "time.horizon_days=2"] for a in ("--set", s)]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_register_adds_both_commands() -> None:
    parser = argparse.ArgumentParser()
    handlers = register(parser.add_subparsers(dest="command"))
    assert set(handlers) == {"compare", "sweep"}
    args = parser.parse_args(["sweep", "s.toml", "--vary", "a=1,2", "--workers", "3"])
    assert args.vary == ["a=1,2"] and args.workers == 3


def test_compare_prints_means_differences_and_ranking(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exp"
    code, text, _ = run(["compare", str(XIAMEN), "--replications", "3", "--workers", "1",
                         "--out", str(out), "--quiet"], capsys)
    assert code == 0
    assert text.startswith("xiamen-2023: 3 policies x 3 replications, common random numbers")
    assert "policy as_reported (baseline): mean [95% CI]" in text
    assert "money saved (prevented + frozen), yuan" in text and "1,500,000" in text
    assert "differences against as_reported (paired by replication)" in text
    assert "-1,500,000  [-1,500,000, -1,500,000]  lower" in text
    assert ("ranking by money saved (ties share a rank): 1. as_reported, 1. stop_in_20_min, "
            "3. manual_counter") in text
    assert f"results written to {out}/" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"][0] == "fraudsim" and manifest["status"] == "complete"
    assert manifest["max_replications"] == 200  # the default, though the option was not given


def test_compare_with_warmup_precision_and_resume(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    args = ["compare", str(XIAMEN), *SETS, "--set", "time.warmup_days=0.5", "--policies",
            "as_reported", "--precision", "0.5", "--precision-on", "saved_fen,lost_fen",
            "--workers", "1", "--out", str(tmp_path / "exp"), "--quiet"]
    code, text, _ = run(args, capsys)
    assert code == 0
    assert "warm-up 0.5 days: " in text and "cases left out of the statistics" in text
    assert ("precision rule used: 95% half-width at most 50.0% of the mean, for saved_fen, "
            "lost_fen; met with 20 replications") in text
    code, again, _ = run(args, capsys)
    assert code == 0 and "nothing to run: all 20 replications read back" in again


def test_precision_not_met_is_said(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text, _ = run(["compare", str(XIAMEN), *SETS, "--policies", "base", "--precision",
                         "0.0001", "--max-replications", "4", "--workers", "1", "--out",
                         str(tmp_path / "exp"), "--quiet"], capsys)
    assert code == 0
    assert "NOT met: stopped at the cap of 4 replications (widest ±" in text


@pytest.mark.parametrize("extra, message", [
    (["--policies", "nope"], "fraudsim compare: unknown policy 'nope'"),
    (["--baseline", "manual_counter", "--policies", "as_reported"], "is not among the selected"),
    (["--set", "banks.xiamen_bank.stop_latency_min=-1"], "banks.xiamen_bank.stop_latency_min"),
])
def test_bad_input_exits_2(extra: list[str], message: str, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["compare", str(XIAMEN), "--replications", "2", "--workers", "1",
                        "--out", str(tmp_path / "exp"), "--quiet", *extra], capsys)
    assert code == 2 and message in err and "Traceback" not in err


def test_another_experiment_in_the_folder_exits_2(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    base = ["compare", str(XIAMEN), "--replications", "2", "--workers", "1", "--out",
            str(tmp_path / "exp"), "--quiet"]
    assert run(base, capsys)[0] == 0
    code, _, err = run([*base, "--seed", "7"], capsys)
    assert code == 2 and "holds results of a different experiment (its seed differ)" in err


@pytest.mark.parametrize("argv", [
    ["compare", "s.toml", "--replications", "5", "--precision", "0.1"],
    ["compare", "s.toml", "--replications", "1"],
    ["compare", "s.toml", "--precision", "0"],
    ["sweep", "s.toml"],
])
def test_argument_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


@pytest.mark.parametrize("command", [["compare"], ["sweep", "--vary",
                                                  "response.analysts.staff=1,2"]])
@pytest.mark.parametrize("count", [[], ["--replications", "3"]])
def test_a_cap_without_the_precision_rule_is_refused(
    command: list[str], count: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The cap bounds the precision rule only; it was ignored, and 3 replications ran.
    out = tmp_path / "exp"
    code, text, err = run([command[0], str(XIAMEN), *command[1:], *SETS, *count,
                           "--max-replications", "2", "--workers", "1", "--out", str(out),
                           "--quiet"], capsys)
    assert code == 2 and text == "" and not out.exists()
    assert err == (f"fraudsim {command[0]}: error: argument --max-replications: only with "
                   "--precision (it caps the precision rule; a fixed count is --replications "
                   "N)\n")


def test_the_measures_of_the_precision_rule_without_the_rule_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "exp"
    code, text, err = run(["compare", str(XIAMEN), *SETS, "--replications", "2",
                           "--precision-on", "saved_fen", "--workers", "1", "--out", str(out),
                           "--quiet"], capsys)
    assert code == 2 and text == "" and not out.exists()
    assert err == ("fraudsim compare: error: argument --precision-on: only with --precision "
                   "(it names the measures the precision rule watches)\n")


def test_sweep_prints_and_writes_the_curve(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sweep"
    code, text, _ = run(["sweep", str(XIAMEN), "--vary",
                         "banks.xiamen_bank.stop_latency_min=1,30", "--replications", "2",
                         "--workers", "1", "--out", str(out), "--quiet"], capsys)
    assert code == 0
    assert text.startswith("xiamen-2023: sweep of banks.xiamen_bank.stop_latency_min "
                           "(2 points) x 1 policy x 2 replications")
    lines = text.splitlines()
    assert any(line.split()[:3] == ["1", "as_reported", "1,500,000"] for line in lines)
    assert any(line.split()[:3] == ["30", "as_reported", "0"] for line in lines)
    assert (out / "curve.csv").exists() and (out / "curve.parquet").exists()


def test_sweep_refuses_the_same_key_twice(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["sweep", str(XIAMEN), "--vary", "response.analysts.staff=1,2",
                        "--vary", "response.analysts.staff=3", "--out", str(tmp_path / "s"),
                        "--quiet"], capsys)
    assert code == 2 and "the same key is given to --vary twice" in err


def test_the_fraudsim_command_runs_them(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["compare", str(XIAMEN), "--replications", "2", "--workers", "1",
                     "--out", str(tmp_path / "exp"), "--quiet"])
    assert code == 0 and "ranking by money saved" in capsys.readouterr().out


def test_baseline_policy_base_compares_against_the_plain_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plain scenario is run and is the baseline (it used to be replaced by as_reported)."""
    out = tmp_path / "exp"
    code, text, _ = run(["compare", str(XIAMEN), "--set", "baseline_policy=base",
                         "--replications", "2", "--workers", "1", "--out", str(out),
                         "--quiet"], capsys)
    assert code == 0
    assert "policy base (baseline): mean [95% CI]" in text
    assert "differences against base (paired by replication)" in text
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["baseline"] == "base"
    assert manifest["policies"] == ["base", "as_reported", "stop_in_20_min", "manual_counter"]


def test_a_sweep_with_baseline_policy_base_runs_the_plain_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep"
    code, text, _ = run(["sweep", str(XIAMEN), "--set", "baseline_policy=base", "--vary",
                         "response.analysts.staff=1,2", "--replications", "2", "--workers", "1",
                         "--out", str(out), "--quiet"], capsys)
    assert code == 0 and "x 1 policy x 2 replications" in text
    assert json.loads((out / "manifest.json").read_text())["policies"] == ["base"]


@pytest.mark.parametrize("command", [["compare"], ["sweep", "--vary",
                                                  "response.analysts.staff=1,2"]])
def test_a_declared_baseline_left_out_of_policies_exits_2(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As ``--baseline`` outside ``--policies``: one line, exit code 2, nothing written."""
    out = tmp_path / "exp"
    code, text, err = run([command[0], str(XIAMEN), *command[1:], "--set",
                           "baseline_policy=manual_counter", "--policies",
                           "as_reported,stop_in_20_min", "--replications", "2", "--workers",
                           "1", "--out", str(out), "--quiet"], capsys)
    assert code == 2 and text == "" and not out.exists()
    assert err == (f"fraudsim {command[0]}: baseline 'manual_counter' (the scenario's "
                   "baseline_policy) is not among the selected policies: as_reported, "
                   "stop_in_20_min\n")


def test_a_sweep_of_the_warm_up_says_the_warm_up_of_the_points(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The line gave the plain scenario's warm-up (0.5 days), which no grid point used."""
    code, text, _ = run(["sweep", str(XIAMEN), *SETS, "--set", "time.warmup_days=0.5",
                         "--vary", "time.warmup_days=0,1", "--replications", "2", "--workers",
                         "1", "--out", str(tmp_path / "sweep"), "--quiet"], capsys)
    assert code == 0
    assert "warm-up 0 to 1 days, by grid point: " in text
    assert "cases left out of the statistics (their scam contact came before it), over the " \
           "whole grid" in text and "warm-up 0.5 days" not in text
