"""The ``compare`` and ``sweep`` sub-commands: their arguments, options and failure handling.

The parser, the options handed to the experiment, the refusal of the
precision rule's options without the rule, and the turning of failures
into messages and exit codes are checked on the handlers with the
experiments replaced by fakes; the default results folders on the Xiamen
replay with two replications.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest

from fraudsim.cli_args import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED
from fraudsim.cli_experiments import register
from fraudsim.experiments.errors import ExperimentError, ReplicationError
from tests.conftest import XIAMEN
from tests.subcommands import SubCommands

COMMANDS = SubCommands(register)
parse = COMMANDS.parse
run = COMMANDS.run
usage_error = COMMANDS.usage_error




def args_of(*argv: str) -> argparse.Namespace:
    return parse(list(argv))[1]


# --- the parser --------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["compare"], ["sweep", "--vary", "a=1,2"]])
def test_defaults_leave_the_choices_to_the_experiment(command: list[str]) -> None:
    """20 replications; no precision rule, cap, seed, folder or worker count unless given."""
    args = args_of(command[0], "s.toml", *command[1:])
    assert args.replications == 20
    assert (args.precision, args.precision_on, args.max_replications) == (None, None, None)
    assert (args.policies, args.baseline, args.workers, args.dask, args.out, args.seed) == (
        None, None, None, None, None, None)
    assert (args.keep_cases, args.quiet, args.overrides) == (False, False, [])


def test_vary_may_be_given_twice() -> None:
    """A two-parameter sweep gives --vary once per parameter, in order."""
    args = args_of("sweep", "s.toml", "--vary", "a=1,2", "--vary", "b=x,y")
    assert args.vary == ["a=1,2", "b=x,y"]


@pytest.mark.parametrize(("argv", "message"), [
    (["compare", "s.toml", "--precision", "nan"], "--precision: must be a positive share"),
    (["compare", "s.toml", "--precision", "-0.1"], "--precision: must be a positive share"),
    (["compare", "s.toml", "--max-replications", "1"], "--max-replications: must be at least 2"),
    (["sweep", "s.toml", "--vary", "a=1", "--workers", "0"], "--workers: must be at least 1"),
    (["compare", "s.toml", "--replications", "100001"], "--replications: must be at most 100000"),
    (["compare", "s.toml", "--precision", "0.1", "--max-replications", "9223372036854775807"],
     "--max-replications: must be at most 100000"),
    (["sweep", "s.toml", "--vary", "a=1", "--workers", "1025"], "--workers: must be at most 1024"),
    (["sweep", "s.toml", "--vary", "a=1", "--seed", "x"], "--seed: not a whole number: 'x'"),
    (["compare", "s.toml", "--precision", "0.1", "--replications", "5"],
     "not allowed with argument"),
])
def test_bad_arguments_are_usage_errors(argv: list[str], message: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """Each refusal names the option and what it needs."""
    assert message in usage_error(argv, capsys)


# --- the precision rule's options --------------------------------------------------------------


@pytest.fixture
def given_to(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Replace compare and run_sweep by fakes that record their options and stop."""
    seen: dict[str, Any] = {}

    def fake(scenario: Any, *args: Any, **options: Any) -> NoReturn:
        seen.update(options, scenario=scenario, positional=args)
        raise ExperimentError("stopped by the test")

    monkeypatch.setattr("fraudsim.experiments.api.compare", fake)
    monkeypatch.setattr("fraudsim.experiments.api.run_sweep", fake)
    return seen


def handle(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    handlers, args = parse(argv)
    code = handlers[args.command](args)
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cap_and_measures_are_accepted_with_the_precision_rule(
    given_to: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """With --precision both of its options reach the experiment."""
    code, _, err = handle(["compare", str(XIAMEN), "--precision", "0.05", "--max-replications",
                           "50", "--precision-on", "saved_fen"], capsys)
    assert (code, err) == (EXIT_BAD_INPUT, "fraudsim compare: stopped by the test\n")
    assert (given_to["precision"], given_to["max_replications"], given_to["precision_on"]) == (
        0.05, 50, ("saved_fen",))


@pytest.mark.parametrize("command", [["compare"], ["sweep", "--vary", "a=1"]])
def test_the_cap_is_refused_before_anything_is_read(
    command: list[str], given_to: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Both options without --precision: one message, about the cap; the file is never opened."""
    code, out, err = handle([command[0], "no-such-file.toml", *command[1:],
                             "--max-replications", "9", "--precision-on", "saved_fen"], capsys)
    assert (code, out) == (EXIT_BAD_INPUT, "")
    assert err.startswith(f"fraudsim {command[0]}: error: argument --max-replications: only "
                          "with --precision")
    assert err.count("\n") == 1
    assert given_to == {}


# --- the options handed to the experiment --------------------------------------------------------


def test_options_carry_the_arguments_to_the_experiment(
    given_to: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Lists are split on commas, the progress bar follows --quiet, the command is recorded."""
    argv = ["compare", str(XIAMEN), "--policies", "a,b,base", "--baseline", "b",
            "--precision", "0.1", "--precision-on", "saved_fen,lost_fen",
            "--max-replications", "40", "--workers", "2", "--seed", "3",
            "--keep-cases", "--quiet", "--out", "elsewhere", "--set",
            "response.analysts.staff=7"]
    monkeypatch.setattr(sys, "argv", ["fraudsim", *argv])
    handle(argv, capsys)
    assert given_to.pop("scenario").response.analysts.staff == 7
    assert given_to == {
        "positional": (), "policies": ["a", "b", "base"], "baseline": "b", "replications": 20,
        "precision": 0.1, "workers": 2, "dask": None, "out": Path("elsewhere"), "seed": 3,
        "keep_cases": True, "progress": False, "command": ["fraudsim", *argv],
        "max_replications": 40, "precision_on": ("saved_fen", "lost_fen"),
    }


def test_options_leave_out_the_cap_and_measures_not_given(
    given_to: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """The experiment's own defaults (a cap of 200, every headline measure) then apply."""
    handle(["sweep", str(XIAMEN), "--vary", "response.analysts.staff=1,2", "--replications",
            "4"], capsys)
    assert "max_replications" not in given_to and "precision_on" not in given_to
    assert (given_to["policies"], given_to["replications"], given_to["progress"]) == (
        None, 4, True)
    assert given_to["positional"] == ({"response.analysts.staff": [1, 2]},)


# --- failures become messages and exit codes -----------------------------------------------------


@pytest.mark.parametrize(("error", "code", "message"), [
    (ReplicationError("policy a, replication 3", "ValueError: boom", None, 7), EXIT_FAILED,
     "fraudsim {cmd}: policy a, replication 3 failed: ValueError: boom\n"
     "the experiment stopped; 7 finished replications are kept in out/dir/; run the same "
     "command again to resume\n"),
    (KeyboardInterrupt(), EXIT_INTERRUPTED,
     "fraudsim {cmd}: interrupted; finished replications are kept in out/dir/; run the same "
     "command again to resume\n"),
])
@pytest.mark.parametrize("command", [["compare"], ["sweep", "--vary", "a=1"]])
def test_failures_are_one_message_and_an_exit_code(
    command: list[str], error: BaseException, code: int, message: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failed replication 1, Ctrl-C 130; what was kept and how to resume are explained."""
    def fail(*args: Any, **kwargs: Any) -> NoReturn:
        raise error

    monkeypatch.setattr("fraudsim.experiments.api.compare", fail)
    monkeypatch.setattr("fraudsim.experiments.api.run_sweep", fail)
    assert handle([command[0], str(XIAMEN), *command[1:], "--out", "out/dir"], capsys) == (
        code, "", message.format(cmd=command[0]))


def test_other_errors_are_not_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug is not dressed up as bad input: it propagates."""
    def fail(*args: Any, **kwargs: Any) -> NoReturn:
        raise ZeroDivisionError

    monkeypatch.setattr("fraudsim.experiments.api.compare", fail)
    handlers, args = parse(["compare", str(XIAMEN), "--out", "r"])
    with pytest.raises(ZeroDivisionError):
        handlers["compare"](args)


# --- the commands --------------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "folder"), [
    (["compare"], "xiamen-2023-compare"),
    (["sweep", "--vary", "banks.xiamen_bank.stop_latency_min=1"], "xiamen-2023-sweep"),
])
def test_results_go_to_a_folder_named_after_the_scenario_by_default(
    command: list[str], folder: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --out: results/<scenario>-compare or -sweep, in the working folder."""
    monkeypatch.chdir(tmp_path)
    handlers, args = parse([command[0], str(XIAMEN), *command[1:], "--replications", "2",
                            "--workers", "1", "--quiet"])
    assert handlers[command[0]](args) == 0
    out = capsys.readouterr().out
    assert out.rstrip().splitlines()[-1].startswith(f"results written to results/{folder}/ (")
    assert (tmp_path / "results" / folder / "manifest.json").is_file()


def test_a_malformed_vary_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """--vary without '=' is refused with exit code 2 and nothing written."""
    handlers, args = parse(["sweep", str(XIAMEN), "--vary", "banks.xiamen_bank.stop_latency_min",
                            "--out", str(tmp_path / "s"), "--workers", "1", "--quiet"])
    assert handlers["sweep"](args) == EXIT_BAD_INPUT
    assert "expected key.path=value1,value2" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()
