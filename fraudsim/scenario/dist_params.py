"""Parameter conversions of the distributions, and the bounds that keep them finite.

A lognormal or a gamma may be given in two ways (:func:`one_pair` checks
that one is given, whole). A lognormal given by median and p95 or by mean
and sd is drawn from its (mu, sigma), a gamma given by mean and sd from its
(shape, scale); the conversions are here, with the checks a scenario's
validation runs on them (:mod:`fraudsim.scenario.distributions` calls both).

Every input is finite and positive, yet the conversions can still leave
floating point: ``(sd / mean) ** 2`` raises OverflowError once sd/mean passes
1e154, ``sd / mean`` itself is infinite for a subnormal mean (then mu is
-inf, sigma inf, and every draw NaN), a gamma's shape ``(mean / sd) ** 2``
underflows to 0 (and its scale divides by it), and a lognormal's mean
``exp(mu + sigma**2 / 2)`` overflows once sigma passes about 37. The bounds
below are far outside any real scenario, whose largest number is a payment
of 150 million fen, whose widest lognormal has sigma 2.6 (p95 70 times the
median) and whose gammas have shape 2, and far inside what floats hold:
with them every mean is below 1e52 and every draw below 1e84.
"""

from __future__ import annotations

import math
from typing import Any, Final

from pydantic import ValidationError, ValidatorFunctionWrapHandler

Z95: Final = 1.6448536269514722
"""z-value of the 95th percentile of the standard normal distribution."""

MAX_PARAMETER: Final = 1e30
"""The largest number a distribution may be given (a value, mean, median,
p95, sd, scale, bound or weight). A time of 1e30 minutes or an amount of
1e30 fen is absurd; below it the draws' sums and squares stay finite, and
numpy's triangular sampler, which multiplies two widths, does not overflow
(beyond about 1e154 it would put draws at ``low``)."""

MAX_SIGMA: Final = 10.0
"""The widest lognormal: sigma of the logarithm at most 10, that is p95 at
most 1.4e7 times the median, or sd at most 5.2e21 times the mean.

With the median at most :data:`MAX_PARAMETER`, mu is at most 69 and the
mean, ``exp(mu + sigma**2 / 2)``, at most 5.2e51. numpy's normal draws never
pass 12.3 in magnitude (its ziggurat's tail comes from 53-bit uniforms), so
no draw passes 1e84; even a draw 40 sd out would be finite (1e203)."""

MIN_SHAPE: Final = 1e-6
"""The smallest gamma shape, that is sd at most 1,000 times the mean.

Fewer than one draw in a thousand of such a gamma is above 1e-300 of its
scale (numpy draws 0 for most); by mean and sd, a much smaller shape
underflows to 0, and the scale is the mean divided by it."""

MAX_SHAPE: Final = 1e16
"""The largest gamma shape, that is sd at least 1e-8 times the mean: such a
gamma is a constant (give one); by mean and sd, squaring the ratio of a
much larger shape overflows."""

_RATIO_BOUNDS: Final = (math.sqrt(MIN_SHAPE), math.sqrt(MAX_SHAPE))
"""The bounds of a gamma's mean/sd: the square roots of the shape's."""


def one_pair(first: dict[str, float | None], second: dict[str, float | None]) -> None:
    """Check that exactly one of two parametrisations is given, whole and alone.

    A value of the other pair beside a complete one would be ignored by the
    sampler: an override ``...latency_min.mean = 5`` on a distribution given
    by median and p95 would change nothing, so it is refused instead.

    Raises:
        ValueError: Naming the keys given and the two ways to give them.
    """
    given = [k for k, v in (first | second).items() if v is not None]
    a, b = (" and ".join(pair) for pair in (first, second))
    if sorted(given) not in (sorted(first), sorted(second)):
        shown = ", ".join(given) or "none of them"
        raise ValueError(f"give either {a}, or {b} (exactly one pair; given: {shown}); "
                         "to switch, replace the whole distribution")


def lognormal_of_quantiles(median: float, p95: float) -> tuple[float, float]:
    """Return (mu, sigma) of the lognormal with this median and 95th percentile."""
    return math.log(median), math.log(p95 / median) / Z95


def lognormal_of_moments(mean: float, sd: float) -> tuple[float, float]:
    """Return (mu, sigma) of the lognormal with this mean and standard deviation."""
    sigma2 = math.log1p((sd / mean) ** 2)
    return math.log(mean) - sigma2 / 2, math.sqrt(sigma2)


def gamma_of_moments(mean: float, sd: float) -> tuple[float, float]:
    """Return (shape, scale) of the gamma with this mean and standard deviation."""
    shape = (mean / sd) ** 2
    return shape, mean / shape


def check_lognormal(
    median: float | None, p95: float | None, mean: float | None, sd: float | None
) -> None:
    """Check a lognormal's keys: one pair, whole, and sigma at most :data:`MAX_SIGMA`.

    Raises:
        ValueError: Naming the keys at fault and why.
    """
    one_pair({"median": median, "p95": p95}, {"mean": mean, "sd": sd})
    if median is not None and p95 is not None:
        if p95 <= median:
            raise ValueError("p95 must be greater than median")
        _check_lognormal_quantiles(median, p95)
    elif mean is not None and sd is not None:
        _check_lognormal_moments(mean, sd)


def check_gamma(
    shape: float | None, scale: float | None, mean: float | None, sd: float | None
) -> None:
    """Check a gamma's keys: one pair, whole, and by mean and sd a shape within bounds.

    Given directly, the shape is bounded by its field's constraints.

    Raises:
        ValueError: Naming the keys at fault and why.
    """
    one_pair({"shape": shape, "scale": scale}, {"mean": mean, "sd": sd})
    if mean is not None and sd is not None:
        _check_gamma_moments(mean, sd)


def _shown(value: float, bound: float) -> str:
    """Format ``value`` to 3 digits, or as many as it takes not to read as ``bound``."""
    for digits in (3, 6):
        text = f"{value:.{digits}g}"
        if text != f"{bound:g}":
            return text
    return repr(value)


def _power_of_ten(exponent: float) -> str:
    """Format 10**exponent like ``:.3g`` does, even beyond what floats hold (1e+400)."""
    whole = math.floor(exponent)
    digits = f"{10 ** (exponent - whole):.3g}"
    if digits == "10":
        digits, whole = "1", whole + 1
    return f"{digits}e{whole:+03d}"


_WIDER = "far wider than any real quantity, and a much wider one overflows the mean and the draws"


def _check_lognormal_quantiles(median: float, p95: float) -> None:
    """Refuse a p95 so far above the median that sigma passes :data:`MAX_SIGMA`.

    Sigma is computed as the sampler computes it; an overflowing ratio is
    infinite there, not an error, and the message takes the logarithms
    apart to say how wide it would be.

    Raises:
        ValueError: Naming p95/median, the sigma it gives and the bound.
    """
    _, sigma = lognormal_of_quantiles(median, p95)
    if not sigma <= MAX_SIGMA:
        shown = _shown((math.log(p95) - math.log(median)) / Z95, MAX_SIGMA)
        most = math.exp(MAX_SIGMA * Z95)
        raise ValueError(
            f"p95/median too large: the lognormal's sigma would be {shown}; at most "
            f"{MAX_SIGMA:g} (p95 at most {most:.3g} times the median), " + _WIDER
        )


def _check_lognormal_moments(mean: float, sd: float) -> None:
    """Refuse an sd so far above the mean that sigma passes :data:`MAX_SIGMA`.

    The ratio is squared by multiplying, which overflows to infinity where
    the sampler's ``** 2`` raises OverflowError; beyond 1e150 the message
    takes sigma as sqrt(2 ln(sd/mean)), exact to float precision there.

    Raises:
        ValueError: Naming sd/mean, the sigma it gives and the bound.
    """
    cv = sd / mean
    sigma = math.sqrt(math.log1p(cv * cv))
    if not sigma <= MAX_SIGMA:
        wide = math.sqrt(2 * (math.log(sd) - math.log(mean))) if cv > 1e150 else sigma
        shown = _shown(wide, MAX_SIGMA)
        most = math.sqrt(math.expm1(MAX_SIGMA**2))
        raise ValueError(
            f"sd/mean too large: the lognormal's sigma would be {shown}; at most "
            f"{MAX_SIGMA:g} (sd at most {most:.3g} times the mean), " + _WIDER
        )


def _check_gamma_moments(mean: float, sd: float) -> None:
    """Refuse a mean and sd whose gamma shape, (mean/sd)^2, is out of bounds.

    The ratio is compared before it is squared, so nothing overflows or
    underflows here; where the square would, the message takes logarithms.

    Raises:
        ValueError: Naming sd/mean, the shape it gives and the bound.
    """
    ratio = mean / sd
    if _RATIO_BOUNDS[0] <= ratio <= _RATIO_BOUNDS[1]:
        return
    low = ratio < _RATIO_BOUNDS[0]
    if 1e-150 < ratio < 1e150:
        shape = _shown(ratio * ratio, MIN_SHAPE if low else MAX_SHAPE)
    else:  # the square leaves floating point
        shape = _power_of_ten(2 * (math.log10(mean) - math.log10(sd)))
    if low:
        raise ValueError(
            f"sd/mean too large: the gamma's shape would be {shape}; at least {MIN_SHAPE:g} "
            f"(sd at most {1 / _RATIO_BOUNDS[0]:g} times the mean): almost every draw "
            "would be 0"
        )
    raise ValueError(
        f"sd/mean too small: the gamma's shape would be {shape}; at most {MAX_SHAPE:g} "
        f"(sd at least {1 / _RATIO_BOUNDS[1]:g} times the mean): so narrow a gamma is "
        "a constant, give one"
    )


_BEYOND_SHAPE: Final[dict[tuple[str, float], str]] = {
    ("greater_than_equal", MIN_SHAPE): (
        f"at least {MIN_SHAPE:g}: a gamma's shape is positive, and a smaller one draws "
        "almost nothing but zeros"
    ),
    ("less_than_equal", MAX_SHAPE): (
        f"at most {MAX_SHAPE:g}: a gamma of larger shape is a constant (give one)"
    ),
}
"""Why a shape beyond its bounds is refused, by pydantic's error type and bound."""


def within_bounds(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validate a number of a distribution, and refuse it beyond the bounds saying why.

    The gamma's shape bounds are ``ge``/``le`` constraints of its field,
    which the scenario reference lists, but pydantic's own message names
    only the bound ("greater than or equal to 0.000001"); it is replaced.
    :data:`MAX_PARAMETER` is checked here, after the field's own
    constraints: it applies to every number, and the reference's rows of
    each kind keep saying what is particular to the key (> 0, >= 0).

    Raises:
        ValueError: Saying the bound and the reason for it.
    """
    try:
        checked = handler(value)
    except ValidationError as err:
        (first, *rest) = err.errors()
        bound: float = next(iter(first.get("ctx", {}).values()), math.nan)
        why = _BEYOND_SHAPE.get((first["type"], bound)) if not rest and not first["loc"] else None
        if why is None:
            raise
        raise ValueError(why) from None
    if checked is not None and checked > MAX_PARAMETER:
        raise ValueError(
            f"at most {MAX_PARAMETER:g}: no real time, count or amount comes near, and much "
            "larger numbers overflow in the sampler"
        )
    return checked
