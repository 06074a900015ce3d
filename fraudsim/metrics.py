"""Headline measures of a run, computed afterwards from its tables.

Pure functions: they read the case table (and a few run-level counts) and
return rows of (metric, value, unit). Money is summed in integer fen; shares
and yuan are derived at the end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fraudsim.model.cases import STOPPERS

FEN_PER_YUAN = 100


@dataclass(frozen=True)
class Metric:
    """One headline figure."""

    metric: str
    value: float
    unit: str


def _col(table: pa.Table, name: str) -> np.ndarray:
    values: np.ndarray = table.column(name).to_numpy(zero_copy_only=False)
    return values


def _quantile(values: np.ndarray, q: float) -> float:
    values = values[~np.isnan(values)]
    return float(np.quantile(values, q)) if len(values) else math.nan


def _share(part: int, whole: int) -> float:
    return part / whole if whole else math.nan


def money_metrics(cases: pa.Table) -> list[Metric]:
    """Totals of the money identity, and the shares saved and frozen."""
    total = {
        c: int(_col(cases, c).sum())
        for c in (
            "exposed_fen",
            "paid_fen",
            "prevented_fen",
            "frozen_fen",
            "cashed_out_fen",
            "in_flight_fen",
            "saved_fen",
            "held_by_stop_fen",
            "frozen_by_police_fen",
            "frozen_by_bank_fen",
        )
    }
    out = [Metric(k, float(v), "fen") for k, v in total.items()]
    out += [
        Metric(f"prevented_by_{w}_fen", float(_col(cases, f"prevented_by_{w}_fen").sum()), "fen")
        for w in STOPPERS
    ]
    out += [
        Metric("saved_share", _share(total["saved_fen"], total["exposed_fen"]), "share of exposed"),
        Metric(
            "frozen_share_of_paid", _share(total["frozen_fen"], total["paid_fen"]), "share of paid"
        ),
        Metric("lost_fen", float(total["cashed_out_fen"]), "fen"),
        Metric("saved_yuan", total["saved_fen"] / FEN_PER_YUAN, "yuan"),
        Metric("lost_yuan", total["cashed_out_fen"] / FEN_PER_YUAN, "yuan"),
    ]
    return out


def timing_metrics(cases: pa.Table) -> list[Metric]:
    """How fast the response was: report to first stop, to case start."""
    report = _col(cases, "report_min")
    to_stop = _col(cases, "first_stop_min") - report
    to_case = _col(cases, "case_start_min") - report
    return [
        Metric("report_to_first_stop_median_min", _quantile(to_stop, 0.5), "minutes"),
        Metric("report_to_first_stop_p90_min", _quantile(to_stop, 0.9), "minutes"),
        Metric("report_to_case_start_median_min", _quantile(to_case, 0.5), "minutes"),
        Metric("report_to_case_start_p90_min", _quantile(to_case, 0.9), "minutes"),
    ]


def count_metrics(cases: pa.Table) -> list[Metric]:
    """How many cases reached each stage."""
    reported = _col(cases, "reported")
    started = ~np.isnan(_col(cases, "case_start_min"))
    warned = ~np.isnan(_col(cases, "warned_min"))
    dissuaded = _col(cases, "prevented_by_dissuasion_fen") > 0
    return [
        Metric("cases", float(cases.num_rows), "cases"),
        Metric("reported", float(reported.sum()), "cases"),
        Metric("cases_started", float(started.sum()), "cases"),
        Metric("warned", float(warned.sum()), "cases"),
        Metric("dissuaded", float(dissuaded.sum()), "cases"),
        Metric("accounts_frozen", float(_col(cases, "accounts_frozen").sum()), "case-accounts"),
        Metric("hops_traced", float(_col(cases, "hops_traced").sum()), "hops"),
    ]


def wait_metrics(waits: Mapping[str, Sequence[float]]) -> list[Metric]:
    """Mean and 90th percentile of queue waits per staffed resource."""
    out = []
    for name, values in waits.items():
        if name == "bank_requests":
            continue
        arr = np.asarray(values, dtype=np.float64)
        out.append(
            Metric(f"{name}_wait_mean_min", float(arr.mean()) if len(arr) else math.nan, "minutes")
        )
        out.append(Metric(f"{name}_wait_p90_min", _quantile(arr, 0.9), "minutes"))
    return out


def summarise(
    cases: pa.Table,
    waits: Mapping[str, Sequence[float]],
    contacts: int,
    intercepted: int,
    cashed_by_channel: dict[str, int],
) -> list[Metric]:
    """Return every headline metric of one run."""
    out = [
        Metric("contacts", float(contacts), "contacts"),
        Metric("intercepted", float(intercepted), "contacts"),
    ]
    out += count_metrics(cases) + money_metrics(cases) + timing_metrics(cases)
    out += wait_metrics(waits)
    out += [
        Metric(f"cashed_out_via_{ch}_fen", float(v), "fen") for ch, v in cashed_by_channel.items()
    ]
    return out
