"""Why an experiment stops early: bad input, or a replication that failed."""

from __future__ import annotations


class ExperimentError(Exception):
    """The experiment cannot start as asked (bad arguments, a foreign results folder).

    The command line reports it as bad input (exit code 2).
    """


class ReplicationError(Exception):
    """A replication raised; the experiment stopped with finished replications kept.

    Attributes:
        what: Which replication failed (policy, replication, seed, grid point).
        error: ``"Type: message"`` of the failure.
        detail: The worker's traceback, if there is one.
        kept: Replications finished and kept (on disk if there is a results folder).
    """

    def __init__(self, what: str, error: str, detail: str | None, kept: int) -> None:
        self.what = what
        self.error = error
        self.detail = detail
        self.kept = kept
        super().__init__(f"{what} failed: {error}")

    def __reduce__(self) -> tuple[type[ReplicationError], tuple[str, str, str | None, int]]:
        """Return how to rebuild the error from all four parts.

        A pickled exception is remade from its ``args``, which hold only the
        message: without this, a process pool or Dask could not send it back.
        """
        return (ReplicationError, (self.what, self.error, self.detail, self.kept))
