"""Named random streams (fraudsim/rng.py): reproducible, independent, buffered in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudsim.model.world import run_world
from fraudsim.rng import Sampler, Streams, Uniforms, stream_key
from fraudsim.scenario import load_scenario
from fraudsim.scenario.distributions import Constant, Exponential, Lognormal, Uniform
from tests.conftest import ROOT, SCENARIOS

NAMES = ["network.routing", "contacts.arrivals", "bank.xiamen_bank.stop", ""]


def draws(seed: int, replication: int, name: str, n: int = 8) -> np.ndarray:
    return Streams(seed, replication).generator(name).random(n)


def test_same_name_gives_the_same_numbers_in_a_new_instance() -> None:
    for name in NAMES:
        assert np.array_equal(draws(7, 3, name), draws(7, 3, name))


def test_a_stream_is_created_once_per_instance_and_continues() -> None:
    streams = Streams(7)
    gen = streams.generator("a")
    assert streams.generator("a") is gen
    first, second = gen.random(4), streams.generator("a").random(4)
    assert np.array_equal(np.concatenate([first, second]), draws(7, 0, "a", 8))


def test_different_names_replications_and_seeds_differ() -> None:
    base = draws(7, 0, "network.routing")
    assert not np.array_equal(base, draws(7, 0, "network.risk"))
    assert not np.array_equal(base, draws(7, 1, "network.routing"))
    assert not np.array_equal(base, draws(8, 0, "network.routing"))
    # Seed and replication are not interchangeable.
    assert not np.array_equal(draws(1, 2, "x"), draws(2, 1, "x"))


def test_stream_key_is_a_non_negative_63_bit_integer_and_distinct() -> None:
    keys = [stream_key(n) for n in NAMES]
    assert all(isinstance(k, int) and 0 <= k < 2**63 for k in keys)
    assert len(set(keys)) == len(keys)
    # Pinned: changing the hash would silently change every result ever produced.
    assert stream_key("network.routing") == 2088107147784490173


_CHILD = """
import json
from fraudsim.rng import Streams, stream_key
names = json.loads(input())
print(json.dumps({
    "keys": [stream_key(n) for n in names],
    "draws": [Streams(7, 3).generator(n).random(3).tolist() for n in names],
    "hash": hash("network.routing"),
}))
"""


def _children(*hashseeds: str) -> list[dict[str, Any]]:
    """Run the child script once per hash seed, all at once, and return their answers."""
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)},
        )
        for seed in hashseeds
    ]
    answers = []
    for proc in procs:
        out, err = proc.communicate(json.dumps(NAMES), timeout=60)
        assert proc.returncode == 0, err
        answers.append(json.loads(out))
    return answers


def test_stream_keys_and_draws_are_the_same_in_other_processes() -> None:
    a, b = _children("1", "12345")
    # The child processes really had different string hashing ...
    assert a["hash"] != b["hash"]
    # ... yet keys and numbers agree with each other and with this process.
    assert a["keys"] == b["keys"] == [stream_key(n) for n in NAMES]
    here = [Streams(7, 3).generator(n).random(3).tolist() for n in NAMES]
    assert a["draws"] == b["draws"] == here


@settings(max_examples=30, deadline=None)
@given(chunk=st.integers(1, 50), n=st.integers(0, 200))
def test_sampler_hands_out_the_streams_chunks_in_order(chunk: int, n: int) -> None:
    dist = Lognormal(kind="lognormal", median=10.0, p95=100.0)
    sampler = Streams(3).sampler("s", dist, chunk)
    got = [sampler.next() for _ in range(n)]
    gen = Streams(3).generator("s")
    chunks = [dist.sample(gen, chunk) for _ in range(n // chunk + 1)]
    expected = np.concatenate(chunks)[:n]
    assert got == expected.tolist()


class _StridedUniform(Uniform):
    """Hands its draws back as a strided view: not one block of float64."""

    def sample(self, rng: np.random.Generator, n: int) -> Any:
        return rng.uniform(self.low, self.high, 2 * n)[::2]


class _IntegerUniform(Uniform):
    """Hands its draws back as whole numbers in an int64 array."""

    def sample(self, rng: np.random.Generator, n: int) -> Any:
        return np.floor(rng.uniform(self.low, self.high, n)).astype(np.int64)


@pytest.mark.parametrize("kind", [_StridedUniform, _IntegerUniform])
def test_sampler_hands_out_any_arrays_values_exactly(kind: type[Uniform]) -> None:
    # A float64 block is copied into the chunk whole; other arrays value by value.
    dist = kind(kind="uniform", low=0.0, high=1000.0)
    sampler = Streams(3).sampler("s", dist, 5)
    got = [sampler.next() for _ in range(12)]
    gen = Streams(3).generator("s")
    expected = np.concatenate([dist.sample(gen, 5) for _ in range(3)])[:12]
    assert got == expected.astype(np.float64).tolist()
    assert all(type(v) is float for v in got)


def test_chunk_size_does_not_change_exponential_draws() -> None:
    # Exponential draws are sequential, so chunking only regroups the same stream.
    dist = Exponential(kind="exponential", mean_value=5.0)
    a = Streams(3).sampler("s", dist, 4)
    b = Streams(3).sampler("s", dist, 1024)
    assert [a.next() for _ in range(30)] == [b.next() for _ in range(30)]


def test_sampler_many_continues_the_same_generator() -> None:
    dist = Uniform(kind="uniform", low=2.0, high=3.0)
    sampler = Streams(3).sampler("s", dist, 5)
    first = sampler.next()
    more = sampler.many(10)
    gen = Streams(3).generator("s")
    assert first == gen.uniform(2.0, 3.0, 5)[0]
    assert np.array_equal(more, gen.uniform(2.0, 3.0, 10))
    assert ((more >= 2.0) & (more <= 3.0)).all()


def test_constant_sampler_never_touches_the_stream() -> None:
    streams = Streams(3)
    sampler = streams.sampler("s", Constant(value=2.5), 8)
    assert [sampler.next() for _ in range(20)] == [2.5] * 20
    assert np.array_equal(streams.generator("s").random(3), draws(3, 0, "s", 3))


def test_sampler_owns_a_generator_given_directly() -> None:
    gen = np.random.default_rng(11)
    sampler = Sampler(Exponential(kind="exponential", mean_value=1.0), gen, 3)
    values = [sampler.next() for _ in range(7)]
    ref = np.random.default_rng(11)
    assert values == np.concatenate([ref.exponential(1.0, 3) for _ in range(3)])[:7].tolist()


def test_uniforms_are_in_unit_interval_and_follow_the_stream_across_buffers() -> None:
    n = 2500  # more than two buffers of 1024
    u = Uniforms(Streams(5).generator("u"))
    got = np.asarray([u.next() for _ in range(n)])
    assert ((got >= 0.0) & (got < 1.0)).all()
    gen = Streams(5).generator("u")
    expected = np.concatenate([gen.random(1024) for _ in range(3)])[:n]
    assert np.array_equal(got, expected)
    # Not degenerate: roughly uniform (mean of 2500 U(0,1) has sd 0.0058).
    assert got.mean() == pytest.approx(0.5, abs=0.03)


# -- the model's use of the streams ------------------------------------------------

CITY = SCENARIOS / "city-month.toml"
"""Every actor switched on: several scam types, banks, layers, channels, early warning."""


@pytest.mark.pure_python  # patches Streams.generator: a compiled class cannot be patched
def test_no_two_parts_of_the_model_draw_from_one_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each stream has one user: a second request of a name would hand out the
    # same generator, so two parts would share (and shift) each other's draws.
    requested: list[str] = []
    generator = Streams.generator

    def spy(self: Streams, name: str) -> np.random.Generator:
        requested.append(name)
        return generator(self, name)

    monkeypatch.setattr(Streams, "generator", spy)
    run_world(load_scenario(CITY, ["time.horizon_days=1", "time.drain_days=0.5"]))
    assert [name for name, n in Counter(requested).items() if n > 1] == []
    # Nor do two names share a stream through their keys.
    assert len({stream_key(name) for name in requested}) == len(requested)
    # Every part of the model asked for its streams here.
    parts = {name.split(".")[0] for name in requested}
    assert parts == {"contacts", "scam", "network", "bank", "response", "warning"}
    assert "warning.false_positives" in requested and "bank.rural_remote.risk_detect" in requested
