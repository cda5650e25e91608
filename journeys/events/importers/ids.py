"""Deterministic message ids for rows that carry none, so a re-import stores nothing twice.

A row's id is the md5 of its mapped content (type, user id, anonymous id, event, timestamp in
epoch microseconds, channel, properties JSON, joined by the unit separator). Identical rows in
one file are distinct events (a double click), so the n-th copy (n > 0) gets
``md5(f"{id}:{n}")``. Ids depend on content, not on position: re-importing a file, or a later
export that repeats earlier rows, stores only the new events.

SQL readers compute the base id in DuckDB (``CONTENT_ID_SQL``, the same recipe); only rows that
may have an identical twin are then finished here, so Python touches few rows.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc

SEPARATOR = "\x1f"
_EPOCH = datetime(1970, 1, 1)


def epoch_us(ts: datetime) -> int:
    """Microseconds since 1970 for a naive UTC datetime."""
    delta = ts - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def content_id(*parts: str | None) -> str:
    """The md5 of the parts, None read as empty, joined by the unit separator."""
    text = SEPARATOR.join(p or "" for p in parts)
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def content_id_sql(*parts: str) -> str:
    """The SQL expression computing :func:`content_id` over SQL expressions."""
    joined = ", ".join(f"coalesce({p}, '')" for p in parts)
    return f"md5(concat_ws(chr(31), {joined}))"


class Occurrences:
    """Counts identical rows so that each copy after the first gets its own id."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def next_id(self, base: str) -> str:
        """The id for the next row whose content id is ``base``."""
        n = self._seen.get(base, 0)
        self._seen[base] = n + 1
        if n == 0:
            return base
        return hashlib.md5(f"{base}:{n}".encode(), usedforsecurity=False).hexdigest()


def finish_ids(
    ids: pa.ChunkedArray | pa.Array,
    hashes: pa.ChunkedArray | pa.Array,
    candidates: pa.Array | None,
    occurrences: Occurrences,
) -> pa.Array | pa.ChunkedArray:
    """Give later copies of identical rows their own ids.

    ``hashes`` is a cheap per-run hash of each row (null where the file gave the id) and
    ``candidates`` the hashes seen more than once in the file; only those rows are counted.
    """
    if candidates is None or len(candidates) == 0:
        return ids
    mask = pc.fill_null(pc.is_in(hashes, value_set=candidates), False)
    rows = pc.indices_nonzero(mask).to_pylist()
    if not rows:
        return ids
    values = ids.to_pylist()
    for i in rows:
        values[i] = occurrences.next_id(values[i])
    return pa.array(values, pa.string())
