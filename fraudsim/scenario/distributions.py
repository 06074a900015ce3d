"""The vocabulary of random distributions a scenario may use.

Every random quantity in a scenario (a dwell time, a bank's latency, the size
of an installment) is written as one of these tables, tagged by ``kind``::

    dwell_min = { kind = "lognormal", median = 12, p95 = 90 }
    stop_latency_min = 3            # a bare number is a constant

All quantities fraudsim draws are non-negative (times, counts, amounts), so
every distribution is validated to have non-negative support, and to be
given numbers that no conversion or draw can overflow: at most
:data:`~fraudsim.scenario.dist_params.MAX_PARAMETER`, with a bounded spread
(:mod:`fraudsim.scenario.dist_params` says why each bound). Each model
offers ``sample(rng, n)`` (vectorised draws from a numpy Generator) and
``mean()`` (the analytic mean, used by verification and documentation).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Final, Literal, Self

import numpy as np
from numpy.typing import NDArray
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WrapValidator,
    field_validator,
    model_validator,
)

from fraudsim.scenario.dist_params import (
    MAX_SHAPE,
    MIN_SHAPE,
    check_gamma,
    check_lognormal,
    gamma_of_moments,
    lognormal_of_moments,
    lognormal_of_quantiles,
    within_bounds,
)

FloatArray = NDArray[np.float64]


class _Dist(BaseModel):
    """Common configuration: unknown keys are errors, values are immutable and bounded."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    _bounded = field_validator(  # at most MAX_PARAMETER; a number out of bounds says why
        "value", "mean_value", "median", "p95", "sd", "shape", "scale", "low", "mode", "high",
        mode="wrap", check_fields=False,
    )(within_bounds)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw ``n`` independent values.

        The i-th value depends only on the generator's state and on i, not
        on ``n``: drawing fewer values gives the first ones of a longer
        draw. Common random numbers rest on this, since a policy that
        intercepts more keeps the first victims of the same draw order.
        """
        raise NotImplementedError

    def mean(self) -> float:
        """Return the analytic mean."""
        raise NotImplementedError


class Constant(_Dist):
    """Always the same value (a scripted latency, a fixed amount)."""

    kind: Literal["constant"] = "constant"
    value: float = Field(ge=0)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Return ``n`` copies of the value; the generator is not touched."""
        return np.full(n, self.value, dtype=np.float64)

    def mean(self) -> float:
        """Return the value."""
        return self.value


class Exponential(_Dist):
    """Memoryless waiting time with the given mean (Poisson-process gaps)."""

    kind: Literal["exponential"]
    mean_value: float = Field(gt=0, alias="mean")

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False, strict=True
    )

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw exponential values."""
        return rng.exponential(self.mean_value, n)

    def mean(self) -> float:
        """Return the configured mean."""
        return self.mean_value


class Lognormal(_Dist):
    """Right-skewed quantity given by median and 95th percentile, or mean and sd.

    Published figures usually give a typical value and a bad case, so
    ``median``/``p95`` is the natural form; ``mean``/``sd`` is accepted too.

    Sigma, the sd of the logarithm, is at most 10 (p95 at most 1.4e7 times
    the median, sd at most 5.2e21 times the mean): far wider than any real
    quantity (the shipped scenarios' widest is 2.6), and narrow enough that
    the mean and every draw stay finite.
    """

    kind: Literal["lognormal"]
    median: float | None = Field(default=None, gt=0)
    p95: float | None = Field(default=None, gt=0)
    mean_value: float | None = Field(default=None, gt=0, alias="mean")
    sd: float | None = Field(default=None, gt=0)

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False, strict=True
    )

    @model_validator(mode="after")
    def _one_parametrisation(self) -> Self:
        check_lognormal(self.median, self.p95, self.mean_value, self.sd)
        return self

    def params(self) -> tuple[float, float]:
        """Return (mu, sigma) of the underlying normal distribution."""
        if self.median is not None and self.p95 is not None:
            return lognormal_of_quantiles(self.median, self.p95)
        assert self.mean_value is not None and self.sd is not None
        return lognormal_of_moments(self.mean_value, self.sd)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw lognormal values."""
        mu, sigma = self.params()
        return rng.lognormal(mu, sigma, n)

    def mean(self) -> float:
        """Return exp(mu + sigma^2 / 2)."""
        mu, sigma = self.params()
        return math.exp(mu + sigma * sigma / 2)


class Gamma(_Dist):
    """Gamma distribution by shape and scale, or by mean and sd.

    The shape, (mean/sd)^2, is between 1e-6 and 1e16 (sd between 1e-8 and
    1,000 times the mean): a smaller shape draws almost nothing but zeros
    (or, from mean and sd, underflows to 0), a larger one is a constant.
    """

    kind: Literal["gamma"]
    shape: float | None = Field(default=None, ge=MIN_SHAPE, le=MAX_SHAPE)
    scale: float | None = Field(default=None, gt=0)
    mean_value: float | None = Field(default=None, gt=0, alias="mean")
    sd: float | None = Field(default=None, gt=0)

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False, strict=True
    )

    @model_validator(mode="after")
    def _one_parametrisation(self) -> Self:
        check_gamma(self.shape, self.scale, self.mean_value, self.sd)
        return self

    def params(self) -> tuple[float, float]:
        """Return (shape, scale)."""
        if self.shape is not None and self.scale is not None:
            return self.shape, self.scale
        assert self.mean_value is not None and self.sd is not None
        return gamma_of_moments(self.mean_value, self.sd)

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw gamma values."""
        shape, scale = self.params()
        return rng.gamma(shape, scale, n)

    def mean(self) -> float:
        """Return shape * scale."""
        shape, scale = self.params()
        return shape * scale


class Uniform(_Dist):
    """Equally likely anywhere in [low, high]."""

    kind: Literal["uniform"]
    low: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw uniform values."""
        return rng.uniform(self.low, self.high, n)

    def mean(self) -> float:
        """Return the midpoint."""
        return (self.low + self.high) / 2


class Triangular(_Dist):
    """Expert guess: lowest, most likely and highest value."""

    kind: Literal["triangular"]
    low: float = Field(ge=0)
    mode: float = Field(ge=0)
    high: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("need low <= mode <= high with low < high")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw triangular values, never outside [low, high].

        numpy's inverse transform multiplies the widths of the two sides;
        when those products underflow (widths below about 1e-154), its
        draws can fall just outside the support, below ``low`` included. A
        draw inside is left exactly as numpy made it.
        """
        draws: FloatArray = rng.triangular(self.low, self.mode, self.high, n)
        return np.clip(draws, self.low, self.high, out=draws)

    def mean(self) -> float:
        """Return (low + mode + high) / 3."""
        return (self.low + self.mode + self.high) / 3


_Number = Annotated[float, Field(ge=0), WrapValidator(within_bounds)]
"""A non-negative number of a list, at most ``dist_params.MAX_PARAMETER``."""


class Empirical(_Dist):
    """A finite set of observed values with weights (normalised to sum 1)."""

    kind: Literal["empirical"]
    values: list[_Number] = Field(min_length=1)
    weights: list[_Number] | None = None

    @model_validator(mode="after")
    def _weights_match(self) -> Self:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError("weights must have one entry per value")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def probabilities(self) -> FloatArray:
        """Return the normalised weights."""
        if self.weights is None:
            return np.full(len(self.values), 1.0 / len(self.values))
        w: FloatArray = np.asarray(self.weights, dtype=np.float64)
        normalised: FloatArray = w / w.sum()
        return normalised

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Draw values with replacement according to the weights."""
        idx = rng.choice(len(self.values), size=n, p=self.probabilities())
        values: FloatArray = np.asarray(self.values, dtype=np.float64)[idx]
        return values

    def mean(self) -> float:
        """Return the weighted mean."""
        return float(np.dot(self.probabilities(), np.asarray(self.values)))


class Component(BaseModel):
    """One part of a mixture: its weight and its distribution."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)

    weight: float = Field(gt=0, le=1)
    dist: Distribution


class Mixture(_Dist):
    """A population of groups, e.g. fast reporters and a long tail.

    Weights must sum to 1: a mixture that silently renormalised would hide a
    typo in a published share.
    """

    kind: Literal["mixture"]
    components: list[Component] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Self:
        total = sum(c.weight for c in self.components)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"component weights must sum to 1 (they sum to {total:g})")
        return self

    def sample(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Pick a component per draw, then take that draw's value of the component.

        Each component draws ``n`` values from a generator of its own,
        spawned from ``rng``'s seed sequence, and the i-th value is the
        i-th draw of its component. Drawing only as many values as pick a
        component, from one shared generator, would make every value depend
        on ``n`` and break the first-values property of ``sample``.
        """
        weights = np.asarray([c.weight for c in self.components])
        which = rng.choice(len(self.components), size=n, p=weights / weights.sum())
        out = np.empty(n, dtype=np.float64)
        for k, (comp, gen) in enumerate(zip(self.components, rng.spawn(len(self.components)),
                                            strict=True)):
            mask = which == k
            out[mask] = comp.dist.sample(gen, n)[mask]
        return out

    def mean(self) -> float:
        """Return the weighted mean of the component means."""
        return sum(c.weight * c.dist.mean() for c in self.components)


def _number_is_constant(value: Any) -> Any:
    """Let ``latency_min = 3`` stand for ``{ kind = "constant", value = 3 }``."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"kind": "constant", "value": value}
    if isinstance(value, dict) and "kind" not in value and "value" in value:
        return {"kind": "constant", **value}
    return value


Distribution = Annotated[
    Constant | Exponential | Lognormal | Gamma | Uniform | Triangular | Empirical | Mixture,
    BeforeValidator(_number_is_constant),
    Field(discriminator="kind"),
]
"""Any distribution of the vocabulary; a bare number is a constant."""

Component.model_rebuild()
Mixture.model_rebuild()


def as_count(values: FloatArray) -> NDArray[np.int64]:
    """Turn draws into counts of at least one (installments, fan-out).

    Counts are drawn from the same vocabulary as times; they are rounded to
    the nearest integer and floored at 1, because a victim who pays has paid
    at least once and a mule who forwards sends at least one transfer.
    """
    return np.maximum(1, np.rint(values)).astype(np.int64)


MONEY_CEILING: Final = 2**62
"""Fen a run's draws may add up to: half the 64-bit range, so that no sum
of exact money (a case's, a type's, a replication's) can wrap round."""


class MoneyRangeError(ValueError):
    """Drawn amounts too large for exact money: the amount distribution's tail is too heavy.

    The scenario limits (:mod:`fraudsim.scenario.limits`) bound the mean
    payment; a tail heavy enough can still, rarely, draw beyond what 64-bit
    fen hold. The run stops before it starts rather than wrap round.
    """


def as_fen(values: FloatArray, what: str = "an amount") -> NDArray[np.int64]:
    """Turn amount draws into whole fen, at least 1 fen.

    Args:
        values: The draws, in fen.
        what: The draws' name (their distribution's key path), for the error.

    Raises:
        MoneyRangeError: If the draws add up to :data:`MONEY_CEILING` fen or more.
    """
    fen = np.maximum(1.0, np.rint(values))
    total = float(fen.sum())  # a float: it cannot wrap, and it exceeds any draw in it
    if not total < MONEY_CEILING:
        raise MoneyRangeError(
            f"{what}: the draws add up to {total:.3g} fen, beyond the {MONEY_CEILING:.3g} fen "
            "exact money can hold; the distribution's tail is too heavy (lower its spread)"
        )
    return fen.astype(np.int64)
