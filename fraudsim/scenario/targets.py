"""Calibration targets: observable figures a scenario must reproduce.

A scenario declares the published figures it is held to as ``[[targets]]``;
``fraudsim check`` runs it and compares each with what the model gives::

    [[targets]]
    fact = "uk-2024-mule-exit-15min"     # the seed fact: 28% left within 15 min
    observable = "mule_exit_share"
    within_min = 15
    tolerance = 0.03                     # in the fact's unit (a share here)

    [[targets]]
    fact = "fujian-2023-victims-dissuaded"
    observable = "metric"
    metrics = ["dissuaded"]
    scale = 521.43                       # a tenth of the province for a week -> the year
    rel_tolerance = 0.10

The published value comes from the seed fact, never from the scenario file,
so a target cannot drift from its source. Which keys a target needs depends
on its ``observable`` (see the field descriptions).
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import Field, model_validator

from fraudsim.scenario.staffing import Frozen

Observable = Literal[
    "metric", "mule_exit_share", "exit_channel_share", "delay_share", "delay_shares"
]

CaseEvent = Literal[
    "contact",
    "first_payment",
    "last_payment",
    "realise",
    "report",
    "call_start",
    "case_start",
    "guidance",
    "patrol_arrival",
    "hold",
    "warned",
    "halted",
    "first_stop",
    "last_freeze",
]
"""Moments of a case, named as the ``<event>_min`` columns of the case table."""

_NEEDS: dict[str, tuple[str, ...]] = {
    "metric": ("metrics",),
    "mule_exit_share": ("within_min",),
    "exit_channel_share": ("channels",),
    "delay_share": ("start", "end", "within_min"),
    "delay_shares": ("start", "end"),
}
"""Keys each observable needs."""

_READS: dict[str, frozenset[str]] = {
    "metric": frozenset({"metrics"}),
    "mule_exit_share": frozenset({"within_min", "layer"}),
    "exit_channel_share": frozenset({"channels"}),
    "delay_share": frozenset({"start", "end", "within_min", "scam_types"}),
    "delay_shares": frozenset({"start", "end", "scam_types"}),
}
"""The keys each observable reads, beside those every target has."""

_ONLY_SOME = frozenset().union(*_READS.values())
"""Keys that only some observables read."""


class Target(Frozen):
    """A published figure the scenario must reproduce (checked by ``fraudsim check``).

    Observables: ``metric`` (the sum of headline metrics of a run, times
    ``scale``); ``mule_exit_share`` (share of money leaving an account of mule
    layer ``layer`` within ``within_min`` minutes of arriving, from the layer's
    dwell times as the model draws them); ``exit_channel_share`` (share of
    cashed-out money leaving through ``channels``); ``delay_share`` (share of
    cases whose ``end`` comes within ``within_min`` minutes of ``start``);
    ``delay_shares`` (the distribution of ``end - start`` over the bins of a
    binned fact).
    """

    fact: str = Field(description="Id of the seed fact (seeds/*.toml) holding the published value.")
    observable: Observable = Field(description="What is measured in each replication (see above).")
    tolerance: float | None = Field(
        default=None,
        gt=0,
        description="Allowed difference between the simulated mean and the published value, in "
        "the fact's unit (per bin for a binned fact). Give this or rel_tolerance.",
    )
    rel_tolerance: float | None = Field(
        default=None,
        gt=0,
        description="Allowed difference as a share of the published value (0.1 = ±10%).",
    )
    compare: Literal["near", "at_least", "at_most"] = Field(
        default="near",
        description="near: within the tolerance; at_least / at_most: the published value is a "
        'bound (e.g. "more than half"), missed by no more than the tolerance.',
    )
    policy: str = Field(
        default="base",
        description='Policy under which the figure holds ("base": the scenario as written).',
    )
    scale: float = Field(
        default=1.0,
        gt=0,
        description="Factor from the simulated run to the published figure's scale (e.g. the "
        "inverse of the simulated share of a province, times periods per year).",
    )
    metrics: list[str] = Field(
        default=[],
        description="metric: names of headline metrics (summary.csv) summed in each "
        "replication, e.g. dissuaded or prevented_by_dissuasion_fen.",
    )
    within_min: float | None = Field(
        default=None, gt=0, description="mule_exit_share, delay_share: the time limit in minutes."
    )
    layer: int = Field(
        default=0, ge=0, description="mule_exit_share: mule layer, 0 for first-level accounts."
    )
    channels: list[str] = Field(
        default=[], description="exit_channel_share: cash-out channels whose shares are summed."
    )
    start: CaseEvent | None = Field(
        default=None, description="delay_share(s): the case event the delay is measured from."
    )
    end: CaseEvent | None = Field(
        default=None, description="delay_share(s): the case event the delay is measured to."
    )
    scam_types: list[str] = Field(
        default=[],
        description="delay_share(s): only cases of these scam types (names of [scam_types]) "
        "count, as when a survey covered some kinds of fraud; every case when empty.",
    )
    note: str = Field(default="", description="Why this observable stands for the fact.")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if (self.tolerance is None) == (self.rel_tolerance is None):
            raise ValueError("give exactly one of tolerance and rel_tolerance")
        missing = [k for k in _NEEDS[self.observable] if not getattr(self, k)]
        if missing:
            raise ValueError(f"observable {self.observable!r} needs {', '.join(missing)}")
        # A key the observable does not read would be silently ignored: a
        # scale or a scam-type filter that changes nothing, a limit that
        # limits nothing.
        # Compared with the defaults, not the keys given: a target read back
        # from a dump has every key.
        given = {k for k in _ONLY_SOME if getattr(self, k) != type(self).model_fields[k].default}
        unread = sorted(given - _READS[self.observable])
        if unread:
            readers = {k: [o for o, keys in _READS.items() if k in keys] for k in unread}
            raise ValueError("; ".join(
                f"{k} is read only by {' and '.join(readers[k])}, not by {self.observable!r}"
                for k in unread))
        if self.start is not None and self.start == self.end:
            raise ValueError(f"start and end are both {self.start!r}: every delay would be 0")
        return self
