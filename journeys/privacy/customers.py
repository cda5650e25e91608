"""Which customer an id names, and every id they are known by, read from the event log."""

from __future__ import annotations

import duckdb

from journeys.errors import CustomerNotFound
from journeys.events.profiles import resolve_customer
from journeys.privacy.model import CustomerIds


def customer_ids(con: duckdb.DuckDBPyConnection, any_id: str) -> CustomerIds | None:
    """Every id of the customer behind ``any_id``; None when no event names them."""
    try:
        customer, known = resolve_customer(con, any_id)
    except CustomerNotFound:
        return None
    if not known:
        return CustomerIds(
            customer_id=customer,
            known=False,
            user_ids=[],
            anonymous_ids=[customer],
            external_ids={},
        )
    users = _column(
        con, "SELECT user_id FROM identity_users WHERE customer_id = ? ORDER BY 1", [customer]
    )
    anons = _column(
        con,
        "SELECT anonymous_id FROM identity_links WHERE list_contains(?, user_id) ORDER BY seq",
        [users],
    )
    external: dict[str, list[str]] = {}
    for id_type, value in con.execute(
        "SELECT DISTINCT id_type, value FROM external_ids WHERE list_contains(?, user_id) "
        "ORDER BY 1, 2",
        [users],
    ).fetchall():
        external.setdefault(id_type, []).append(value)
    return CustomerIds(
        customer_id=customer, known=True, user_ids=users, anonymous_ids=anons, external_ids=external
    )


def unknown(any_id: str) -> CustomerIds:
    """The ids of someone the event log does not know: the id itself."""
    return CustomerIds(
        customer_id=any_id, known=False, user_ids=[], anonymous_ids=[], external_ids={}
    )


def customer_seqs(con: duckdb.DuckDBPyConnection, ids: CustomerIds) -> list[int]:
    """The seq of every event of the customer."""
    return [
        int(r[0])
        for r in con.execute(
            "SELECT seq FROM stitched_events WHERE customer_id = ? ORDER BY seq",
            [ids.customer_id],
        ).fetchall()
    ]


def _column(con: duckdb.DuckDBPyConnection, sql: str, args: list[object]) -> list[str]:
    return [str(r[0]) for r in con.execute(sql, args).fetchall()]
