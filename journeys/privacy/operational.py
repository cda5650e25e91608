"""A customer's rows in the operational store, found generically from the database's schema.

The schema is reflected from the database itself, not from the modules imported so far, so a
table added by any feature is covered as soon as it exists. A row is the customer's when

- one of its *person columns* (``customer_id``, and the two sides of a referral) holds one of
  their ids, or
- it refers, by a foreign key, to a row that is theirs (a ticket's notes and history, a ledger
  entry's lot uses, an outbox entry's attempts), or
- it refers to one by a known id column without a declared foreign key (``SOFT_REFERENCES``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Engine, MetaData, Table, delete, or_, select, text, tuple_
from sqlalchemy.sql.elements import ColumnElement

from journeys.privacy.model import Row

PERSON_COLUMNS = ("customer_id", "referrer_id", "visitor_id", "friend_id")
# (table, column) → (table, column) it refers to, where the schema declares no foreign key.
SOFT_REFERENCES: dict[tuple[str, str], tuple[str, str]] = {
    ("automation_step_log", "enrolment_id"): ("automation_enrolments", "id"),
}
SKIP = frozenset({"privacy_audit"})
_CHUNK = 500  # values per IN list


def customer_rows(engine: Engine, ids: Sequence[str]) -> dict[str, list[Row]]:
    """Every operational row of the customer, by table (tables without any are left out)."""
    meta = MetaData()
    meta.reflect(engine)
    found: dict[str, list[Row]] = {}
    with engine.connect() as con:
        for table in meta.sorted_tables:  # parents before the rows that refer to them
            if table.name in SKIP:
                continue
            conditions = _conditions(table, ids, found)
            rows: list[Row] = []
            for condition in conditions:
                query = select(table).where(condition)
                rows += [dict(r._mapping) for r in con.execute(query)]
            if rows:
                found[table.name] = _unique(table, rows)
    return found


def delete_rows(engine: Engine, found: dict[str, list[Row]]) -> dict[str, int]:
    """Delete the rows ``customer_rows`` found, children first, in one transaction."""
    meta = MetaData()
    meta.reflect(engine)
    removed: dict[str, int] = {}
    with engine.begin() as con:
        for table in reversed(meta.sorted_tables):
            rows = found.get(table.name)
            if not rows:
                continue
            keys = list(table.primary_key.columns) or list(table.columns)
            count = 0
            for part in _chunks([tuple(r[k.name] for k in keys) for r in rows]):
                count += con.execute(delete(table).where(tuple_(*keys).in_(part))).rowcount
            removed[table.name] = count
    return removed


def reclaim(engine: Engine, tables: Sequence[str]) -> str:
    """Rewrite the database so deleted rows leave no bytes behind; says how."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as con:
        if engine.dialect.name == "sqlite":
            # VACUUM copies the live rows into a fresh file; the WAL, if any, is emptied.
            con.execute(text("VACUUM"))
            con.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            return "sqlite: VACUUM"
        if engine.dialect.name == "postgresql" and tables:
            quoted = ", ".join(engine.dialect.identifier_preparer.quote(t) for t in tables)
            con.execute(text(f"VACUUM FULL {quoted}"))  # a new copy of each table's files
            return "postgresql: VACUUM FULL " + ", ".join(tables)
    return f"{engine.dialect.name}: rows deleted"


def jsonable(rows: list[Row]) -> list[Row]:
    """Rows with dates as ISO text, so they go into JSON and CSV unchanged."""
    return [{k: _plain(v) for k, v in r.items()} for r in rows]


def _conditions(table: Table, ids: Sequence[str], found: dict[str, list[Row]]) -> list[Any]:
    """Conditions (each a small OR of IN lists) that select the customer's rows of ``table``."""
    conditions: list[ColumnElement[bool]] = []
    person = [c for c in table.columns if c.name in PERSON_COLUMNS]
    for part in _chunks(list(ids)):
        if person:
            conditions.append(or_(*(c.in_(part) for c in person)))
    for column, parent, parent_column in _references(table):
        values = list(dict.fromkeys(r[parent_column] for r in found.get(parent, [])))
        conditions += [column.in_(part) for part in _chunks(values)]
    return conditions


def _references(table: Table) -> list[tuple[Column[Any], str, str]]:
    refs = [
        (fk.parent, fk.column.table.name, fk.column.name)
        for fk in table.foreign_keys
        if fk.column.table.name != table.name
    ]
    for column in table.columns:
        target = SOFT_REFERENCES.get((table.name, column.name))
        if target is not None:
            refs.append((column, *target))
    return refs


def _unique(table: Table, rows: list[Row]) -> list[Row]:
    keys = [c.name for c in table.primary_key.columns] or list(rows[0])
    seen: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        seen.setdefault(tuple(row[k] for k in keys), row)
    return list(seen.values())


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[i : i + _CHUNK] for i in range(0, len(values), _CHUNK)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
