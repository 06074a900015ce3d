"""The ``verify``, ``check`` and ``calibrate`` sub-commands: arguments, output and exit codes.

The handlers are called directly on arguments parsed by the sub-commands'
own parser. Targets are mule exit shares, read from the random streams
without running the model, so checks and small fits take milliseconds.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from fraudsim.cli_args import EXIT_FAILED
from fraudsim.cli_calibration import register
from fraudsim.scenario.loading import ScenarioError
from fraudsim.verify import FULL, QUICK, CheckResult
from tests.conftest import SCENARIOS
from tests.subcommands import SubCommands

COMMANDS = SubCommands(register)
parse = COMMANDS.parse
run = COMMANDS.run
usage_error = COMMANDS.usage_error

TARGET = """
[[targets]]
fact = "{fact}"
observable = "mule_exit_share"
within_min = 15
tolerance = 0.03
"""






def scenario_file(tmp_path: Path, fact: str = "uk-2024-mule-exit-15min",
                  dwell: str = 'dwell_min = { kind = "lognormal", median = 47, p95 = 1170 }'
                  ) -> Path:
    """verify-base (first-layer dwell as given) with a target on the 15-minute exit share."""
    text = (SCENARIOS / "verify-base.toml").read_text("utf-8")
    text = text.replace('dwell_min = { kind = "lognormal", median = 47, p95 = 1170 }', dwell)
    path = tmp_path / "targets.toml"
    path.write_text(text + TARGET.format(fact=fact), encoding="utf-8")
    return path


# --- the parser --------------------------------------------------------------------------------


def test_register_adds_the_three_commands_with_their_defaults() -> None:
    """check: 10 replications; calibrate: 5 per candidate, 60 candidates; both one worker."""
    handlers, check = parse(["check", "s.toml"])
    assert sorted(handlers) == ["calibrate", "check", "verify"]
    assert (check.scenario, check.replications, check.seed, check.workers, check.overrides) == (
        Path("s.toml"), 10, None, 1, [])
    _, cal = parse(["calibrate", "s.toml", "--fit", "a.b"])
    assert (cal.replications, cal.max_evals, cal.workers, cal.fit) == (5, 60, 1, "a.b")
    _, verify = parse(["verify"])
    assert (verify.quick, verify.base) == (False, None)


@pytest.mark.parametrize(("argv", "message"), [
    (["check", "s.toml", "--replications", "1"], "--replications: must be at least 2"),
    (["check", "s.toml", "--workers", "0"], "--workers: must be at least 1"),
    (["check", "s.toml", "--replications", "10000000"], "--replications: must be at most 100000"),
    (["calibrate", "s.toml", "--fit", "a", "--workers", "5000"], "--workers: must be at most 1024"),
    (["check", "s.toml", "--seed", "-1"], "--seed: must be at least 0"),
    (["calibrate", "s.toml"], "the following arguments are required: --fit"),
    (["calibrate", "s.toml", "--fit", "a", "--max-evals", "1"], "--max-evals: must be at least 2"),
    (["check"], "the following arguments are required: scenario"),
])
def test_bad_arguments_are_usage_errors(argv: list[str], message: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """One replication has no interval; a fit needs parameters and two candidates at least."""
    assert message in usage_error(argv, capsys)


# --- fraudsim check ------------------------------------------------------------------------------


def test_check_prints_the_verdicts_with_the_seed_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The UK 28% within 15 minutes is met; the title says replications and seed."""
    path = scenario_file(tmp_path)
    code, out, _ = run(["check", str(path), "--replications", "3"], capsys)
    assert code == 0
    assert out.splitlines()[0] == f"fraudsim check {path}: 3 replications per policy, seed 4242"
    assert "uk-2024-mule-exit-15min" in out and "PASS" in out
    code, out, _ = run(["check", str(path), "--replications", "2", "--seed", "5"], capsys)
    assert code == 0 and out.splitlines()[0].endswith("2 replications per policy, seed 5")


def test_check_applies_overrides_and_exits_1_on_a_missed_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 1000-minute dwell leaves nothing within 15 minutes: the target fails, exit code 1."""
    path = scenario_file(tmp_path)
    code, out, _ = run(["check", str(path), "--replications", "2", "--set",
                        "mule_network.layers.0.dwell_min=1000"], capsys)
    assert code == EXIT_FAILED
    assert "FAIL" in out and "0 of 1 target values passed; 1 FAILED" in out


def test_check_blames_the_scenario_file_for_a_bad_target(tmp_path: Path) -> None:
    """A made-up fact is reported against the file the user gave, not the scenario's name."""
    path = scenario_file(tmp_path, fact="nowhere-1999-made-up")
    handlers, args = parse(["check", str(path)])
    with pytest.raises(ScenarioError) as err:
        handlers["check"](args)
    assert err.value.source == str(path)
    assert err.value.problems == [("targets.0.fact", "unknown seed fact 'nowhere-1999-made-up'")]


# --- fraudsim calibrate --------------------------------------------------------------------------

FAR = 'dwell_min = { kind = "lognormal", median = 600, p95 = 6000 }'


def test_calibrate_that_cannot_meet_the_target_prints_the_fit_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A median dwell of 500-900 minutes cannot put 28% of the money out within 15 minutes.

    The fitted median stays within its bounds, and a whole-number parameter
    (staff) is printed as a whole number, ready to paste into ``--set``.
    """
    path = scenario_file(tmp_path, dwell=FAR)
    code, out, _ = run(["calibrate", str(path), "--fit",
                        "mule_network.layers.0.dwell_min.median=500:900,response.analysts.staff",
                        "--replications", "2", "--max-evals", "4"], capsys)
    assert code == EXIT_FAILED
    header = re.match(rf"fraudsim calibrate {re.escape(str(path))}: (\d+) candidates, "
                      r"2 replications each \(common random numbers\)\n", out)
    assert header is not None and int(header.group(1)) >= 1
    fit = re.search(r"^to use the fit: --set mule_network\.layers\.0\.dwell_min\.median=(\S+) "
                    r"--set response\.analysts\.staff=(\S+)$", out, re.M)
    assert fit is not None
    assert 500 <= float(fit.group(1)) <= 900
    assert re.fullmatch(r"\d+", fit.group(2)) and 1 <= int(fit.group(2)) <= 12
    assert "targets at the fitted values" in out and "1 FAILED" in out


def test_calibrate_blames_the_scenario_file_for_a_bad_parameter(tmp_path: Path) -> None:
    """Bounds that leave out the scenario's own value are refused before any search."""
    path = scenario_file(tmp_path)
    handlers, args = parse(["calibrate", str(path), "--fit",
                            "mule_network.layers.0.dwell_min.median=50:60"])
    with pytest.raises(ScenarioError) as err:
        handlers["calibrate"](args)
    assert err.value.source == str(path)
    ((where, message),) = err.value.problems
    assert where == "mule_network.layers.0.dwell_min.median"
    assert "must be increasing and contain 47" in message


# --- fraudsim verify -----------------------------------------------------------------------------


def fake_verification(monkeypatch: pytest.MonkeyPatch, rows: list[CheckResult]
                      ) -> list[dict[str, Any]]:
    """Replace the verification suite by fixed rows; return the calls it receives."""
    calls: list[dict[str, Any]] = []

    def suite(quick: bool, base_path: Path | None) -> list[CheckResult]:
        calls.append({"quick": quick, "base_path": base_path})
        return rows

    monkeypatch.setattr("fraudsim.verify.run_verification", suite)
    return calls


PASSED = CheckResult("Little's law L = λW", "analysts", "1", "1", "equal", True)


def test_verify_passes_the_effort_and_base_file_to_the_suite(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without --quick the full effort is named in the title; --base reaches the suite."""
    calls = fake_verification(monkeypatch, [PASSED])
    code, out, _ = run(["verify", "--base", str(tmp_path / "b.toml")], capsys)
    assert code == 0
    assert calls == [{"quick": False, "base_path": tmp_path / "b.toml"}]
    assert out.startswith(f"fraudsim verify: reduced forms of the model against known answers "
                          f"({FULL.describe()})")
    code, out, _ = run(["verify", "--quick"], capsys)
    assert code == 0 and calls[-1] == {"quick": True, "base_path": None}
    assert f"({QUICK.describe()})" in out.splitlines()[0]


@pytest.mark.parametrize(("write", "problem"), [
    (None, ": cannot read the file: No such file or directory"),
    ('name = "x"\nseed = [1,\n', ": not valid TOML: "),
    ((SCENARIOS / "xiamen-2023.toml").read_text("utf-8"),
     "scam_types.plain: missing (the checks need a scam type named plain, "
     "banks bank_a and bank_b, at least two mule layers, as in scenarios/verify-base.toml)"),
])
def test_verify_refuses_a_base_it_cannot_reduce_as_bad_input(
    write: str | None, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing, broken or unsuitable base is exit 2 with the reason, before any check runs.

    Run, every check would fail, which would read as a model that fails them.
    """
    base = tmp_path / "base.toml"
    if write is not None:
        base.write_text(write, "utf-8")
    with pytest.raises(ScenarioError) as err:
        run(["verify", "--quick", "--base", str(base)], capsys)
    assert err.value.source == str(base)
    assert problem in err.value.render()


def test_verify_exits_1_if_any_check_fails(monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """One failed row among passed ones fails the command."""
    failed = CheckResult("M/M/c mean wait", "analysts", "2.0 min", "8.9 min", "in CI", False)
    fake_verification(monkeypatch, [PASSED, failed, PASSED])
    code, out, _ = run(["verify", "--quick"], capsys)
    assert code == EXIT_FAILED
    assert out.splitlines()[-1] == "2 of 3 checks passed; 1 FAILED"
