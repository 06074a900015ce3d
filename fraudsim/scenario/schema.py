"""The scenario: everything one simulation run needs, validated and immutable.

A scenario file (TOML) is parsed into :class:`Scenario`. Field-level rules
(types, ranges, unknown keys) are checked by pydantic; rules that relate one
part of the file to another (shares summing to 1, a bank naming an existing
region) are checked by :func:`cross_problems`, which works on plain data so
that the loader can report them together with field errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final, Self

from pydantic import Field, model_validator

from fraudsim.scenario.distributions import Distribution
from fraudsim.scenario.network import Bank, CrossRegion, MuleNetwork, Region, _prob
from fraudsim.scenario.response import EarlyWarning, Response
from fraudsim.scenario.staffing import HOURS_PER_WEEK, Frozen
from fraudsim.scenario.targets import Target

SHARE_TOLERANCE = 1e-6


class TimeSettings(Frozen):
    """Simulated period. Time runs in minutes from Monday 00:00 of week one."""

    horizon_days: float = Field(gt=0, description="Days during which scam contacts arrive.")
    drain_days: float = Field(
        ge=0,
        description="Extra days simulated after the horizon, with no new contacts, so that "
        "cases can play out; money still moving at the end is reported as in flight.",
    )
    resource_bin_min: float = Field(
        default=60.0, gt=0, description="Width of the time bins of resources.parquet."
    )
    warmup_days: float = Field(
        default=0.0,
        ge=0,
        description="Warm-up left out of experiment statistics (steady-state scenarios): cases "
        "whose scam contact comes earlier are excluded, and queue waits count only jobs that "
        "start service in resource bins beginning at or after it. Must be below horizon_days.",
    )

    @model_validator(mode="after")
    def _warmup_within_horizon(self) -> Self:
        if self.warmup_days >= self.horizon_days:
            raise ValueError("warmup_days must be below horizon_days (no case would be counted)")
        return self


class Contacts(Frozen):
    """Scam contacts: a non-homogeneous Poisson process over the week."""

    rate_per_hour: float = Field(
        ge=0, description="Mean number of scam contacts per hour over the week."
    )
    hourly_profile: list[float] = Field(
        default=[1.0] * 24,
        min_length=24,
        max_length=24,
        description="Relative intensity of each hour of the day (24 values).",
    )
    daily_profile: list[float] = Field(
        default=[1.0] * 7,
        min_length=7,
        max_length=7,
        description="Relative intensity of each weekday, Monday first (7 values).",
    )
    interception_share: float = _prob(
        "Share of contacts blocked by call interception before they reach anyone."
    )

    @model_validator(mode="after")
    def _profiles_non_negative(self) -> Self:
        if min(self.hourly_profile) < 0 or min(self.daily_profile) < 0:
            raise ValueError("profile values must be non-negative")
        if sum(self.hourly_profile) <= 0 or sum(self.daily_profile) <= 0:
            raise ValueError("profiles must not be all zero")
        return self

    def weekly_rates(self) -> list[float]:
        """Return contacts per hour for each of the 168 hours of the week.

        The profiles are relative; they are normalised so that the mean over
        the week equals ``rate_per_hour``.
        """
        raw = [d * h for d in self.daily_profile for h in self.hourly_profile]
        scale = self.rate_per_hour * HOURS_PER_WEEK / sum(raw)
        return [r * scale for r in raw]


class ScamType(Frozen):
    """A kind of scam (customer-service impersonation, investment, ...)."""

    share: float = _prob("Share of contacts that are of this type.")
    hook_prob: float = _prob("Probability a contact that reaches someone hooks a victim.")
    grooming_min: Distribution = Field(description="Minutes from contact to the first payment.")
    installments: Distribution = Field(description="Number of payments (rounded, at least 1).")
    installment_fen: Distribution = Field(
        description="Size of each payment in fen (1 yuan = 100 fen); heavy-tailed."
    )
    installment_gap_min: Distribution = Field(description="Minutes between payments.")
    realisation_min: Distribution = Field(
        description="Minutes from the first payment until the victim realises the fraud."
    )
    self_stop_prob: float = _prob(
        "Probability the victim stops paying on realising (otherwise, e.g. under remote "
        "control or pressure, payments go on until someone intervenes)."
    )
    report_prob: float = _prob("Probability the victim reports to the police.")


class Victims(Frozen):
    """Behaviour shared by all victims."""

    report_lag_min: Distribution = Field(
        description="Minutes from realising to calling the police (a mixture gives a fast "
        "group and a long tail)."
    )


class ScriptedCase(Frozen):
    """A case given exactly, for replays of real cases (e.g. Xiamen 2023)."""

    contact_min: float = Field(ge=0, description="Minute of the scam contact.")
    scam_type: str = Field(description="One of [scam_types].")
    region: str = Field(description="Victim's region; one of [regions].")
    grooming_min: float = Field(ge=0, description="Minutes from contact to first payment.")
    installments_fen: list[int] = Field(
        min_length=1, description="The payments, in fen, in order."
    )
    gap_min: float = Field(default=0.0, ge=0, description="Minutes between payments.")
    realisation_min: float = Field(ge=0, description="Minutes from first payment to realising.")
    self_stop: bool = Field(default=True, description="Victim stops paying on realising.")
    reports: bool = Field(description="Whether the victim reports.")
    report_lag_min: float = Field(default=0.0, ge=0, description="Minutes to the report.")

    @model_validator(mode="after")
    def _positive_payments(self) -> Self:
        if any(a <= 0 for a in self.installments_fen):
            raise ValueError("installments_fen must be positive amounts")
        return self


MAX_SEED: Final = 2**63 - 1
"""The largest root seed: result tables keep seeds as 64-bit integers."""


class Scenario(Frozen):
    """A complete, validated scenario. Immutable once built."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        description="Short name, used in results: the default results folder is "
        "results/<name>, so letters, digits, '.', '_' and '-' only.",
    )
    description: str = Field(default="", description="What the scenario represents.")
    cites: list[str] = Field(
        default=[], description="Ids of the seed facts (seeds/*.toml) the scenario rests on."
    )
    seed: int = Field(
        ge=0, le=MAX_SEED, description="Root seed of every random stream (0 to 2**63 - 1)."
    )
    time: TimeSettings
    contacts: Contacts
    scam_types: dict[str, ScamType] = Field(min_length=1)
    victims: Victims
    regions: dict[str, Region] = Field(min_length=1)
    cross_region: CrossRegion
    banks: dict[str, Bank] = Field(min_length=1)
    mule_network: MuleNetwork
    response: Response
    early_warning: EarlyWarning
    scripted_cases: list[ScriptedCase] = Field(
        default=[], description="Cases given exactly, added to the random ones."
    )
    targets: list[Target] = Field(
        default=[],
        description="Published figures the scenario must reproduce, each held to a seed fact "
        "with a tolerance; checked by fraudsim check and fitted by fraudsim calibrate.",
    )
    policies: dict[str, dict[str, Any]] = Field(
        default={},
        description="Named policies compared by fraudsim compare and sweep: each a table of "
        "overrides of this scenario, keyed by the same key paths as --set, e.g. "
        '[policies.fast_freeze] "banks.b1.stop_latency_min" = 1. A policy cannot change the '
        "seed nor the measurement window (time.horizon_days, time.warmup_days, "
        "time.drain_days, time.resource_bin_min): every policy sees the same scams (common "
        "random numbers) and is measured on the same cases, days and bins.",
    )
    baseline_policy: str | None = Field(
        default=None,
        description='The policy the others are compared against ("base": the plain scenario, '
        "run beside the declared policies); default: the first declared policy, or the plain "
        'scenario (called "base") when none is declared.',
    )

    @model_validator(mode="after")
    def _cross_references(self) -> Self:
        problems = cross_problems(self.model_dump(by_alias=True))
        if problems:
            raise ValueError("; ".join(f"{'.'.join(p)}: {m}" for p, m in problems))
        return self


Problem = tuple[tuple[str, ...], str]
"""A problem found: the key path and what is wrong."""


def _names(raw: Mapping[str, Any], key: str) -> set[str] | None:
    table = raw.get(key)
    return set(table) if isinstance(table, Mapping) else None


def _share_sum(table: Any, field: str, path: tuple[str, ...]) -> list[Problem]:
    """Check that ``table[*][field]`` sums to 1 (skipped if malformed)."""
    if isinstance(table, list):
        items = list(enumerate(table))
    elif isinstance(table, Mapping):
        items = list(table.items())
    else:
        return []
    values = [v.get(field) for _, v in items if isinstance(v, Mapping)]
    numbers = [x for x in values if isinstance(x, int | float)]
    if not values or len(numbers) != len(values):
        return []
    total = float(sum(numbers))
    if abs(total - 1.0) > SHARE_TOLERANCE:
        # Enough digits to show the miss: the tolerance is finer than {:g}'s six.
        return [(path, f"the {field} values must sum to 1 (they sum to {total:.10g})")]
    return []


def _check_ref(value: Any, allowed: set[str] | None, path: tuple[str, ...]) -> list[Problem]:
    if allowed is None or not isinstance(value, str) or value in allowed:
        return []
    names = ", ".join(sorted(allowed)) or "(none defined)"
    return [(path, f"unknown name {value!r}; allowed: {names}")]


def cross_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """Return the problems relating one part of a scenario to another.

    Works on plain (possibly invalid) data and skips anything malformed, so
    that it can run alongside field validation and every problem in a file
    is reported at once.
    """
    problems: list[Problem] = []
    regions = _names(raw, "regions")
    scams = _names(raw, "scam_types")
    problems += _share_sum(raw.get("scam_types"), "share", ("scam_types",))
    problems += _share_sum(raw.get("regions"), "population_share", ("regions",))
    problems += _share_sum(raw.get("banks"), "market_share", ("banks",))
    mules = raw.get("mule_network")
    if isinstance(mules, Mapping):
        problems += _share_sum(mules.get("cash_out"), "share", ("mule_network", "cash_out"))
    banks = raw.get("banks")
    if isinstance(banks, Mapping):
        for name, bank in banks.items():
            if isinstance(bank, Mapping):
                problems += _check_ref(bank.get("region"), regions, ("banks", name, "region"))
    cross = raw.get("cross_region")
    if isinstance(cross, Mapping) and isinstance(cross.get("delays"), list):
        for i, pair in enumerate(cross["delays"]):
            if isinstance(pair, Mapping):
                for end in ("from", "to"):
                    path = ("cross_region", "delays", str(i), end)
                    problems += _check_ref(pair.get(end), regions, path)
    scripted = raw.get("scripted_cases")
    if isinstance(scripted, list):
        for i, case in enumerate(scripted):
            if isinstance(case, Mapping):
                base = ("scripted_cases", str(i))
                problems += _check_ref(case.get("scam_type"), scams, (*base, "scam_type"))
                problems += _check_ref(case.get("region"), regions, (*base, "region"))
    return problems + _target_problems(raw, scams) + _policy_name_problems(raw)


def _target_problems(raw: Mapping[str, Any], scams: set[str] | None) -> list[Problem]:
    """Check that the scam types a target is limited to are the scenario's."""
    targets = raw.get("targets")
    if not isinstance(targets, list):
        return []
    problems: list[Problem] = []
    for i, target in enumerate(targets):
        if isinstance(target, Mapping) and isinstance(target.get("scam_types"), list):
            for k, name in enumerate(target["scam_types"]):
                path = ("targets", str(i), "scam_types", str(k))
                problems += _check_ref(name, scams, path)
    return problems


POLICY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]*")
"""Policy names become folder names in experiment results."""


def _policy_name_problems(raw: Mapping[str, Any]) -> list[Problem]:
    """Check policy names and that ``baseline_policy`` names a declared policy."""
    policies = raw.get("policies", {})
    if not isinstance(policies, Mapping):
        return []
    problems: list[Problem] = [
        (("policies", name), "a policy name must start with a letter or digit and hold only "
         "letters, digits and _ . + -") for name in policies if not POLICY_NAME.fullmatch(name)
    ]
    if "base" in policies:
        # The plain scenario's name: a policy of that name would silently
        # stand in for it, in comparisons and in every target's default.
        problems.append((("policies", "base"), "'base' names the plain scenario, as written; "
                         "give the policy another name"))
    baseline = raw.get("baseline_policy")
    return problems + _check_ref(baseline, {"base", *policies}, ("baseline_policy",))
