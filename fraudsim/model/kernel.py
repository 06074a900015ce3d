"""The event kernel: one SimPy environment driven by callbacks.

A generator process per victim or per money movement would cost a SimPy
process (and its generator frames) for every one of tens of millions of
movements. Instead each future happening is a plain SimPy ``Timeout`` whose
value carries the payload (a case, an account) and whose callback is the
handler. On the machines we measured this runs about 3.5 times as many
events per second as idiomatic generator processes, while keeping SimPy's
clock, event ordering and ``run(until=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy

Handler = Callable[[Any], None]


def payload(event: simpy.Event) -> Any:
    """Return the payload a handler was scheduled with (the event's value)."""
    return event.value


class Clock:
    """Schedules handlers on a SimPy environment.

    Handlers receive the fired SimPy event; the payload given to
    :meth:`after` is its ``value``.
    """

    def __init__(self) -> None:
        self.env = simpy.Environment()
        self._timeout = self.env.timeout
        self.events_scheduled = 0

    @property
    def now(self) -> float:
        """Current simulated time in minutes."""
        return float(self.env.now)

    def after(self, delay_min: float, handler: Callable[[simpy.Event], None], payload: Any) -> None:
        """Call ``handler(event)`` after ``delay_min``; ``event.value`` is ``payload``."""
        self.events_scheduled += 1
        self._timeout(delay_min, payload).callbacks.append(handler)

    def at(self, time_min: float, handler: Callable[[simpy.Event], None], payload: Any) -> None:
        """Call ``handler`` at absolute time ``time_min`` (not before now)."""
        self.after(max(0.0, time_min - self.env.now), handler, payload)

    def run(self, until_min: float, progress: Callable[[float], None] | None = None) -> None:
        """Run until ``until_min``, reporting progress in about a hundred steps.

        Args:
            until_min: End of the simulation in minutes.
            progress: Called with the simulated time reached after each step.
        """
        steps = 100 if progress is not None else 1
        start = self.now
        for k in range(1, steps + 1):
            target = start + (until_min - start) * k / steps
            if target > self.env.now:
                self.env.run(until=target)
            if progress is not None:
                progress(self.now)
