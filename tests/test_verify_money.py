"""Conservation of money checks (fraudsim/verify/money.py).

The identities are recomputed on a hand-made case table of three cases whose
money is split by hand so that every identity holds; then one column of one
case is moved by a single fen, and exactly the identities that involve that
column must fail. The channel totals and the coverage row are tested the same
way, and the reduction itself is checked to switch on what it claims.
"""

from __future__ import annotations

import copy
from typing import Any

import pyarrow as pa
import pytest

from fraudsim.api import SimulationResult
from fraudsim.metrics import Metric
from fraudsim.model.cases import STOPPERS
from fraudsim.scenario.schema import Scenario
from fraudsim.verify.base import reduced
from fraudsim.verify.money import BUSY_WORLD, coverage_row, identity_rows, money_checks


def cases() -> dict[str, list[Any]]:
    """Six cases whose money adds up, in fen, each halted by someone else.

    Case 0: 1,000 exposed = 300 prevented (200 by guidance, which halted
    her, and 100 of a delayed credit recalled) + 400 frozen (250 police, 150
    bank) + 200 cashed out + 100 in flight, of which 40 was never paid:
    paid = 400 + 200 + 100 - 40 = 660. Case 1: 500 exposed, paid and cashed
    out, nobody halted her. Case 2: 250 exposed, all dissuaded by early
    warning before paying. Case 3: 400 exposed, 100 paid and cashed out, 300
    prevented by a patrol. Case 4: 300 exposed, all prevented by a hold.
    Case 5: 180 exposed, 100 paid and cashed out, 80 kept by herself.
    """
    columns: dict[str, list[Any]] = {
        "exposed_fen": [1000, 500, 250, 400, 300, 180],
        "prevented_fen": [300, 0, 250, 300, 300, 80],
        "frozen_fen": [400, 0, 0, 0, 0, 0],
        "cashed_out_fen": [200, 500, 0, 100, 0, 100],
        "in_flight_fen": [100, 0, 0, 0, 0, 0],
        "paid_fen": [660, 500, 0, 100, 0, 100],
        "unpaid_at_end_fen": [40, 0, 0, 0, 0, 0],
        "saved_fen": [700, 0, 250, 300, 300, 80],
        "frozen_by_police_fen": [250, 0, 0, 0, 0, 0],
        "frozen_by_bank_fen": [150, 0, 0, 0, 0, 0],
        "held_by_stop_fen": [50, 0, 0, 0, 0, 0],
        "in_transit_fen": [30, 0, 0, 0, 0, 0],
        "halted_by": ["guidance", "", "dissuasion", "patrol", "hold", "self"],
    }
    for who in STOPPERS:
        columns[f"prevented_by_{who}_fen"] = [0] * 6
    columns["prevented_by_guidance_fen"][0] = 200
    columns["prevented_by_recall_fen"][0] = 100
    columns["prevented_by_dissuasion_fen"][2] = 250
    columns["prevented_by_patrol_fen"][3] = 300
    columns["prevented_by_hold_fen"][4] = 300
    columns["prevented_by_self_fen"][5] = 80
    return columns


CHANNELS = {"cashed_out_via_atm": 650.0, "cashed_out_via_crypto": 250.0}


def result(
    verify_plain: Scenario,
    columns: dict[str, list[Any]],
    channels: dict[str, float] | None = None,
) -> SimulationResult:
    """A run's result made of a hand-made case table and channel totals."""
    summary = [Metric(k, v, "fen") for k, v in (CHANNELS if channels is None else channels).items()]
    summary.append(Metric("cashed_out_fen_total_decoy", 1e9, "fen"))  # not a channel
    return SimulationResult(verify_plain, 0, 0, pa.table(columns), pa.table({}), summary)


def verdicts(verify_plain: Scenario, columns: dict[str, list[Any]],
             channels: dict[str, float] | None = None) -> dict[str, bool]:
    return {r.subject: r.passed for r in identity_rows(result(verify_plain, columns, channels))}


ALL_PASS = {"exposure": True, "paid money": True, "stoppers": True, "cash-out channels": True}


def test_consistent_cases_pass_every_identity(verify_plain: Scenario) -> None:
    """Money split by hand so that it adds up passes every row, which count the cases."""
    rows = identity_rows(result(verify_plain, cases()))
    assert {r.subject: r.passed for r in rows} == ALL_PASS
    assert [r.observed for r in rows[:3]] == ["0 of 6 cases differ"] * 3
    assert rows[3].expected == "Σ channels = 900 fen" and rows[3].observed == "900 fen"


@pytest.mark.parametrize(
    ("column", "case", "failing"),
    [
        ("cashed_out_fen", 1, {"exposure", "paid money", "cash-out channels"}),
        ("in_flight_fen", 0, {"exposure", "paid money"}),
        ("exposed_fen", 2, {"exposure"}),
        ("unpaid_at_end_fen", 0, {"paid money"}),
        ("paid_fen", 1, {"paid money"}),
        ("prevented_by_self_fen", 0, {"stoppers"}),  # guidance halted her
        ("prevented_by_patrol_fen", 1, {"stoppers"}),  # nobody halted her
        ("prevented_by_hold_fen", 3, {"stoppers"}),  # a patrol halted her
        ("prevented_by_recall_fen", 4, set()),  # recalls come on top of any halt
        ("prevented_fen", 2, {"exposure"}),
    ],
)
def test_one_fen_out_of_place_fails_exactly_its_identities(
    verify_plain: Scenario, column: str, case: int, failing: set[str]
) -> None:
    """A single fen added to one case's column fails every identity using it, and only those."""
    columns = cases()
    columns[column][case] += 1
    rows = {r.subject: r for r in identity_rows(result(verify_plain, columns))}
    assert {s for s, r in rows.items() if not r.passed} == failing
    for subject in failing - {"cash-out channels"}:
        assert rows[subject].observed == "1 of 6 cases differ"


def test_money_credited_to_someone_who_did_not_halt_her_fails_the_stoppers(
    verify_plain: Scenario,
) -> None:
    """The dissuaded victim said to be halted by a patrol: her 250 fen are then nobody's."""
    columns = cases()
    columns["halted_by"][2] = "patrol"
    rows = {r.subject: r for r in identity_rows(result(verify_plain, columns))}
    assert not rows["stoppers"].passed and rows["stoppers"].observed == "1 of 6 cases differ"
    assert {s for s, r in rows.items() if not r.passed} == {"stoppers"}


def test_channel_totals_must_match_the_money_lost(verify_plain: Scenario) -> None:
    """Channels that add up to one fen less than the cases lost fail the channel row only."""
    short = {**CHANNELS, "cashed_out_via_atm": 649.0}
    assert verdicts(verify_plain, cases(), short) == {**ALL_PASS, "cash-out channels": False}


def test_a_run_with_no_cases_proves_nothing(verify_plain: Scenario) -> None:
    """No cases and no money lost: every row fails rather than passing vacuously."""
    empty: dict[str, list[Any]] = {k: [] for k in cases()}
    assert verdicts(verify_plain, empty, {}) == dict.fromkeys(ALL_PASS, False)


# --- coverage -------------------------------------------------------------------------------


def test_coverage_passes_when_every_outcome_occurs(verify_plain: Scenario) -> None:
    """Both freezes, cashed out, in flight, held, in transit and every stopper hold money."""
    row = coverage_row(result(verify_plain, cases()))
    assert row.passed and row.observed == "all occur"


def test_coverage_names_every_missing_outcome(verify_plain: Scenario) -> None:
    """With nothing frozen by a bank, nothing in transit and no patrol, the row names all three."""
    columns = cases()
    for name in ("frozen_by_bank_fen", "in_transit_fen", "prevented_by_patrol_fen"):
        columns[name] = [0] * 6
    row = coverage_row(result(verify_plain, columns))
    assert not row.passed
    assert row.observed == "none: frozen_by_bank, in_transit, prevented_by_patrol"


# --- the reduction ------------------------------------------------------------------------


def test_busy_world_switches_every_mechanism_on(verify_world: dict[str, Any]) -> None:
    """The reduction is valid, turns on each mechanism the identities must cover, and stops
    with no drain so that money is still moving at the end."""
    scenario = reduced(verify_world, BUSY_WORLD)
    net, resp, warn = scenario.mule_network, scenario.response, scenario.early_warning
    assert net.delayed_credit.enabled and net.withdrawal_delay.enabled
    assert warn.enabled and warn.flag_share > 0 and warn.success_prob > 0
    assert resp.holds.on_report and resp.stop_payment.freeze_prob > 0
    assert resp.stop_payment.max_trace_depth > 0
    assert resp.patrols.dispatch_prob > 0 and resp.guidance.success_prob > 0
    assert scenario.banks["bank_a"].risk_freeze_prob > 0
    assert scenario.time.drain_days == 0
    assert scenario.contacts.rate_per_hour > 0 and scenario.scam_types["plain"].report_prob > 0


def test_money_checks_on_a_broken_base_give_one_failed_row(verify_world: dict[str, Any]) -> None:
    """A reduction that cannot be built fails as one row with the reason, not a crash."""
    broken = copy.deepcopy(verify_world)
    broken["seed"] = -1
    (row,) = money_checks(broken)
    assert not row.passed
    assert (row.check, row.subject) == ("money conserved", "every case")
    assert row.observed.startswith("ScenarioError")
