"""Sizes and amounts a scenario may ask for, checked before anything runs.

A typing slip (an extra zero or three, ``1e19`` for ``1e9``) can ask for
more victims than memory holds, more time bins than a year has minutes,
a mule account that splits a balance a trillion ways, or amounts whose
sums no 64-bit integer can hold. Each would end in a crash deep in a run,
a machine out of memory, a run that never ends, or (for money and counts)
totals that wrap round silently. The limits here are far above any real
scenario's (the national year asks for about 75 million contacts, a
million victims, three million false alarms, 8,900 hourly bins, fan-outs
of at most four and payments up to some millions of yuan) and far below
the point of harm; a scenario beyond one is refused with the limit named.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from fraudsim.scenario.distributions import Distribution
    from fraudsim.scenario.schema import ScamType, Scenario

MAX_EXPECTED_CASES: Final = 20_000_000
"""Hooked victims a replication may expect: each case is kept in memory
(about 0.9 GiB per million in the national year's runs)."""
MAX_EXPECTED_WOULD_BE: Final = 100_000_000
"""Would-be victims a replication may expect: contacts the scams would hook,
before interception thins them. Each is drawn (its contact time and its
interception draw, some 25 to 50 bytes in arrays) even when interception
then blocks it, so a high interception share does not make them free: a
hundred million is 30 times the national year's 3.3 million and a few GiB."""
MAX_EXPECTED_CONTACTS: Final = 10**12
"""Scam contacts a replication may expect. Contacts are only counted, per
hour, not drawn one by one, so they cost no memory; but the counts are
64-bit integers, which wrap round (or numpy refuses the Poisson draw)
beyond about 9.2 x 10^18. A million million is 13,000 times the national
year's 75 million, and millions of times below the wrap."""
MAX_EXPECTED_FALSE_POSITIVES: Final = 100_000_000
"""Early-warning false alarms a replication may expect (counted only when
early warning is enabled). Every one is drawn up front, its time kept in a
list (about 50 bytes), and each then loads the team as a job: a hundred
million is 33 times the national year's three million and a few GiB."""
MAX_DAYS: Final = 36_600.0
"""Longest horizon and drain, each: a hundred years."""
MAX_RESOURCE_BINS: Final = 1_000_000
"""Time bins of resources.parquet (per resource) a run may make."""
MAX_MEAN_INSTALLMENT_FEN: Final = 10**12
"""Mean payment: 10 billion yuan (the largest real losses are far below)."""
MAX_MEAN_INSTALLMENTS: Final = 10_000.0
"""Mean number of payments of a victim."""
MAX_MEAN_FAN_OUT: Final = 1_000.0
"""Mean number of next-layer accounts a mule layer splits a balance across.

Each sweep loops over its parts (choosing an account for each, splitting
every lot, writing the trail), so one draw of ``1e15`` never ends. The
limit is on the mean, as for installments, because most distributions
(lognormal, gamma, exponential, mixtures of them) have no maximum to hold
to; and the mean is what matters: the parts of all a run's sweeps add up
to the number of sweeps times the mean (Wald's identity), tail and rare
huge draws included. Real fan-outs are one to four."""
MAX_SCRIPTED_FEN: Final = 10**15
"""The most all payments of a scripted case may add up to."""
MAX_EXPECTED_EXPOSURE_FEN: Final = 10**17
"""Money a replication's victims may be expected to pay, in all: a
thousand trillion yuan, 46 times below what 64-bit fen hold (a run's draws
beyond that are refused as they are made, see ``distributions.as_fen``)."""
MAX_EXPECTED_TRANSFERS: Final = 500_000_000
"""Transfers into mule accounts a replication may be expected to make.

Fan-outs multiply from layer to layer: each layer's mean within its limit
can still split every payment a million ways across three layers. Each
transfer is a few happenings of the clock. The national year is expected
here to make at most 23 million (see :func:`expected_transfers`; it makes
17.5 million money movements, cash-outs included, pooling merging the
rest) in minutes; 500 million is about 20 times that, as the victim limit
is: hours of a run rather than one that never ends."""


def expected_contacts(scenario: Scenario) -> float:
    """Return the mean number of scam contacts of one replication (before interception)."""
    return scenario.contacts.rate_per_hour * scenario.time.horizon_days * 24.0


def _per_contact(scenario: Scenario, per_victim: Callable[[ScamType], float]) -> float:
    """Return what a contact of a random type brings, ``per_victim`` of each type it hooks.

    The types' shares weigh each type's hook chance times ``per_victim``
    (1 for the victims themselves, their mean payments, their money).
    """
    types = list(scenario.scam_types.values())
    share = sum(t.share for t in types)
    if not share:
        return 0.0
    return sum(t.share * t.hook_prob * per_victim(t) for t in types) / share


def _hook(scenario: Scenario) -> float:
    """Return the chance that a contact of a random type would hook its target."""
    return _per_contact(scenario, lambda _: 1.0)


def _not_intercepted(scenario: Scenario) -> float:
    """Return the mean number of contacts of one replication that interception lets through."""
    return expected_contacts(scenario) * (1.0 - scenario.contacts.interception_share)


def expected_would_be(scenario: Scenario) -> float:
    """Return the mean number of would-be victims of one replication.

    The contacts the scams would hook, before interception: the model
    draws each of them (see ``model.victims.draw_contacts``), then blocks
    the intercepted share.
    """
    return expected_contacts(scenario) * _hook(scenario)


def expected_cases(scenario: Scenario) -> float:
    """Return the mean number of hooked victims of one replication.

    The would-be victims (:func:`expected_would_be`) less the intercepted share.
    """
    return expected_would_be(scenario) * (1.0 - scenario.contacts.interception_share)


def expected_false_positives(scenario: Scenario) -> float:
    """Return the mean number of early-warning false alarms of one replication.

    People flagged who are not being scammed arrive over the horizon at
    the given rate, and only when early warning is enabled (see
    ``model.warning``).
    """
    ew = scenario.early_warning
    if not ew.enabled:
        return 0.0
    return ew.false_positives_per_hour * scenario.time.horizon_days * 24.0


def expected_exposure(scenario: Scenario) -> float:
    """Return the mean fen a replication's random victims would pay, in all.

    Each type's victims (as in :func:`expected_cases`) times its mean
    number of payments and its mean payment.
    """
    return _not_intercepted(scenario) * _per_contact(
        scenario, lambda t: _mean(t.installments) * _mean(t.installment_fen))


def _mean(dist: Distribution) -> float:
    """Return the mean of ``dist``, infinite where it is beyond floats.

    A lognormal's mean ``exp(mu + sigma^2 / 2)`` overflows for a p95 many
    orders of magnitude above the median; that is a mean beyond every
    limit, not a reason to crash while checking.
    """
    try:
        return dist.mean()
    except OverflowError:
        return math.inf


def _count_mean(count: Distribution) -> float:
    """Return about the mean of a count drawn from ``count`` (rounded, at least 1)."""
    return max(1.0, _mean(count))


def expected_transfers(scenario: Scenario) -> float:
    """Return about the most transfers into mule accounts a replication may expect.

    Every payment (the random victims' ones, as in :func:`expected_cases`
    with each type's mean number of payments, and the scripted ones) goes
    into a first-layer account; a sweep of any layer but the last sends
    the balance on to as many next-layer accounts as its fan-out draws (the
    last layer cashes out). Without pooling a payment makes
    ``1 + f0 + f0 f1 + ...`` transfers, ``fk`` being layer k's mean fan-out;
    pooling, which sweeps several victims' money at once, only makes fewer.
    """
    payments = _not_intercepted(scenario) * _per_contact(
        scenario, lambda t: _count_mean(t.installments))
    payments += sum(len(case.installments_fen) for case in scenario.scripted_cases)
    per_payment, reach = 0.0, 1.0
    for layer in scenario.mule_network.layers:
        per_payment += reach
        reach *= _count_mean(layer.fan_out)
    return payments * per_payment


def limit_problems(scenario: Scenario) -> list[tuple[str, str]]:
    """Return what in a valid ``scenario`` is beyond the limits above, as (key path, problem)."""
    time = scenario.time
    problems = [
        f"time.{key}: at most {MAX_DAYS:g} days (got {days:g})"
        for key, days in (("horizon_days", time.horizon_days), ("drain_days", time.drain_days))
        if days > MAX_DAYS
    ]
    if not problems:  # else the other checks would only repeat the size
        problems += _size_problems(scenario)
        problems += _amount_problems(scenario)
        problems += _fan_out_problems(scenario)
    if not problems:  # else the transfers would only repeat a size named above
        problems += _transfer_problems(scenario)
    found: dict[str, str] = {}
    for line in problems:
        # A rate beyond the victims' limit is usually beyond the money's too:
        # the first problem of a key says it.
        key, _, problem = line.partition(": ")
        found.setdefault(key, problem)
    return list(found.items())


def _size_problems(scenario: Scenario) -> list[str]:
    """Time bins, victims, contacts and false alarms beyond what memory or counts hold."""
    time = scenario.time
    problems = []
    bins = (time.horizon_days + time.drain_days) * 1440.0 / time.resource_bin_min
    if bins > MAX_RESOURCE_BINS:
        problems.append(
            f"time.resource_bin_min: the run would make {bins:,.0f} bins per resource; "
            f"at most {MAX_RESOURCE_BINS:,} (widen the bins)"
        )
    problems += _contact_problems(scenario)
    alarms = expected_false_positives(scenario)
    if alarms > MAX_EXPECTED_FALSE_POSITIVES:
        problems.append(
            f"early_warning.false_positives_per_hour: about {alarms:.3g} false alarms "
            f"expected in a replication; at most {MAX_EXPECTED_FALSE_POSITIVES:,} "
            "(each is drawn up front and queued for the team)"
        )
    return problems


def _contact_problems(scenario: Scenario) -> list[str]:
    """Hooked victims, would-be victims and contacts: the first beyond its limit.

    There are at most as many hooked victims as would-be victims, and at
    most as many of those as contacts, so a rate beyond a limit is often
    beyond the next too; it is named once, by the first.
    """
    cases = expected_cases(scenario)
    if cases > MAX_EXPECTED_CASES:
        return [
            f"contacts.rate_per_hour: about {_about(cases)} hooked victims expected in a "
            f"replication; at most {MAX_EXPECTED_CASES:,} (each case is kept in memory)"
        ]
    would_be = expected_would_be(scenario)
    if would_be > MAX_EXPECTED_WOULD_BE:
        return [
            f"contacts.rate_per_hour: about {would_be:.3g} would-be victims (contacts the "
            f"scams would hook, before interception) expected in a replication; at most "
            f"{MAX_EXPECTED_WOULD_BE:,} (each is drawn, even if interception then blocks it)"
        ]
    contacts = expected_contacts(scenario)
    if contacts > MAX_EXPECTED_CONTACTS:
        return [
            f"contacts.rate_per_hour: about {contacts:.3g} contacts expected in a "
            f"replication; at most {MAX_EXPECTED_CONTACTS:,} (counts must stay exact "
            "in 64 bits)"
        ]
    return []


def _about(count: float) -> str:
    """Write an expected count readably: in full up to a billion, else in three digits."""
    return f"{count:,.0f}" if count < 1e9 else f"{count:.3g}"


def _amount_problems(scenario: Scenario) -> list[str]:
    """Payments whose sums could leave 64-bit integers (money is exact, in fen)."""
    problems = []
    for name, scam in scenario.scam_types.items():
        fen, payments = _mean(scam.installment_fen), _mean(scam.installments)
        if not fen <= MAX_MEAN_INSTALLMENT_FEN:
            problems.append(
                f"scam_types.{name}.installment_fen: mean at most {MAX_MEAN_INSTALLMENT_FEN:,} "
                f"fen (got {fen:.4g})"
            )
        if not payments <= MAX_MEAN_INSTALLMENTS:
            problems.append(
                f"scam_types.{name}.installments: mean at most {MAX_MEAN_INSTALLMENTS:g} "
                f"(got {payments:.4g})"
            )
    if not problems and not expected_exposure(scenario) <= MAX_EXPECTED_EXPOSURE_FEN:
        problems.append(
            f"contacts.rate_per_hour: victims expected to pay about "
            f"{expected_exposure(scenario):.3g} fen in a replication; at most "
            f"{MAX_EXPECTED_EXPOSURE_FEN:.0e} fen (exact money must add up in 64 bits)"
        )
    for i, case in enumerate(scenario.scripted_cases):
        if sum(case.installments_fen) > MAX_SCRIPTED_FEN:
            problems.append(
                f"scripted_cases.{i}.installments_fen: at most {MAX_SCRIPTED_FEN:,} fen in all"
            )
    return problems


def _fan_out_problems(scenario: Scenario) -> list[str]:
    """Mule layers that split a balance across more accounts than a sweep can loop over.

    The last layer cashes out and never draws its fan-out; it is held to
    the same limit all the same, a value beyond it being a slip there too.
    """
    problems = []
    for k, layer in enumerate(scenario.mule_network.layers):
        mean = _mean(layer.fan_out)
        if not mean <= MAX_MEAN_FAN_OUT:
            problems.append(
                f"mule_network.layers.{k}.fan_out: mean at most {MAX_MEAN_FAN_OUT:g} "
                f"(got {mean:.4g})"
            )
    return problems


def _transfer_problems(scenario: Scenario) -> list[str]:
    """Payments split, layer after layer, into more transfers than a run gets through."""
    transfers = expected_transfers(scenario)
    if not transfers <= MAX_EXPECTED_TRANSFERS:
        return [
            f"mule_network.layers: about {transfers:.3g} transfers into mule accounts "
            f"expected in a replication (each payment split by the layers' fan-outs in "
            f"turn); at most {MAX_EXPECTED_TRANSFERS:,} (lower the fan-outs or the contacts)"
        ]
    return []
