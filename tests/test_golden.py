"""Seeded golden scenarios: the model's outputs are exactly those pinned."""

from __future__ import annotations

import json

import pytest

from tests.golden.cases import GOLDEN, GOLDEN_FILE, observe

EXPECTED = json.loads(GOLDEN_FILE.read_text())


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_outputs_are_unchanged(name: str) -> None:
    assert observe(name) == EXPECTED[name]


def test_xiamen_goldens_say_what_the_case_says() -> None:
    assert EXPECTED["xiamen-saved"]["frozen_fen"] == 150_000_000
    assert EXPECTED["xiamen-lost"]["cashed_out_fen"] == 150_000_000
