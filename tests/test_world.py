"""One run of the model (fraudsim/model/world.py): building it, admitting cases, the RawRun.

The world's parts are tested in their own files; here, what the world adds:
the seed and end of a run, the case to trace, the admitter that hands cases
to payments one contact time after another, and what a finished run hands
back. Nothing here patches a model class, so it runs on either engine.
"""

from __future__ import annotations

import gc
from functools import lru_cache
from typing import Any

import numpy as np
import pytest

from fraudsim.model.caserows import case_numbers
from fraudsim.model.cases import Case
from fraudsim.model.kernel import Call
from fraudsim.model.world import AccountState, RawRun, World, build_world, run_world
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import busy, xiamen

ONE_DAY = ["time.horizon_days=1", "time.drain_days=0.5"]
"""The busy city over a day and a half: 44 cases, under a thousand happenings."""

WARNED = [
    "time.horizon_days=1", "time.drain_days=0",
    "mule_network.cash_out.atm.share=0.5",
    "mule_network.cash_out.crypto={share=0.5,delay_min=30}",
    "early_warning.enabled=true", "early_warning.false_positives_per_hour=2",
    "early_warning.team.staff=1",
]
"""Two cash-out channels, false warning flags (and no true ones), stopped mid-flow."""


@lru_cache(maxsize=1)
def warned_run() -> RawRun:
    """A run of the busy city with :data:`WARNED`, made once for the module."""
    return run_world(busy(WARNED))


def admissions(world: World) -> list[float]:
    """Times of the pending admissions of new cases."""
    return [e[0] for e in world.clock.pending_entries()
            if isinstance(e[2], Call) and e[2].name == "_admit"]


def pending_cases(world: World) -> list[Case]:
    """The distinct cases some pending happening is about."""
    found: dict[int, Case] = {}
    for e in world.clock.pending_entries():
        if isinstance(e[3], Case):
            found[id(e[3])] = e[3]
    return list(found.values())


def twin_cases() -> Scenario:
    """The Xiamen replay with a second scripted victim contacted the same minute."""
    raw = xiamen().model_dump(by_alias=True)
    raw["scripted_cases"].append({**raw["scripted_cases"][0], "installments_fen": [5000]})
    return validate_scenario(raw)


def no_cases() -> Scenario:
    """The Xiamen replay without its victim (no random contacts either)."""
    return xiamen(["scripted_cases=[]"])


@pytest.mark.parametrize("seed, root", [(None, 20230927), (11, 11), (0, 0)])
def test_the_seed_is_the_scenarios_unless_given(seed: int | None, root: int) -> None:
    """The root seed is recorded in the world and the run; 0 is a seed, not "none given"."""
    scenario = busy(ONE_DAY)
    assert scenario.seed == 20230927
    assert build_world(scenario, seed).root == root
    assert run_world(no_cases(), seed).seed == (no_cases().seed if seed is None else seed)


def test_the_run_ends_after_the_horizon_and_the_drain() -> None:
    """A run lasts horizon + drain days, in minutes: 1.5 days are 2160 minutes."""
    assert build_world(busy(ONE_DAY)).end_min == 2160.0
    assert run_world(xiamen(["time.drain_days=0.25"])).end_min == (3 + 0.25) * 1440.0


def test_cases_are_numbered_by_position_and_in_contact_order() -> None:
    """Case ids index the case list (and the end balances); admission needs contact order."""
    cases = build_world(busy(ONE_DAY)).cases
    assert [c.id for c in cases] == list(range(len(cases)))
    contacts = [c.contact_min for c in cases]
    assert contacts == sorted(contacts) and len(cases) > 20


@pytest.mark.parametrize("trace_case", [-1, "count"])
def test_tracing_a_case_outside_the_run_is_refused_with_the_ids_there_are(
    trace_case: int | str,
) -> None:
    """A negative id or one past the end is refused, saying how many cases there are."""
    count = len(build_world(busy(ONE_DAY)).cases)
    wanted = count if trace_case == "count" else int(trace_case)
    with pytest.raises(ValueError, match=rf"^case {wanted} does not exist: this run has "
                                         rf"{count} cases \(ids 0 to {count - 1}\)$"):
        build_world(busy(ONE_DAY), trace_case=wanted)


def test_tracing_in_a_run_without_cases_says_there_is_none() -> None:
    empty = busy([*ONE_DAY, "scam_types.customer_service.hook_prob=0", "scripted_cases=[]"])
    with pytest.raises(ValueError, match=r"^case 0 does not exist: this run has 0 cases "
                                         r"\(no case to trace\)$"):
        build_world(empty, trace_case=0)


def test_only_the_case_asked_for_is_traced() -> None:
    """The last id is valid, and tracing marks that case alone."""
    count = len(build_world(busy(ONE_DAY)).cases)
    world = build_world(busy(ONE_DAY), trace_case=count - 1)
    assert [c.id for c in world.cases if c.traced] == [count - 1]


def test_a_failed_build_leaves_the_garbage_collector_on() -> None:
    """The collector is paused while a run is built; a refused trace must not leave it off."""
    assert gc.isenabled()
    with pytest.raises(ValueError, match="does not exist"):
        run_world(busy(ONE_DAY), trace_case=10**6)
    assert gc.isenabled()


def test_one_admission_is_pending_at_a_time_at_each_contact_time_in_turn() -> None:
    """Cases are admitted by one chained happening, at each distinct contact time in order.

    The event queue holds only the next admission, never a day of future
    victims; contacts after the end of the run are never admitted.
    """
    world = build_world(busy(ONE_DAY))
    clock = world.clock
    seen: list[float] = []
    while clock.peek() < world.end_min:
        pending = admissions(world)
        assert len(pending) <= 1
        if pending and (not seen or seen[-1] != pending[0]):
            seen.append(pending[0])
        clock.step()
    contacts = sorted({c.contact_min for c in world.cases})
    within = [t for t in contacts if t < world.end_min]
    after = [t for t in contacts if t >= world.end_min]
    assert after == [3480.0]  # the scripted Xiamen victim, on day 3
    assert seen == [*within, after[0]]
    assert admissions(world) == [3480.0]  # still waiting when the run ends


def test_a_built_world_waits_only_for_its_first_admission() -> None:
    """Nothing but the first contact is scheduled before the clock runs (here)."""
    world = build_world(busy(ONE_DAY))
    assert world.clock.pending == 1
    assert admissions(world) == [world.cases[0].contact_min]


def test_cases_contacted_the_same_minute_are_admitted_by_one_happening() -> None:
    """Two victims contacted at 3480 both enter the model at the first happening."""
    world = build_world(twin_cases())
    assert [c.contact_min for c in world.cases] == [3480.0, 3480.0]
    assert admissions(world) == [3480.0] and pending_cases(world) == []
    world.clock.step()
    assert world.clock.events_processed == 1 and world.clock.now == 3480.0
    assert admissions(world) == []  # nobody left to admit
    assert sorted(c.id for c in pending_cases(world)) == [0, 1]


@pytest.mark.parametrize("case_id", [0, 17, 42])
def test_a_case_enters_the_model_at_its_contact_time(case_id: int) -> None:
    """The traced case's first happening is its contact, exactly at its contact time, once."""
    run = run_world(busy(ONE_DAY), trace_case=case_id)
    contact = [e for e in run.trace if e.event == "contact"]
    assert len(contact) == 1 and run.trace[0] is contact[0]
    assert contact[0].time_min == run.cases[case_id].contact_min
    assert contact[0].account == "victim"
    assert contact[0].amount_fen == run.cases[case_id].exposed_fen


def test_a_case_contacted_after_the_end_never_enters_the_model() -> None:
    """The scripted victim of day 3 is drawn in a day-and-a-half run, but nothing happens to her."""
    run = run_world(busy(ONE_DAY), trace_case=43)
    assert run.cases[43].contact_min == 3480.0 > run.end_min
    assert run.trace == [] and run.cases[43].paid_fen == 0


def test_a_world_without_cases_schedules_nothing_and_runs_empty() -> None:
    """No victim, no happening: the run still ends with empty, well-typed results."""
    assert build_world(no_cases()).clock.pending == 0
    run = run_world(no_cases())
    assert run.cases == [] and run.events_processed == 0 and run.movements == 0
    assert run.in_accounts.dtype == np.int64 and run.in_accounts.shape == (0,)
    assert run.held.dtype == np.int64 and run.held.shape == (0,)
    assert run.cashed_by_channel == {"atm": 0}


def test_a_run_records_what_it_ran() -> None:
    """The RawRun names its scenario, seed and replication, and has nothing traced."""
    scenario = busy(ONE_DAY)
    run = run_world(scenario, seed=5, replication=3)
    assert run.scenario is scenario and run.seed == 5 and run.replication == 3
    assert run.trace == [] and run.tree == [] and run.tree_status == {}
    assert run.events_processed > len(run.cases) > 0


def test_end_balances_are_by_case_id_and_a_stop_holds_part_of_them() -> None:
    """``in_accounts`` and ``held`` have one int64 entry per case, held within in accounts."""
    run = warned_run()
    for values in (run.in_accounts, run.held):
        assert values.dtype == np.int64 and values.shape == (len(run.cases),)
    assert run.in_accounts.sum() > 0  # stopped mid-flow: money is still in mule accounts
    assert ((run.held >= 0) & (run.held <= run.in_accounts)).all()


def test_every_fen_of_every_case_is_accounted_for_in_the_raw_run() -> None:
    """Exposed = prevented + frozen + cashed out + in transit + unpaid + still in accounts."""
    run = warned_run()
    for case in run.cases:
        parts = (sum(case.prevented.values()) + case.frozen_police_fen + case.frozen_bank_fen
                 + case.cashed_out_fen + case.in_transit_fen + case.remaining_fen()
                 + int(run.in_accounts[case.id]))
        assert parts == case.exposed_fen, case.id


def test_cash_out_is_counted_per_channel_in_the_scenarios_order() -> None:
    """Each channel's total, keyed as the scenario lists them, adds up to the cases' losses."""
    run = warned_run()
    assert list(run.cashed_by_channel) == ["atm", "crypto"]
    assert all(v > 0 for v in run.cashed_by_channel.values())
    assert sum(run.cashed_by_channel.values()) == sum(c.cashed_out_fen for c in run.cases)


def test_the_monitors_are_the_staffed_teams_then_the_bank_requests() -> None:
    """The resource table is made from these, in this order."""
    assert [m.name for m in warned_run().monitors] == [
        "call_takers", "analysts", "patrols", "warning_team", "bank_requests"]


def test_false_warning_flags_are_counted_and_each_reaches_the_team() -> None:
    """With no true flags, every call of the warning team is a false positive."""
    run = warned_run()
    team = next(m for m in run.monitors if m.name == "warning_team")
    calls = sum(int(r["arrivals"]) for r in team.rows(run.end_min))
    assert run.false_positive_flags == calls > 0
    assert run_world(busy(ONE_DAY)).false_positive_flags == 0  # early warning off


def test_the_event_queue_load_is_reported() -> None:
    """The run says how full its event queue was (peak at least the mean)."""
    load = warned_run().queue_load
    assert set(load) == {"mean_pending", "peak_pending", "mean_near"}
    assert load["peak_pending"] >= load["mean_pending"] > 0


def test_tracing_is_over_for_every_case_once_the_run_ends() -> None:
    """The police's working memory is freed before the tables are made."""
    assert all(c.tracing_over for c in warned_run().cases)


@lru_cache(maxsize=1)
def traced_run() -> tuple[int, RawRun]:
    """The :data:`WARNED` run, tracing the case with the most money left in accounts."""
    case_id = int(np.argmax(warned_run().in_accounts))
    return case_id, run_world(busy(WARNED), trace_case=case_id)


def test_the_money_tree_starts_from_the_victims_payments() -> None:
    """The tree's edges from the victim add up to what she paid; no edge carries nothing."""
    case_id, run = traced_run()
    paid = sum(fen for _, src, _, fen in run.tree if src == "victim")
    assert paid == run.cases[case_id].paid_fen > 0
    assert all(fen > 0 for *_, fen in run.tree)
    assert [t for t, *_ in run.tree] == sorted(t for t, *_ in run.tree)


def test_the_money_trees_accounts_hold_what_the_case_has_left_in_accounts() -> None:
    """Every account the money reached has a final state; their holdings are the case's
    end balance."""
    case_id, run = traced_run()
    assert {dst for _, _, dst, _ in run.tree} <= set(run.tree_status)
    assert all(isinstance(s, AccountState) and s.status in {"active", "stopped", "frozen"}
               and s.held_fen >= 0 for s in run.tree_status.values())
    held = sum(s.held_fen for s in run.tree_status.values())
    assert held == run.in_accounts[case_id] == warned_run().in_accounts[case_id] > 0


def test_tracing_changes_nothing_in_the_run() -> None:
    """Recording a case's timeline draws no random number and moves no money."""
    _, run = traced_run()
    base = warned_run()
    same: list[tuple[Any, Any]] = [
        (run.in_accounts.tolist(), base.in_accounts.tolist()),
        (run.cashed_by_channel, base.cashed_by_channel),
        (run.movements, base.movements),
        ([case_numbers(c) for c in run.cases], [case_numbers(c) for c in base.cases]),
    ]
    assert all(a == b for a, b in same)
