"""Early warning: flags, dissuasion calls and false positives (fraudsim/model/warning.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from fraudsim.model.cases import Case
from fraudsim.model.world import RawRun, run_world
from fraudsim.records import resources_table
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import busy

CALL_MIN = 1.0


def warned_city(overrides: Sequence[str] = ()) -> Scenario:
    """The busy city with early warning on and dissuasion as the only stopper.

    Half the victims are flagged a random lead (mean 30 min) after the contact,
    so some are warned before their first payment (20 min after the contact)
    and some after.
    """
    raw = busy(
        [
            "early_warning.enabled=true",
            "early_warning.flag_share=0.5",
            'early_warning.lead_min={kind="exponential",mean=30}',
            f"early_warning.call_min={CALL_MIN}",
            "early_warning.success_prob=1",
            "early_warning.unanswered_share=0",
            "early_warning.team.staff=1000",
            "scam_types.customer_service.self_stop_prob=0",
            "scam_types.customer_service.report_prob=0",
            *overrides,
        ]
    ).model_dump(by_alias=True)
    raw["scripted_cases"] = []
    return validate_scenario(raw)


def flagged(run: RawRun) -> list[Case]:
    return [c for c in run.cases if c.flagged]


def test_a_convincing_answered_call_stops_every_payment_due_after_it() -> None:
    run = run_world(warned_city())
    before = after = 0
    for c in flagged(run):
        assert c.warned_min == c.warning_min + CALL_MIN  # nobody waits for the team
        due_before = [k for k, t in enumerate(c.pay_times) if t < c.warned_min]
        assert len(c.l1_accounts) == len(due_before)
        assert c.prevented["dissuasion"] == c.exposed_fen - c.paid_fen
        if c.warned_min < c.first_pay_min:
            before += 1
            assert c.paid_fen == 0
            assert c.prevented["dissuasion"] == c.exposed_fen
            assert c.halted_by == "dissuasion"
        else:
            after += 1
    assert before > 10 and after > 10  # both situations occurred
    for c in run.cases:
        if not c.flagged:
            assert c.prevented["dissuasion"] == 0
            assert math.isnan(c.warned_min)


def test_unanswered_calls_dissuade_nobody() -> None:
    run = run_world(warned_city(["early_warning.unanswered_share=1"]))
    assert flagged(run)
    assert all(c.warned_min == c.warning_min + CALL_MIN for c in flagged(run))  # calls made
    assert sum(c.prevented["dissuasion"] for c in run.cases) == 0
    assert sum(c.paid_fen for c in run.cases) == sum(c.exposed_fen for c in run.cases)


def test_answered_but_unconvincing_calls_dissuade_nobody() -> None:
    run = run_world(warned_city(["early_warning.success_prob=0"]))
    assert flagged(run)
    assert sum(c.prevented["dissuasion"] for c in run.cases) == 0


def test_without_a_team_flagged_victims_are_never_called() -> None:
    run = run_world(warned_city(["early_warning.team.staff=0"]))
    assert flagged(run)
    assert all(math.isnan(c.warned_min) for c in run.cases)
    (team,) = [m for m in run.monitors if m.name == "warning_team"]
    assert sum(int(r["arrivals"]) for r in team.rows(run.end_min)) == len(flagged(run))
    assert team.rows(run.end_min)[-1]["mean_queue"] == len(flagged(run))


def test_false_positives_are_counted_as_arrivals_and_load_the_team() -> None:
    fp = ["early_warning.false_positives_per_hour=20", "early_warning.team.staff=1"]
    run = run_world(warned_city(["early_warning.flag_share=0", *fp]))
    assert not flagged(run)
    n = run.false_positive_flags
    horizon_h = 5 * 24
    assert abs(n - 20 * horizon_h) < 5 * math.sqrt(20 * horizon_h)  # Poisson count
    resources = resources_table(run).to_pylist()
    team = [r for r in resources if r["resource"] == "warning_team"]
    assert sum(r["arrivals"] for r in team) == n
    assert sum(r["starts"] for r in team) == n  # every call made by the end
    busy_minutes = sum(r["mean_busy"] * (r["bin_end_min"] - r["bin_start_min"]) for r in team)
    assert busy_minutes == pytest.approx(n * CALL_MIN)  # each call keeps one server busy


def test_false_positives_make_real_victims_wait_longer() -> None:
    team = ["early_warning.team.staff=1", "early_warning.call_min=2"]
    quiet = run_world(warned_city(team))
    loaded = run_world(warned_city([*team, "early_warning.false_positives_per_hour=20"]))
    assert quiet.false_positive_flags == 0
    assert loaded.false_positive_flags > 0
    # The same victims are flagged at the same times (common random numbers) ...
    pairs = list(zip(flagged(quiet), flagged(loaded), strict=True))
    assert all(a.warning_min == b.warning_min for a, b in pairs)
    # ... and a FIFO server given extra jobs never serves anyone earlier.
    assert all(b.warned_min >= a.warned_min for a, b in pairs)
    extra_wait = np.mean([b.warned_min - a.warned_min for a, b in pairs])
    assert extra_wait > 0.5  # utilisation 2/3 from the false flags alone
    assert sum(b.paid_fen == 0 for _, b in pairs) <= sum(a.paid_fen == 0 for a, _ in pairs)


def test_disabled_early_warning_flags_nobody_and_has_no_false_positives() -> None:
    run = run_world(
        warned_city(["early_warning.enabled=false", "early_warning.false_positives_per_hour=20"])
    )
    assert run.false_positive_flags == 0
    assert not flagged(run)
    (team,) = [m for m in run.monitors if m.name == "warning_team"]
    assert sum(int(r["arrivals"]) for r in team.rows(run.end_min)) == 0


def test_the_trace_of_a_flagged_victim_shows_the_warning_call() -> None:
    scenario = warned_city()
    first = run_world(scenario)
    target = next(c for c in flagged(first) if c.warned_min < c.first_pay_min)
    run = run_world(scenario, trace_case=target.id)
    events = [(e.event, e.detail) for e in run.trace]
    assert ("flagged", "risk model flags the victim") in events
    assert ("warning_call", "victim dissuaded") in events
    assert ("payment", "installment 1 of 1") not in events
    times = [e.time_min for e in run.trace]
    assert times == sorted(times)
