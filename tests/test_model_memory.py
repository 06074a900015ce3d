"""The model's memory: what a finished world leaves to the cyclic collector, and handlers.

A national year holds about 900 MiB of cases and accounts; these tests
hold the run to freeing them by reference counting (so that later
collections do not scan them), to the collector's pause being safe, and to
one handler object per owner and name rather than one per pending
happening (fraudsim/model/world.py, kernel.py).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

import pytest

from fraudsim import load_scenario
from fraudsim.model.accounts import Account
from fraudsim.model.cases import Case
from fraudsim.model.kernel import Call
from fraudsim.model.response import StopRequest
from fraudsim.model.world import build_world, no_cyclic_gc, run_world
from tests.conftest import SCENARIOS, busy


def _cyclic_garbage(run: Callable[[], object]) -> list[Any]:
    """Return what Python's cyclic collector finds unreachable once ``run()`` has returned."""
    gc.collect()
    with no_cyclic_gc():
        run()
        gc.set_debug(gc.DEBUG_SAVEALL)  # keep what it finds, to look at
        try:
            gc.collect()
            found = list(gc.garbage)
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    return found


def test_a_finished_world_leaves_the_cyclic_collector_only_its_parts() -> None:
    """Pending happenings and pooled accounts are freed by reference counting at the end.

    The world's parts refer to one another, so the collector has to find
    them; what they held (cases, accounts, stop requests) must not wait for
    it, or every collection after a run scans all of it.
    """
    # Pools of two accounts: many are opened, retired and frozen.
    scenario = busy(["time.drain_days=0.2", "mule_network.accounts_per_bank=2"])
    with no_cyclic_gc():
        # The same run, stopped at its end: there is something to free.
        world = build_world(scenario, replication=2)  # one with stops pending
        world.clock.run_to(world.end_min)
        assert world.clock.pending > 0 and len(world.network.book.accounts) > 0
        left = world.clock.pending_entries()
        assert any(isinstance(e[3], StopRequest) for e in left)
        del world, left
    # The cases go as simulate() makes its table (cases_table's release).
    garbage = _cyclic_garbage(lambda: run_world(scenario, replication=2).cases.clear())
    held = [o for o in garbage if isinstance(o, Case | Account | StopRequest)]
    assert held == []
    assert 0 < len(garbage) < 1000


def test_the_collector_pause_nests_and_restores_the_collector() -> None:
    assert gc.isenabled()
    try:
        with no_cyclic_gc():
            assert not gc.isenabled()
            with no_cyclic_gc():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the inner pause leaves the outer one in place
        assert gc.isenabled()
        gc.disable()
        with no_cyclic_gc():
            pass
        assert not gc.isenabled()  # a collector paused by the caller stays paused
        with pytest.raises(RuntimeError), no_cyclic_gc():
            raise RuntimeError("a failing run")
        assert not gc.isenabled()
        gc.enable()
        with pytest.raises(RuntimeError), no_cyclic_gc():
            raise RuntimeError("a failing run")
        assert gc.isenabled()  # restored after a failure too
    finally:
        gc.enable()


def test_every_pending_handler_is_bound_once() -> None:
    # A handler bound at each scheduling is a new method object per pending
    # happening, made when scheduled and freed (cold) when run, days later.
    scenario = load_scenario(
        SCENARIOS / "city-month.toml",
        ["time.horizon_days=3", "mule_network.delayed_credit.enabled=true"],
    )
    # Handler objects by owner and name, then by id; kept alive by the dict,
    # so that no id is reused by a later object.
    objects: dict[tuple[int, str], dict[int, Any]] = {}
    with no_cyclic_gc():
        world = build_world(scenario)
        for k in range(1, 31):
            world.clock.run_to(world.end_min * k / 30)
            for _, _, handler, _, is_handler in world.clock.pending_entries():
                if is_handler:
                    if isinstance(handler, Call):
                        key = (id(handler.owner), handler.name)
                    else:
                        key = (id(handler.__self__), handler.__name__)
                    objects.setdefault(key, {})[id(handler)] = handler
    names = {name for _, name in objects}
    # All but the rare shift changes run natively, through their owner's dispatch.
    plain = {
        key[1] for key, ids in objects.items() if not isinstance(next(iter(ids.values())), Call)
    }
    assert plain <= {"_on_shift_change"}
    assert {"_on_installment", "_on_report", "_on_sweep", "_stop_executed", "flag"} <= names
    assert {"_on_delayed_credit", "_call_end", "_case_end", "_admit"} <= names
    assert {key: len(ids) for key, ids in objects.items() if len(ids) > 1} == {}
