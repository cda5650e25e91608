"""``journeys gdpr …``: export, erase, retention and the audit: thin commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.errors import InvalidInput
from journeys.privacy.api import record_erasure
from journeys.privacy.audit import audit_log
from journeys.privacy.consent import customer_consent, record_consent
from journeys.privacy.erase import erase_customer
from journeys.privacy.export import export_customer, export_zip
from journeys.privacy.retention import apply_retention
from journeys.security.audit import cli_actor
from journeys.workspace import Workspace

app: typer.Typer = typer.Typer(
    help="Privacy (GDPR): export or erase a customer, consent, retention, the audit.",
    no_args_is_help=True,
)

IdArg = Annotated[str, typer.Argument(help="Any id of the customer: user id, e-mail, phone…")]


@app.command("export")
def gdpr_export(
    customer: IdArg,
    fmt: Annotated[
        Literal["json", "csv"], typer.Option("--format", help="json, or csv: a zip of CSV files.")
    ] = "json",
    path: Annotated[
        Path | None, typer.Option("--out", help="File to write (default: stdout).")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Everything held about one customer, as JSON or a zip of CSV files."""
    with Workspace.open(workspace) as ws:
        export = export_customer(ws, customer)
    if fmt == "csv":
        target = path or Path("customer-export.zip")
        target.write_bytes(export_zip(export))
        out.print(f"Wrote {target}.", highlight=False)
    elif path is not None:
        path.write_text(export.model_dump_json(indent=2), encoding="utf-8")
        out.print(f"Wrote {path}.", highlight=False)
    else:
        print_json(export)


@app.command("erase")
def gdpr_erase(
    customer: IdArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit).")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Remove a customer from every store, events included; cannot be undone."""
    if not yes:
        typer.confirm(f"Erase {customer} from every store? This cannot be undone", abort=True)
    with Workspace.open(workspace) as ws:
        receipt = erase_customer(ws, customer, reason)
        record_erasure(ws, cli_actor(), receipt)
    if as_json:
        print_json(receipt)
        return
    if not receipt.found:
        out.print("Nothing found: no store holds data of this customer.", highlight=False)
        return
    out.print(f"Erased: {receipt.events} events.", highlight=False)
    for store, tables in receipt.removed.items():
        for table, rows in tables.items():
            out.print(f"  {store}.{table}: {rows} rows", highlight=False)


@app.command("retention")
def gdpr_retention(
    days: Annotated[
        int | None, typer.Option(min=1, help="Default: the setting retention_days.")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Delete the events older than the retention period from every store."""
    with Workspace.open(workspace) as ws:
        receipt = apply_retention(ws, days)
    if as_json:
        print_json(receipt)
    elif receipt.cutoff is None:
        out.print("Retention is off (retention_days = 0): nothing deleted.", highlight=False)
    else:
        out.print(f"Deleted {receipt.events} events before {receipt.cutoff:%Y-%m-%d %H:%M}.")


@app.command("audit")
def gdpr_audit(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Entries to list.")] = 50,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The privacy audit, newest first: exports, erasures and retention runs."""
    with Workspace.open(workspace) as ws:
        records = audit_log(ws, limit)
    if as_json:
        print_json(records)
        return
    table = Table("at", "action", "customer (salted hash)", "reason", "rows")
    for r in records:
        rows = sum(n for tables in r.counts.values() for n in tables.values())
        table.add_row(f"{r.at:%Y-%m-%d %H:%M}", r.action, (r.id_hash or "")[:16], r.reason or "",
                      str(rows))  # fmt: skip
    out.print(table)


@app.command("consent")
def gdpr_consent(
    customer: IdArg,
    grant: Annotated[
        list[str] | None, typer.Option("--grant", help="A purpose to grant (repeatable).")
    ] = None,
    refuse: Annotated[
        list[str] | None, typer.Option("--refuse", help="A purpose to refuse (repeatable).")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """A customer's consent per purpose and its history; --grant/--refuse record a statement."""
    statement = {p: True for p in grant or []} | {p: False for p in refuse or []}
    both = sorted(set(grant or []) & set(refuse or []))
    if both:
        raise InvalidInput(f"granted and refused at once: {', '.join(both)}")
    with Workspace.open(workspace) as ws:
        if statement:
            consent = record_consent(ws, customer, statement, "cli")
        else:
            consent = customer_consent(ws, customer)
    if as_json:
        print_json(consent)
        return
    states = Table("purpose", "allowed", "statement", "at", "source")
    for s in consent.purposes:
        said = {True: "granted", False: "refused", None: "none"}[s.granted]
        if s.granted is None:
            said += " (needs a grant)" if s.opt_in else " (allowed until refused)"
        at = f"{s.at:%Y-%m-%d %H:%M}" if s.at else ""
        states.add_row(s.purpose, "yes" if s.allowed else "no", said, at, s.source or "")
    out.print(f"Consent of {consent.customer_id}", highlight=False)
    out.print(states)
    history = Table("at", "purpose", "statement", "source")
    for r in consent.history:
        history.add_row(f"{r.at:%Y-%m-%d %H:%M:%S}", r.purpose,
                        "granted" if r.granted else "refused", r.source)  # fmt: skip
    out.print(history if consent.history else "No statement recorded yet.", highlight=False)
