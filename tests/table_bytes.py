"""Arrow tables compared bit for bit, NaN included.

``Table.equals`` takes NaN for unequal to itself, so two runs that both
measured no wait (NaN) would differ. Serialised as one Arrow IPC stream of
a single batch, equal tables give equal bytes, NaN bits and all, whatever
their chunking.
"""

from __future__ import annotations

import pyarrow as pa


def ipc_bytes(table: pa.Table) -> bytes:
    """Return the table as one Arrow IPC stream of a single batch."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return bytes(sink.getvalue().to_pybytes())


def same_table(a: pa.Table, b: pa.Table, metadata: bool = True) -> bool:
    """Whether two tables are equal bit for bit (their schema metadata too, unless told not)."""
    if not metadata:
        a, b = a.replace_schema_metadata(None), b.replace_schema_metadata(None)
    return ipc_bytes(a) == ipc_bytes(b)
