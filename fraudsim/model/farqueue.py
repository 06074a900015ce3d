"""The far part of the Python event queue: happenings due after the open bucket, by bucket.

Most of the tens of thousands of happenings pending in a national run are
hours or days ahead (reports, later installments, stop-payment expiries).
They wait here unsorted, one list per bucket of time (:data:`BUCKET_MIN`
wide), until the queue (:class:`fraudsim.model.pyqueue.PyQueue`) has run
everything before their bucket and opens it: the bucket's entries are then
sorted once, and the queue runs them in order (see its module's docstring
for why sorting a bucket beats keeping everything in one heap). The
compiled engine's queue (``fraudsim/model/cqueue.c``) does the same in C.

The buckets of the next :data:`RING_BUCKETS` minutes are the slots of a
ring, a list indexed by bucket number modulo its size: putting an entry in
one is a list index and an append. A dictionary of buckets cost a hash
lookup per happening (a twelfth of the clock's instructions, probing past
the entries of buckets already opened). Buckets further ahead (a stop
expiring weeks later, or a happening scheduled at infinity) are overflow
buckets in a dictionary, with a heap of their numbers.
"""

from __future__ import annotations

import heapq
import math
from operator import itemgetter
from typing import Any, Final

BUCKET_MIN: Final = 1.0
"""Width of a bucket of the far queue in minutes. A power of two, so that
``t / BUCKET_MIN`` is exact and a bucket's end is an exact float: an entry
is near (in the open bucket) exactly when its time is before that bucket's end.

Narrow, because sorting a bucket is cheap and the heap is not: the fewer
happenings are scheduled into the open bucket (a bank's answer within the
minute, say), the fewer go through the heap. Counted in instructions over
a three-day run of the national year (compiled, set-up included), one
minute took 1.0% fewer than four minutes and 5.1% fewer than sixty-four."""

RING_BUCKETS: Final = 1 << 14
"""Far buckets kept in the ring: about eleven days ahead of the open bucket."""

FAR_ID: Final = 0
"""The id of every entry that waits in a far bucket.

Ids only break ties of time and priority, and a far entry needs none:
a bucket is sorted stably, so its entries of equal time and priority stay
in scheduling order, and all of them were scheduled before the bucket
opened, that is before every entry of the queue's heap (which only takes
entries scheduled into the open bucket, and is empty when the next one
opens). Heap entries have ids from 1 up, so a far entry compares before a
heap entry of equal time and priority, as it would with SimPy's own ids.
A small int is shared, where an id of its own was an int object made,
kept for hours and freed for each of tens of millions of happenings."""

_NEVER: Final = 1 << 62
"""Bucket of happenings scheduled at infinite time (after every other one)."""

Entry = tuple[Any, ...]
"""A queue entry: (time, priority, id, handler, payload) or SimPy's (time, priority, id, event)."""

_heappush: Final = heapq.heappush  # module-level names: one lookup each, not two
_heappop: Final = heapq.heappop

_entry_time = itemgetter(0)
"""The time of a queue entry: the sort key of a bucket whose entries share one priority."""

_entry_time_priority = itemgetter(0, 1)
"""The time and priority of a queue entry: the sort key of a bucket holding several priorities."""


class FarQueue:
    """Entries due after the open bucket, unsorted, in one list per bucket.

    Args:
        ring_buckets: Buckets in the ring, a power of two.

    Attributes:
        count: Entries waiting, in the ring and the overflow buckets.
        open_bucket: Number of the bucket last opened (0 before any).
    """

    def __init__(self, ring_buckets: int = RING_BUCKETS) -> None:
        if ring_buckets < 1 or ring_buckets & (ring_buckets - 1):
            raise ValueError(f"ring_buckets must be a power of two, not {ring_buckets}")
        # The ring holds the buckets after the open one up to _ring_end
        # (bucket b in slot b & _mask: the window is one ring long, so no two
        # of its buckets share a slot).
        self._ring: list[list[Entry] | None] = [None] * ring_buckets
        self._mask = ring_buckets - 1
        self._ring_end = ring_buckets + 1
        self._ring_count = 0  # entries in the ring
        self._overflow: dict[int, list[Entry]] = {}
        self._overflow_keys: list[int] = []  # a heap
        # Buckets holding a SimPy event of a priority other than the
        # handlers' (see mark_mixed): none in the model's own runs.
        self._mixed: set[int] = set()
        self.open_bucket = 0
        self.count = 0

    def push(self, t: float, entry: Entry) -> int:
        """Put ``entry``, due at ``t`` (its time, passed unboxed), in its bucket.

        ``t`` must be after the open bucket.

        Returns:
            The bucket's number.

        Raises:
            ValueError: If ``t`` is NaN.
        """
        if t != t:
            raise ValueError(f"cannot schedule {entry[3]!r} at time NaN")
        b = int(t / BUCKET_MIN) if t < math.inf else _NEVER
        self.count += 1
        if b < self._ring_end:
            self._ring_count += 1
            slot = b & self._mask
            in_ring = self._ring[slot]
            if in_ring is None:
                self._ring[slot] = [entry]
            else:
                in_ring.append(entry)
            return b
        bucket = self._overflow.get(b)
        if bucket is None:
            self._overflow[b] = [entry]
            _heappush(self._overflow_keys, b)
        else:
            bucket.append(entry)
        return b

    def entries(self) -> list[Entry]:
        """Return every entry waiting, in the ring and the overflow, in no particular order."""
        out: list[Entry] = []
        for bucket in [*self._ring, *self._overflow.values()]:
            if bucket is not None:
                out.extend(bucket)
        return out

    def clear(self) -> None:
        """Drop every entry waiting; the open bucket stays where it was."""
        self._ring[:] = [None] * len(self._ring)
        self._ring_count = 0
        self._overflow.clear()
        self._overflow_keys.clear()
        self._mixed.clear()
        self.count = 0

    def mark_mixed(self, b: int) -> None:
        """Note that bucket ``b`` holds an entry of a priority other than the handlers'."""
        self._mixed.add(b)

    def open_next(self) -> list[Entry] | None:
        """Open the next bucket that holds entries.

        Returns:
            Its entries sorted by time and priority, then scheduling order,
            last first (so that the next one is popped from the end); None
            if no bucket holds any.
        """
        if not self.count:
            return None
        keys = self._overflow_keys
        # The next bucket: the ring's first one in use, unless an overflow
        # bucket comes first (one put there when it was beyond the ring).
        last = keys[0] if keys else _NEVER
        b = self.open_bucket + 1
        run: list[Entry] | None = None
        if self._ring_count:
            ring, mask = self._ring, self._mask
            while b < last and ring[b & mask] is None:
                b += 1
            if b <= last:
                run = ring[b & mask]
                ring[b & mask] = None
        if run is None:
            b = _heappop(keys)
            run = self._overflow.pop(b)
        else:
            self._ring_count -= len(run)
            if b == last:  # the same bucket in the ring and the overflow
                _heappop(keys)
                # The overflow's entries were scheduled first: they go first.
                overflow = self._overflow.pop(b)
                overflow.extend(run)
                run = overflow
        self.count -= len(run)
        self._sort(run, b)
        self.open_bucket = b
        self._ring_end = b + 1 + len(self._ring)
        return run

    def _sort(self, run: list[Entry], b: int) -> None:
        """Sort a bucket's entries by time and priority, then scheduling order, last first.

        A bucket's entries are in scheduling order (their ids are all
        :data:`FAR_ID`). A stable sort on time (and priority, when the
        bucket holds several) keeps entries of equal keys in that order:
        reversed first, so that they end up last first too. Comparing the
        times as a list of floats costs a third of comparing tuples, each
        of which starts by testing the times for equality through Python's
        generic comparison.
        """
        run.reverse()
        if self._mixed and b in self._mixed:
            self._mixed.discard(b)
            run.sort(key=_entry_time_priority, reverse=True)
        else:
            run.sort(key=_entry_time, reverse=True)
