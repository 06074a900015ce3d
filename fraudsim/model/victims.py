"""Scam contacts and the victims they hook, drawn before the clock starts.

Everything about a victim that does not depend on the response (when the
scam call came, how many payments of what size she will make, when she
realises, whether and when she reports) is exogenous. Drawing it up front,
vectorised and per named stream, is fast and gives common random numbers:
two policies see exactly the same victims.

Contacts are counted, not simulated one by one: per hour of the horizon the
number of contacts is Poisson with the profile's rate, the split by scam
type and the hooks are multinomial/binomial thinning, interception thins
the would-be victims one by one, and only hooked victims become
:class:`Case` objects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from librt.vecs import vec
from mypy_extensions import i64

from fraudsim.model.cases import Case
from fraudsim.rng import Streams
from fraudsim.scenario.distributions import (
    MONEY_CEILING,
    Distribution,
    MoneyRangeError,
    as_count,
    as_fen,
)
from fraudsim.scenario.schema import Scenario, ScriptedCase
from fraudsim.scenario.staffing import HOURS_PER_WEEK


@dataclass
class ContactCounts:
    """Scam contacts over the horizon: the many that never became cases."""

    contacts: int = 0
    intercepted: int = 0
    reached: dict[str, int] = field(default_factory=dict)
    hooked: dict[str, int] = field(default_factory=dict)


def _hour_bins(scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Return contacts per hour-bin and each bin's width in hours (last may be partial)."""
    hours = scenario.time.horizon_days * 24
    n_bins = math.ceil(hours)
    weekly = np.asarray(scenario.contacts.weekly_rates())
    rates = weekly[np.arange(n_bins) % HOURS_PER_WEEK].astype(np.float64)
    widths = np.ones(n_bins)
    widths[-1] = hours - (n_bins - 1)
    return rates * widths, widths


def draw_contacts(scenario: Scenario, streams: Streams) -> tuple[ContactCounts, list[np.ndarray]]:
    """Count contacts per hour and return the hooked victims' contact times per type.

    The draws are laid out so that policies on the contact side keep common
    random numbers:

    - Contacts are split by type before interception, and each type draws
      from streams of its own, so that a change to one type's hook
      probability leaves every other type's victims as they were.
    - A contact the scam would hook is a *would-be victim*; it has its own
      uniform draw, and interception blocks those below the intercepted
      share. The victims are returned in order of that draw, highest
      first, and each victim's attributes are drawn in that order (see
      :func:`_draw_type`): a policy that intercepts more keeps the first of
      the same victims, with the same times, amounts and behaviour.

    Returns:
        The counts, and for each scam type (in scenario order) an array of
        the hooked victims' contact times in minutes, in draw order.
    """
    names = list(scenario.scam_types)
    types = [scenario.scam_types[n] for n in names]
    rates, widths = _hour_bins(scenario)
    contacts = streams.generator("contacts.arrivals").poisson(rates)
    shares = np.asarray([t.share for t in types])
    by_type = streams.generator("contacts.types").multinomial(contacts, shares / shares.sum())
    blocked_share = scenario.contacts.interception_share
    counts = ContactCounts(contacts=int(contacts.sum()))
    hours = np.arange(len(rates))
    times: list[np.ndarray] = []
    for k, name in enumerate(names):
        reached_by = by_type[:, k]
        n_type = int(reached_by.sum())
        would = streams.generator(f"contacts.hooks.{name}").binomial(reached_by, types[k].hook_prob)
        hour_of = np.repeat(hours, would)
        offset = streams.generator(f"contacts.times.{name}").random(len(hour_of)) * widths[hour_of]
        u = streams.generator(f"contacts.interception.{name}").random(len(hour_of))
        kept = np.flatnonzero(u >= blocked_share)
        kept = kept[np.argsort(-u[kept], kind="stable")]  # highest draw first
        times.append((hour_of[kept] + offset[kept]) * 60.0)
        # The contacts that would not have hooked anyone are only counted.
        others = n_type - len(hour_of)
        blocked = streams.generator(f"contacts.blocked.{name}").binomial(others, blocked_share)
        blocked += len(hour_of) - len(kept)
        counts.intercepted += int(blocked)
        counts.reached[name] = n_type - int(blocked)
        counts.hooked[name] = len(kept)
    return counts, times


def _draw_type(scenario: Scenario, name: str, contact: np.ndarray, streams: Streams) -> list[Case]:
    """Draw every exogenous attribute of the victims of one scam type.

    Each attribute has its own stream, named after the scam type, so that
    adding a scam type or an attribute leaves every other draw unchanged.
    The i-th victim of ``contact`` (in the draw order of
    :func:`draw_contacts`) takes the i-th draw of each stream, so the same
    victim has the same attributes whatever share is intercepted.
    """
    scam = scenario.scam_types[name]
    m = len(contact)

    def draw(attr: str, dist: Distribution, n: int = m) -> np.ndarray:
        return dist.sample(streams.generator(f"scam.{name}.{attr}"), n)

    def coin(attr: str, p: float) -> np.ndarray:
        return streams.generator(f"scam.{name}.{attr}").random(m) < p

    grooming = draw("grooming", scam.grooming_min)
    counts = as_count(draw("installments", scam.installments))
    total = int(counts.sum())
    amounts = as_fen(draw("amount", scam.installment_fen, total), f"{name}'s installment_fen")
    gaps = draw("gap", scam.installment_gap_min, total)
    realise = draw("realisation", scam.realisation_min)
    lag = draw("report_lag", scenario.victims.report_lag_min)
    self_stop = coin("self_stop", scam.self_stop_prob)
    reports = coin("reports", scam.report_prob)
    regions = list(scenario.regions)
    pop = np.asarray([scenario.regions[r].population_share for r in regions])
    region = streams.generator(f"scam.{name}.region").choice(len(regions), m, p=pop / pop.sum())
    ew, holds = scenario.early_warning, scenario.response.holds
    flagged = coin("warning_flag", ew.flag_share)
    lead = draw("warning_lead", ew.lead_min)
    risk_hold = coin("risk_hold", holds.risk_flag_prob)
    hold_delay = draw("risk_hold_delay", holds.risk_flag_min)

    # Drawn in draw order, built in time order: cases are made, and their
    # plans laid out, in the order they will be active, so that the cases
    # a run handles together lie together in memory.
    order = np.argsort(contact, kind="stable")
    pays = _payments_in(order, counts)
    amounts, gaps = amounts[pays], gaps[pays]
    contact, grooming, counts, realise, lag = (
        a[order] for a in (contact, grooming, counts, realise, lag)
    )
    self_stop, reports, region, flagged, lead, risk_hold, hold_delay = (
        a[order] for a in (self_stop, reports, region, flagged, lead, risk_hold, hold_delay)
    )

    scam_idx = list(scenario.scam_types).index(name)
    cases: list[Case] = []
    bounds = np.concatenate(([0], np.cumsum(counts)))
    first = contact + grooming
    # The shared plans, copied in from the arrays' buffers as blocks (see
    # Case): built from lists, each value was converted through argument
    # parsing (7% of the instructions of building the cases, callgrind).
    plan_fen = vec[i64](amounts.astype(np.int64))
    plan_min = vec[float](_pay_times(first, gaps, counts, bounds))
    # The loop reads one value of each draw per case: from typed lists,
    # because reading a numpy array's element makes a numpy scalar first,
    # and an untyped list is indexed through the generic protocol, its
    # index made an int object each time.
    starts: list[int] = bounds.tolist()
    at: list[float] = contact.tolist()
    first_at: list[float] = first.tolist()
    region_of: list[int] = region.tolist()
    realise_in: list[float] = realise.tolist()
    lag_of: list[float] = lag.tolist()
    stops: list[bool] = self_stop.tolist()
    reporting: list[bool] = reports.tolist()
    flags: list[bool] = flagged.tolist()
    leads: list[float] = lead.tolist()
    holding: list[bool] = risk_hold.tolist()
    hold_in: list[float] = hold_delay.tolist()
    warn = ew.enabled
    for i in range(m):
        lo = starts[i]
        # first_at[i] is the plan's first time, plan_min[lo], read unboxed.
        case = Case(
            -1,
            region_of[i],
            scam_idx,
            at[i],
            plan_fen,
            plan_min,
            first_at[i] + realise_in[i],
            lo,
            starts[i + 1] - lo,
        )
        case.self_stop = stops[i]
        case.reports = reporting[i]
        case.report_lag_min = lag_of[i]
        if warn and flags[i]:
            case.flagged = True
            case.warning_min = at[i] + leads[i]
        if holding[i]:
            case.risk_hold_min = first_at[i] + hold_in[i]
        cases.append(case)
    return cases


def _payments_in(order: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Return where each payment goes when the victims are put in ``order``.

    Victim i's payments are the ``counts[i]`` entries from
    ``counts[:i].sum()`` on, laid end to end; the result lists the entries
    of victim ``order[0]``, then of ``order[1]``, and so on.
    """
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    lens = counts[order]
    new_starts = np.concatenate(([0], np.cumsum(lens)[:-1]))
    return np.repeat(starts[order] - new_starts, lens) + np.arange(int(lens.sum()))


def _pay_times(
    first: np.ndarray, gaps: np.ndarray, counts: np.ndarray, bounds: np.ndarray
) -> np.ndarray:
    """Return every victim's payment times, one after another in one array.

    Victim i pays first at ``first[i]``, then each gap later: her payments
    are entries ``bounds[i]`` to ``bounds[i + 1]`` of the result, and
    ``gaps[j]`` leads to payment j. The sums are taken one at a time in
    float, as the payments happen: the k-th times of every victim who makes
    k payments or more are added at once, each her own (k-1)-th time plus
    her gap, so every time is the same float a loop over payments gives.
    """
    out = np.empty(int(bounds[-1]), dtype=np.float64)
    at = bounds[:-1]  # where each victim's latest time goes
    out[at] = first
    t, left = first, counts
    while True:
        more = left > 1
        if not more.any():
            return out
        at, t, left = at[more] + 1, t[more], left[more] - 1
        t = t + gaps[at]
        out[at] = t


def _scripted(scenario: Scenario, spec: ScriptedCase) -> Case:
    """Build a case given exactly by the scenario (a replay)."""
    first = spec.contact_min + spec.grooming_min
    pay_times = [first + k * spec.gap_min for k in range(len(spec.installments_fen))]
    case = Case(
        -1,
        list(scenario.regions).index(spec.region),
        list(scenario.scam_types).index(spec.scam_type),
        spec.contact_min,
        list(spec.installments_fen),
        pay_times,
        first + spec.realisation_min,
    )
    case.self_stop = spec.self_stop
    case.reports = spec.reports
    case.report_lag_min = spec.report_lag_min
    return case


def _plan_total(plan_fen: vec[i64]) -> float:
    """Return the fen of a shared plan, added up as a float (which cannot wrap round)."""
    return float(np.frombuffer(memoryview(plan_fen), dtype=np.int64).sum(dtype=np.float64))


def build_cases(scenario: Scenario, streams: Streams) -> tuple[ContactCounts, list[Case]]:
    """Draw all contacts and hooked victims of one replication.

    Returns:
        The contact counts and the cases, ordered by contact time, with ids
        0, 1, ... in that order (scripted cases first among equal times).

    Raises:
        MoneyRangeError: If the payments drawn add up beyond exact money.
    """
    counts, times = draw_contacts(scenario, streams)
    cases = [_scripted(scenario, spec) for spec in scenario.scripted_cases]
    money = float(sum(c.exposed_fen for c in cases))
    for name, contact in zip(scenario.scam_types, times, strict=True):
        typed = _draw_type(scenario, name, contact, streams)
        if typed:  # the type's cases share one plan (see Case)
            money += _plan_total(typed[0].plan_fen)
        cases.extend(typed)
    if not money < MONEY_CEILING:
        raise MoneyRangeError(
            f"the replication's payments add up to {money:.3g} fen, beyond the "
            f"{MONEY_CEILING:.3g} fen exact money can hold (lower the amounts or the contacts)"
        )
    cases.sort(key=lambda c: c.contact_min)
    for i, case in enumerate(cases):
        case.id = i
    return counts, cases
