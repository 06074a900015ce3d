"""Scam contacts and the victims they hook, drawn before the clock starts.

Everything about a victim that does not depend on the response (when the
scam call came, how many payments of what size she will make, when she
realises, whether and when she reports) is exogenous. Drawing it up front,
vectorised and per named stream, is fast and gives common random numbers:
two policies see exactly the same victims.

Contacts are counted, not simulated one by one: per hour of the horizon the
number of contacts is Poisson with the profile's rate, interception and the
split by scam type are binomial/multinomial thinning, and only hooked victims
become :class:`Case` objects.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from fraudsim.rng import Streams
from fraudsim.scenario.distributions import Distribution, as_count, as_fen
from fraudsim.scenario.schema import Scenario, ScriptedCase
from fraudsim.scenario.staffing import HOURS_PER_WEEK

NAN: Final = math.nan
MINUTES_PER_DAY: Final = 1440.0

STOPPERS = ("self", "dissuasion", "guidance", "patrol", "hold", "recall")
"""Who can prevent a payment: the victim, early warning, phone guidance,
a patrol, a protective hold on the victim's account, or a recall of a
delayed credit."""

PREVENTED_SLOTS = {who: f"prevented_{who}_fen" for who in STOPPERS}
"""The Case attribute holding the fen each stopper prevented."""


class Case:
    """One hooked victim and everything that happens to her money.

    Times are simulated minutes (NaN when the event did not happen); amounts
    are integer fen.

    The planned installments (amounts and times) are ``n_pay`` consecutive
    entries from ``plan_lo`` of two arrays shared by all the cases of a scam
    type: at a million cases, two small lists per case would cost a quarter
    of a gigabyte.

    Args:
        case_id: Case id (position in the run's case list).
        region: Index of the victim's region.
        scam: Index of the scam type.
        contact_min: Time of the scam contact.
        installments: Planned installments in fen (at least one), or the
            shared array holding them from ``plan_lo``.
        pay_times: Planned payment times, in the same form as ``installments``.
        realise_min: Time the victim would realise she is being scammed.
        plan_lo: First entry of this case's plan in shared arrays.
        n_pay: Number of planned installments (default: all of ``installments``).
    """

    __slots__ = (
        "accounts_frozen",
        "call_end_min",
        "call_start_min",
        "case_start_min",
        "cashed_out_fen",
        "contact_min",
        "first_stop_min",
        "flagged",
        "frozen_bank_fen",
        "frozen_police_fen",
        "guidance_min",
        "halted_by",
        "halted_min",
        "hold_min",
        "hops_traced",
        "id",
        "in_transit_fen",
        "l1_accounts",
        "last_freeze_min",
        "last_pay_min",
        "n_pay",
        "next_i",
        "open_requests",
        "paid_fen",
        "patrol_min",
        "plan_fen",
        "plan_lo",
        "plan_min",
        "prevented_dissuasion_fen",
        "prevented_guidance_fen",
        "prevented_hold_fen",
        "prevented_patrol_fen",
        "prevented_recall_fen",
        "prevented_self_fen",
        "realise_min",
        "recall_open",
        "region",
        "report_lag_min",
        "report_min",
        "reports",
        "requested",
        "risk_hold_min",
        "scam",
        "self_stop",
        "stop_requests",
        "traced",
        "tracing_over",
        "trail",
        "warned_min",
        "warning_min",
    )

    def __init__(
        self,
        case_id: int,
        region: int,
        scam: int,
        contact_min: float,
        installments: Sequence[int],
        pay_times: Sequence[float],
        realise_min: float,
        plan_lo: int = 0,
        n_pay: int | None = None,
    ) -> None:
        self.id = case_id
        self.region = region
        self.scam = scam
        self.contact_min = contact_min
        fen = installments if isinstance(installments, array) else array("q", installments)
        times = pay_times if isinstance(pay_times, array) else array("d", pay_times)
        self.plan_fen: array[int] = fen
        self.plan_min: array[float] = times
        self.plan_lo = plan_lo
        self.n_pay = len(self.plan_fen) - plan_lo if n_pay is None else n_pay
        self.realise_min = realise_min
        self.self_stop = True
        self.reports = False
        self.report_lag_min = NAN
        self.flagged = False
        self.warning_min = NAN
        self.risk_hold_min = NAN
        # Outcome state, filled in by the model.
        self.next_i = 0
        self.paid_fen = 0
        # Six integer slots, not a dict: a dict per case would cost 270 bytes.
        self.prevented_self_fen = 0
        self.prevented_dissuasion_fen = 0
        self.prevented_guidance_fen = 0
        self.prevented_patrol_fen = 0
        self.prevented_hold_fen = 0
        self.prevented_recall_fen = 0
        self.frozen_police_fen = 0
        self.frozen_bank_fen = 0
        self.cashed_out_fen = 0
        self.in_transit_fen = 0
        self.halted_by = ""
        self.halted_min = NAN
        self.last_pay_min = NAN
        self.report_min = NAN
        self.call_start_min = NAN
        self.call_end_min = NAN
        self.case_start_min = NAN
        self.guidance_min = NAN
        self.patrol_min = NAN
        self.hold_min = NAN
        self.warned_min = NAN
        self.first_stop_min = NAN
        self.last_freeze_min = NAN
        self.accounts_frozen = 0
        self.hops_traced = 0
        self.stop_requests = 0
        self.recall_open = False
        self.traced = False
        self.l1_accounts: list[int] = []
        # Created on first use: most cases are never traced, and a million
        # empty containers would cost a quarter of a gigabyte. Both are flat
        # lists of account ids (see lots.trail_children and
        # lots.holds_id, which search them at C speed): a case asks for a
        # few dozen stops at most, where a set would cost a kilobyte. Lists,
        # not 4-byte arrays: a compiled build searches an array only through
        # generic calls (a third of the work of a bank inquiry), and the
        # lists live only while the case is traced (see end_tracing).
        self.requested: list[int] | None = None
        self.trail: list[int] | None = None
        # Stop requests and bank inquiries sent for this case and not yet
        # answered; once none is open and no payment can follow, the police
        # can ask nothing more, and the two lists above are freed early.
        self.open_requests = 0
        self.tracing_over = False

    def end_tracing(self) -> None:
        """Free the trail and stop requests: the police's working memory, not results.

        Called once nothing more can be asked for the case, or when the
        clock stops; the network keeps no trail for the case afterwards.
        """
        self.trail = None
        self.requested = None
        self.tracing_over = True

    def add_prevented(self, who: str, fen: int) -> None:
        """Credit ``fen`` of prevented payments to stopper ``who`` (one of STOPPERS)."""
        slot = PREVENTED_SLOTS[who]
        setattr(self, slot, getattr(self, slot) + fen)

    @property
    def prevented(self) -> dict[str, int]:
        """Return the fen each stopper prevented, by stopper (a fresh dict)."""
        return {who: getattr(self, slot) for who, slot in PREVENTED_SLOTS.items()}

    # Derived, not stored: each stored number costs a million cases 32 MB.

    @property
    def exposed_fen(self) -> int:
        """Return the planned exposure: the sum of the planned installments."""
        lo = self.plan_lo
        return sum(self.plan_fen[lo : lo + self.n_pay])

    @property
    def first_pay_min(self) -> float:
        """Return the planned time of the first payment."""
        return self.plan_min[self.plan_lo]

    @property
    def started(self) -> bool:
        """Return whether an analyst has taken the case."""
        return self.case_start_min == self.case_start_min  # not NaN

    @property
    def installments(self) -> list[int]:
        """Return the planned installments in fen (a fresh list)."""
        return self.plan_fen[self.plan_lo : self.plan_lo + self.n_pay].tolist()

    @property
    def pay_times(self) -> list[float]:
        """Return the planned payment times in minutes (a fresh list)."""
        return self.plan_min[self.plan_lo : self.plan_lo + self.n_pay].tolist()

    def remaining_fen(self) -> int:
        """Return the planned payments not yet made."""
        lo = self.plan_lo
        return sum(self.plan_fen[lo + self.next_i : lo + self.n_pay])


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

    Returns:
        The counts, and for each scam type (in scenario order) a sorted array
        of the hooked victims' contact times in minutes.
    """
    names = list(scenario.scam_types)
    types = [scenario.scam_types[n] for n in names]
    rates, widths = _hour_bins(scenario)
    contacts = streams.generator("contacts.arrivals").poisson(rates)
    blocked = streams.generator("contacts.interception").binomial(
        contacts, scenario.contacts.interception_share
    )
    shares = np.asarray([t.share for t in types])
    by_type = streams.generator("contacts.types").multinomial(
        contacts - blocked, shares / shares.sum()
    )
    hooks = np.asarray([t.hook_prob for t in types])
    hooked = streams.generator("contacts.hooks").binomial(by_type, hooks)
    counts = ContactCounts(contacts=int(contacts.sum()), intercepted=int(blocked.sum()))
    times: list[np.ndarray] = []
    gen_times = streams.generator("contacts.times")
    for k, name in enumerate(names):
        counts.reached[name] = int(by_type[:, k].sum())
        counts.hooked[name] = int(hooked[:, k].sum())
        hour_of = np.repeat(np.arange(len(rates)), hooked[:, k])
        offset = gen_times.random(len(hour_of)) * widths[hour_of]
        times.append(np.sort((hour_of + offset) * 60.0))
    return counts, times


def _draw_type(scenario: Scenario, name: str, contact: np.ndarray, streams: Streams) -> list[Case]:
    """Draw every exogenous attribute of the victims of one scam type.

    Each attribute has its own stream, named after the scam type, so that
    adding a scam type or an attribute leaves every other draw unchanged.
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
    amounts = as_fen(draw("amount", scam.installment_fen, total))
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

    scam_idx = list(scenario.scam_types).index(name)
    cases: list[Case] = []
    starts = np.concatenate(([0], np.cumsum(counts))).tolist()
    plan_fen = array("q", amounts.tolist())
    plan_min = array("d", _pay_times(contact + grooming, gaps, starts))
    for i in range(m):
        lo = starts[i]
        case = Case(
            -1,
            int(region[i]),
            scam_idx,
            float(contact[i]),
            plan_fen,
            plan_min,
            plan_min[lo] + float(realise[i]),
            lo,
            starts[i + 1] - lo,
        )
        case.self_stop = bool(self_stop[i])
        case.reports = bool(reports[i])
        case.report_lag_min = float(lag[i])
        if ew.enabled and flagged[i]:
            case.flagged = True
            case.warning_min = float(contact[i] + lead[i])
        if risk_hold[i]:
            case.risk_hold_min = case.first_pay_min + float(hold_delay[i])
        cases.append(case)
    return cases


def _pay_times(first: np.ndarray, gaps: np.ndarray, starts: list[int]) -> list[float]:
    """Return every victim's payment times, one after another in one list.

    Victim i pays first at ``first[i]``, then each gap later; the sums are
    taken one at a time in float, as the payments happen.
    """
    out: list[float] = []
    gap = gaps.tolist()
    for i, t in enumerate(first.tolist()):
        out.append(t)
        for g in gap[starts[i] + 1 : starts[i + 1]]:
            t += g
            out.append(t)
    return out


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


def build_cases(scenario: Scenario, streams: Streams) -> tuple[ContactCounts, list[Case]]:
    """Draw all contacts and hooked victims of one replication.

    Returns:
        The contact counts and the cases, ordered by contact time, with ids
        0, 1, ... in that order (scripted cases first among equal times).
    """
    counts, times = draw_contacts(scenario, streams)
    cases = [_scripted(scenario, spec) for spec in scenario.scripted_cases]
    for name, contact in zip(scenario.scam_types, times, strict=True):
        cases.extend(_draw_type(scenario, name, contact, streams))
    cases.sort(key=lambda c: c.contact_min)
    for i, case in enumerate(cases):
        case.id = i
    return counts, cases
