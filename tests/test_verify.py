"""fraudsim verify: the theory it uses, and the whole suite passing on the model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fraudsim.cli import main
from fraudsim.scenario.distributions import Constant, Empirical, Lognormal, Mixture
from fraudsim.verify import QUICK, render, run_verification
from fraudsim.verify.erlang import MMc, erlang_c_direct
from fraudsim.verify.fit import cdf, fit
from fraudsim.verify.results import CheckResult, theory_in_interval

# --- Erlang C ---------------------------------------------------------------------------


def test_mm1_has_the_textbook_answers() -> None:
    q = MMc(arrival_per_min=0.5, service_mean_min=1.5, servers=1)  # rho = 0.75
    assert q.prob_wait() == pytest.approx(0.75)
    assert q.mean_wait_min() == pytest.approx(0.75 / (1 / 1.5 - 0.5))
    assert q.mean_queue() == pytest.approx(0.75**2 / 0.25)


@pytest.mark.parametrize(("lam", "mean", "c"), [(0.25, 5.0, 2), (0.1, 20.0, 3), (0.5, 6.0, 4),
                                                 (3.0, 10.0, 40)])
def test_recursion_matches_the_textbook_sum(lam: float, mean: float, c: int) -> None:
    assert MMc(lam, mean, c).prob_wait() == pytest.approx(erlang_c_direct(lam, mean, c))


def test_known_value_m_m_3() -> None:
    # a = 2 Erlangs on 3 servers: C = 4/9 (standard table value).
    assert MMc(0.1, 20.0, 3).prob_wait() == pytest.approx(4 / 9)
    assert MMc(0.1, 20.0, 3).mean_wait_min() == pytest.approx(4 / 9 / (3 / 20 - 0.1))


def test_unstable_queue_is_refused() -> None:
    with pytest.raises(ValueError, match="not stable"):
        MMc(1.0, 3.0, 2).prob_wait()


# --- the criteria ----------------------------------------------------------------------------


def test_interval_criterion_passes_and_fails() -> None:
    values = [1.0, 1.1, 0.9, 1.05, 0.95]
    assert theory_in_interval("x", "y", values, 1.0, "").passed
    assert not theory_in_interval("x", "y", values, 2.0, "").passed
    assert not theory_in_interval("x", "y", [1.0], 1.0, "").passed  # no interval from one run


def test_fit_accepts_a_sample_of_the_distribution_and_rejects_another() -> None:
    dist = Lognormal(kind="lognormal", median=20, p95=200)
    rng = np.random.default_rng(1)
    assert fit(dist.sample(rng, 2000), dist).passed
    assert not fit(dist.sample(rng, 2000) * 1.3, dist).passed
    assert not fit(np.array([]), dist).passed


def test_fit_of_discrete_distributions() -> None:
    const = Constant(value=3.0)
    assert fit(np.full(50, 3.0), const).passed
    assert not fit(np.array([3.0, 3.0, 3.5]), const).passed
    emp = Empirical(kind="empirical", values=[1, 2, 3], weights=[0.5, 0.3, 0.2])
    rng = np.random.default_rng(2)
    assert fit(emp.sample(rng, 3000), emp).passed
    assert not fit(np.array([1.0] * 2000 + [2.0] * 1000), emp).passed


def test_mixture_cdf_is_the_weighted_sum() -> None:
    mix = Mixture.model_validate({"kind": "mixture", "components": [
        {"weight": 0.3, "dist": {"kind": "exponential", "mean": 1}},
        {"weight": 0.7, "dist": {"kind": "uniform", "low": 0, "high": 10}}]})
    x = np.array([0.5, 5.0])
    expected = 0.3 * (1 - np.exp(-x)) + 0.7 * x / 10
    assert np.allclose(cdf(mix)(x), expected)


def test_render_counts_failures() -> None:
    rows = [CheckResult("a", "b", "1", "1", "=", True), CheckResult("a", "c", "1", "2", "=", False)]
    text = render(rows, "title")
    assert text.startswith("title")
    assert "FAIL" in text and "PASS" in text
    assert text.endswith("1 of 2 checks passed; 1 FAILED")


# --- the whole suite -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def quick_rows() -> list[CheckResult]:
    return run_verification(quick=True)


def test_quick_suite_passes(quick_rows: list[CheckResult]) -> None:
    failed = [r for r in quick_rows if not r.passed]
    assert not failed, render(failed, "failed")


def test_suite_covers_every_stage_queue_and_component(quick_rows: list[CheckResult]) -> None:
    stages = ("call_takers", "analysts", "patrols", "warning_team")
    checks = {(r.check, r.subject) for r in quick_rows}
    for stage in stages:
        for check in ("M/M/c P(wait)", "M/M/c mean wait", "M/M/c busy servers",
                      "Little's law L = λW", "infinite servers: no wait"):
            assert (check, stage) in checks
    subjects = {r.subject for r in quick_rows if "(KS)" in r.check}
    assert {"layer 1", "layer 2", "layer 3", "atm", "crypto", "bank_a", "bank_b"} <= subjects
    assert {r.subject for r in quick_rows if r.check == "money conserved"} == {
        "exposure", "paid money", "stoppers", "cash-out channels", "coverage"}


def test_cli_verify_prints_the_table_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "--quick"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("fraudsim verify")
    assert f"{QUICK.replications} replications per queue" in out
    assert "FAIL" not in out
    assert out.rstrip().endswith(f"{out.count('PASS')} of {out.count('PASS')} checks passed")


def test_cli_verify_exits_1_when_a_check_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The checks themselves fail on broken models in test_verify_breaks.py; here
    # the command must turn one failed row into exit code 1 and say so.
    rows = [CheckResult("M/M/c mean wait", "analysts", "8.9 min", "2.0 min", "in CI", False),
            CheckResult("Little's law L = λW", "analysts", "1", "1", "equal", True)]
    monkeypatch.setattr("fraudsim.verify.run_verification", lambda quick, base_path: rows)
    assert main(["verify", "--quick"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "1 of 2 checks passed; 1 FAILED"
    assert any(line.startswith("M/M/c mean wait") and line.endswith("FAIL")
               for line in out.splitlines())


def test_waits_are_probabilities_of_the_right_size(quick_rows: list[CheckResult]) -> None:
    for r in quick_rows:
        if r.check == "M/M/c P(wait)":
            value = float(r.observed.split(" ")[0])
            assert 0 < value < 1 and not math.isnan(value)
