"""What a calibration target measures: units, conversions, and each observable in one replication.

Stream observables (mule exit shares) are checked on dwell distributions
whose answer is known; run observables on hand-made case tables and
summaries, whose delays and shares are counted by hand, and on the Xiamen
replay, whose one case is known to the fen.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fraudsim
from fraudsim.api import SimulationResult
from fraudsim.calibration.observables import (
    COUNT_UNITS,
    Replication,
    TargetError,
    conversion,
    event_column,
    measure,
    native_unit,
    needs_run,
)
from fraudsim.metrics import Metric
from fraudsim.scenario.schema import Scenario
from fraudsim.scenario.targets import Target
from fraudsim.verify.base import load_base, reduced
from tests.conftest import xiamen

NAN = math.nan


def target(**kw: Any) -> Target:
    """Return a target of a made-up fact with an absolute tolerance of 1."""
    return Target.model_validate({"fact": "x", "tolerance": 1, **kw})


def base(overrides: Sequence[str] = ()) -> Scenario:
    """Return the plain verification world with overrides."""
    return reduced(load_base(), overrides)


def dwell_share(dwell: str, within: float, layer: int = 0, replication: int = 0) -> float:
    """Return the mule exit share of ``layer`` with the given layer dwell, from the streams."""
    scenario = base([f"mule_network.layers.{layer}.dwell_min={dwell}"])
    rep = Replication(scenario, scenario.seed, replication, None)
    (share,) = measure(target(observable="mule_exit_share", within_min=within, layer=layer),
                       rep, None)
    return share


def hand_result(cases: Mapping[str, Sequence[object]], summary: Sequence[Metric] = (),
                warmup_days: float = 0.0) -> Replication:
    """Return a replication whose run is a hand-made case table and summary."""
    scenario = base([f"time.warmup_days={warmup_days}"])
    result = SimulationResult(scenario, scenario.seed, 0, pa.table(dict(cases)), pa.table({}),
                              list(summary))
    return Replication(scenario, scenario.seed, 0, result)


# --- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("observable", "extra", "run"), [
    ("mule_exit_share", {"within_min": 15}, False),
    ("metric", {"metrics": ["cases"]}, True),
    ("exit_channel_share", {"channels": ["atm"]}, True),
    ("delay_share", {"start": "contact", "end": "report", "within_min": 5}, True),
    ("delay_shares", {"start": "contact", "end": "report"}, True),
])
def test_only_the_mule_exit_share_is_read_without_a_run(
    observable: str, extra: dict[str, Any], run: bool
) -> None:
    """Dwell times come from the streams; everything else needs the model to run."""
    assert needs_run(target(observable=observable, **extra)) is run


@pytest.mark.parametrize(("metrics", "unit"), [
    (["exposed_fen"], "fen"),
    (["saved_fen", "lost_fen"], "fen"),
    (["saved_yuan"], "yuan"),
    (["report_to_first_stop_median_min"], "minutes"),
    (["saved_share"], "share"),
    (["frozen_share_of_paid"], "share"),
    (["cases", "reported", "hops_traced"], "count"),
])
def test_a_metric_is_measured_in_the_unit_its_name_ends_with(metrics: list[str],
                                                              unit: str) -> None:
    """The unit decides the conversion to the fact's unit, so it must follow the metric name."""
    assert native_unit(target(observable="metric", metrics=metrics)) == unit


def test_shares_are_the_unit_of_every_other_observable() -> None:
    """Exit and delay shares are fractions of 1, whatever the events or channels."""
    assert native_unit(target(observable="exit_channel_share", channels=["atm"])) == "share"
    assert native_unit(target(observable="delay_shares", start="contact", end="report")) == "share"


def test_summing_metrics_of_different_units_is_refused() -> None:
    """Adding fen to a count is meaningless; the error names both units."""
    with pytest.raises(TargetError, match=r"mix units \['count', 'fen'\]"):
        native_unit(target(observable="metric", metrics=["cases", "exposed_fen"]))


@pytest.mark.parametrize(("unit", "fact_unit", "factor"), [
    ("minutes", "seconds", 60.0),
    ("minutes", "hours", 1 / 60),
    ("yuan", "fen", 100.0),
    ("percent", "share", 0.01),
    ("share", "share", 1.0),
    ("minutes", "minutes", 1.0),
])
def test_conversion_factors(unit: str, fact_unit: str, factor: float) -> None:
    """One minute is 60 seconds, one yuan 100 fen, 1% a hundredth."""
    assert conversion(unit, fact_unit) == pytest.approx(factor)


@settings(max_examples=30)
@given(st.sampled_from(sorted(COUNT_UNITS)), st.sampled_from(sorted(COUNT_UNITS)))
def test_every_count_unit_compares_with_every_other(a: str, b: str) -> None:
    """Cases, contacts, hops and plain counts are all "a number of things"."""
    assert conversion(a, b) == 1.0


@pytest.mark.parametrize(("a", "b"), [("fen", "yuan"), ("share", "percent")])
def test_conversions_there_and_back_cancel(a: str, b: str) -> None:
    """Converting to a unit and back gives the value it started from."""
    assert conversion(a, b) * conversion(b, a) == pytest.approx(1.0)


@pytest.mark.parametrize(("unit", "fact_unit"), [
    ("share", "percentage points"), ("fen", "gbp"), ("count", "minutes"), ("minutes", "days"),
])
def test_incomparable_units_are_a_target_error(unit: str, fact_unit: str) -> None:
    """A share cannot be held to percentage points, nor fen to pounds: the error says which."""
    with pytest.raises(TargetError, match=f"cannot compare {unit} with the fact's unit "
                                          f"'{fact_unit}'"):
        conversion(unit, fact_unit)


# --- mule exit shares, from the streams ---------------------------------------------------------


def test_a_constant_dwell_exits_within_its_own_length_and_not_before() -> None:
    """The limit is inclusive: money resting exactly 20 minutes left within 20 minutes."""
    assert dwell_share("20", 20) == 1.0
    assert dwell_share("20", 19.9) == 0.0


@pytest.mark.parametrize(("dwell", "within", "expected"), [
    ('{kind="uniform",low=0,high=100}', 25, 0.25),
    ('{kind="exponential",mean=10}', 10, 1 - math.exp(-1)),
    ('{kind="exponential",mean=10}', 30, 1 - math.exp(-3)),
])
def test_the_exit_share_is_the_dwell_distribution_function(dwell: str, within: float,
                                                           expected: float) -> None:
    """10,240 draws pin P(dwell <= limit) to about half a percentage point."""
    assert dwell_share(dwell, within) == pytest.approx(expected, abs=0.02)


def test_each_layer_is_read_from_its_own_dwell() -> None:
    """Layer 1's share follows layer 1's dwell, not the first layer's."""
    assert dwell_share("5", 10, layer=1) == 1.0
    assert dwell_share("50", 10, layer=1) == 0.0


def test_a_missing_layer_is_a_target_error() -> None:
    """The base world has four layers, counted from 0: layer 4 does not exist."""
    scenario = base()
    with pytest.raises(TargetError, match=r"layer 4 does not exist \(4 layers\)"):
        measure(target(observable="mule_exit_share", within_min=15, layer=4),
                Replication(scenario, scenario.seed, 0, None), None)


def test_the_exit_share_depends_on_the_replication_and_repeats_for_the_same_one() -> None:
    """Common random numbers: replication r always draws the same dwell times."""
    dwell = '{kind="uniform",low=0,high=100}'
    first = dwell_share(dwell, 50, replication=0)
    assert dwell_share(dwell, 50, replication=0) == first
    assert dwell_share(dwell, 50, replication=1) != first


# --- run observables -------------------------------------------------------------------------


def test_run_observables_need_a_run() -> None:
    """Asked without a finished run, a run observable says so instead of guessing."""
    scenario = base()
    with pytest.raises(TargetError, match="metric needs a run of the model"):
        measure(target(observable="metric", metrics=["cases"]),
                Replication(scenario, scenario.seed, 0, None), None)


@pytest.fixture(scope="module")
def xiamen_run() -> Replication:
    scenario = xiamen()
    return Replication(scenario, scenario.seed, 0, fraudsim.simulate(scenario))


def test_metrics_are_summed_from_the_run(xiamen_run: Replication) -> None:
    """The Xiamen replay: one reported case exposing 1.5 million yuan."""
    def one(*metrics: str) -> float:
        (value,) = measure(target(observable="metric", metrics=list(metrics)), xiamen_run, None)
        return value

    assert one("exposed_fen") == 150_000_000
    assert one("cases", "reported") == 2
    assert one("frozen_fen", "cashed_out_fen") == 150_000_000
    assert one("contacts") == 0  # a headline metric of the summary only


def test_an_unknown_metric_is_named_with_the_known_ones(xiamen_run: Replication) -> None:
    """A misspelt metric says what was likely meant; a name like none lists them all."""
    meant = r"unknown metric 'savd_fen' \(did you mean 'saved_fen'\?\)"
    with pytest.raises(TargetError, match=meant):
        measure(target(observable="metric", metrics=["cases", "savd_fen"]), xiamen_run, None)
    with pytest.raises(TargetError, match=r"unknown metric qqq; known: .*saved_fen"):
        measure(target(observable="metric", metrics=["cases", "qqq"]), xiamen_run, None)


def test_metrics_leave_out_the_warm_up_as_experiments_do() -> None:
    """The Xiamen victim is contacted at minute 3480: a 2.5-day warm-up (3600) drops her."""
    scenario = xiamen(["time.warmup_days=2.5"])
    result = fraudsim.simulate(scenario)
    assert result.metric("cases") == 1  # the run itself keeps her
    rep = Replication(scenario, scenario.seed, 0, result)
    assert measure(target(observable="metric", metrics=["cases"]), rep, None) == [0.0]
    assert measure(target(observable="metric", metrics=["exposed_fen"]), rep, None) == [0.0]


CASHED = [Metric("cashed_out_fen", 400.0, "fen"), Metric("cashed_out_via_atm_fen", 300.0, "fen"),
          Metric("cashed_out_via_crypto_fen", 100.0, "fen")]


@pytest.mark.parametrize(("channels", "share"), [
    (["atm"], 0.75), (["crypto"], 0.25), (["atm", "crypto"], 1.0),
])
def test_exit_channel_share_is_the_channels_part_of_the_cashed_out_money(
    channels: list[str], share: float
) -> None:
    """300 fen through ATMs and 100 through crypto: ATMs carry three quarters."""
    rep = hand_result({"contact_min": []}, CASHED)
    assert measure(target(observable="exit_channel_share", channels=channels), rep, None) == [
        share]


def test_exit_channel_share_of_no_cashed_out_money_is_undefined() -> None:
    """With nothing cashed out there is no share to compare: NaN, not 0."""
    rep = hand_result({"contact_min": []}, [Metric("cashed_out_via_atm_fen", 0.0, "fen")])
    (share,) = measure(target(observable="exit_channel_share", channels=["atm"]), rep, None)
    assert math.isnan(share)


def test_an_unknown_channel_is_named_with_the_known_ones() -> None:
    """A channel the run never used cannot be measured."""
    rep = hand_result({"contact_min": []}, CASHED)
    with pytest.raises(TargetError, match="unknown cash-out channel gold; known: atm, crypto"):
        measure(target(observable="exit_channel_share", channels=["gold"]), rep, None)


# Six hand-made cases with a one-day warm-up (1440 minutes). The first is contacted
# before the warm-up ends and the fourth never reports: the delays from first
# payment to report of the other four are 0, 30, 60 and 100 minutes. A report
# is read as drawn (report_due_min), whether or not it came before the run's end.
DELAY_CASES = {
    "contact_min": [0.0, 1500.0, 1600.0, 1700.0, 1800.0, 1440.0],
    "first_payment_min": [10.0, 1510.0, 1610.0, 1710.0, 1810.0, 1450.0],
    "report_due_min": [20.0, 1510.0, 1640.0, NAN, 1870.0, 1550.0],
}
PAY_TO_REPORT = {"start": "first_payment", "end": "report"}


@pytest.mark.parametrize(("within", "share"), [(0.5, 0.25), (30, 0.5), (59, 0.5), (60, 0.75),
                                               (100, 1.0)])
def test_delay_share_counts_cases_within_the_limit(within: float, share: float) -> None:
    """Of the delays 0, 30, 60, 100: the limit is inclusive, unreported and warm-up cases drop."""
    rep = hand_result(DELAY_CASES, warmup_days=1.0)
    assert measure(target(observable="delay_share", within_min=within, **PAY_TO_REPORT), rep,
                   None) == [share]


def test_delay_shares_put_each_delay_in_its_half_open_bin() -> None:
    """Bins are [lo, hi): a delay of exactly 30 or 60 belongs to the bin it opens."""
    rep = hand_result(DELAY_CASES, warmup_days=1.0)
    shares = measure(target(observable="delay_shares", **PAY_TO_REPORT), rep,
                     (0.0, 30.0, 60.0, math.inf))
    assert shares == [0.25, 0.25, 0.5]


def test_report_delays_are_read_as_drawn_not_as_the_run_saw_them() -> None:
    """A report due after the run's end still counts: cutting it off would bias delays short.

    The second case's report (due 3,000 minutes after her payment) falls after
    the end, so the run saw none (``report_min`` NaN); the published delays are
    of victims who reported, whenever that was. Realisation is already kept as
    drawn in the case table.
    """
    rep = hand_result({"contact_min": [0.0, 0.0], "first_payment_min": [10.0, 10.0],
                       "report_min": [40.0, NAN], "report_due_min": [40.0, 3010.0]})
    shares = measure(target(observable="delay_shares", **PAY_TO_REPORT), rep,
                     (0.0, 60.0, math.inf))
    assert shares == [0.5, 0.5]
    assert event_column("report") == "report_due_min"
    assert event_column("realise") == "realise_min"
    assert event_column("first_stop") == "first_stop_min"


def test_delay_shares_need_bins() -> None:
    """A distribution target without the fact's bins cannot be measured."""
    rep = hand_result(DELAY_CASES)
    with pytest.raises(TargetError, match="needs a fact with bins"):
        measure(target(observable="delay_shares", **PAY_TO_REPORT), rep, None)


def test_delays_of_no_case_are_undefined() -> None:
    """When no case has both events, shares are NaN (the model cannot produce them)."""
    rep = hand_result({"contact_min": [0.0, 5.0], "first_payment_min": [1.0, 6.0],
                       "report_due_min": [NAN, NAN]})
    (share,) = measure(target(observable="delay_share", within_min=5, **PAY_TO_REPORT), rep,
                       None)
    shares = measure(target(observable="delay_shares", **PAY_TO_REPORT), rep,
                     (0.0, 60.0, math.inf))
    assert math.isnan(share)
    assert len(shares) == 2 and all(math.isnan(s) for s in shares)


BINS = (0.0, 10.0, 60.0, 1440.0, math.inf)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.0, 5000.0), min_size=1, max_size=40))
def test_delay_shares_over_bins_from_zero_to_infinity_sum_to_one(delays: list[float]) -> None:
    """Every non-negative delay lands in exactly one bin, and each share is its count's part."""
    n = len(delays)
    rep = hand_result({"contact_min": [0.0] * n, "first_payment_min": [0.0] * n,
                       "report_due_min": delays})
    shares = measure(target(observable="delay_shares", **PAY_TO_REPORT), rep, BINS)
    expected = [sum(1 for d in delays if lo <= d < hi) / n for lo, hi in itertools.pairwise(BINS)]
    assert shares == pytest.approx(expected)
    assert math.fsum(shares) == pytest.approx(1.0)


# The cases of DELAY_CASES, of two scam types: the phone cases' delays are 0
# and 100 minutes (the fourth never reports), the romance cases' 30 and 60.
TYPED_CASES: dict[str, Sequence[object]] = {**DELAY_CASES,
               "scam_type": ["phone", "phone", "romance", "phone", "romance", "phone"]}


@pytest.mark.parametrize(("types", "within", "share"), [
    (["romance"], 30, 0.5), (["romance"], 60, 1.0), (["phone"], 30, 0.5), (["phone"], 99, 0.5),
    (["phone", "romance"], 30, 0.5), ([], 60, 0.75),
])
def test_a_delay_target_counts_only_the_scam_types_it_names(
    types: list[str], within: float, share: float
) -> None:
    """A survey of some kinds of fraud is read against those cases only (none named: all)."""
    rep = hand_result(TYPED_CASES, warmup_days=1.0)
    measured = measure(target(observable="delay_share", within_min=within, scam_types=types,
                              **PAY_TO_REPORT), rep, None)
    assert measured == [share]


def test_delays_of_a_scam_type_with_no_case_are_undefined() -> None:
    """A type no case after the warm-up has gives NaN shares, as any empty selection does."""
    rep = hand_result(TYPED_CASES, warmup_days=1.0)
    shares = measure(target(observable="delay_shares", scam_types=["investment"],
                            **PAY_TO_REPORT), rep, (0.0, 60.0, math.inf))
    assert len(shares) == 2 and all(math.isnan(s) for s in shares)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 5000.0), st.sampled_from(["a", "b"])), min_size=1,
                max_size=40))
def test_shares_of_a_scam_type_are_counted_on_its_cases_alone(
    cases: list[tuple[float, str]]
) -> None:
    """Each type's shares are its own delays' (counted by hand), and weighed up make the whole."""
    n = len(cases)
    rep = hand_result({"contact_min": [0.0] * n, "first_payment_min": [0.0] * n,
                       "report_due_min": [d for d, _ in cases],
                       "scam_type": [t for _, t in cases]})
    overall = measure(target(observable="delay_shares", **PAY_TO_REPORT), rep, BINS)
    weighted = [0.0] * len(overall)
    for kind in ("a", "b"):
        own = [d for d, t in cases if t == kind]
        shares = measure(target(observable="delay_shares", scam_types=[kind], **PAY_TO_REPORT),
                         rep, BINS)
        if not own:
            assert all(math.isnan(x) for x in shares)
            continue
        by_hand = [sum(1 for d in own if lo <= d < hi) / len(own)
                   for lo, hi in itertools.pairwise(BINS)]
        assert shares == pytest.approx(by_hand)
        weighted = [w + x * len(own) / n for w, x in zip(weighted, shares, strict=True)]
    assert weighted == pytest.approx(overall)
