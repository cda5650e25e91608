"""Export: everything held about one customer, as one JSON document or a zip of CSV files."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date, datetime
from typing import Any

import duckdb

from journeys.errors import CustomerNotFound
from journeys.events.profiles import customer_profile
from journeys.privacy import audit
from journeys.privacy import eventstore as es
from journeys.privacy import operational as op
from journeys.privacy.customers import customer_ids, unknown
from journeys.privacy.model import CustomerExport, CustomerIds, Row
from journeys.store.schema import EVENT_COLUMNS
from journeys.workspace import Workspace

_JSON_COLUMNS = ("properties", "context", "traits")
_IDENTITY_TABLES = frozenset({"identity_users"})  # keyed by customer id, exported as ``ids``


def export_customer(ws: Workspace, any_id: str) -> CustomerExport:
    """Everything held about the customer named by any of their ids."""
    con = ws.events.fresh_reader()
    ids = customer_ids(con, any_id)
    operational = op.customer_rows(ws.operational.engine, (ids or unknown(any_id)).all())
    if ids is None and not operational:
        raise CustomerNotFound(f"no customer has the id {any_id!r}")
    ids = ids or unknown(any_id)
    profile = None
    if ids.known or ids.anonymous_ids:
        profile = customer_profile(con, ids.customer_id, limit=0)
    export = CustomerExport(
        exported_at=ws.clock.now(),
        ids=ids,
        profile=profile,
        events=_events(con, ids) if profile is not None else [],
        operational={t: op.jsonable(rows) for t, rows in operational.items()},
        event_store=_keyed_tables(con, ids),
    )
    audit.record(ws, "export", audit.id_hash(ws, any_id), None, {})
    return export


def _events(con: duckdb.DuckDBPyConnection, ids: CustomerIds) -> list[Row]:
    columns = ", ".join(EVENT_COLUMNS)
    cursor = con.execute(
        f"SELECT {columns} FROM stitched_events WHERE customer_id = ? ORDER BY timestamp, seq",
        [ids.customer_id],
    )
    rows = []
    for values in cursor.fetchall():
        row = dict(zip(EVENT_COLUMNS, values, strict=True))
        for name in _JSON_COLUMNS:
            if row[name] is not None:
                row[name] = json.loads(row[name])
        rows.append(op.jsonable([row])[0])
    return rows


def _keyed_tables(con: duckdb.DuckDBPyConnection, ids: CustomerIds) -> dict[str, list[Row]]:
    """Rows of event-store tables with a customer_id column (scores and the like)."""
    found: dict[str, list[Row]] = {}
    for table in es.tables_with_column(con, "customer_id"):
        if table in _IDENTITY_TABLES:
            continue
        cursor = con.execute(
            f'SELECT * FROM "{table}" WHERE list_contains(?, customer_id)', [ids.all()]
        )
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
        if rows:
            found[table] = op.jsonable(rows)
    return found


def export_zip(export: CustomerExport) -> bytes:
    """The export as a zip with one CSV file per section."""
    sections: dict[str, list[Row]] = {"ids": _id_rows(export.ids)}
    if export.profile is not None:
        sections["traits"] = [c.model_dump(mode="json") for c in export.profile.trait_history]
    sections["events"] = export.events
    for table, rows in export.operational.items():
        sections[table] = rows
    for table, rows in export.event_store.items():
        sections[f"event_store_{table}"] = rows
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in sections.items():
            zf.writestr(f"{name}.csv", _csv(rows))
    return buffer.getvalue()


def _id_rows(ids: CustomerIds) -> list[Row]:
    rows: list[Row] = [{"kind": "customer_id", "type": "", "value": ids.customer_id}]
    rows += [{"kind": "user_id", "type": "", "value": v} for v in ids.user_ids]
    rows += [{"kind": "anonymous_id", "type": "", "value": v} for v in ids.anonymous_ids]
    for id_type, values in ids.external_ids.items():
        rows += [{"kind": "external_id", "type": id_type, "value": v} for v in values]
    return rows


def _csv(rows: list[Row]) -> str:
    out = io.StringIO()
    names = list(dict.fromkeys(k for r in rows for k in r)) or ["(none)"]
    writer = csv.DictWriter(out, names)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
