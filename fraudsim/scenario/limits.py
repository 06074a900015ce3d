"""Sizes and amounts a scenario may ask for, checked before anything runs.

A typing slip (an extra zero or three, ``1e19`` for ``1e9``) can ask for
more victims than memory holds, more time bins than a year has minutes, or
amounts whose sums no 64-bit integer can hold. Each would end in a crash
deep in a run, a machine out of memory, or (for money) totals that wrap
round silently. The limits here are far above any real scenario's (the
national year asks for about a million victims, 8,900 hourly bins and
payments up to some millions of yuan) and far below the point of harm; a
scenario beyond one is refused with the limit named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from fraudsim.scenario.schema import Scenario

MAX_EXPECTED_CASES: Final = 20_000_000
"""Hooked victims a replication may expect: each case is kept in memory
(about 0.9 GiB per million in the national year's runs)."""
MAX_DAYS: Final = 36_600.0
"""Longest horizon and drain, each: a hundred years."""
MAX_RESOURCE_BINS: Final = 1_000_000
"""Time bins of resources.parquet (per resource) a run may make."""
MAX_MEAN_INSTALLMENT_FEN: Final = 10**12
"""Mean payment: 10 billion yuan (the largest real losses are far below)."""
MAX_MEAN_INSTALLMENTS: Final = 10_000.0
"""Mean number of payments of a victim."""
MAX_SCRIPTED_FEN: Final = 10**15
"""The most all payments of a scripted case may add up to."""
MAX_EXPECTED_EXPOSURE_FEN: Final = 10**17
"""Money a replication's victims may be expected to pay, in all: a
thousand trillion yuan, 46 times below what 64-bit fen hold (a run's draws
beyond that are refused as they are made, see ``distributions.as_fen``)."""


def expected_cases(scenario: Scenario) -> float:
    """Return the mean number of hooked victims of one replication.

    The contact rate over the horizon, less the intercepted share, times
    the chance that a contact of a random type hooks its target.
    """
    types = list(scenario.scam_types.values())
    share = sum(t.share for t in types)
    hook = sum(t.share * t.hook_prob for t in types) / share if share else 0.0
    contacts = scenario.contacts
    hours = scenario.time.horizon_days * 24.0
    return contacts.rate_per_hour * hours * (1.0 - contacts.interception_share) * hook


def expected_exposure(scenario: Scenario) -> float:
    """Return the mean fen a replication's random victims would pay, in all.

    Each type's victims (as in :func:`expected_cases`) times its mean
    number of payments and its mean payment.
    """
    types = list(scenario.scam_types.values())
    share = sum(t.share for t in types)
    if not share:
        return 0.0
    per_contact = sum(
        t.share * t.hook_prob * t.installments.mean() * t.installment_fen.mean() for t in types
    ) / share
    contacts = scenario.contacts
    hours = scenario.time.horizon_days * 24.0
    return contacts.rate_per_hour * hours * (1.0 - contacts.interception_share) * per_contact


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
    return [(line.partition(": ")[0], line.partition(": ")[2]) for line in problems]


def _size_problems(scenario: Scenario) -> list[str]:
    """Time bins and victims beyond what memory holds."""
    time = scenario.time
    problems = []
    bins = (time.horizon_days + time.drain_days) * 1440.0 / time.resource_bin_min
    if bins > MAX_RESOURCE_BINS:
        problems.append(
            f"time.resource_bin_min: the run would make {bins:,.0f} bins per resource; "
            f"at most {MAX_RESOURCE_BINS:,} (widen the bins)"
        )
    cases = expected_cases(scenario)
    if cases > MAX_EXPECTED_CASES:
        problems.append(
            f"contacts.rate_per_hour: about {cases:,.0f} hooked victims expected in a "
            f"replication; at most {MAX_EXPECTED_CASES:,} (each case is kept in memory)"
        )
    return problems


def _amount_problems(scenario: Scenario) -> list[str]:
    """Payments whose sums could leave 64-bit integers (money is exact, in fen)."""
    problems = []
    for name, scam in scenario.scam_types.items():
        if not scam.installment_fen.mean() <= MAX_MEAN_INSTALLMENT_FEN:
            problems.append(
                f"scam_types.{name}.installment_fen: mean at most {MAX_MEAN_INSTALLMENT_FEN:,} "
                f"fen (got {scam.installment_fen.mean():.4g})"
            )
        if not scam.installments.mean() <= MAX_MEAN_INSTALLMENTS:
            problems.append(
                f"scam_types.{name}.installments: mean at most {MAX_MEAN_INSTALLMENTS:g} "
                f"(got {scam.installments.mean():.4g})"
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
