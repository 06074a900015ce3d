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


class Sampler:
    """Draws one value at a time from a distribution, in vectorised chunks.

    Event handlers need one number at a time; asking numpy for one value costs
    about a microsecond, asking for a thousand costs little more. The sampler
    draws ``chunk`` values at once and hands them out in order. The chunk size
    is fixed by the model (not by the caller's timing), so a run is exactly
    reproducible.

    Args:
        dist: The distribution to draw from.
        gen: The stream's generator (owned by this sampler alone).
        chunk: How many values to draw at once.
    """

    __slots__ = ("_buf", "_chunk", "_dist", "_gen", "_pos")

    def __init__(self, dist: Distribution, gen: np.random.Generator, chunk: int) -> None:
        self._dist = dist
        self._gen = gen
        self._chunk = chunk
        self._buf: list[float] = []
        self._pos = 0

    def next(self) -> float:
        """Return the next value of the stream."""
        pos = self._pos
        if pos >= len(self._buf):
            self._buf = self._dist.sample(self._gen, self._chunk).tolist()
            pos = 0
        self._pos = pos + 1
        return self._buf[pos]

    def many(self, n: int) -> FloatArray:
        """Return ``n`` values drawn directly (for vectorised pre-draws)."""
        return self._dist.sample(self._gen, n)


class Uniforms:
    """Buffered U(0, 1) draws on one stream, for Bernoulli decisions."""

    __slots__ = ("_buf", "_gen", "_pos")

    def __init__(self, gen: np.random.Generator) -> None:
        self._gen = gen
        self._buf: list[float] = []
        self._pos = 0

    def next(self) -> float:
        """Return the next uniform value in [0, 1)."""
        pos = self._pos
        if pos >= len(self._buf):
            self._buf = self._gen.random(1024).tolist()
            pos = 0
        self._pos = pos + 1
        return self._buf[pos]
