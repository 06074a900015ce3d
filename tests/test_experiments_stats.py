"""Statistics of experiments: Student-t quantiles, intervals, paired differences, precision."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from fraudsim.experiments.stats import (
    Estimate,
    estimate,
    next_replications,
    paired,
    precision_ratio,
    t_critical,
    verdict,
)


@pytest.mark.parametrize("confidence", [0.5, 0.9, 0.95, 0.99, 0.999])
@pytest.mark.parametrize("df", [1, 2, 3, 4, 5, 9, 10, 19, 30, 99, 200, 1000, 5000])
def test_t_critical_matches_scipy(df: int, confidence: float) -> None:
    expected = sps.t.ppf(0.5 + confidence / 2, df)
    assert t_critical(df, confidence) == pytest.approx(expected, rel=1e-11)


def test_t_critical_known_values() -> None:
    # 30-digit values from mpmath (inverse regularised incomplete beta)
    assert t_critical(1) == pytest.approx(12.7062047361747039377766775563, rel=1e-14)
    assert t_critical(9) == pytest.approx(2.2621571627982055086449623304, rel=1e-14)


@pytest.mark.parametrize("df, confidence", [(0, 0.95), (5, 0.0), (5, 1.0)])
def test_t_critical_rejects_nonsense(df: int, confidence: float) -> None:
    with pytest.raises(ValueError):
        t_critical(df, confidence)


def test_estimate_is_mean_and_student_interval() -> None:
    values = [1.0, 2.0, 4.0, 7.0]
    e = estimate(values)
    sd = float(np.std(values, ddof=1))
    assert (e.n, e.mean, e.sd) == (4, 3.5, sd)
    assert e.half_width == pytest.approx(sps.t.ppf(0.975, 3) * sd / 2, rel=1e-12)
    assert e.low < e.mean < e.high


def test_estimate_drops_undefined_values_and_handles_small_n() -> None:
    e = estimate([np.nan, 2.0, np.nan, 4.0])
    assert (e.n, e.mean) == (2, 3.0)
    one = estimate([5.0, math.nan])
    assert one.n == 1 and one.mean == 5.0 and math.isnan(one.half_width)
    none = estimate([math.nan])
    assert none.n == 0 and math.isnan(none.mean)


def test_constant_values_have_zero_width() -> None:
    e = estimate([3.0] * 5)
    assert e.half_width == 0.0 and e.relative_half_width == 0.0


def test_relative_half_width() -> None:
    assert Estimate(5, 10.0, 1.0, 0.5).relative_half_width == 0.05
    assert Estimate(5, -10.0, 1.0, 0.5).relative_half_width == 0.05
    assert Estimate(5, 0.0, 1.0, 0.5).relative_half_width == math.inf


@pytest.mark.parametrize("n", [3, 5, 20])
def test_interval_covers_the_true_mean_95_percent_of_the_time(n: int) -> None:
    rng = np.random.default_rng(n)
    trials = 4000
    hits = 0
    for sample in rng.normal(10.0, 3.0, size=(trials, n)):
        e = estimate(sample)
        hits += e.low <= 10.0 <= e.high
    assert 0.94 <= hits / trials <= 0.96  # binomial sd is 0.0034


def test_paired_difference_of_identical_runs_is_exactly_zero() -> None:
    a = np.array([3.0, 8.0, np.nan, 1.5])
    d = paired(a, a.copy())
    assert (d.n, d.mean, d.sd, d.half_width) == (3, 0.0, 0.0, 0.0)
    assert verdict(d) == "identical"


def test_paired_beats_unpaired_under_common_random_numbers() -> None:
    rng = np.random.default_rng(1)
    common = rng.normal(100, 30, 30)
    a, b = common + rng.normal(0, 1, 30), common + 2 + rng.normal(0, 1, 30)
    d = paired(b, a)
    assert verdict(d) == "higher"
    assert d.half_width < estimate(b).half_width / 5


def test_verdicts() -> None:
    assert verdict(Estimate(5, -3.0, 1.0, 1.0)) == "lower"
    assert verdict(Estimate(5, 0.5, 1.0, 1.0)) == "no clear difference"
    assert verdict(Estimate(1, 0.5, math.nan, math.nan)) == "n/a"


def test_precision_ratio() -> None:
    met = Estimate(10, 100.0, 5.0, 4.0)
    wide = Estimate(10, 100.0, 50.0, 20.0)
    assert precision_ratio([met], 0.05) == pytest.approx(0.8)
    assert precision_ratio([met, wide], 0.05) == pytest.approx(4.0)
    assert precision_ratio([Estimate(0, math.nan, math.nan, math.nan)], 0.05) == 0.0
    assert precision_ratio([Estimate(1, 3.0, math.nan, math.nan)], 0.05) == math.inf


def test_next_replications_projects_and_bounds_the_batch() -> None:
    assert next_replications(10, 1.2, 200, 5) == 15  # projected 15 (1.44 n)
    assert next_replications(10, 1.01, 200, 5) == 15  # at least the step
    assert next_replications(10, 5.0, 200, 5) == 20  # at most doubling
    assert next_replications(10, math.inf, 200, 5) == 20
    assert next_replications(150, 5.0, 200, 5) == 200  # never past the cap
