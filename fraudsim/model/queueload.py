"""How full the event queue was while the clock ran.

The cost of a heap operation grows with the heap's size, so the speed
benchmark compares the model with a bare heap loop of the same load. The
clock (:class:`fraudsim.model.kernel.Clock`) samples its queue at the start
and end of each of a run's hundred steps, a few hundred cheap reads per
run, and keeps the sums here.
"""

from __future__ import annotations


class QueueLoad:
    """Event-weighted sums of the queue's size over a run's steps."""

    def __init__(self) -> None:
        self.events = 0
        self.pending = 0.0
        self.near = 0.0
        self.peak = 0

    def sample(self, events: int, pending: float, after: int, near: float) -> None:
        """Add one step: weighted by its events, it counts for what an average event saw.

        Args:
            events: Happenings the step processed.
            pending: Happenings pending (near and far), the mean of the
                step's start and end.
            after: Happenings pending at the step's end.
            near: Happenings pending in the open bucket, the mean of the
                step's start and end.
        """
        self.events += events
        self.pending += events * pending
        self.near += events * near
        self.peak = max(self.peak, after)

    def summary(self) -> dict[str, float]:
        """Return the load the run's events saw.

        Returns:
            ``mean_pending``: happenings pending (near and in far buckets),
            weighted by the events of each step; ``peak_pending``: the
            largest count sampled at a step's end; ``mean_near``:
            happenings pending in the open bucket (its sorted run and its
            heap), weighted likewise. All zero if no step ran an event.
        """
        n = self.events
        return {
            "mean_pending": self.pending / n if n else 0.0,
            "peak_pending": float(self.peak),
            "mean_near": self.near / n if n else 0.0,
        }
