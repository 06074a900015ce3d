"""The M/M/c formulas of verification (fraudsim/verify/erlang.py).

Every expected value here is computed without the module: Erlang's C by the
textbook sum in exact rational arithmetic, the closed forms of M/M/1 and
M/M/2, and the stationary distribution of the M/M/c birth-death chain solved
numerically from its balance equations (which gives the probability of
waiting, the mean queue and, by Little's law, the mean wait).
"""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.verify.erlang import MMc, erlang_c_direct


def textbook_erlang_c(a: Fraction, c: int) -> Fraction:
    """Erlang's C in exact arithmetic: (a^c/c!)·c/(c-a) / (Σ_{k<c} a^k/k! + (a^c/c!)·c/(c-a))."""
    top = a**c / math.factorial(c) * Fraction(c) / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def birth_death(lam: float, mean: float, c: int) -> tuple[float, float]:
    """Return (P(n >= c), mean number waiting) of the M/M/c chain, from its balance equations.

    ``p[n+1] = p[n] · lam / (min(n+1, c) · mu)``, truncated where the geometric
    tail is below 1e-18 of the total, then normalised.
    """
    mu = 1.0 / mean
    rho = lam / (c * mu)
    tail = c + int(math.log(1e-18) / math.log(rho)) + 10
    p = [1.0]
    for n in range(tail):
        p.append(p[-1] * lam / (min(n + 1, c) * mu))
    total = sum(p)
    waiting = sum(p[c:]) / total
    queue = sum((n - c) * pn for n, pn in enumerate(p) if n > c) / total
    return waiting, queue


@st.composite
def stable_queues(draw: st.DrawFn, max_servers: int = 30) -> MMc:
    """A stable M/M/c queue: c servers at utilisation between 0.02 and 0.97."""
    c = draw(st.integers(1, max_servers))
    rho = draw(st.floats(0.02, 0.97))
    mean = draw(st.floats(0.5, 60.0))
    return MMc(arrival_per_min=rho * c / mean, service_mean_min=mean, servers=c)


# --- load and utilisation -------------------------------------------------------------------


def test_offered_load_and_utilisation() -> None:
    """a = lambda/mu in Erlangs and rho = a/c: the busy servers the busy-servers check expects."""
    q = MMc(arrival_per_min=0.25, service_mean_min=6.0, servers=4)
    assert q.offered_load == pytest.approx(1.5)
    assert q.utilisation == pytest.approx(0.375)


# --- Erlang C against independent computations ------------------------------------------------


@pytest.mark.parametrize(
    ("a", "c", "expected"),
    [
        (Fraction(1), 2, Fraction(1, 3)),  # a^2/2!·2 = 1; 1 + 1 + 1 = 3
        (Fraction(1, 2), 1, Fraction(1, 2)),  # M/M/1: C = rho
        (Fraction(3), 4, Fraction(27, 53)),  # (81/24)·4 = 27/2; 1 + 3 + 9/2 + 27/6 = 13
    ],
)
def test_small_cases_worked_by_hand(a: Fraction, c: int, expected: Fraction) -> None:
    """Erlang C for loads small enough to work out on paper, exactly."""
    assert textbook_erlang_c(a, c) == expected
    assert MMc(float(a) / 10.0, 10.0, c).prob_wait() == pytest.approx(float(expected), rel=1e-12)
    assert erlang_c_direct(float(a) / 10.0, 10.0, c) == pytest.approx(float(expected), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(q=stable_queues(max_servers=25))
def test_prob_wait_is_the_textbook_sum(q: MMc) -> None:
    """The Erlang B recursion gives the same C as the textbook sum, in exact arithmetic."""
    a = Fraction(q.arrival_per_min) * Fraction(q.service_mean_min)
    assert q.prob_wait() == pytest.approx(float(textbook_erlang_c(a, q.servers)), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(q=stable_queues(max_servers=25))
def test_direct_sum_matches_exact_arithmetic(q: MMc) -> None:
    """The floating-point textbook sum (used to cross-check the recursion) is itself right."""
    a = Fraction(q.arrival_per_min) * Fraction(q.service_mean_min)
    expected = float(textbook_erlang_c(a, q.servers))
    assert erlang_c_direct(q.arrival_per_min, q.service_mean_min, q.servers) == pytest.approx(
        expected, rel=1e-9
    )


@settings(max_examples=40, deadline=None)
@given(q=stable_queues())
def test_prob_wait_and_queue_match_the_birth_death_chain(q: MMc) -> None:
    """P(wait), mean queue and mean wait agree with the chain's stationary distribution.

    By PASTA an arrival waits with the probability that all c servers are
    busy; the mean wait is the mean queue over lambda (Little's law).
    """
    waiting, queue = birth_death(q.arrival_per_min, q.service_mean_min, q.servers)
    assert q.prob_wait() == pytest.approx(waiting, rel=1e-9, abs=1e-15)
    assert q.mean_queue() == pytest.approx(queue, rel=1e-9, abs=1e-15)
    assert q.mean_wait_min() == pytest.approx(queue / q.arrival_per_min, rel=1e-9, abs=1e-15)


@settings(max_examples=30, deadline=None)
@given(rho=st.floats(0.01, 0.99), mean=st.floats(0.1, 100.0))
def test_one_and_two_servers_closed_forms(rho: float, mean: float) -> None:
    """M/M/1: C = rho, Wq = rho/(mu - lambda); M/M/2: C = 2 rho^2 / (1 + rho)."""
    mu = 1.0 / mean
    one = MMc(rho * mu, mean, 1)
    assert one.prob_wait() == pytest.approx(rho, rel=1e-12)
    assert one.mean_wait_min() == pytest.approx(rho / (mu - rho * mu), rel=1e-9)
    two = MMc(2 * rho * mu, mean, 2)
    assert two.prob_wait() == pytest.approx(2 * rho**2 / (1 + rho), rel=1e-12)


def test_many_servers_stay_finite_and_right() -> None:
    """With hundreds of servers (a national call centre) the recursion neither overflows nor drifts.

    a^c / c! at a = 360, c = 400 is far beyond a float; the recursion never forms it.
    """
    q = MMc(arrival_per_min=36.0, service_mean_min=10.0, servers=400)
    waiting, queue = birth_death(36.0, 10.0, 400)
    assert 0.0 < q.prob_wait() < 1.0
    assert q.prob_wait() == pytest.approx(waiting, rel=1e-9)
    assert q.mean_queue() == pytest.approx(queue, rel=1e-9)


# --- shape of the answers ---------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(q=stable_queues(max_servers=20))
def test_one_more_server_never_makes_waiting_likelier(q: MMc) -> None:
    """Adding a server at the same arrivals lowers the probability of waiting and the mean wait."""
    more = MMc(q.arrival_per_min, q.service_mean_min, q.servers + 1)
    assert more.prob_wait() < q.prob_wait()
    assert more.mean_wait_min() < q.mean_wait_min()


@settings(max_examples=40, deadline=None)
@given(q=stable_queues(max_servers=20), factor=st.floats(1.01, 1.5))
def test_more_arrivals_mean_more_waiting(q: MMc, factor: float) -> None:
    """Raising lambda (while still stable) raises P(wait) and the mean queue."""
    busier = MMc(q.arrival_per_min * factor, q.service_mean_min, q.servers)
    if busier.utilisation >= 0.99:
        busier = MMc(0.99 * q.servers / q.service_mean_min, q.service_mean_min, q.servers)
    assert busier.prob_wait() > q.prob_wait()
    assert busier.mean_queue() > q.mean_queue()


def test_light_and_heavy_traffic_limits() -> None:
    """Almost idle servers almost never make anyone wait; saturated ones almost always do."""
    assert MMc(1e-6, 1.0, 3).prob_wait() < 1e-15
    assert MMc(0.999, 1.0, 1).prob_wait() == pytest.approx(0.999)
    assert MMc(4.99, 1.0, 5).prob_wait() > 0.98


# --- unstable queues are refused --------------------------------------------------------------


@pytest.mark.parametrize(
    "queue",
    [
        MMc(arrival_per_min=0.5, service_mean_min=4.0, servers=2),  # rho exactly 1
        MMc(arrival_per_min=0.1, service_mean_min=1.0, servers=0),  # nobody to serve
        MMc(arrival_per_min=2.0, service_mean_min=1.0, servers=1),  # rho = 2
    ],
    ids=["rho-1", "no-servers", "overloaded"],
)
def test_every_formula_refuses_an_unstable_queue(queue: MMc) -> None:
    """No steady state exists at rho >= 1 or without servers: each formula says so."""
    for formula in (queue.prob_wait, queue.mean_wait_min, queue.mean_queue):
        with pytest.raises(ValueError, match=rf"M/M/{queue.servers} .* is not stable"):
            formula()


def test_queue_is_immutable() -> None:
    """The stages of verification share their queues: none may be changed in place."""
    q = MMc(0.1, 20.0, 3)
    with pytest.raises(AttributeError):
        q.servers = 4  # type: ignore[misc]
