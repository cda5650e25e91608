"""Readers that turn event files into event-log rows, one module per format.

    mapping.py   ColumnMapping: which column feeds which field, and the detected defaults
    tabular.py   CSV and Parquet, read and mapped by DuckDB
    segment.py   Parquet stored as a segment of the event log, in one statement
    jsonl.py     JSON Lines: Segment messages, or records mapped like CSV
    xes.py       XES event logs, streamed with lxml and checked against IEEE 1849-2016
    sql.py       the mapping SQL shared by the DuckDB readers; mapped.py runs it
    ids.py       deterministic message ids; rejects.py the reject file

Every reader takes a :class:`ReadContext` and yields :class:`Chunk` s; ``importing.py`` appends
them to the event log. Parquet files skip the chunks: they become a segment (``segment.py``).
"""

from __future__ import annotations

from journeys.events.importers.base import Chunk, ReadContext, Reader
from journeys.events.importers.jsonl import read_jsonl
from journeys.events.importers.mapping import ColumnMapping
from journeys.events.importers.rejects import RejectWriter
from journeys.events.importers.tabular import read_csv
from journeys.events.importers.xes import read_xes

READERS: dict[str, Reader] = {
    "csv": read_csv,
    "jsonl": read_jsonl,
    "xes": read_xes,
}

__all__ = ["READERS", "Chunk", "ColumnMapping", "ReadContext", "Reader", "RejectWriter"]
