"""The case table: columns, types, an empty run, and the money check that can fail."""

from __future__ import annotations

import math

import pyarrow as pa
import pytest

from fraudsim import records
from fraudsim.model.world import run_world
from fraudsim.records import ConservationError, cases_table, resources_table
from tests.conftest import busy, xiamen
from tests.table_bytes import ipc_bytes


def test_a_run_without_cases_gives_an_empty_table_with_every_column() -> None:
    run = run_world(xiamen(["scam_types.customer_service.hook_prob=0"]))
    run.cases.clear()
    empty = cases_table(run)
    full = cases_table(run_world(xiamen()))
    assert empty.num_rows == 0
    assert empty.schema == full.schema


def test_chunks_and_released_cases_give_the_same_table(monkeypatch: pytest.MonkeyPatch) -> None:
    whole = cases_table(run_world(busy()))
    monkeypatch.setattr(records, "CHUNK_CASES", 7)
    run = run_world(busy())
    n = len(run.cases)
    assert n > 3 * 7 and n % 7  # several chunks, the last one short
    kept = cases_table(run)
    assert len(run.cases) == n
    released = cases_table(run, release=True)
    assert run.cases == []
    assert kept.column("case_id").num_chunks == -(-n // 7)
    assert ipc_bytes(kept) == ipc_bytes(whole)  # Table.equals would find NaN != NaN
    assert ipc_bytes(released) == ipc_bytes(whole)
    assert released.column("case_id").to_pylist() == list(range(n))


def test_a_run_without_cases_released_still_has_every_column() -> None:
    run = run_world(xiamen(["scam_types.customer_service.hook_prob=0"]))
    run.cases.clear()
    empty = cases_table(run, release=True)
    assert empty.num_rows == 0
    assert empty.schema == cases_table(run_world(xiamen())).schema


def test_money_columns_are_integer_fen_and_times_are_minutes() -> None:
    table = cases_table(run_world(busy()))
    for field in table.schema:
        # One number per case, or a list of them (each installment she paid).
        kind = field.type.value_type if pa.types.is_large_list(field.type) else field.type
        if field.name.endswith("_fen"):
            assert kind == pa.int64(), field.name
        if field.name.endswith("_min"):
            assert kind == pa.float64(), field.name
    assert [table.schema.field(n).type for n in ("payment_min", "payment_fen")] == [
        pa.large_list(pa.float64()), pa.large_list(pa.int64())
    ]


def test_each_paid_installment_is_listed_with_its_planned_time_and_amount() -> None:
    run = run_world(busy())
    cases = list(run.cases)
    rows = cases_table(run).select(["payment_min", "payment_fen"]).to_pylist()
    partly = 0
    for case, row in zip(cases, rows, strict=True):
        made = len(case.l1_accounts)  # one first-layer account per installment made
        partly += 0 < made < case.n_pay
        assert row["payment_min"] == case.pay_times[:made]
        assert row["payment_fen"] == case.installments[:made]
    assert partly  # some victims were stopped part-way, so the lists are cut, not whole plans


def test_realise_min_is_nan_for_a_victim_who_never_paid() -> None:
    # She realises a while after her first payment: a victim dissuaded
    # before paying never does. One due to realise after the run's end
    # keeps her drawn time (realisation delays are calibrated on it).
    run = run_world(busy(["time.drain_days=0"]))
    cases = list(run.cases)
    shown = cases_table(run).column("realise_min").to_pylist()
    kinds = {"in the run": 0, "never paid": 0, "after the end": 0}
    for case, realise in zip(cases, shown, strict=True):
        if len(case.l1_accounts) == 0:
            kinds["never paid"] += 1
            assert math.isnan(realise)
        else:
            kinds["after the end" if case.realise_min > run.end_min else "in the run"] += 1
            assert realise == case.realise_min
    assert all(kinds.values()), kinds  # every kind occurred


def test_a_fen_going_missing_is_caught() -> None:
    run = run_world(busy())
    victim = next(c for c in run.cases if c.cashed_out_fen > 0)
    victim.cashed_out_fen -= 1  # a bookkeeping bug: one fen vanished
    with pytest.raises(ConservationError, match=f"case {victim.id}"):
        cases_table(run)


def test_money_left_in_accounts_is_read_by_case_id() -> None:
    # No drain and stops that never lapse nor turn into freezes: money is
    # left in accounts at the end, some of it held by a stop; slow stops
    # leave some cases with money both held and not.
    run = run_world(busy(["time.drain_days=0", "response.stop_payment.freeze_prob=0",
                          "response.stop_payment.expiry_min=100000",
                          "banks.xiamen_bank.stop_latency_min=60"]))
    in_accounts, held = run.in_accounts.copy(), run.held.copy()
    assert (held > 0).any() and ((in_accounts > held) & (held > 0)).any()
    table = cases_table(run, release=True).to_pydict()
    ids = table["case_id"]
    assert ids == list(range(len(ids)))
    left = [f - t - u for f, t, u in zip(table["in_flight_fen"], table["in_transit_fen"],
                                         table["unpaid_at_end_fen"], strict=True)]
    assert left == in_accounts.tolist()
    assert table["held_by_stop_fen"] == held.tolist()
    assert all(0 <= h <= f for h, f in zip(held, in_accounts, strict=True))


def test_a_fen_left_in_an_account_but_counted_elsewhere_is_caught() -> None:
    run = run_world(busy())
    victim = next(c for c in run.cases if c.exposed_fen > 0)
    run.in_accounts[victim.id] += 1
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
