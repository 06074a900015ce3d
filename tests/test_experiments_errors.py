"""Why an experiment stops early (fraudsim/experiments/errors.py): bad input, or a failed run."""

from __future__ import annotations

import copy
import pickle

from hypothesis import given, settings
from hypothesis import strategies as st

import fraudsim.experiments as experiments
from fraudsim.experiments.errors import ExperimentError, ReplicationError

TEXT = st.text(max_size=40)
TRACEBACK = "Traceback (most recent call last): ..."


def failure(kept: int = 4, detail: str | None = TRACEBACK) -> ReplicationError:
    """A replication error as the experiment engine raises it."""
    return ReplicationError("replication 2 of policy 'as_reported' (seed 7)",
                            "RuntimeError: disk on fire", detail, kept)


def test_a_replication_error_names_the_run_and_its_failure() -> None:
    """The message is what the command line prints: which run failed, and how."""
    err = failure()
    assert str(err) == ("replication 2 of policy 'as_reported' (seed 7) failed: "
                        "RuntimeError: disk on fire")
    assert err.what == "replication 2 of policy 'as_reported' (seed 7)"
    assert err.error == "RuntimeError: disk on fire"
    assert err.detail == TRACEBACK
    assert err.kept == 4


def test_a_replication_error_without_a_traceback_keeps_none() -> None:
    """A worker lost outright sends no traceback: the detail stays None, not a made-up text."""
    err = failure(kept=0, detail=None)
    assert err.detail is None and err.kept == 0
    assert "None" not in str(err)


@settings(max_examples=30)
@given(what=TEXT, error=TEXT, detail=st.none() | TEXT, kept=st.integers(0, 10**6))
def test_the_message_is_what_failed_then_the_error(
    what: str, error: str, detail: str | None, kept: int
) -> None:
    """Whatever the texts, the message is ``<what> failed: <error>`` and the parts are kept."""
    err = ReplicationError(what, error, detail, kept)
    assert err.args == (f"{what} failed: {error}",)
    assert (err.what, err.error, err.detail, err.kept) == (what, error, detail, kept)


def test_the_two_kinds_are_caught_apart() -> None:
    """Bad input (exit code 2) and a failed run (exit code 1) must not be caught as each other.

    The command line tells them apart with two ``except`` clauses; if either
    were a subclass of the other, one exit code would swallow the other.
    """
    assert not issubclass(ReplicationError, ExperimentError)
    assert not issubclass(ExperimentError, ReplicationError)


def test_both_are_ordinary_exceptions() -> None:
    """``except Exception`` in a caller's script catches both (neither is a BaseException only)."""
    assert issubclass(ExperimentError, Exception) and issubclass(ReplicationError, Exception)


def test_an_experiment_error_keeps_its_message() -> None:
    """The message is printed as is after ``fraudsim compare:``."""
    err = ExperimentError("the seed must be a non-negative integer")
    assert str(err) == "the seed must be a non-negative integer"


def test_the_package_exports_the_same_classes() -> None:
    """``from fraudsim.experiments import ...`` gives the classes the engine raises."""
    assert experiments.ExperimentError is ExperimentError
    assert experiments.ReplicationError is ReplicationError


def test_a_replication_error_crosses_processes_whole() -> None:
    """A process pool or Dask sends the error back pickled: all four parts must survive."""
    err = failure(kept=3)
    for back in (pickle.loads(pickle.dumps(err)), copy.copy(err)):
        assert isinstance(back, ReplicationError)
        assert (back.what, back.error, back.detail, back.kept) == (
            err.what, err.error, err.detail, 3)
        assert str(back) == str(err)
