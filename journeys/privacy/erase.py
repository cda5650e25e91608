"""Erasure: remove one customer from every store, so their data is no longer in the files.

In order: the operational store (surveys, tickets, loyalty, automations… found generically,
see ``operational.py``); then, in the event log's writer (so no append or consumer interleaves),
their events in ``event_rows`` and in every imported segment, the identity graph, the trait
history, the customer event index and any event-store table keyed by customer id, after which
the DuckDB file is scrubbed (``eventstore.py``); then the operational store once more (rows a
background job derived from their events meanwhile) and a VACUUM. Last, an audit record with a
salted hash of the id and the counts, no personal data.

Erasing someone again finds nothing and says so (``found`` is false).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from journeys.analytics import sequences
from journeys.events.identity import IdentityConsumer
from journeys.privacy import audit
from journeys.privacy import eventstore as es
from journeys.privacy import operational as op
from journeys.privacy.customers import customer_ids, customer_seqs, unknown
from journeys.privacy.model import CustomerIds, ErasureReceipt
from journeys.store import parquet_export, segments
from journeys.store.eventlog import EventLog
from journeys.workspace import Workspace

# Identity and profile tables: (table, condition over the customer's users $u and anonymous
# ids $a). Each condition takes its lists as positional parameters, in the order given.
_IDENTITY: tuple[tuple[str, str, str], ...] = (
    ("identity_users", "list_contains(?, user_id)", "u"),
    ("identity_links", "list_contains(?, user_id) OR list_contains(?, anonymous_id)", "ua"),
    ("identity_merges", "list_contains(?, from_user) OR list_contains(?, into_user)", "uu"),
    (
        "identity_conflicts",
        "list_contains(?, linked_user) OR list_contains(?, claimed_by) "
        "OR list_contains(?, anonymous_id)",
        "uua",
    ),
    ("external_ids", "list_contains(?, user_id)", "u"),
    ("trait_history", "list_contains(?, user_id)", "u"),
)
_SEQS = "seq IN (SELECT unnest(?::BIGINT[]))"


def erase_customer(ws: Workspace, any_id: str, reason: str) -> ErasureReceipt:
    """Remove the customer named by any of their ids from every store; see the module doc."""
    hashed = audit.id_hash(ws, any_id)
    ids = customer_ids(ws.events.fresh_reader(), any_id) or unknown(any_id)
    engine = ws.operational.engine
    removed_op = op.delete_rows(engine, op.customer_rows(engine, ids.all()))
    found, removed_log, scrubbed = ws.events.write(
        lambda con: _erase_events(con, ws.events, any_id, ids, ws.customer_index_path)
    )
    sequences.forget(str(ws.events.path))  # the analyses' copy, in this process's memory
    for table, n in op.delete_rows(engine, op.customer_rows(engine, ids.all())).items():
        removed_op[table] = removed_op.get(table, 0) + n
    scrubbed["operational"] = op.reclaim(engine, sorted(removed_op))
    removed = {"event_log": removed_log, "operational": removed_op}
    events = sum(n for t, n in removed_log.items() if t == "event_rows" or t.startswith("segment_"))
    receipt = ErasureReceipt(
        id_hash=hashed,
        found=found or bool(removed_op),
        reason=reason,
        erased_at=ws.clock.now(),
        events=events,
        removed={k: v for k, v in removed.items() if v},
        scrubbed=scrubbed,
    )
    audit.record(ws, "erase", hashed, reason, receipt.removed)
    return receipt


def _erase_events(
    con: duckdb.DuckDBPyConnection,
    log: EventLog,
    any_id: str,
    resolved: CustomerIds,
    index: Path,
) -> tuple[bool, dict[str, int], dict[str, str]]:
    """The event log's part, run in its writer thread."""
    ids = customer_ids(con, any_id) or resolved
    seqs = customer_seqs(con, ids) if ids.known or ids.anonymous_ids else []
    users, anons = ids.user_ids, ids.anonymous_ids
    lists = {"u": users, "a": anons}
    merge_ids = [
        r[0]
        for r in con.execute(
            "SELECT merge_id FROM identity_merges "
            "WHERE list_contains(?, from_user) OR list_contains(?, into_user)",
            [users, users],
        ).fetchall()
    ]
    removals = [es.Removal(t, _SEQS, [seqs]) for t in ["event_rows", *es.segment_tables(con)]]
    removals += [es.Removal(t, w, [lists[k] for k in keys]) for t, w, keys in _IDENTITY]
    removals.append(es.Removal("identity_unmerges", "list_contains(?, merge_id)", [merge_ids]))
    handled = {r.table for r in removals}
    removals += [
        es.Removal(t, "list_contains(?, customer_id)", [ids.all()])
        for t in es.tables_with_column(con, "customer_id")
        if t not in handled
    ]
    segments.mark_seq(con, log.last_seq)  # the newest events may go: their seqs stay used
    removed = es.remove(con, removals)
    exported = parquet_export.erase_rows(con, seqs, [*users, *anons])
    if exported:
        removed["parquet export (rows)"] = exported
    _forget_cached_identities(log)
    indexed = es.remove_from_index(index, [*users, *anons])
    if indexed:
        removed["customer_events (customer-events.sqlite)"] = indexed
    # Always, even when nothing was found: it finishes an erasure that stopped half-way.
    blocks = es.scrub_free_blocks(con)
    scrubbed = {"event_log": f"tables rebuilt, free blocks overwritten: {blocks} blocks"}
    if indexed:
        scrubbed["customer_index"] = "sqlite: secure_delete, VACUUM"
    return bool(removed), removed, scrubbed


def _forget_cached_identities(log: EventLog) -> None:
    # The identity consumer caches the graph between commits; rows were removed under it.
    for consumer in log.consumers:
        if isinstance(consumer, IdentityConsumer):
            consumer.forget()
