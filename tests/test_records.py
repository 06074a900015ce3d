"""The case table: columns, types, an empty run, and the money check that can fail."""

from __future__ import annotations

import pyarrow as pa
import pytest

from fraudsim.model.world import run_world
from fraudsim.records import ConservationError, cases_table, resources_table
from tests.conftest import busy, xiamen


def test_a_run_without_cases_gives_an_empty_table_with_every_column() -> None:
    run = run_world(xiamen(["scam_types.customer_service.hook_prob=0"]))
    run.cases.clear()
    empty = cases_table(run)
    full = cases_table(run_world(xiamen()))
    assert empty.num_rows == 0
    assert empty.schema == full.schema


def test_money_columns_are_integer_fen_and_times_are_minutes() -> None:
    table = cases_table(run_world(busy()))
    for field in table.schema:
        if field.name.endswith("_fen"):
            assert field.type == pa.int64(), field.name
        if field.name.endswith("_min"):
            assert field.type == pa.float64(), field.name


def test_a_fen_going_missing_is_caught() -> None:
    run = run_world(busy())
    victim = next(c for c in run.cases if c.cashed_out_fen > 0)
    victim.cashed_out_fen -= 1  # a bookkeeping bug: one fen vanished
    with pytest.raises(ConservationError, match=f"case {victim.id}"):
        cases_table(run)


def test_a_fen_counted_twice_is_caught() -> None:
    run = run_world(xiamen())
    run.cases[0].frozen_bank_fen += 1
    with pytest.raises(ConservationError):
        cases_table(run)


def test_resources_cover_every_staffed_resource() -> None:
    table = resources_table(run_world(busy()))
    names = set(table.column("resource").to_pylist())
    assert names == {"call_takers", "analysts", "patrols", "warning_team", "bank_requests"}
