"""From walked events to the Arrow table the event log takes: filler expansion, order, ids.

Designed events arrive as rows; browsing arrives as blocks of ``n`` filler events. Blocks are
expanded here with numpy: each event of a block gets a random moment within the block's span
and a random template of the block's pool. Each string column is then one ``take`` from a
small array of values (the rows' values, then one value per block or per template), so the
large columns (context, properties) are materialised once, already in time order.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pyarrow as pa

from journeys.demo.walk import Sink
from journeys.store.schema import conform

Ints = np.ndarray[Any, np.dtype[np.int64]]


@dataclass(frozen=True)
class _Filler:
    """The expanded filler events: per event its time, clock skew, block and template."""

    timestamp: Ints
    skew: Ints
    block: Ints
    template: Ints


def to_table(sink: Sink, seed: int, end_us: int) -> pa.Table:
    """Rows and expanded blocks as one INCOMING_SCHEMA table in time order, up to ``end_us``."""
    rng = np.random.default_rng(seed)
    rows = [list(map(itemgetter(k), sink.rows)) for k in range(12)]
    n_rows = len(sink.rows)
    filler = _expand(sink, rng)
    ts = np.concatenate([np.fromiter(rows[0], np.int64, n_rows), filler.timestamp])
    skew = np.concatenate([np.fromiter(rows[1], np.int64, n_rows), filler.skew])
    # Walks stop at the first event past the end; a session may overrun it, so cut there.
    order = np.argsort(ts, kind="stable")
    order = order[ts[order] < end_us]
    is_row = order < n_rows
    of_filler = np.where(is_row, 0, order - n_rows)

    def column(values: list[Any], extra: list[Any], index: Ints) -> pa.Array:
        # Event i is row ``order[i]`` or entry ``index[i]`` of ``extra``.
        pool = pa.array(values + extra, type=pa.string())
        return pool.take(pa.array(np.where(is_row, order, n_rows + index)))

    templates = [t for pool in sink.pools for t in pool]
    template, block = filler.template[of_filler], filler.block[of_filler]
    none = np.zeros(len(order), dtype=np.int64)
    data: dict[str, pa.Array] = {
        "message_id": _message_ids(len(order), rng),
        "timestamp": pa.array(ts[order]).cast(pa.timestamp("us")),
        "original_timestamp": pa.array((ts + skew)[order]).cast(pa.timestamp("us")),
        "type": column(rows[2], [t[0] for t in templates], template),
        "event": column(rows[3], [t[1] for t in templates], template),
        "channel": column(rows[6], [t[2] for t in templates], template),
        "properties": column(rows[7], [t[3] for t in templates], template),
        "anonymous_id": column(rows[4], [b[4] for b in sink.blocks], block),
        "user_id": column(rows[5], [b[5] for b in sink.blocks], block),
        "context": column(rows[8], [b[7] for b in sink.blocks], block),
        "traits": column(rows[9], [None], none),
        "previous_id": column(rows[10], [None], none),
        "group_id": column(rows[11], [None], none),
    }
    return conform(pa.table(data))


def _expand(sink: Sink, rng: np.random.Generator) -> _Filler:
    """Every filler event of every block: a moment within the span, a template of the pool."""
    blocks = sink.blocks
    starts, spans, counts, pools, skews = (
        np.fromiter(map(itemgetter(k), blocks), dtype=np.int64, count=len(blocks))
        for k in (0, 1, 2, 3, 6)
    )
    block = np.repeat(np.arange(len(blocks), dtype=np.int64), counts)
    sizes = np.array([len(p) for p in sink.pools] or [1], dtype=np.int64)
    firsts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    spread = (rng.random(len(block)) * spans[block]).astype(np.int64)
    pool = pools[block]
    template = firsts[pool] + (rng.random(len(block)) * sizes[pool]).astype(np.int64)
    return _Filler(starts[block] + 1 + spread, skews[block], block, template)


def _message_ids(n: int, rng: np.random.Generator) -> pa.Array:
    """``n`` UUID4 strings from the seeded RNG, formatted without a Python loop."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hex_digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    chars = np.empty((n, 32), dtype=np.uint8)
    chars[:, 0::2], chars[:, 1::2] = hex_digits[raw >> 4], hex_digits[raw & 0x0F]
    dash = np.full((n, 1), ord("-"), dtype=np.uint8)
    pieces = [chars[:, :8], chars[:, 8:12], chars[:, 12:16], chars[:, 16:20], chars[:, 20:]]
    text = np.hstack([x for piece in pieces for x in (piece, dash)][:-1])
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(text.tobytes()))
