"""Every verification check fails when the model component it checks is broken.

Each test breaks one part of the model (or of its bookkeeping) with a
monkeypatch, runs the checks that should notice, and asserts that they fail
(and, where it matters, that checks of unbroken parts still pass). Tests that
patch the model's classes are marked ``pure_python``: a compiled engine's
classes cannot be patched, and the checks themselves do not depend on it.
"""

from __future__ import annotations

from typing import Any

import pytest
from librt.vecs import vec

from fraudsim.model.cases import Case
from fraudsim.model.monitor import BinnedMonitor
from fraudsim.model.network import Account, Network
from fraudsim.model.payments import Payments
from fraudsim.model.staff import ServerPool
from fraudsim.rng import Sampler, Streams
from fraudsim.scenario.distributions import Lognormal
from fraudsim.verify import QUICK
from fraudsim.verify.base import load_base
from fraudsim.verify.delays import delay_checks
from fraudsim.verify.money import BUSY_WORLD, money_checks
from fraudsim.verify.queues import infinite_server_checks, queue_checks
from fraudsim.verify.results import CheckResult


@pytest.fixture(scope="module")
def base() -> dict[str, Any]:
    return load_base()


def by(rows: list[CheckResult], check: str) -> list[CheckResult]:
    found = [r for r in rows if r.check.startswith(check)]
    assert found, check
    return found


# --- queues ----------------------------------------------------------------------------------


@pytest.mark.pure_python
def test_one_server_too_many_fails_erlang_c(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ServerPool.__init__

    def one_more(self: ServerPool, clock: Any, name: str, weekly: list[int], *rest: Any) -> None:
        original(self, clock, name, [c + 1 for c in weekly], *rest)

    monkeypatch.setattr(ServerPool, "__init__", one_more)
    rows = queue_checks(base, QUICK.replications)
    assert not any(r.passed for r in by(rows, "M/M/c P(wait)"))
    assert not any(r.passed for r in by(rows, "M/M/c mean wait"))
    # Busy servers are lambda/mu whatever c is, and Little's law is bookkeeping: both hold.
    assert all(r.passed for r in by(rows, "M/M/c busy servers"))
    assert all(r.passed for r in by(rows, "Little's law"))


@pytest.mark.pure_python
def test_one_server_missing_fails_erlang_c(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ServerPool.__init__

    def one_less(self: ServerPool, clock: Any, name: str, weekly: list[int], *rest: Any) -> None:
        original(self, clock, name, [max(1, c - 1) for c in weekly], *rest)

    monkeypatch.setattr(ServerPool, "__init__", one_less)
    rows = queue_checks(base, 4)  # every stage is now unstable: waits grow without bound
    assert not any(r.passed for r in by(rows, "M/M/c mean wait"))


class Scaled:
    """A sampler whose values are all ``factor`` times too large."""

    def __init__(self, inner: Sampler, factor: float) -> None:
        self.inner, self.factor = inner, factor

    def next(self) -> float:
        return self.factor * self.inner.next()


SERVICE_STREAMS = ("response.call_takers.handling", "response.analysts.handling",
                   "response.patrols.on_scene", "warning.call")


@pytest.mark.pure_python
def test_longer_service_fails_busy_servers(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Streams.sampler

    def longer(self: Streams, name: str, dist: Any, chunk: int = 1024) -> Any:
        inner = original(self, name, dist, chunk)
        return Scaled(inner, 1.25) if name in SERVICE_STREAMS else inner

    monkeypatch.setattr(Streams, "sampler", longer)
    rows = queue_checks(base, QUICK.replications)
    assert not any(r.passed for r in by(rows, "M/M/c busy servers"))


@pytest.mark.pure_python
def test_misrecorded_waits_fail_littles_law(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = BinnedMonitor.start
    monkeypatch.setattr(BinnedMonitor, "start",
                        lambda self, now, wait: original(self, now, 0.9 * wait))
    rows = queue_checks(base, 2)
    assert not any(r.passed for r in by(rows, "Little's law"))


@pytest.mark.pure_python
def test_lost_queue_time_fails_littles_law(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = BinnedMonitor.set_state
    monkeypatch.setattr(BinnedMonitor, "set_state",
                        lambda self, now, q, busy, cap: original(self, now, q // 2, busy, cap))
    rows = queue_checks(base, 2)
    assert not any(r.passed for r in by(rows, "Little's law"))


def test_finite_unlimited_team_fails_infinite_servers(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert all(r.passed for r in infinite_server_checks(base))
    monkeypatch.setattr("fraudsim.scenario.staffing.UNLIMITED", 2)
    rows = infinite_server_checks(base)
    assert len(rows) == 4 and not any(r.passed for r in rows)


# --- delays ----------------------------------------------------------------------------------


def test_wider_lognormal_sampler_fails_only_the_lognormal_fits(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Lognormal.params
    monkeypatch.setattr(Lognormal, "sample", lambda self, rng, n: rng.lognormal(
        original(self)[0], 1.3 * original(self)[1], n))
    rows = {r.subject: r.passed for r in delay_checks(base, QUICK.payments)}
    assert not rows["layer 1"] and not rows["bank_a"]  # the lognormal ones
    assert rows["layer 2"] and rows["layer 3"] and rows["atm"] and rows["bank_b"]


@pytest.mark.pure_python
def test_dwell_off_by_minutes_fails_the_dwell_fits(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Network._samplers

    class Late:
        def __init__(self, inner: Sampler) -> None:
            self.inner = inner

        def next(self) -> float:
            return self.inner.next() + 3.0

    def late_layer_2(self: Network, scenario: Any, streams: Any) -> None:
        original(self, scenario, streams)
        self.dwell[1] = Late(self.dwell[1])  # type: ignore[call-overload]  # duck-typed sampler

    monkeypatch.setattr(Network, "_samplers", late_layer_2)
    rows = {r.subject: r.passed for r in delay_checks(base, QUICK.payments)}
    assert not rows["layer 2"]  # three minutes on a gamma with mean 12
    assert rows["layer 1"] and rows["layer 3"]


@pytest.mark.pure_python
def test_wrong_channel_delay_fails_the_cash_out_fit(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Network._plan_sweep

    def swapped(self: Network, account: Account) -> None:
        original(self, account)
        account.channel = 1 - account.channel  # cash out through the other channel

    monkeypatch.setattr(Network, "_plan_sweep", swapped)
    rows = {r.subject: r.passed for r in delay_checks(base, QUICK.payments)}
    assert not rows["atm"] and not rows["crypto"]


@pytest.mark.pure_python
def test_broken_bank_latency_fails_the_bank_fit(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fraudsim.model.response import Response

    original = Response.request_stop

    def slower(self: Response, case: Any, acct: int, depth: int) -> bool:
        self.xdelay = [vec[float]([5.0] * len(row)) for row in self.xdelay]  # within a region too
        return original(self, case, acct, depth)

    monkeypatch.setattr(Response, "request_stop", slower)
    rows = {r.subject: r.passed for r in delay_checks(base, QUICK.payments)}
    assert not rows["bank_a"] and not rows["bank_b"]


# --- money -----------------------------------------------------------------------------------


def test_conservation_passes_unbroken(base: dict[str, Any]) -> None:
    assert all(r.passed for r in money_checks(base))


def test_a_corrupted_money_column_fails_conservation(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import fraudsim.records as records

    original = records.money_columns

    def corrupt(run: Any, cases: Any) -> dict[str, Any]:
        columns = original(run, cases)  # the model's own identity check has passed by now
        cashed = columns["cashed_out_fen"].copy()
        cashed[::7] += 1
        return {**columns, "cashed_out_fen": cashed}

    monkeypatch.setattr(records, "money_columns", corrupt)
    rows = {r.subject: r.passed for r in money_checks(base)}
    assert not rows["exposure"] and not rows["paid money"] and not rows["cash-out channels"]
    assert rows["stoppers"]


@pytest.mark.pure_python
def test_an_untallied_channel_fails_conservation(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Network._cash_out

    def untallied(self: Network, account: Account, cid: int, fen: int) -> None:
        original(self, account, cid, fen)
        self.cashed_by_channel[account.channel] -= 1

    monkeypatch.setattr(Network, "_cash_out", untallied)
    rows = {r.subject: r.passed for r in money_checks(base)}
    assert not rows["cash-out channels"]
    assert rows["exposure"]


@pytest.mark.pure_python
def test_a_halt_credited_to_one_stopper_and_named_for_another_fails_the_stoppers(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Guidance's prevented money said to be a patrol's: every fen still adds up."""
    original = Payments.halt

    def mislabelled(self: Payments, case: Case, by: str, when: float) -> None:
        original(self, case, by, when)
        if case.halted_by == "guidance":
            case.halted_by = "patrol"

    monkeypatch.setattr(Payments, "halt", mislabelled)
    rows = {r.subject: r.passed for r in money_checks(base)}
    assert not rows["stoppers"]
    assert rows["exposure"] and rows["paid money"] and rows["cash-out channels"]


@pytest.mark.pure_python
def test_a_leaking_split_fails_conservation(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Network._forward

    def leaky(self: Network, account: Account, cid: int, fen: int) -> None:
        original(self, account, cid, fen - (fen % 2))  # an odd fen is lost

    monkeypatch.setattr(Network, "_forward", leaky)
    rows = money_checks(base)
    assert len(rows) == 1 and not rows[0].passed
    assert "ConservationError" in rows[0].observed


def test_a_reduction_missing_an_outcome_fails_coverage(
    base: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    without = tuple(o for o in BUSY_WORLD if not o.startswith("mule_network.delayed_credit"))
    monkeypatch.setattr("fraudsim.verify.money.BUSY_WORLD", without)
    rows = {r.subject: r for r in money_checks(base)}
    assert not rows["coverage"].passed
    assert "in_transit" in rows["coverage"].observed
