"""One run of the model: build the world from a scenario, run it, hand back its state.

The world is assembled from its parts (victims' payments, the mule network,
the response chain, early warning) on one SimPy environment. New cases are
admitted in contact-time order by a single chained event, so the event
queue holds only what is actually pending, not a year of future victims.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from fraudsim.model.cases import MINUTES_PER_DAY, Case
from fraudsim.model.kernel import Call, Clock, Dispatcher
from fraudsim.model.monitor import BinnedMonitor
from fraudsim.model.network import Network
from fraudsim.model.payments import Payments
from fraudsim.model.response import Response
from fraudsim.model.victims import ContactCounts, build_cases
from fraudsim.model.warning import EarlyWarning
from fraudsim.rng import Streams
from fraudsim.scenario.schema import Scenario


@dataclass(frozen=True)
class TraceEvent:
    """One happening in the life of a traced case (immutable record)."""

    time_min: float
    event: str
    account: str
    amount_fen: int
    detail: str


def _time_of(event: TraceEvent) -> float:
    return event.time_min


@dataclass(frozen=True)
class AccountState:
    """Where an account of a traced case's money tree ended up.

    Attributes:
        status: ``active``, ``stopped`` (a stop-payment holds it) or ``frozen``.
        held_fen: The traced case's money still in it at the end.
    """

    status: str
    held_fen: int


@dataclass
class RawRun:
    """The state of a finished run, before it is turned into tables.

    ``in_accounts`` and ``held`` are indexed by case id: the fen each case
    still has in mule accounts at the end, and the part of it a stop holds.
    ``trace`` is the traced case's timeline in time order.
    """

    scenario: Scenario
    seed: int
    replication: int
    end_min: float
    counts: ContactCounts
    cases: list[Case]
    in_accounts: NDArray[np.int64]
    held: NDArray[np.int64]
    monitors: list[BinnedMonitor]
    cashed_by_channel: dict[str, int]
    movements: int
    events_processed: int
    false_positive_flags: int
    queue_load: dict[str, float] = field(default_factory=dict)
    trace: list[TraceEvent] = field(default_factory=list)
    tree: list[tuple[float, str, str, int]] = field(default_factory=list)
    tree_status: dict[str, AccountState] = field(default_factory=dict)


_ADMIT: Final = 0


class _Admitter(Dispatcher):
    """Admits cases one after another at their contact times."""

    def __init__(self, clock: Clock, cases: list[Case], payments: Payments) -> None:
        self.clock = clock
        self.cases = cases
        self.payments = payments
        self.next = 0
        # Made once: each pending admission holds its handler (see Network).
        self._admit_handler = Call(self, _ADMIT, "_admit")
        if cases:
            clock.at(cases[0].contact_min, self._admit_handler, None)

    def dispatch(self, code: int, payload: Any) -> None:
        """Run the admission the clock calls (its only happening; see ``kernel.Dispatcher``)."""
        self._admit(payload)

    def _admit(self, nothing: None) -> None:
        cases, now = self.cases, self.clock.now
        i = self.next
        while i < len(cases) and cases[i].contact_min <= now:
            self.payments.admit(cases[i])
            i += 1
        self.next = i
        if i < len(cases):
            self.clock.at(cases[i].contact_min, self._admit_handler, None)


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a world is built and run.

    A run keeps millions of live objects (cases, lots, pending events) and
    creates no reference cycles of its own: each finished event is freed by
    reference counting. The collector would still rescan every live object
    at each full collection, a cost that grows with the run's size (a fifth
    of the time at fifty thousand cases; while a national year's million
    cases are built, a third of the building time). Pauses nest: an inner
    one leaves the collector as the outer one found it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass
class World:
    """A world assembled from a scenario, its clock not yet run.

    Attributes:
        root: The root seed the random streams come from.
        end_min: The end of the run (horizon and drain) in minutes.
        clock: The simulation clock every part schedules on.
        counts: Contacts and conversions counted while building the cases.
        cases: All cases, indexed by id.
        network: The mule-account network.
        response: The police and bank response chain.
        warning: The early-warning team.
        trace: The traced case's timeline, filled as the clock runs.
    """

    root: int
    end_min: float
    clock: Clock
    counts: ContactCounts
    cases: list[Case]
    network: Network
    response: Response
    warning: EarlyWarning
    trace: list[TraceEvent]


def build_world(
    scenario: Scenario,
    seed: int | None = None,
    replication: int = 0,
    trace_case: int | None = None,
) -> World:
    """Assemble one replication's world: cases, network, payments, response, warning.

    Its clock has not run: :func:`run_world` runs it to the end, and tests
    may stop it at any time to look at the state midway.

    Args:
        scenario: The validated scenario.
        seed: Root seed; the scenario's own seed when None.
        replication: Replication number (selects the random streams).
        trace_case: Id of a case whose full timeline and money tree to record.

    Returns:
        The world, ready to run.

    Raises:
        ValueError: If ``trace_case`` is not the id of a case of this run.
    """
    root = scenario.seed if seed is None else seed
    streams = Streams(root, replication)
    counts, cases = build_cases(scenario, streams)
    if trace_case is not None:
        if not 0 <= trace_case < len(cases):
            ids = f"ids 0 to {len(cases) - 1}" if cases else "no case to trace"
            raise ValueError(
                f"case {trace_case} does not exist: this run has {len(cases)} cases ({ids})"
            )
        cases[trace_case].traced = True
    end_min = (scenario.time.horizon_days + scenario.time.drain_days) * MINUTES_PER_DAY
    clock = Clock()
    trace: list[TraceEvent] = []
    network: Network

    def log(at: float, case: Case, event: str, acct: int, fen: int, detail: str) -> None:
        label = network.trace.label(acct) if acct >= 0 else "victim"
        # Mostly now; a self-stop is logged at when she realised, found out
        # only later (at her next installment or the next stopper), and
        # run_world sorts the trace to put it in its place.
        trace.append(TraceEvent(at, event, label, fen, detail))

    network = Network(scenario, clock, streams, cases, log)
    payments = Payments(scenario, clock, network, log)
    response = Response(scenario, clock, network, payments, streams, log, end_min)
    warning = EarlyWarning(scenario, clock, payments, streams, log, end_min)
    _Admitter(clock, cases, payments)
    return World(root, end_min, clock, counts, cases, network, response, warning, trace)


def run_world(
    scenario: Scenario,
    seed: int | None = None,
    replication: int = 0,
    trace_case: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> RawRun:
    """Simulate one replication of a scenario.

    Args:
        scenario: The validated scenario.
        seed: Root seed; the scenario's own seed when None.
        replication: Replication number (selects the random streams).
        trace_case: Id of a case whose full timeline and money tree to record.
        progress: Called with the simulated minute reached, about 100 times.

    Returns:
        The finished run's state.

    Raises:
        ValueError: If ``trace_case`` is not the id of a case of this run.
    """
    with no_cyclic_gc():
        world = build_world(scenario, seed, replication, trace_case)
        clock, network, cases = world.clock, world.network, world.cases
        clock.run_to(world.end_min, progress)
    in_accounts, held = network.balances()
    for case in cases:
        case.end_tracing()  # before the tables are built, when memory peaks
    pools = [*world.response.pools(), world.warning.team]
    run = RawRun(
        scenario=scenario,
        seed=world.root,
        replication=replication,
        end_min=world.end_min,
        counts=world.counts,
        cases=cases,
        in_accounts=np.array(in_accounts, dtype=np.int64),
        held=np.array(held, dtype=np.int64),
        monitors=[p.monitor for p in pools] + [world.response.bank_monitor],
        cashed_by_channel=dict(zip(network.channel_names, network.cashed_by_channel, strict=True)),
        movements=network.movements,
        events_processed=clock.events_processed,
        false_positive_flags=world.warning.false_positives,
        queue_load=clock.queue_load(),
        trace=sorted(world.trace, key=_time_of),  # stable: same-time order kept
    )
    if trace_case is not None:
        _money_tree(run, network, trace_case)
    # The world is dropped on return. Its parts refer to one another (a
    # handler is bound to its owner), so only the cyclic collector can free
    # them, and it would first scan everything they still reach: the pending
    # happenings with their cases and stop requests, and the accounts (a few
    # million in a national year; the collection after a 100k-case run took
    # half as long without them). Dropped here, all that is freed by
    # reference counting, and the collector is left a few hundred objects
    # (the parts themselves).
    clock.drop_pending()
    network.book.close()
    return run


def _money_tree(run: RawRun, network: Network, case_id: int) -> None:
    """Record the traced case's money tree: edges and each account's final state."""
    names = ("active", "stopped", "frozen")
    trace = network.trace
    for t, src, dst, fen in trace.edges:
        if fen:
            run.tree.append(
                (t, trace.label(src) if src >= 0 else "victim", trace.label(dst), fen)
            )
    for _, _, dst, _ in trace.edges:
        label = trace.label(dst)
        held = network.held_fen(dst, case_id)
        run.tree_status[label] = AccountState(names[network.accounts[dst].status], held)
