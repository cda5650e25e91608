"""CDNOW purchase histories as events: the classic repeat-purchase data, for measurements.

The file (``../shared/data/purchases/CDNOW_master.txt``) is whitespace-separated with a
header: customer id, date YYYYMMDD, number of CDs, dollar value. ``journeys import`` reads
CSV with one delimiter character, not runs of spaces, so this loader turns each row into a
``purchase`` track event (at noon UTC) with ``revenue`` and ``cds``, message id
``cdnow-<row>`` (loading twice stores nothing new).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa

from journeys.store.eventlog import EventLog


def cdnow_events(path: Path) -> pa.Table:
    """The purchases of the file as incoming events."""
    raw = pd.read_csv(path, sep=r"\s+", dtype={"customer_id": str, "date": str})
    stamps = pd.to_datetime(raw["date"], format="%Y%m%d") + pd.Timedelta(hours=12)
    props = [
        json.dumps({"revenue": float(v), "cds": int(n)})
        for v, n in zip(raw["dollar_value"], raw["number_of_cds"], strict=True)
    ]
    return pa.table(
        {
            "message_id": [f"cdnow-{i}" for i in range(len(raw))],
            "type": ["track"] * len(raw),
            "event": ["purchase"] * len(raw),
            "user_id": raw["customer_id"].tolist(),
            "channel": ["web"] * len(raw),
            "timestamp": pa.array(stamps.dt.to_pydatetime(), pa.timestamp("us")),
            "properties": props,
        }
    )


def load_cdnow(log: EventLog, path: Path) -> int:
    """Append the file's purchases to the event log; how many were new."""
    return log.append(cdnow_events(path), "cdnow").stored
