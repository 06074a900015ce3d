"""What a calibration target measures in one replication, and in which unit.

Most observables are read from a finished run: its case table and headline
metrics, with the scenario's warm-up cut off exactly as experiments do. The
few headline metrics no case carries (contacts, intercepted, cash-out by
channel, 90th-percentile queue waits) and the cash-out channel shares cover
the whole run, warm-up included.
One is read from the model's random streams instead: the share of money
leaving a mule layer within so many minutes is the share of that layer's
dwell times within the limit, and the dwell times are drawn, in order, from
the same named stream and by the same sampler the model uses
(``network.layer<k>.dwell``). Those are the dwell times the model gives the
layer's accounts in that replication, so no run is needed for them, which
makes fitting dwell parameters quick. (An account that receives more money
while it still holds some sends it all on at the first money's dwell, so
with heavy pooling the model's money moves somewhat faster than this.)
"""

from __future__ import annotations

import difflib
import itertools
import math
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fraudsim.api import SimulationResult
from fraudsim.experiments.measures import (
    KEY_COLUMNS,
    WAITED_RESOURCES,
    after_warmup,
    replication_metrics,
    row_columns,
    summary_names,
    warmup_min,
)
from fraudsim.rng import Streams
from fraudsim.scenario.schema import Scenario
from fraudsim.scenario.targets import Target

DWELL_DRAWS = 10_240
"""Dwell times drawn per replication for ``mule_exit_share`` (ten sampler chunks)."""

STREAM_OBSERVABLES = frozenset({"mule_exit_share"})
"""Observables read from the random streams, without running the model."""

COUNT_UNITS = frozenset({"count", "cases", "contacts", "case-accounts", "hops"})
"""Units that all mean "a number of things"."""

_FACTORS = {
    ("fen", "yuan"): 0.01,
    ("yuan", "fen"): 100.0,
    ("share", "percent"): 100.0,
    ("percent", "share"): 0.01,
    ("minutes", "seconds"): 60.0,
    ("minutes", "hours"): 1 / 60,
}


class TargetError(ValueError):
    """A target cannot be measured (unknown metric, incompatible unit, ...)."""


@dataclass(frozen=True)
class Replication:
    """One replication to measure: the policy's scenario, seed, number and run.

    Attributes:
        scenario: The scenario as the target's policy makes it.
        seed: Root seed.
        replication: Replication number.
        result: The finished run, or None when only stream observables are asked.
    """

    scenario: Scenario
    seed: int
    replication: int
    result: SimulationResult | None


def known_metrics(scenario: Scenario) -> frozenset[str]:
    """Return the metrics a ``metric`` target may sum in a run of ``scenario``.

    The headline metrics of ``summary.csv`` and one replication's measures
    (see :func:`~fraudsim.experiments.measures.replication_metrics`), named
    by the functions that compute them.
    """
    summary = summary_names(WAITED_RESOURCES, tuple(scenario.mule_network.cash_out))
    measures = row_columns()[len(KEY_COLUMNS):]
    return frozenset(summary) | frozenset(measures)


def unknown_metric_text(names: list[str], known: frozenset[str]) -> str:
    """Say which metric names are unknown, with the likeliest one meant or all known ones."""
    meant = [difflib.get_close_matches(n, known, n=1) for n in names]
    if all(meant):
        hints = ", ".join(f"{n!r} (did you mean {m[0]!r}?)" for n, m in zip(names, meant,
                                                                          strict=True))
        return f"unknown metric {hints}"
    return f"unknown metric {', '.join(names)}; known: {', '.join(sorted(known))}"


def needs_run(target: Target) -> bool:
    """Whether measuring ``target`` needs the model to run (not only its streams)."""
    return target.observable not in STREAM_OBSERVABLES


def native_unit(target: Target) -> str:
    """Return the unit the observable is measured in, before conversion to the fact's."""
    if target.observable != "metric":
        return "share"
    units = {_metric_unit(m) for m in target.metrics}
    if len(units) != 1:
        raise TargetError(f"metrics {target.metrics} mix units {sorted(units)}; sum like with like")
    return units.pop()


def _metric_unit(name: str) -> str:
    if name.endswith("_fen"):
        return "fen"
    if name.endswith("_yuan"):
        return "yuan"
    if name.endswith("_min"):
        return "minutes"
    return "share" if "share" in name else "count"


def conversion(unit: str, fact_unit: str) -> float:
    """Return the factor turning ``unit`` into the fact's unit.

    Raises:
        TargetError: If the units measure different things.
    """
    if unit == fact_unit or (unit in COUNT_UNITS and fact_unit in COUNT_UNITS):
        return 1.0
    if (unit, fact_unit) in _FACTORS:
        return _FACTORS[(unit, fact_unit)]
    raise TargetError(f"cannot compare {unit} with the fact's unit {fact_unit!r}")


def measure(target: Target, rep: Replication, bins: tuple[float, ...] | None) -> list[float]:
    """Return the target's observable in one replication, in its native unit.

    Args:
        target: The target.
        rep: The replication (with its run unless the observable is a stream one).
        bins: Bin edges of a binned fact (``delay_shares``), else None.

    Returns:
        One value, or one share per bin.
    """
    if target.observable == "mule_exit_share":
        return [_mule_exit_share(target, rep)]
    result = rep.result
    if result is None:
        raise TargetError(f"{target.observable} needs a run of the model")
    if target.observable == "metric":
        return [_metric_sum(target, result)]
    if target.observable == "exit_channel_share":
        return [_channel_share(target, result)]
    delays = _delays(target, result)
    if target.observable == "delay_share":
        assert target.within_min is not None
        return [float((delays <= target.within_min).mean()) if len(delays) else math.nan]
    if bins is None:
        raise TargetError("delay_shares needs a fact with bins")
    return _bin_shares(delays, bins)


def _mule_exit_share(target: Target, rep: Replication) -> float:
    layers = rep.scenario.mule_network.layers
    if target.layer >= len(layers):
        raise TargetError(f"layer {target.layer} does not exist ({len(layers)} layers)")
    sampler = Streams(rep.seed, rep.replication).sampler(
        f"network.layer{target.layer}.dwell", layers[target.layer].dwell_min
    )
    draws = np.fromiter((sampler.next() for _ in range(DWELL_DRAWS)), np.float64, DWELL_DRAWS)
    assert target.within_min is not None
    return float((draws <= target.within_min).mean())


def _metric_sum(target: Target, result: SimulationResult) -> float:
    values: dict[str, float] = {m.metric: m.value for m in result.summary}
    values.update({k: float(v) for k, v in replication_metrics(result).items()})
    unknown = [m for m in target.metrics if m not in values]
    if unknown:
        raise TargetError(unknown_metric_text(unknown, frozenset(values)))
    return math.fsum(values[m] for m in target.metrics)


def _channel_share(target: Target, result: SimulationResult) -> float:
    by_channel = {
        m.metric.removeprefix("cashed_out_via_").removesuffix("_fen"): m.value
        for m in result.summary
        if m.metric.startswith("cashed_out_via_")
    }
    unknown = [c for c in target.channels if c not in by_channel]
    if unknown:
        raise TargetError(f"unknown cash-out channel {', '.join(unknown)}; "
                          f"known: {', '.join(by_channel)}")
    total = math.fsum(by_channel.values())
    return math.fsum(by_channel[c] for c in target.channels) / total if total else math.nan


FloatArray = np.ndarray[tuple[int], np.dtype[np.float64]]


AS_DRAWN = {"report": "report_due_min"}
"""Victim's events read as drawn, with the column that holds them.

Published delays are of victims who reported, whenever that was; a run
sees only the reports before its end, so reading ``report_min`` would drop
the longest delays of the cases that began late (in fujian-2023, a week and a
three-day drain, about a third of the reports due more than a day after the
first payment come after the end). ``realise_min`` is
kept as drawn in the case table itself.
"""


def event_column(event: str) -> str:
    """Return the case-table column a target's ``start`` or ``end`` event is read from."""
    return AS_DRAWN.get(event, f"{event}_min")


def _delays(target: Target, result: SimulationResult) -> FloatArray:
    cases = after_warmup(result.cases, warmup_min(result))
    if target.scam_types:
        # The scenario's validation checked the names: an empty selection
        # means no case of those types, measured as NaN like any empty one.
        chosen = pa.array(target.scam_types, pa.string())
        cases = cases.filter(pc.is_in(cases.column("scam_type"), value_set=chosen))
    start = np.asarray(cases.column(event_column(str(target.start))).to_numpy(
        zero_copy_only=False))
    end = np.asarray(cases.column(event_column(str(target.end))).to_numpy(zero_copy_only=False))
    keep = ~(np.isnan(start) | np.isnan(end))
    delays: FloatArray = (end - start)[keep]
    return delays


def _bin_shares(delays: FloatArray, bins: tuple[float, ...]) -> list[float]:
    """Return the share of delays in each bin ``[lo, hi)`` (NaN if there are none)."""
    if not len(delays):
        return [math.nan] * (len(bins) - 1)
    return [float(((delays >= lo) & (delays < hi)).mean()) for lo, hi in itertools.pairwise(bins)]
