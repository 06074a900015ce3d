"""Hypothesis strategies: random but valid scenarios covering every actor."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from fraudsim.scenario import Scenario
from fraudsim.scenario.loading import validate_scenario

prob = st.floats(0.0, 1.0)
small_time = st.floats(0.0, 60.0)


@st.composite
def time_dist(draw: st.DrawFn, max_median: float = 60.0) -> Any:
    kind = draw(st.sampled_from(["constant", "exponential", "lognormal", "gamma", "uniform",
                                 "triangular", "mixture"]))
    if kind == "constant":
        return draw(small_time)
    if kind == "exponential":
        return {"kind": "exponential", "mean": draw(st.floats(0.1, max_median))}
    if kind == "lognormal":
        median = draw(st.floats(0.1, max_median))
        return {"kind": "lognormal", "median": median, "p95": median * draw(st.floats(1.1, 20))}
    if kind == "gamma":
        mean = draw(st.floats(0.1, max_median))
        return {"kind": "gamma", "mean": mean, "sd": mean * draw(st.floats(0.05, 10.0))}
    if kind in ("uniform", "triangular"):
        low = draw(st.floats(0.0, max_median))
        high = low + draw(st.floats(0.01, max_median))  # a triangle needs low < high
        if kind == "uniform":
            return {"kind": "uniform", "low": low, "high": high}
        return {"kind": "triangular", "low": low, "mode": draw(st.floats(low, high)),
                "high": high}
    return {
        "kind": "mixture",
        "components": [
            {"weight": 0.5, "dist": {"kind": "exponential", "mean": draw(st.floats(0.1, 10))}},
            {"weight": 0.5, "dist": {"kind": "exponential", "mean": draw(st.floats(10, 600))}},
        ],
    }


def staffing(draw: st.DrawFn, extra: dict[str, Any]) -> dict[str, Any]:
    mode = draw(st.sampled_from(["staff", "shifts", "unlimited"]))
    if mode == "staff":
        base: dict[str, Any] = {"staff": draw(st.integers(1, 3))}
    elif mode == "shifts":
        base = {
            "shifts": [
                {"start_hour": 8, "hours": 12, "staff": draw(st.integers(1, 3))},
                {"start_hour": 20, "hours": 12, "staff": draw(st.integers(0, 2))},
            ]
        }
    else:
        base = {"unlimited": True}
    return {**base, **extra}


def _shares(n: int) -> list[float]:
    """Shares summing to exactly 1 in floating point for n <= 3."""
    return {1: [1.0], 2: [0.5, 0.5], 3: [0.25, 0.25, 0.5]}[n]


@st.composite
def raw_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    n_regions = draw(st.integers(1, 2))
    regions = [f"r{i}" for i in range(n_regions)]
    n_banks = draw(st.integers(1, 3))
    bank_shares = _shares(n_banks)
    banks = {
        f"b{i}": {
            "market_share": bank_shares[i],
            "region": regions[i % n_regions],
            "stop_latency_min": draw(time_dist()),
            "freeze_latency_min": draw(time_dist(max_median=3000)),
            "inquiry_latency_min": draw(time_dist()),
            "risk_freeze_prob": draw(st.floats(0, 0.3)),
            "risk_detect_min": draw(time_dist()),
        }
        for i in range(n_banks)
    }
    layers = [
        {
            "dwell_min": draw(time_dist()),
            "fan_out": draw(st.sampled_from([1, 2, 3, {"kind": "uniform", "low": 1, "high": 4}])),
            "cross_bank_share": draw(st.floats(0, 0.5)),
            "cross_region_share": draw(st.floats(0, 0.5)),
        }
        for _ in range(draw(st.integers(1, 3)))
    ]
    types = ["a", "b"][: draw(st.integers(1, 2))]
    type_shares = _shares(len(types))
    scam_types = {
        t: {
            "share": type_shares[i],
            "hook_prob": draw(st.floats(0.05, 1.0)),
            "grooming_min": draw(time_dist()),
            "installments": draw(
                st.sampled_from([1, 2, {"kind": "empirical", "values": [1, 2, 4]}])
            ),
            "installment_fen": draw(
                st.sampled_from(
                    [1, 3, 1000, {"kind": "lognormal", "median": 50000, "p95": 5000000}]
                )
            ),
            # Gaps as long as realising: payments still due when she reports,
            # for guidance, patrols and holds to prevent.
            "installment_gap_min": draw(time_dist(max_median=600)),
            "realisation_min": draw(time_dist(max_median=600)),
            "self_stop_prob": draw(prob),
            "report_prob": draw(prob),
        }
        for i, t in enumerate(types)
    }
    horizon = draw(st.floats(0.05, 1.0))
    raw: dict[str, Any] = {
        "name": "random",
        "seed": draw(st.integers(0, 2**32)),
        "time": {
            "horizon_days": horizon,
            # No drain at times: the run then ends with money mid-flight.
            "drain_days": draw(st.one_of(st.just(0.0), st.floats(0.0, 1.0))),
            "warmup_days": draw(st.one_of(st.just(0.0), st.floats(0.0, horizon * 0.9))),
            "resource_bin_min": 60,
        },
        "contacts": {"rate_per_hour": draw(st.floats(0, 40)), "interception_share": draw(prob)},
        "scam_types": scam_types,
        "victims": {"report_lag_min": draw(time_dist())},
        "regions": {
            r: {"population_share": s} for r, s in zip(regions, _shares(n_regions), strict=True)
        },
        "cross_region": {
            "default_delay_min": draw(small_time),
            "delays": [{"from": regions[0], "to": regions[-1], "delay_min": draw(small_time)}]
            if n_regions > 1 and draw(st.booleans()) else [],
            "cooperation": draw(st.booleans()),
        },
        "banks": banks,
        "mule_network": {
            "first_layer_local_share": draw(prob),
            "accounts_per_bank": draw(st.integers(1, 5)),
            "layers": layers,
            "cash_out": {
                "atm": {"share": 0.5, "delay_min": draw(time_dist())},
                "crypto": {"share": 0.5, "delay_min": draw(time_dist())},
            },
            "withdrawal_delay": {
                "enabled": draw(st.booleans()),
                "threshold_fen": 1000,
                "delay_min": draw(small_time),
            },
            "delayed_credit": {
                "enabled": draw(st.booleans()),
                "threshold_fen": 1000,
                # Up to longer than a short run's drain: credits still held at the end.
                "delay_min": draw(st.floats(0.0, 600.0)),
            },
        },
        "response": {
            "call_takers": staffing(draw, {"handling_min": draw(time_dist(max_median=5))}),
            "analysts": staffing(
                draw,
                {
                    "handling_min": draw(time_dist(max_median=30)),
                    "triage": draw(
                        st.sampled_from(["fifo", "lifo", "largest_first", "freshest_first"])
                    ),
                },
            ),
            "guidance": {
                "at": draw(st.sampled_from(["call", "analyst"])),
                "success_prob": draw(prob),
            },
            "patrols": staffing(
                draw,
                {
                    "dispatch_prob": draw(prob),
                    "travel_min": draw(time_dist()),
                    "on_scene_min": draw(time_dist()),
                },
            ),
            "stop_payment": {
                "expiry_min": draw(st.floats(1, 2880)),
                "freeze_prob": draw(prob),
                "max_trace_depth": draw(st.integers(0, 4)),
            },
            "holds": {
                "on_report": draw(st.booleans()),
                "latency_min": draw(time_dist()),
                "risk_flag_prob": draw(st.floats(0, 0.3)),
                "risk_flag_min": draw(time_dist()),
            },
        },
        "early_warning": {
            "enabled": draw(st.booleans()),
            "flag_share": draw(prob),
            "lead_min": draw(time_dist()),
            "false_positives_per_hour": draw(st.floats(0, 5)),
            "team": staffing(draw, {}),
            "call_min": draw(time_dist(max_median=10)),
            "unanswered_share": draw(prob),
            "success_prob": draw(prob),
        },
    }
    if draw(st.booleans()):
        raw["scripted_cases"] = [
            {
                "contact_min": draw(st.floats(0, horizon * 1440)),
                "scam_type": types[0],
                "region": regions[-1],
                "grooming_min": draw(small_time),
                "installments_fen": draw(st.lists(st.integers(1, 10**9), min_size=1, max_size=4)),
                # A victim who pays on after she reports, for the response to stop.
                "gap_min": draw(st.floats(0.0, 600.0)),
                "realisation_min": draw(small_time),
                "self_stop": draw(st.booleans()),
                "reports": draw(st.booleans()),
                "report_lag_min": draw(small_time),
            }
        ]
    return raw


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    return validate_scenario(draw(raw_scenarios()), "<hypothesis>")
