"""Words for axes: scenario key paths and measures as people read them, with units."""

from __future__ import annotations

import re

_UNITS = (
    ("_min", "minutes"),
    ("_days", "days"),
    ("_fen", "fen"),
    ("_prob", "probability"),
    ("_share", "share"),
    ("_per_hour", "per hour"),
)

_NAMES = {
    "stop_latency": "stop-payment latency",
    "freeze_latency": "freeze latency",
    "inquiry_latency": "inquiry latency",
    "report_lag": "victim's report delay",
    "dwell": "mule dwell time",
    "handling": "handling time",
    "travel": "patrol travel time",
    "staff": "staff on duty",
    "rate": "scam contacts",
    # Shares and probabilities name what they count, not the bare stem.
    "flag": "victims flagged",
    "interception": "contacts intercepted",
    "unanswered": "warning calls unanswered",
    "dispatch": "patrol sent",
    "hook": "victim hooked",
    "report": "victim reports to police",
    "self_stop": "victim stops on realising",
    "risk_flag": "bank's own hold",
    "risk_freeze": "own risk freeze",
}


def unit_of(key: str) -> str:
    """Return the unit named by a key's suffix (``stop_latency_min`` -> ``minutes``)."""
    last = key.rsplit(".", 1)[-1]
    return next((unit for suffix, unit in _UNITS if last.endswith(suffix)), "")


def key_label(key: str) -> str:
    """Return an axis label for a scenario key path, with its unit and the path itself.

    ``banks.xiamen_bank.stop_latency_min`` becomes
    ``stop-payment latency of bank xiamen_bank (minutes)`` over the key path.
    """
    parts = key.split(".")
    last = parts[-1]
    stem = last
    for suffix, _ in _UNITS:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    name = _NAMES.get(stem, stem.replace("_", " "))
    owner = parts[-2] if len(parts) >= 2 and not re.fullmatch(r"\d+", parts[-2]) else ""
    if parts[0] == "banks" and len(parts) == 3:
        name = f"{name} of bank {owner}"
    elif owner and parts[0] not in ("victims",) and owner.replace("_", " ") not in name:
        name = f"{name} ({owner.replace('_', ' ')})"  # unless the name says it already
    unit = unit_of(key)
    return f"{name} ({unit})\n{key}" if unit else f"{name}\n{key}"


def is_stop_latency(key: str) -> bool:
    """Return whether a key path is a bank's stop-payment latency."""
    return re.fullmatch(r"banks\.[^.]+\.stop_latency_min", key) is not None


def is_report_lag(key: str) -> bool:
    """Return whether a key path is a report delay (victims' or a scam type's)."""
    return key.endswith("report_lag_min")


MEASURES = {
    "saved_share": "share of exposed money saved",
    "saved_yuan": "money saved, mean per replication (yuan)",
    "lost_yuan": "money lost, mean per replication (yuan)",
    "saved_fen": "money saved (fen)",
    "lost_fen": "money lost (fen)",
    "frozen_share_of_paid": "share of paid money frozen",
    "report_to_first_stop_median_min": "report to first stop, median (minutes)",
    "report_to_first_stop_p90_min": "report to first stop, 90th percentile (minutes)",
    "call_takers_wait_mean_min": "wait for a call-taker, mean (minutes)",
    "analysts_wait_mean_min": "wait for an analyst, mean (minutes)",
}
"""Labels of the headline measures."""


def measure_label(measure: str) -> str:
    """Return a measure's label with its unit."""
    return MEASURES.get(measure, measure.replace("_", " "))


RUN_MEASURES = {
    "contacts": "scam contacts",
    "intercepted": "contacts intercepted",
    "cases": "hooked victims (cases)",
    "reported": "cases reported to the police",
    "cases_started": "cases taken up by an analyst",
    "warned": "victims warned by the early-warning team",
    "dissuaded": "victims dissuaded by early warning",
    "accounts_frozen": "mule accounts frozen (summed over cases)",
    "hops_traced": "transfers traced",
    "exposed_fen": "money exposed (planned payments)",
    "paid_fen": "money paid by victims",
    "prevented_fen": "money never paid (prevented)",
    "frozen_fen": "money frozen (returned)",
    "cashed_out_fen": "money cashed out",
    "in_flight_fen": "money in flight at the end",
    "held_by_stop_fen": "money held by a stop-payment",
    "frozen_by_police_fen": "money frozen at the police's request",
    "frozen_by_bank_fen": "money frozen by a bank's own controls",
    "saved_fen": "money saved (prevented + frozen)",
    "saved_yuan": "money saved (prevented + frozen)",
    "lost_fen": "money lost (cashed out)",
    "lost_yuan": "money lost (cashed out)",
    "report_to_case_start_median_min": "report to case start, median (minutes)",
    "report_to_case_start_p90_min": "report to case start, 90th percentile (minutes)",
}
"""Labels of a run's summary rows; the value beside each carries its unit (¥, %, min)."""

_RESOURCES = {
    "call_takers": "a call-taker",
    "analysts": "an analyst",
    "patrols": "a patrol",
    "warning_team": "the early-warning team",
}

_STATISTICS = {"mean": "mean", "p90": "90th percentile"}


def summary_label(metric: str) -> str:
    """Return the label of a row of a run's ``summary.csv`` (money rows named without fen)."""
    if metric in RUN_MEASURES:
        return RUN_MEASURES[metric]
    if m := re.fullmatch(r"prevented_by_(\w+)_fen", metric):
        return f"money prevented: {m.group(1).replace('_', ' ')}"
    if m := re.fullmatch(r"cashed_out_via_(\w+)_fen", metric):
        return f"money cashed out via {m.group(1).replace('_', ' ')}"
    if m := re.fullmatch(r"(\w+)_wait_(mean|p90)_min", metric):
        who = _RESOURCES.get(m.group(1), m.group(1).replace("_", " "))
        return f"wait for {who}, {_STATISTICS[m.group(2)]} (minutes)"
    return measure_label(metric)
