"""Argument types and exit codes shared by the ``fraudsim`` sub-commands.

The argument types are checked on their own (what they accept, and the
message of what they refuse) and inside a parser, where a refusal must end
in argparse's usage error with the project's bad-input exit code.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.cli_args import (
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    add_scenario_args,
    positive_share,
    whole_number,
)

INT64_MAX = 9_223_372_036_854_775_807


def parser_with(option: str, kind: Callable[[str], int]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fraudsim test")
    parser.add_argument(option, type=kind)
    return parser


def test_exit_codes_are_distinct_and_follow_the_shell_conventions() -> None:
    """1 a failure, 2 argparse's usage error, 130 = 128 + SIGINT as shells report Ctrl-C."""
    assert (EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED) == (1, 2, 128 + 2)


# --- whole numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("7", 7), (" 12 ", 12), ("+3", 3),
                                             (str(INT64_MAX), INT64_MAX)])
def test_whole_numbers_in_range_are_read(text: str, value: int) -> None:
    """Seeds go up to 2**63 - 1, the largest a result table can keep."""
    assert whole_number(0)(text) == value


@pytest.mark.parametrize("text", ["2.5", "1e3", "ten", "", "0x10"])
def test_text_that_is_not_a_whole_number_is_refused_by_name(text: str) -> None:
    """The message quotes what was given."""
    with pytest.raises(argparse.ArgumentTypeError, match=f"not a whole number: {text!r}"):
        whole_number(0)(text)


def test_the_lower_and_upper_bounds_are_inclusive() -> None:
    """whole_number(2, 5) takes 2 to 5 and says which bound the others break."""
    parse = whole_number(2, 5)
    assert [parse(str(n)) for n in range(2, 6)] == [2, 3, 4, 5]
    with pytest.raises(argparse.ArgumentTypeError, match="must be at least 2"):
        parse("1")
    with pytest.raises(argparse.ArgumentTypeError, match="must be at most 5"):
        parse("6")


def test_the_default_upper_bound_is_the_largest_64_bit_integer() -> None:
    """One above 2**63 - 1 would not fit in the results' int64 columns."""
    with pytest.raises(argparse.ArgumentTypeError, match=f"must be at most {INT64_MAX}"):
        whole_number(0)(str(INT64_MAX + 1))


@settings(max_examples=50)
@given(st.integers(-1000, 1000), st.integers(-1000, 1000), st.integers(0, 1000))
def test_whole_number_accepts_exactly_its_range(value: int, least: int, span: int) -> None:
    """A number is read back unchanged if and only if least <= value <= least + span."""
    parse = whole_number(least, least + span)
    if least <= value <= least + span:
        assert parse(str(value)) == value
    else:
        with pytest.raises(argparse.ArgumentTypeError):
            parse(str(value))


def test_a_refused_whole_number_is_a_usage_error_with_exit_code_2(
    capsys: pytest.CaptureFixture[str]
) -> None:
    """Inside a parser the refusal becomes ``error: argument --n: must be at least 1``."""
    parser = parser_with("--n", whole_number(1))
    assert parser.parse_args(["--n", "4"]).n == 4
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--n", "0"])
    assert info.value.code == EXIT_BAD_INPUT
    assert "error: argument --n: must be at least 1" in capsys.readouterr().err


# --- positive shares -------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("0.05", 0.05), ("1", 1.0), ("2.5", 2.5),
                                             ("1e-3", 0.001)])
def test_positive_shares_are_read(text: str, value: float) -> None:
    """A relative precision such as 0.05 (±5%); above 1 is allowed, only the sign matters."""
    assert positive_share(text) == value


@pytest.mark.parametrize("text", ["0", "-0.1", "inf", "nan", "-inf"])
def test_zero_negative_and_non_finite_shares_are_refused(text: str) -> None:
    """A half-width of 0 or infinity is no precision rule; NaN compares with nothing."""
    with pytest.raises(argparse.ArgumentTypeError, match=r"must be a positive share, e\.g\. 0\.05"):
        positive_share(text)


def test_a_share_that_is_not_a_number_is_refused_by_name() -> None:
    """The message quotes what was given."""
    with pytest.raises(argparse.ArgumentTypeError, match="not a number: '5%'"):
        positive_share("5%")


# --- the scenario argument -------------------------------------------------------------------


def scenario_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="fraudsim test")
    add_scenario_args(parser, "the file")
    return parser


def test_the_scenario_is_a_path_and_overrides_default_to_none() -> None:
    """Without --set there are no overrides (an empty list, not None)."""
    args = scenario_parser().parse_args(["dir/s.toml"])
    assert args.scenario == Path("dir/s.toml")
    assert args.overrides == []


def test_overrides_accumulate_in_the_order_given() -> None:
    """Later --set values override earlier ones, so the order must be kept."""
    args = scenario_parser().parse_args(["s.toml", "--set", "a.b=1", "--set", "c=\"x y\"",
                                         "--set", "a.b=2"])
    assert args.overrides == ["a.b=1", 'c="x y"', "a.b=2"]


def test_each_parser_gets_its_own_override_list() -> None:
    """Parsing twice must not carry overrides from one command line into the next."""
    parser = scenario_parser()
    parser.parse_args(["s.toml", "--set", "a=1"])
    assert parser.parse_args(["s.toml"]).overrides == []


def test_the_scenario_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    """Forgetting the file is a usage error naming the argument."""
    with pytest.raises(SystemExit) as info:
        scenario_parser().parse_args([])
    assert info.value.code == EXIT_BAD_INPUT
    assert "the following arguments are required: scenario" in capsys.readouterr().err


def test_the_help_says_what_the_file_is_and_how_to_override() -> None:
    """The description given by the sub-command, and an example of --set."""
    text = scenario_parser().format_help()
    assert "the file" in text
    assert "--set KEY=VALUE" in text
    assert "banks.b1.stop_latency_min=10" in text
