"""Distributions built from their scenario-file form, for the tests.

A bare ``TypeAdapter(Distribution)`` applies the discriminator before the
bare-number conversion, so a distribution is validated here as a model
field, as a scenario table holds it.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np
from pydantic import BaseModel

from fraudsim.rng import Streams
from fraudsim.scenario.distributions import Distribution

Z95 = NormalDist().inv_cdf(0.95)
"""The standard normal's 95th percentile: a lognormal's p95 is exp(mu + Z95 sigma)."""


class Holder(BaseModel):
    """A scenario table with one distribution key, as the schema uses them."""

    d: Distribution


def dist(spec: Any) -> Distribution:
    """Build a distribution from its scenario-file form (a bare number is a constant)."""
    return Holder.model_validate({"d": spec}).d


def any_dist(spec: Any) -> Any:
    """The same, typed Any: for tests that read one kind's own fields (median, shape...)."""
    return dist(spec)


def rng(seed: int = 12345) -> np.random.Generator:
    """A fresh generator with a fixed seed, so that each sampling test is deterministic."""
    return np.random.default_rng(seed)


def stream_draws(d: Distribution, n: int = 300, seed: int = 2023) -> list[float]:
    """Draw ``n`` values one at a time, as the model does: a Streams sampler, 64 per chunk."""
    sampler = Streams(seed).sampler("tests.draws", d, chunk=64)
    return [sampler.next() for _ in range(n)]
