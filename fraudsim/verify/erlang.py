"""Queueing theory the model must reproduce: the M/M/c queue (Erlang C).

A staffed stage of the response chain (call-takers, analysts, patrol units,
the warning team) with Poisson arrivals, exponential service times and ``c``
servers on duty around the clock is the textbook M/M/c queue. Its steady
state is known in closed form (A. K. Erlang, 1917):

* the probability that an arriving job has to wait (Erlang's C formula),
* the mean wait in the queue, ``C / (c·mu - lambda)``,
* the mean number waiting, by Little's law ``lambda · W``,
* the utilisation of the servers, ``lambda / (c·mu)``.

Pure functions; rates are per minute.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class MMc:
    """An M/M/c queue.

    Attributes:
        arrival_per_min: Poisson arrival rate lambda (jobs per minute).
        service_mean_min: Mean of the exponential service time (1 / mu).
        servers: Number of servers c.
    """

    arrival_per_min: float
    service_mean_min: float
    servers: int

    @property
    def offered_load(self) -> float:
        """Return the offered load a = lambda / mu, in busy servers (Erlangs)."""
        return self.arrival_per_min * self.service_mean_min

    @property
    def utilisation(self) -> float:
        """Return rho = a / c, the long-run share of time a server is busy."""
        return self.offered_load / self.servers

    def _check_stable(self) -> None:
        if self.servers < 1 or self.utilisation >= 1:
            raise ValueError(
                f"M/M/{self.servers} with load {self.offered_load:g} is not stable "
                "(needs lambda < c·mu)"
            )

    def prob_wait(self) -> float:
        """Return Erlang's C: the probability that an arriving job waits.

        Computed through the Erlang B recursion, which is numerically stable
        for any number of servers.
        """
        self._check_stable()
        a, c = self.offered_load, self.servers
        blocking = 1.0
        for k in range(1, c + 1):
            blocking = a * blocking / (k + a * blocking)
        rho = self.utilisation
        return blocking / (1 - rho + rho * blocking)

    def mean_wait_min(self) -> float:
        """Return the mean wait in the queue, C / (c·mu - lambda), in minutes."""
        mu = 1.0 / self.service_mean_min
        return self.prob_wait() / (self.servers * mu - self.arrival_per_min)

    def mean_queue(self) -> float:
        """Return the mean number waiting (Little's law: lambda · W)."""
        return self.arrival_per_min * self.mean_wait_min()


def erlang_c_direct(arrival_per_min: float, service_mean_min: float, servers: int) -> float:
    """Return Erlang's C from the textbook sum (for cross-checking the recursion).

    ``C = (a^c / c!) · c / (c - a) / (sum_{k<c} a^k / k! + (a^c / c!) · c / (c - a))``
    """
    a, c = arrival_per_min * service_mean_min, servers
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
