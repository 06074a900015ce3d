"""Named random streams derived from one seed.

Every source of randomness in the model (contact times, installment sizes,
mule dwell times, bank latencies, ...) draws from its own numpy Generator. The
generator of a stream is derived from the scenario seed, the replication
number and a stable hash of the stream's *name* through
``numpy.random.SeedSequence``. Two consequences matter to analysts:

* adding a new stream never shifts the numbers any other stream draws, and
* replication ``r`` of two policies sees the same scams and victims (common
  random numbers), because the streams do not depend on the policy.

There is no global random state anywhere in fraudsim.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from itertools import chain

import numpy as np

from fraudsim.scenario.distributions import Distribution, FloatArray


def stream_key(name: str) -> int:
    """Return a stable 63-bit integer for a stream name.

    ``hash()`` is salted per process, so a cryptographic digest is used to
    keep keys identical across runs, machines and worker processes.
    """
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


class Streams:
    """Factory of named generators for one replication of one scenario.

    Args:
        seed: The scenario's root seed.
        replication: Replication number; replication r of every policy uses
            the same streams.
    """

    def __init__(self, seed: int, replication: int = 0) -> None:
        self.seed = seed
        self.replication = replication
        self._cache: dict[str, np.random.Generator] = {}

    def generator(self, name: str) -> np.random.Generator:
        """Return the generator of stream ``name`` (created on first use)."""
        gen = self._cache.get(name)
        if gen is None:
            seq = np.random.SeedSequence(
                entropy=self.seed, spawn_key=(self.replication, stream_key(name))
            )
            gen = np.random.Generator(np.random.PCG64(seq))
            self._cache[name] = gen
        return gen

    def sampler(self, name: str, dist: Distribution, chunk: int = 1024) -> Sampler:
        """Return a buffered one-at-a-time sampler of ``dist`` on stream ``name``."""
        return Sampler(dist, self.generator(name), chunk)


def _chunks(draw: Callable[[], list[float]]) -> Iterator[float]:
    """Yield the values of successive chunks, forever."""
    return chain.from_iterable(iter(draw, None))


class Sampler:
    """Draws one value at a time from a distribution, in vectorised chunks.

    Event handlers need one number at a time; asking numpy for one value costs
    about a microsecond, asking for a thousand costs little more. The sampler
    draws ``chunk`` values at once and hands them out in order. The chunk size
    is fixed by the model (not by the caller's timing), so a run is exactly
    reproducible. ``next`` is the ``__next__`` of an iterator over the chunks:
    a call costs no Python frame.

    Args:
        dist: The distribution to draw from.
        gen: The stream's generator (owned by this sampler alone).
        chunk: How many values to draw at once.

    Attributes:
        next: Returns the next value of the stream.
    """

    __slots__ = ("_dist", "_gen", "next")

    def __init__(self, dist: Distribution, gen: np.random.Generator, chunk: int) -> None:
        self._dist = dist
        self._gen = gen
        values = _chunks(lambda: dist.sample(gen, chunk).tolist())
        self.next: Callable[[], float] = values.__next__

    def many(self, n: int) -> FloatArray:
        """Return ``n`` values drawn directly (for vectorised pre-draws)."""
        return self._dist.sample(self._gen, n)


class Uniforms:
    """Buffered U(0, 1) draws on one stream, for Bernoulli decisions.

    Attributes:
        next: Returns the next uniform value in [0, 1).
    """

    __slots__ = ("next",)

    def __init__(self, gen: np.random.Generator) -> None:
        values = _chunks(lambda: gen.random(1024).tolist())
        self.next: Callable[[], float] = values.__next__
