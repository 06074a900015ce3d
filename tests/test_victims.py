"""Scam contacts and hooked victims drawn up front (fraudsim/model/victims.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudsim.model.cases import Case
from fraudsim.model.victims import _pay_times, _payments_in, build_cases
from fraudsim.rng import Streams
from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario
from tests.conftest import busy

RATE, HORIZON_DAYS, INTERCEPTION = 40.0, 0.51, 0.3  # 12.24 hours: the last hour is partial
SHARES, HOOKS = (0.25, 0.75), (0.2, 0.04)


def two_types(overrides: Sequence[str] = (), scripted: bool = True) -> Scenario:
    """The busy city with a second scam type; optionally without the scripted case."""
    raw = busy(
        [
            f"contacts.rate_per_hour={RATE}",
            f"contacts.interception_share={INTERCEPTION}",
            f"time.horizon_days={HORIZON_DAYS}",
        ]
    ).model_dump(by_alias=True)
    raw["scam_types"]["customer_service"].update(share=SHARES[0], hook_prob=HOOKS[0])
    investment = dict(raw["scam_types"]["customer_service"])
    investment.update(share=SHARES[1], hook_prob=HOOKS[1], installments=1, grooming_min=600)
    raw["scam_types"]["investment"] = investment
    if not scripted:
        raw["scripted_cases"] = []
    return with_overrides(raw, overrides)


def with_overrides(raw: dict[str, Any], overrides: Sequence[str]) -> Scenario:
    from fraudsim.scenario import apply_overrides

    return validate_scenario(apply_overrides(raw, list(overrides)))


def key(case: Case) -> tuple[Any, ...]:
    return (
        case.id,
        case.region,
        case.scam,
        case.contact_min,
        tuple(case.installments),
        tuple(case.pay_times),
        case.realise_min,
        case.self_stop,
        case.reports,
        case.report_lag_min,
        case.flagged,
        str(case.warning_min),
        str(case.risk_hold_min),
    )


def test_the_same_seed_and_replication_give_the_same_cases() -> None:
    s = two_types()
    counts_a, a = build_cases(s, Streams(5, 2))
    counts_b, b = build_cases(s, Streams(5, 2))
    assert counts_a == counts_b
    assert [key(c) for c in a] == [key(c) for c in b]
    _, other = build_cases(s, Streams(5, 3))
    assert [key(c) for c in a] != [key(c) for c in other]


def test_counts_are_consistent_with_each_other_and_with_the_cases() -> None:
    s = two_types(scripted=False)
    counts, cases = build_cases(s, Streams(1))
    assert counts.contacts > 0
    assert 0 < counts.intercepted < counts.contacts
    assert sum(counts.reached.values()) == counts.contacts - counts.intercepted
    for name in s.scam_types:
        assert 0 <= counts.hooked[name] <= counts.reached[name]
    assert len(cases) == sum(counts.hooked.values())
    by_type = [sum(1 for c in cases if c.scam == k) for k in range(2)]
    assert by_type == [counts.hooked["customer_service"], counts.hooked["investment"]]


def test_full_interception_leaves_no_cases() -> None:
    counts, cases = build_cases(
        two_types(["contacts.interception_share=1"], scripted=False), Streams(1)
    )
    assert counts.contacts > 0
    assert counts.intercepted == counts.contacts
    assert sum(counts.reached.values()) == sum(counts.hooked.values()) == 0
    assert cases == []


def test_no_contacts_no_cases_but_scripted_ones_remain() -> None:
    counts, cases = build_cases(two_types(["contacts.rate_per_hour=0"]), Streams(1))
    assert counts.contacts == 0
    assert len(cases) == 1
    assert cases[0].installments == [150_000_000]


def test_contact_times_are_within_the_horizon_sorted_and_ids_follow_them() -> None:
    s = two_types(["scripted_cases.0.contact_min=300"])  # a scripted case among the others
    for rep in range(5):
        _, cases = build_cases(s, Streams(9, rep))
        times = [c.contact_min for c in cases]
        assert times == sorted(times)
        assert all(0.0 <= t < HORIZON_DAYS * 1440.0 for t in times)
        assert [c.id for c in cases] == list(range(len(cases)))
        scripted = [c for c in cases if c.contact_min == 300.0]
        assert len(scripted) == 1
        assert 0 < scripted[0].id < len(cases) - 1


def test_each_case_is_internally_consistent() -> None:
    s = two_types(["victims.report_lag_min=7"], scripted=False)
    _, cases = build_cases(s, Streams(3))
    assert len(cases) > 10
    for c in cases:
        assert len(c.installments) == len(c.pay_times) >= 1
        assert all(isinstance(f, int) and f >= 1 for f in c.installments)
        assert c.exposed_fen == sum(c.installments) == c.remaining_fen()
        assert c.first_pay_min == c.pay_times[0] >= c.contact_min
        assert np.all(np.diff(c.pay_times) >= 0)
        assert c.realise_min >= c.first_pay_min
        assert c.report_lag_min == 7.0
        if c.scam == 1:  # investment: one payment, 600 minutes after the contact
            assert c.installments == [c.exposed_fen]
            assert c.first_pay_min == pytest.approx(c.contact_min + 600.0)


def test_the_scripted_case_is_there_exactly_as_written() -> None:
    raw = two_types(["contacts.rate_per_hour=2"]).model_dump(by_alias=True)
    raw["scripted_cases"][0].update(
        contact_min=100.0,
        installments_fen=[5, 70_000, 3],
        gap_min=12.5,
        grooming_min=10.0,
        realisation_min=4.0,
        self_stop=False,
        report_lag_min=9.0,
        scam_type="investment",
    )
    s = validate_scenario(raw)
    _, cases = build_cases(s, Streams(1))
    (case,) = [c for c in cases if c.installments == [5, 70_000, 3]]
    assert case.contact_min == 100.0
    assert case.pay_times == [110.0, 122.5, 135.0]
    assert case.exposed_fen == 70_008
    assert case.realise_min == 114.0
    assert case.self_stop is False
    assert case.reports is True
    assert case.report_lag_min == 9.0
    assert case.scam == 1
    assert case.region == 0
    assert math.isnan(case.risk_hold_min)


def test_contacts_follow_the_hourly_profile() -> None:
    profile = [0.0] * 24
    profile[10] = 1.0
    s = two_types([f"contacts.hourly_profile={profile}", "time.horizon_days=3"], scripted=False)
    _, cases = build_cases(s, Streams(2))
    assert len(cases) > 10
    assert all(10 * 60 <= c.contact_min % 1440 < 11 * 60 for c in cases)


def test_early_warning_flags_only_when_enabled_a_lead_after_the_contact() -> None:
    flag = ["early_warning.flag_share=1", "early_warning.lead_min=15"]
    _, off = build_cases(two_types(flag, scripted=False), Streams(4))
    assert not any(c.flagged for c in off)
    assert all(math.isnan(c.warning_min) for c in off)
    _, on = build_cases(two_types([*flag, "early_warning.enabled=true"]), Streams(4))
    random_cases = [c for c in on if c.installments != [150_000_000]]
    assert random_cases and all(c.flagged for c in random_cases)
    assert all(c.warning_min == c.contact_min + 15.0 for c in random_cases)
    # Switching early warning on changes no victim (common random numbers).
    assert [key(c)[:10] for c in random_cases] == [key(c)[:10] for c in off]


def test_risk_holds_come_a_delay_after_the_first_payment() -> None:
    s = two_types(["response.holds.risk_flag_prob=1", "response.holds.risk_flag_min=25"])
    _, cases = build_cases(s, Streams(4))
    drawn = [c for c in cases if c.installments != [150_000_000]]
    assert drawn and all(c.risk_hold_min == c.first_pay_min + 25.0 for c in drawn)


def test_mean_number_of_hooked_victims_matches_the_rates() -> None:
    """E[hooked] = rate * hours * (1 - interception) * sum(share * hook).

    Hooked victims are a thinned Poisson count, so the total over R independent
    replications is Poisson(R * mu) and the mean over them has sd sqrt(mu / R).
    A 4.5-sd tolerance makes a false alarm a one-in-150,000 event (and the seeds
    are fixed, so the test is deterministic).
    """
    s = two_types(scripted=False)
    hours = HORIZON_DAYS * 24
    mu = RATE * hours * (1 - INTERCEPTION) * sum(a * b for a, b in zip(SHARES, HOOKS, strict=True))
    mu_contacts = RATE * hours
    reps = 200
    hooked, contacts, per_type = [], [], []
    for rep in range(reps):
        counts, cases = build_cases(s, Streams(123, rep))
        hooked.append(len(cases))
        contacts.append(counts.contacts)
        per_type.append(counts.hooked["investment"])
    assert np.mean(hooked) == pytest.approx(mu, abs=4.5 * math.sqrt(mu / reps))
    assert np.mean(contacts) == pytest.approx(mu_contacts, abs=4.5 * math.sqrt(mu_contacts / reps))
    mu_inv = RATE * hours * (1 - INTERCEPTION) * SHARES[1] * HOOKS[1]
    assert np.mean(per_type) == pytest.approx(mu_inv, abs=4.5 * math.sqrt(mu_inv / reps))
    # Poisson: variance equals the mean (checked loosely: sd of the sample variance ~ 10%).
    assert np.var(hooked, ddof=1) == pytest.approx(mu, rel=0.45)


def _pay_times_one_by_one(first: list[float], gaps: list[float], counts: list[int]) -> list[float]:
    """Each victim's payment times as she pays: her last time plus the next gap."""
    out, j = [], 0
    for t, n in zip(first, counts, strict=True):
        out.append(t)
        for _ in range(n - 1):
            j += 1
            t += gaps[j]
            out.append(t)
        j += 1
    return out


_times = st.floats(0, 1e7, allow_subnormal=False)


@given(st.lists(st.tuples(_times, st.integers(1, 6)), max_size=30), st.data())
def test_payment_times_are_the_floats_of_adding_one_gap_at_a_time(
    victims: list[tuple[float, int]], data: st.DataObject
) -> None:
    first = [t for t, _ in victims]
    counts = [n for _, n in victims]
    gaps = data.draw(st.lists(_times, min_size=sum(counts), max_size=sum(counts)))
    bounds = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
    got = _pay_times(
        np.array(first, dtype=np.float64),
        np.array(gaps, dtype=np.float64),
        np.array(counts, dtype=np.int64),
        bounds,
    )
    assert got.tolist() == _pay_times_one_by_one(first, gaps, counts)


def victims(scenario: Scenario) -> dict[tuple[int, float], tuple[Any, ...]]:
    """A replication's drawn victims, by scam type and contact time, without their ids."""
    _, cases = build_cases(scenario, Streams(scenario.seed, 3))
    return {(c.scam, c.contact_min): key(c)[1:] for c in cases}


def test_more_interception_keeps_a_subset_of_the_same_victims() -> None:
    # Common random numbers for interception policies: the victims left
    # under a higher share are the same people, paying the same amounts at
    # the same times, as under a lower one.
    few = victims(two_types(["contacts.interception_share=0.6"], scripted=False))
    many = victims(two_types(["contacts.interception_share=0.2"], scripted=False))
    assert 0 < len(few) < len(many)
    assert all(many.get(k) == v for k, v in few.items())


MIXED = ('{kind = "mixture", components = ['
         '{weight = 0.6, dist = {kind = "exponential", mean = 30}}, '
         '{weight = 0.4, dist = {kind = "lognormal", median = 600, p95 = 4000}}]}')


def test_more_interception_keeps_the_same_victims_under_mixture_delays() -> None:
    # Most shipped scenarios give realisation and report delays as
    # mixtures; each victim keeps her own delays there too (a mixture that
    # drew only as many values as picked each component gave every kept
    # victim new delays).
    mixed = [f"scam_types.customer_service.realisation_min={MIXED}",
             f"victims.report_lag_min={MIXED}", "scam_types.customer_service.installments=3"]
    few = victims(two_types([*mixed, "contacts.interception_share=0.6"], scripted=False))
    many = victims(two_types([*mixed, "contacts.interception_share=0.2"], scripted=False))
    assert 0 < len(few) < len(many)
    assert all(many.get(k) == v for k, v in few.items())


def test_one_types_hook_probability_leaves_the_other_types_victims_alone() -> None:
    base = victims(two_types(scripted=False))
    bolder = victims(two_types(["scam_types.customer_service.hook_prob=0.5"], scripted=False))
    investment = 1  # the second type

    def of(found: dict[tuple[int, float], tuple[Any, ...]], scam: int) -> dict[Any, Any]:
        return {k: v for k, v in found.items() if k[0] == scam}

    assert of(bolder, investment) == of(base, investment) != {}
    assert len(of(bolder, 0)) > len(of(base, 0))


@given(st.lists(st.integers(1, 4), min_size=1, max_size=20), st.randoms(use_true_random=False))
def test_payments_follow_their_victims_into_the_new_order(counts: list[int], rnd: Any) -> None:
    # Payments labelled by their victim and place: reordered, each victim's
    # run moves whole, in her new place.
    order = list(range(len(counts)))
    rnd.shuffle(order)
    labels = [(v, k) for v, n in enumerate(counts) for k in range(n)]
    moved = _payments_in(np.asarray(order), np.asarray(counts))
    assert [labels[j] for j in moved] == [(v, k) for v in order for k in range(counts[v])]


def test_payments_adding_up_beyond_exact_money_are_refused_across_types() -> None:
    from fraudsim.scenario.distributions import MONEY_CEILING, MoneyRangeError

    raw = two_types().model_dump(by_alias=True)
    # Each part on its own is below the ceiling; the scripted case and the
    # drawn victims together are not. Built past the scenario limits, which
    # would refuse such amounts on loading.
    raw["scripted_cases"][0]["installments_fen"] = [4 * 10**18]
    for scam in raw["scam_types"].values():
        scam.update(installment_fen={"kind": "constant", "value": 1e17}, installments=1)
    streams = Streams(seed=1)
    counts, _ = build_cases(Scenario.model_validate({**raw, "scripted_cases": []}), streams)
    drawn = sum(counts.hooked.values())
    assert 4 * 10**18 + drawn * 10**17 >= MONEY_CEILING > drawn * 10**17  # the case's set-up
    with pytest.raises(MoneyRangeError, match="the replication's payments add up to"):
        build_cases(Scenario.model_validate(raw), Streams(seed=1))
