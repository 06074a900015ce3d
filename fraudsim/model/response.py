"""The police response chain: call-takers, analysts, patrols, stop-payments, tracing.

A report waits for a call-taker; the call becomes a case queued for an
anti-fraud analyst under the triage rule. The analyst guides the victim,
may send a patrol and place a hold on her account, and sends stop-payment
requests for the accounts she paid into. Each executed stop is followed by
the bank's answer to a fund-flow inquiry, which names the next hops of the
victim's money; new stop requests follow, hop by hop, up to the tracing
depth. Requests to a bank in another region wait the cross-region delay
unless the regions cooperate.
"""

from __future__ import annotations

import math
from typing import Any, Final

from librt.vecs import append, vec

from fraudsim.model.cases import Case
from fraudsim.model.kernel import Call, Clock, Dispatcher
from fraudsim.model.lots import trail_children, trail_has
from fraudsim.model.monitor import BinnedMonitor
from fraudsim.model.network import Account, Logger, Network
from fraudsim.model.payments import Payments
from fraudsim.model.staff import ServerPool
from fraudsim.rng import Streams, Uniforms
from fraudsim.scenario.schema import Scenario


class StopRequest:
    """A case's stop-payment request for one account, and the fund-flow inquiry after it.

    The account itself rides along, so that the bank's execution need not
    look it up again among the millions opened (a read far back in a long
    list); its number too (a frozen account's place in that list holds a
    stand-in of no number: see ``AccountBook.release``), for the inquiry,
    which reads only the case's trail.

    An object, not a tuple: a compiled build keeps a typed tuple unboxed
    and boxes it again, with an int object for the account's number, each
    time it is handed to the clock; an object's fields stay unboxed, and
    the inquiry reuses the request's object.

    Args:
        case: The case asking.
        account: The account to stop.
        acct: Its number.
        depth: Tracing depth: 0 for an account the victim paid into, one
            more per hop traced.
    """

    __slots__ = ("account", "acct", "case", "depth")

    def __init__(self, case: Case, account: Account, acct: int, depth: int) -> None:
        self.case = case
        self.account = account
        self.acct = acct
        self.depth = depth


def cross_region_delays(scenario: Scenario) -> list[list[float]]:
    """Return the delay in minutes for a request from region i to a bank in region j."""
    names = list(scenario.regions)
    cross = scenario.cross_region
    n = len(names)
    if cross.cooperation:
        off = cross.cooperative_delay_min
        return [[0.0 if i == j else off for j in range(n)] for i in range(n)]
    matrix = [[0.0 if i == j else cross.default_delay_min for j in range(n)] for i in range(n)]
    for pair in cross.delays:
        matrix[names.index(pair.from_region)][names.index(pair.to_region)] = pair.delay_min
    return matrix


def _triage_key(triage: str, case: Case) -> float:
    """Queue key of a case (smaller is served first)."""
    if triage == "largest_first":
        return -float(case.paid_fen)
    if triage == "freshest_first":
        last = case.last_pay_min
        return -(last if not math.isnan(last) else case.contact_min)
    return 0.0


_STOP_EXECUTED: Final = 0
_INQUIRY_ANSWERED: Final = 1
_CALL_END: Final = 2
_CASE_END: Final = 3
_HOLD: Final = 4
_PATROL_ARRIVE: Final = 5
_PATROL_FREE: Final = 6
_REPORT: Final = 7
_PAID: Final = 8
_CALL_START: Final = 9
_CASE_START: Final = 10
_PATROL_START: Final = 11


class Response(Dispatcher):
    """Police and bank response to reported cases.

    Args:
        scenario: The validated scenario.
        clock: The simulation clock.
        network: The mule network (stops, freezes, trails).
        payments: The victims' payments (to halt them).
        streams: The replication's random streams.
        log: Event logger for traced cases.
        end_min: End of the simulation in minutes.
    """

    def __init__(
        self,
        scenario: Scenario,
        clock: Clock,
        network: Network,
        payments: Payments,
        streams: Streams,
        log: Logger,
        end_min: float,
    ) -> None:
        self.clock = clock
        self.network = network
        self.payments = payments
        self.log = log
        resp = scenario.response
        self.triage = resp.analysts.triage
        self.guidance_at = resp.guidance.at
        self.guidance_prob = resp.guidance.success_prob
        self.dispatch_prob = resp.patrols.dispatch_prob
        self.hold_on_report = resp.holds.on_report
        self.max_depth = resp.stop_payment.max_trace_depth
        # Rows of unboxed doubles (see routing.Picker): read at every request.
        self.xdelay = [vec[float](row) for row in cross_region_delays(scenario)]
        bin_min = scenario.time.resource_bin_min
        discipline = self.triage if self.triage in ("fifo", "lifo") else "key"
        self.call_takers = ServerPool(
            clock,
            "call_takers",
            resp.call_takers.weekly_capacity(),
            "fifo",
            Call(self, _CALL_START, "_call_start"),
            bin_min,
            end_min,
        )
        self.analysts = ServerPool(
            clock,
            "analysts",
            resp.analysts.weekly_capacity(),
            discipline,
            Call(self, _CASE_START, "_case_start"),
            bin_min,
            end_min,
        )
        self.patrols = ServerPool(
            clock,
            "patrols",
            resp.patrols.weekly_capacity(),
            "fifo",
            Call(self, _PATROL_START, "_patrol_start"),
            bin_min,
            end_min,
        )
        self.bank_monitor = BinnedMonitor("bank_requests", bin_min)
        self.bank_monitor.set_state(0.0, 0, 0, math.inf)  # banks act on any number at once
        self.call_time = streams.sampler(
            "response.call_takers.handling", resp.call_takers.handling_min
        )
        self.case_time = streams.sampler("response.analysts.handling", resp.analysts.handling_min)
        self.travel = streams.sampler("response.patrols.travel", resp.patrols.travel_min)
        self.on_scene = streams.sampler("response.patrols.on_scene", resp.patrols.on_scene_min)
        self.hold_latency = streams.sampler("response.holds.latency", resp.holds.latency_min)
        self.u_guidance = Uniforms(streams.generator("response.guidance"))
        self.u_dispatch = Uniforms(streams.generator("response.patrols.dispatch"))
        payments.on_report = Call(self, _REPORT, "report")
        payments.on_paid = Call(self, _PAID, "_paid")
        # Handlers made once (see Network), run through dispatch.
        self._stop_handler = Call(self, _STOP_EXECUTED, "_stop_executed")
        self._inquiry_handler = Call(self, _INQUIRY_ANSWERED, "_inquiry_answered")
        self._call_end_handler = Call(self, _CALL_END, "_call_end")
        self._hold_handler = Call(self, _HOLD, "_on_hold")
        self._case_end_handler = Call(self, _CASE_END, "_case_end")
        self._patrol_arrive_handler = Call(self, _PATROL_ARRIVE, "_patrol_arrive")
        self._patrol_free_handler = Call(self, _PATROL_FREE, "_patrol_free")

    def dispatch(self, code: int, payload: Any) -> None:
        """Run a happening of the response the clock calls (see ``kernel.Dispatcher``)."""
        if code == _STOP_EXECUTED:
            self._stop_executed(payload)
        elif code == _INQUIRY_ANSWERED:
            self._inquiry_answered(payload)
        elif code == _CALL_END:
            self._call_end(payload)
        elif code == _CASE_END:
            self._case_end(payload)
        elif code == _HOLD:
            self._on_hold(payload)
        elif code == _PATROL_ARRIVE:
            self._patrol_arrive(payload)
        elif code == _PATROL_FREE:
            self._patrol_free(payload)
        elif code == _REPORT:
            self.report(payload)
        elif code == _PAID:
            self._paid(payload)
        elif code == _CALL_START:
            self._call_start(payload)
        elif code == _CASE_START:
            self._case_start(payload)
        else:
            self._patrol_start(payload)

    # -- report and call ------------------------------------------------------

    def report(self, case: Case) -> None:
        """A victim calls 110 / 96110: wait for a call-taker."""
        self.call_takers.request(case)

    def _call_start(self, case: Case) -> None:
        case.call_start_min = self.clock.now
        self.clock.after(self.call_time.next(), self._call_end_handler, case)

    def _call_end(self, case: Case) -> None:
        self.call_takers.release()
        case.call_end_min = self.clock.now
        case.recall_open = True
        if case.traced:
            self.log(self.clock.now, case, "call_taken", -1, 0,
                     "report taken; case queued for an analyst")
        if self.guidance_at == "call":
            self._guide(case)
        self.analysts.request(case, _triage_key(self.triage, case))

    def _guide(self, case: Case) -> None:
        now = self.clock.now
        case.guidance_min = now
        followed = self.u_guidance.next() < self.guidance_prob
        if case.traced:
            self.log(
                now,
                case,
                "guidance",
                -1,
                0,
                "victim follows guidance" if followed else "victim does not follow guidance",
            )
        if followed:
            self.payments.halt(case, "guidance", now)

    # -- analyst --------------------------------------------------------------

    def _case_start(self, case: Case) -> None:
        now = self.clock.now
        case.case_start_min = now
        if case.traced:
            self.log(
                now,
                case,
                "case_start",
                -1,
                case.paid_fen,
                f"analyst takes the case after {self.analysts.wait:.1f} min",
            )
        if self.guidance_at == "analyst":
            self._guide(case)
        if self.u_dispatch.next() < self.dispatch_prob:
            self.patrols.request(case)
        if self.hold_on_report:
            self.clock.after(self.hold_latency.next(), self._hold_handler, case)
        for acct in case.l1_accounts:
            self.request_stop(case, acct, 0)
        self.clock.after(self.case_time.next(), self._case_end_handler, case)

    def _case_end(self, case: Case) -> None:
        self.analysts.release()

    def _paid(self, case: Case) -> None:
        """A payment made after the case started: stop its account (her last) too."""
        if case.started:
            accounts = case.l1_accounts
            self.request_stop(case, accounts[len(accounts) - 1], 0)

    def _on_hold(self, case: Case) -> None:
        if case.hold_min != case.hold_min:  # NaN: the first hold on her account
            # A later hold (after the bank's own) finds nothing left to
            # stop; hold_min keeps the time of the one that acted.
            case.hold_min = self.clock.now
        self.payments.halt(case, "hold", self.clock.now)

    # -- patrol ---------------------------------------------------------------

    def _patrol_start(self, case: Case) -> None:
        self.clock.after(self.travel.next(), self._patrol_arrive_handler, case)

    def _patrol_arrive(self, case: Case) -> None:
        case.patrol_min = self.clock.now
        if case.traced:
            self.log(self.clock.now, case, "patrol_arrives", -1, 0,
                     "officers reach the victim")
        self.payments.halt(case, "patrol", self.clock.now)
        self.clock.after(self.on_scene.next(), self._patrol_free_handler, None)

    def _patrol_free(self, nothing: None) -> None:
        self.patrols.release()

    # -- stop-payments and tracing --------------------------------------------

    def _bank_load(self, change: int) -> None:
        self.bank_monitor.add_busy(self.clock.now, change)

    def request_stop(self, case: Case, acct: int, depth: int) -> bool:
        """Send a stop-payment request for ``acct`` on behalf of ``case``.

        Returns:
            False if the case had already asked to stop ``acct`` (nothing is sent).
        """
        requested = case.requested
        if acct in requested:
            return False
        case.requested = append(requested, acct)  # the case's own buffer (see lots.NO_IDS)
        case.stop_requests += 1
        net = self.network
        account = net.accounts[acct]
        bank = account.bank
        delay = net.bank_times.stop[bank].next() + self.xdelay[case.region][net.bank_region[bank]]
        self._bank_load(+1)
        self.bank_monitor.arrival(self.clock.now)
        if case.traced:
            self.log(self.clock.now, case, "stop_requested", acct, 0, f"depth {depth}")
        case.open_requests += 1
        self.clock.after(delay, self._stop_handler, StopRequest(case, account, acct, depth))
        return True

    def _stop_executed(self, request: StopRequest) -> None:
        case, account, acct = request.case, request.account, request.acct
        self._bank_load(-1)
        net = self.network
        net.stop(account)
        now = self.clock.now
        if math.isnan(case.first_stop_min):
            case.first_stop_min = now
        if case.traced:
            held = net.held_fen(acct, case.id)
            self.log(
                now,
                case,
                "stop_executed",
                acct,
                held,
                f"status {('active', 'stopped', 'frozen')[account.status]}",
            )
        # Last-layer accounts only cash out, so they never appear in a trail.
        if (
            request.depth < self.max_depth
            and account.layer != net.last_layer
            and trail_has(case.trail, acct)
        ):
            bank = account.bank
            cross = self.xdelay[case.region][net.bank_region[bank]]
            delay = net.bank_times.inquiry[bank].next() + cross
            self._bank_load(+1)
            case.open_requests += 1
            # The stop request's own object: the inquiry is about the same
            # case, account and depth.
            self.clock.after(delay, self._inquiry_handler, request)
        self._answered(case)

    def _inquiry_answered(self, request: StopRequest) -> None:
        case = request.case
        self._bank_load(-1)
        depth = request.depth + 1
        for child in trail_children(case.trail, request.acct):
            # request_stop looks the child up among the case's requests itself
            if self.request_stop(case, child, depth):
                case.hops_traced += 1
        self._answered(case)

    def _answered(self, case: Case) -> None:
        """Count one of the case's requests answered; free its tracing state when done.

        With no request open, an analyst already on the case and no payment
        left to make (the only later source of stop requests), nothing can
        ask for the case's trail or requests again: they are freed now
        rather than when the clock stops, so that the heap does not keep a
        year of them, and the network stops recording the trail.
        """
        case.open_requests -= 1
        if case.open_requests == 0 and case.next_i >= case.n_pay and case.started:
            case.end_tracing()

    def pools(self) -> list[ServerPool]:
        """Return the staffed resources of the response chain."""
        return [self.call_takers, self.analysts, self.patrols]
