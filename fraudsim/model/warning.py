"""Early warning: a risk model flags likely victims, a team calls to dissuade them.

Flags of real victims come a lead time after the scam contact; false
positives (people flagged who are not being scammed) arrive as a Poisson
process and load the same team. A call may go unanswered; an answered call
stops the victim's remaining payments with some probability.
"""

from __future__ import annotations

from typing import Any, Final

import numpy as np

from fraudsim.model.cases import Case
from fraudsim.model.kernel import Call, Clock, Dispatcher
from fraudsim.model.network import Logger
from fraudsim.model.payments import Payments
from fraudsim.model.staff import ServerPool
from fraudsim.rng import Streams, Uniforms
from fraudsim.scenario.schema import Scenario

_FALSE_POSITIVE: Final = 0
_CALL_END: Final = 1
_FLAG: Final = 2
_CALL_START: Final = 3


class EarlyWarning(Dispatcher):
    """The dissuasion team and its calls.

    Args:
        scenario: The validated scenario.
        clock: The simulation clock.
        payments: The victims' payments (to halt them).
        streams: The replication's random streams.
        log: Event logger for traced cases.
        end_min: End of the simulation in minutes.
    """

    def __init__(
        self,
        scenario: Scenario,
        clock: Clock,
        payments: Payments,
        streams: Streams,
        log: Logger,
        end_min: float,
    ) -> None:
        ew = scenario.early_warning
        self.clock = clock
        self.payments = payments
        self.log = log
        self.unanswered = ew.unanswered_share
        self.success = ew.success_prob
        self.team = ServerPool(
            clock,
            "warning_team",
            ew.team.weekly_capacity(),
            "fifo",
            Call(self, _CALL_START, "_call_start"),
            scenario.time.resource_bin_min,
            end_min,
        )
        self.call_time = streams.sampler("warning.call", ew.call_min)
        self.u_answer = Uniforms(streams.generator("warning.answer"))
        self.u_success = Uniforms(streams.generator("warning.success"))
        self.false_positives = 0
        self.calls_answered = 0
        payments.on_flag = Call(self, _FLAG, "flag")
        # Handlers made once (see Network), run through dispatch.
        self._call_end_handler = Call(self, _CALL_END, "_call_end")
        self._false_positive_handler = Call(self, _FALSE_POSITIVE, "_on_false_positive")
        if ew.enabled and ew.false_positives_per_hour > 0:
            self._schedule_false_positives(
                streams.generator("warning.false_positives"),
                ew.false_positives_per_hour / 60.0,
                scenario.time.horizon_days * 1440.0,
            )

    def _schedule_false_positives(
        self, gen: np.random.Generator, rate_per_min: float, horizon_min: float
    ) -> None:
        n = int(gen.poisson(rate_per_min * horizon_min))
        self.false_positives = n
        if n:
            # Typed, so that a compiled build indexes it as a list.
            self._fp_times: list[float] = np.sort(gen.uniform(0.0, horizon_min, n)).tolist()
            self._fp_next = 0
            self.clock.at(self._fp_times[0], self._false_positive_handler, None)

    def dispatch(self, code: int, payload: Any) -> None:
        """Run a happening of the warning team the clock calls (see ``kernel.Dispatcher``)."""
        if code == _FALSE_POSITIVE:
            self._on_false_positive(payload)
        elif code == _CALL_END:
            self._call_end(payload)
        elif code == _FLAG:
            self.flag(payload)
        else:
            self._call_start(payload)

    def _on_false_positive(self, nothing: None) -> None:
        """Chain false flags one at a time to keep the event queue small."""
        self.team.request(None)
        self._fp_next += 1
        if self._fp_next < len(self._fp_times):
            self.clock.at(self._fp_times[self._fp_next], self._false_positive_handler, None)

    def flag(self, case: Case) -> None:
        """The risk model flags a victim: queue a dissuasion call."""
        if case.traced:
            self.log(self.clock.now, case, "flagged", -1, 0, "risk model flags the victim")
        self.team.request(case)

    def _call_start(self, job: Case | None) -> None:
        self.clock.after(self.call_time.next(), self._call_end_handler, job)

    def _call_end(self, case: Case | None) -> None:
        self.team.release()
        if case is None:
            return
        now = self.clock.now
        case.warned_min = now
        if self.u_answer.next() < self.unanswered:
            if case.traced:
                self.log(now, case, "warning_call", -1, 0, "warning call not answered")
            return
        self.calls_answered += 1
        convinced = self.u_success.next() < self.success
        if case.traced:
            self.log(
                now,
                case,
                "warning_call",
                -1,
                0,
                "victim dissuaded" if convinced else "victim not convinced",
            )
        if convinced:
            self.payments.halt(case, "dissuasion", now)
