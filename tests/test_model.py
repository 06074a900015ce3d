"""The model's behaviour on reduced scenarios whose answers are known.

What a finished world leaves in memory: tests/test_model_memory.py.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from fraudsim import simulate
from fraudsim.api import SimulationResult
from fraudsim.model.world import build_world, run_world
from fraudsim.rng import Streams
from tests.conftest import busy, xiamen

YUAN_1_5M = 150_000_000  # fen


def one_row(result: SimulationResult) -> dict[str, Any]:
    rows = result.cases.to_pylist()
    assert len(rows) == 1
    row: dict[str, Any] = rows[0]
    return row


class TestXiamenReplay:
    def test_stop_three_minutes_after_report_saves_everything(self) -> None:
        row = one_row(simulate(xiamen()))
        assert row["exposed_fen"] == YUAN_1_5M
        assert row["paid_fen"] == YUAN_1_5M
        assert row["frozen_fen"] == YUAN_1_5M
        assert row["cashed_out_fen"] == 0
        assert row["first_stop_min"] - row["report_min"] == pytest.approx(3.0)
        assert row["patrol_arrival_min"] - row["report_min"] == pytest.approx(3.0)

    def test_stop_after_the_money_moved_on_loses_it(self) -> None:
        row = one_row(simulate(xiamen(["banks.xiamen_bank.stop_latency_min=30"])))
        assert row["frozen_fen"] == 0
        assert row["cashed_out_fen"] == YUAN_1_5M
        assert row["hops_traced"] >= 1

    def test_stop_just_before_the_dwell_ends_still_saves(self) -> None:
        # The first-level dwell is 22 minutes; 0.5 (call) + 21 (bank) is earlier.
        row = one_row(simulate(xiamen(["banks.xiamen_bank.stop_latency_min=21"])))
        assert row["frozen_fen"] == YUAN_1_5M

    def test_tracing_catches_the_next_layer_when_fast_enough(self) -> None:
        # Too slow for layer 1 (22 min dwell) but traced in time at layer 2 (8 more minutes).
        row = one_row(
            simulate(
                xiamen(
                    [
                        "banks.xiamen_bank.stop_latency_min=1",
                        "response.call_takers.handling_min=22",
                        "banks.xiamen_bank.inquiry_latency_min=0.5",
                    ]
                )
            )
        )
        assert row["frozen_fen"] == YUAN_1_5M
        assert row["hops_traced"] == 1


def test_unlimited_staff_and_instant_banks_mean_nobody_waits() -> None:
    result = simulate(busy_unlimited())  # type: ignore[arg-type]
    t = result.cases
    report = t.column("report_min").to_numpy(zero_copy_only=False)
    call = t.column("call_start_min").to_numpy(zero_copy_only=False)
    start = t.column("case_start_min").to_numpy(zero_copy_only=False)
    stop = t.column("first_stop_min").to_numpy(zero_copy_only=False)
    reported = ~np.isnan(report)
    assert reported.sum() > 50
    assert np.array_equal(call[reported], report[reported])
    assert np.array_equal(start[reported], report[reported])
    has_stop = ~np.isnan(stop)
    assert np.array_equal(stop[has_stop], report[has_stop])
    waits = {m.metric: m.value for m in result.summary if "_wait_" in m.metric}
    for team in ("call_takers", "analysts", "patrols"):
        assert waits[f"{team}_wait_mean_min"] == 0.0
        assert waits[f"{team}_wait_p90_min"] == 0.0
    # Early warning is off here: its team serves nobody, so it has no wait at all.
    assert math.isnan(waits["warning_team_wait_mean_min"])


def busy_unlimited() -> object:
    """The busy city with infinite staff, instant banks and no cross-region delay."""
    from fraudsim.scenario import apply_overrides
    from fraudsim.scenario.loading import validate_scenario

    raw = busy().model_dump(by_alias=True)
    for team in ("call_takers", "analysts", "patrols"):
        raw["response"][team].update(staff=None, shifts=None, unlimited=True)
    raw = apply_overrides(
        raw,
        [
            "response.call_takers.handling_min=0",
            "banks.xiamen_bank.stop_latency_min=0",
            "banks.xiamen_bank.inquiry_latency_min=0",
            "cross_region.default_delay_min=0",
            "cross_region.cooperation=true",
        ],
    )
    return validate_scenario(raw)


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = lam / mu
    top = a**c / math.factorial(c) * c / (c - a)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return p_wait / (c * mu - lam)


def analyst_queue(c: int, mean_service: float, lam_per_h: float, seed: int) -> object:
    """Analyst-only reduction: Poisson reports, exponential handling, c analysts."""
    from fraudsim.scenario.loading import validate_scenario

    raw = xiamen(
        [
            f"contacts.rate_per_hour={lam_per_h}",
            "scam_types.customer_service.grooming_min=0",
            "victims.report_lag_min=0",
            f"response.analysts.staff={c}",
            f'response.analysts.handling_min={{kind="exponential",mean={mean_service}}}',
            "response.call_takers.handling_min=0",
            "response.patrols.dispatch_prob=0",
            "time.horizon_days=20",
            "time.drain_days=0.5",
            f"seed={seed}",
        ]
    ).model_dump(by_alias=True)
    raw["response"]["call_takers"].update(staff=None, unlimited=True)
    raw["scripted_cases"] = []
    return validate_scenario(raw)


def test_analyst_queue_matches_erlang_c() -> None:
    c, mean_service, lam_per_h = 3, 20.0, 6.0  # utilisation 2/3
    expected = erlang_c_wait(lam_per_h / 60, 1 / mean_service, c)
    means = []
    for rep in range(12):
        scenario = analyst_queue(c, mean_service, lam_per_h, seed=1000)
        result = simulate(scenario, replication=rep)  # type: ignore[arg-type]
        means.append(result.metric("analysts_wait_mean_min"))
    arr = np.asarray(means)
    half = 2.201 * arr.std(ddof=1) / math.sqrt(len(arr))  # t(0.975, 11)
    assert abs(arr.mean() - expected) < half, (arr.mean(), half, expected)


def test_adding_a_stream_leaves_other_streams_unchanged() -> None:
    a = Streams(7).generator("network.routing").random(5)
    streams = Streams(7)
    streams.generator("a.brand.new.stream").random(100)
    b = streams.generator("network.routing").random(5)
    assert np.array_equal(a, b)


def test_switching_a_feature_on_does_not_change_the_victims() -> None:
    """Common random numbers: a policy changes what is done, not the scams."""
    base = run_world(busy())
    warned = run_world(
        busy(
            [
                "early_warning.enabled=true",
                "early_warning.flag_share=0.5",
                "early_warning.team.staff=2",
                "early_warning.success_prob=0.5",
                "early_warning.lead_min=5",
            ]
        )
    )
    assert [c.contact_min for c in base.cases] == [c.contact_min for c in warned.cases]
    assert [c.installments for c in base.cases] == [c.installments for c in warned.cases]
    assert sum(c.prevented["dissuasion"] for c in warned.cases) > 0


def test_replications_differ_and_seeds_reproduce() -> None:
    s = busy()
    r0 = simulate(s, replication=0).cases
    r1 = simulate(s, replication=1).cases
    assert r0.column("contact_min") != r1.column("contact_min")
    again = simulate(s, replication=1).cases
    assert again.column("exposed_fen").equals(r1.column("exposed_fen"))


def test_a_built_world_has_not_run_and_runs_as_run_world_does() -> None:
    s = busy()
    world = build_world(s, trace_case=3)
    assert world.clock.now == 0.0 and world.clock.events_processed == 0
    assert world.cases[3].traced and not world.trace
    assert all(c.paid_fen == 0 for c in world.cases)
    # Stopped midway and run on, the world ends as run_world's does.
    world.clock.run_to(world.end_min / 3)
    world.clock.run_to(world.end_min)
    run = run_world(s, trace_case=3)
    assert world.clock.events_processed == run.events_processed > 0
    assert sum(c.paid_fen for c in run.cases) > 0
    assert [c.paid_fen for c in world.cases] == [c.paid_fen for c in run.cases]
    assert [c.cashed_out_fen for c in world.cases] == [c.cashed_out_fen for c in run.cases]
    assert [(e.time_min, e.event) for e in world.trace] == [
        (e.time_min, e.event) for e in run.trace
    ]


def test_freezing_a_pooled_account_returns_each_victim_her_share() -> None:
    # One mule account for everyone, a long dwell: all victims' money pools there.
    s = busy(
        [
            "mule_network.accounts_per_bank=1",
            "mule_network.layers.0.dwell_min=100000",
            "response.stop_payment.freeze_prob=1",
            "banks.xiamen_bank.freeze_latency_min=1",
        ]
    )
    t = simulate(s).cases
    frozen = t.column("frozen_fen").to_numpy()
    paid = t.column("paid_fen").to_numpy()
    last_paid = t.column("last_payment_min").to_numpy(zero_copy_only=False)
    accounts_frozen = t.column("accounts_frozen").to_numpy()
    assert frozen.sum() > 0
    assert (frozen <= paid).all()
    # Until the first stop retires it, the one account receives every payment;
    # its freeze (freeze_prob 1) then returns each victim who had paid all she
    # would by then exactly what she paid, from that one account.
    first_stop = np.nanmin(t.column("first_stop_min").to_numpy(zero_copy_only=False))
    pooled = (paid > 0) & (last_paid < first_stop)
    assert pooled.sum() >= 2  # several victims' money shared the account
    assert np.array_equal(frozen[pooled], paid[pooled])
    assert (accounts_frozen[pooled] == 1).all()


def test_delayed_credit_lets_a_report_recall_the_payment() -> None:
    row = one_row(
        simulate(
            xiamen(
                [
                    "mule_network.delayed_credit.enabled=true",
                    "mule_network.delayed_credit.threshold_fen=5000000",
                    "mule_network.delayed_credit.delay_min=1440",
                ]
            )
        )
    )
    assert row["prevented_by_recall_fen"] == YUAN_1_5M
    assert row["paid_fen"] == 0


def test_withdrawal_delay_keeps_money_stoppable() -> None:
    # Slow bank (30 min) loses the money; a 24 h withdrawal delay on the last layer
    # keeps it in reach of the traced stops.
    slow = ["banks.xiamen_bank.stop_latency_min=30"]
    lost = one_row(simulate(xiamen(slow)))
    kept = one_row(
        simulate(
            xiamen(
                [
                    *slow,
                    "mule_network.withdrawal_delay.enabled=true",
                    "mule_network.withdrawal_delay.threshold_fen=1",
                    "mule_network.withdrawal_delay.delay_min=1440",
                ]
            )
        )
    )
    assert lost["cashed_out_fen"] == YUAN_1_5M
    assert kept["frozen_fen"] == YUAN_1_5M


def test_guidance_stops_the_remaining_installments() -> None:
    scenario = xiamen()
    raw = scenario.model_dump(by_alias=True)
    case = raw["scripted_cases"][0]
    case.update(installments_fen=[1000, 2000, 3000], gap_min=10, realisation_min=0, self_stop=False)
    from fraudsim.scenario.loading import validate_scenario

    row = one_row(simulate(validate_scenario(raw)))
    # First payment at t, report at t, guidance at t + 0.5: payments 2 and 3 never made.
    assert row["installments_paid"] == 1
    assert row["prevented_by_guidance_fen"] == 5000
    assert row["halted_by"] == "guidance"


@pytest.mark.parametrize("triage", ["fifo", "lifo", "largest_first", "freshest_first"])
def test_every_triage_rule_serves_every_case(triage: str) -> None:
    result = simulate(busy([f"response.analysts.triage={triage}", "response.analysts.staff=1"]))
    t = result.cases
    called = ~np.isnan(t.column("call_start_min").to_numpy(zero_copy_only=False))
    started = ~np.isnan(t.column("case_start_min").to_numpy(zero_copy_only=False))
    # One analyst, any order of the queue: every case taken down is worked
    # before the drain ends, none lost or served twice (a rule that drops
    # or starves a waiting case fails here).
    assert called.sum() > 50
    assert np.array_equal(started, called)


def test_largest_first_serves_big_losses_sooner() -> None:
    def wait_by_size(triage: str) -> float:
        t = simulate(
            busy(
                [
                    f"response.analysts.triage={triage}",
                    "response.analysts.staff=1",
                    'response.analysts.handling_min={kind="exponential",mean=40}',
                ]
            )
        ).cases
        paid = t.column("paid_fen").to_numpy()
        wait = t.column("case_start_min").to_numpy(zero_copy_only=False) - t.column(
            "call_start_min"
        ).to_numpy(zero_copy_only=False)
        ok = ~np.isnan(wait)
        big = paid[ok] >= np.quantile(paid[ok], 0.9)
        return float(wait[ok][big].mean())

    assert wait_by_size("largest_first") < wait_by_size("fifo")


def test_shifts_change_staffing_over_the_day() -> None:
    # Analysts only 08:00-20:00: reports at night wait for the morning.
    result = simulate(_day_shift_only())  # type: ignore[arg-type]
    r = result.resources.to_pylist()
    night = [x for x in r if x["resource"] == "analysts" and (x["bin_start_min"] % 1440) < 420]
    day = [
        x for x in r if x["resource"] == "analysts" and 600 <= (x["bin_start_min"] % 1440) < 1080
    ]
    assert all(x["mean_capacity"] == 0 for x in night)
    assert all(x["mean_capacity"] == 2 for x in day)
    assert max(x["mean_queue"] for x in night) > 0


def _day_shift_only() -> object:
    from fraudsim.scenario.loading import validate_scenario

    raw = busy().model_dump(by_alias=True)
    raw["response"]["analysts"].update(
        staff=None, shifts=[{"start_hour": 8, "hours": 12, "staff": 2}]
    )
    return validate_scenario(raw)
