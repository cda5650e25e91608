"""The `journeys` command line: thin commands over the domain functions.

Every command takes ``--workspace`` (default: setting ``workspace``, env JOURNEYS_WORKSPACE);
commands that print data take ``--json``. Errors print one line and exit non-zero.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from journeys import config
from journeys.errors import InvalidInput, JourneysError
from journeys.workspace import Workspace

app = typer.Typer(
    help="Journeys: map, measure, analyse and act on customer journeys.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sources_app = typer.Typer(help="Tracking sources and their write keys.", no_args_is_help=True)
identity_app = typer.Typer(help="The identity graph: merges and conflicts.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(identity_app, name="identity")
analyse_app = typer.Typer(
    help="Analyse behaviour: funnels, paths, discovery, conformance, retention.",
    no_args_is_help=True,
)
app.add_typer(analyse_app, name="analyse")

out = Console()
err = Console(stderr=True)

SETTING = config.SETTINGS_BY_NAME
# Options backed by a setting take its environment variable and its default from config.
WorkspaceOpt = Annotated[
    Path,
    typer.Option("--workspace", "-w", envvar=SETTING["workspace"].env, help="Workspace folder."),
]
DEFAULT_WORKSPACE = SETTING["workspace"].default
HostOpt = Annotated[str, typer.Option(envvar=SETTING["host"].env, help=SETTING["host"].help)]
PortOpt = Annotated[int, typer.Option(envvar=SETTING["port"].env, help=SETTING["port"].help)]
DEFAULT_HOST, DEFAULT_PORT = SETTING["host"].default, int(SETTING["port"].default)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except ValidationError as exc:  # a model built from a command's arguments and options
        _fail(InvalidInput.from_validation(exc, "the command's input"))
    except JourneysError as exc:
        _fail(exc)


def _fail(exc: JourneysError) -> NoReturn:
    err.print(f"[red]error[/red] ({exc.code}): {exc.message}", highlight=False, soft_wrap=True)
    sys.exit(2 if exc.status >= 500 else 1)


def print_json(value: Any) -> None:
    """Print a model, a list of models or plain data as JSON."""
    if isinstance(value, BaseModel):
        text = value.model_dump_json(indent=2)
    elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
        text = json.dumps([v.model_dump(mode="json") for v in value], indent=2)
    else:
        text = json.dumps(value, indent=2, default=str)
    print(text)


@app.command()
def init(
    directory: Annotated[Path | None, typer.Argument(help="Folder to create.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    examples: Annotated[bool, typer.Option(help="Copy the example journeys.")] = True,
) -> None:
    """Create a workspace with example journey files."""
    ws = Workspace.init(directory or workspace, examples=examples)
    out.print(f"Created workspace {ws.root} with {len(ws.journey_files())} journey file(s).")


@app.command()
def validate(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Journey files (default: the workspace's).")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Check journey files; print every problem as file:line:column: code: field: message."""
    from journeys.maps.loader import validate_files

    paths = files or Workspace.open(workspace).journey_files()
    issues = validate_files(paths)
    if as_json:
        print_json(issues)
    else:
        for issue in issues:
            out.print(issue.text(), highlight=False, soft_wrap=True, markup=False)
        if not issues:
            out.print(f"{len(paths)} file(s) valid.")
    if issues:
        raise typer.Exit(1)


@app.command("import")
def import_(
    files: Annotated[list[Path], typer.Argument(help="CSV, JSON Lines, Parquet or XES files.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=column, e.g. user_id=customer event=event_type."),
    ] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="csv, jsonl, parquet or xes.")
    ] = None,
    source: Annotated[str, typer.Option(help="Source name recorded on the events.")] = "import",
    as_json: JsonOpt = False,
) -> None:
    """Import events from files, with a progress bar; refused rows go to a reject file."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from journeys.events.importers.mapping import ColumnMapping
    from journeys.events.importing import import_file

    columns = ColumnMapping.parse(mapping) if mapping else None
    summaries = []
    with (
        Workspace.open(workspace) as ws,
        Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=as_json,
        ) as bar,
    ):
        for path in files:
            task = bar.add_task(f"Importing {path.name}", total=None)

            def advance(done: int, total: int | None, task: Any = task) -> None:
                bar.update(task, completed=done, total=total)

            summaries.append(
                import_file(
                    ws.events,
                    path,
                    format=file_format,
                    mapping=columns,
                    source=source,
                    received_at=ws.clock.now(),
                    progress=advance,
                )
            )
    if as_json:
        print_json(summaries)
        return
    for s in summaries:
        out.print(
            f"{s.file}: read {s.read:,}, stored {s.stored:,}, already there {s.duplicates:,}, "
            f"refused {s.refused:,} in {s.seconds:.1f} s"
            + (f"; refused rows with reasons in {s.reject_file}" if s.reject_file else ""),
            highlight=False,
            soft_wrap=True,
        )


@app.command()
def serve(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    host: HostOpt = DEFAULT_HOST,
    port: PortOpt = DEFAULT_PORT,
) -> None:
    """Serve the web app, the tracking API and the HTTP API."""
    _serve(Workspace.open(workspace), host, port)


def _serve(ws: Workspace, host: str, port: int) -> None:
    import gc
    import threading

    import uvicorn

    from journeys.api.app import create_app
    from journeys.feedback.text import warm_up
    from journeys.security.accounts import has_admin

    def load_models() -> None:
        # The comment models take seconds to load: load them now, not on the first survey
        # answer. They are millions of long-lived objects: frozen out of the garbage
        # collector's sweeps, which would otherwise pause every request for a while.
        warm_up()
        gc.collect()
        gc.freeze()

    threading.Thread(target=load_models, name="text-models", daemon=True).start()
    if not has_admin(ws):
        out.print(
            f"Nobody can sign in yet: `journeys users create-admin -w {ws.root}` makes the "
            "first admin.",
            highlight=False,
        )
    out.print(
        f"Journeys is serving workspace {ws.root} on http://{host}:{port}/ (sign in at "
        f"http://{host}:{port}/login; `journeys users create-admin` makes the first admin). "
        "Press Ctrl+C to stop.",
        highlight=False,
    )
    uvicorn.run(create_app(ws), host=host, port=port, log_level="warning")


@app.command()
def demo(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    customers: Annotated[
        int, typer.Option(envvar=SETTING["demo_customers"].env, help="Synthetic customers.")
    ] = int(SETTING["demo_customers"].default),
    seed: Annotated[int, typer.Option(envvar=SETTING["demo_seed"].env, help="Random seed.")] = int(
        SETTING["demo_seed"].default
    ),
    host: HostOpt = DEFAULT_HOST,
    port: PortOpt = DEFAULT_PORT,
    serve_app: Annotated[bool, typer.Option("--serve/--no-serve", help="Serve when built.")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Build the demo workspace (once), load its events and serve the web app."""
    from journeys.demo.build import DEMO_SOURCE, build_demo
    from journeys.security.accounts import demo_admin

    with out.status("Building the demo workspace…") as status:
        ws, summary = build_demo(workspace, customers, seed, say=status.update)
    password = demo_admin(ws)
    login = {"url": f"http://{host}:{port}/login", "username": "admin", "password": password}
    if as_json:
        print_json({**summary.model_dump(mode="json"), "login": login})
    else:
        verb = "Loaded" if summary.loaded else "Reusing"
        timing = (
            f" (generated in {summary.generate_seconds:.1f} s, loaded in "
            f"{summary.load_seconds:.1f} s)"
            if summary.loaded
            else ""
        )
        out.print(
            f"{verb} demo workspace {summary.workspace}: {summary.events:,} events, "
            f"{summary.customers:,} customers{timing}.",
            highlight=False,
        )
        out.print(
            f"Tracking write key of source {DEMO_SOURCE!r}: {summary.write_key}", highlight=False
        )
        out.print(
            f"Sign in at {login['url']} as [bold]admin[/], password [bold]{password}[/]",
            highlight=False,
        )
    if serve_app:
        _serve(ws, host, port)
    else:
        ws.close()


@sources_app.command("add")
def sources_add(
    name: Annotated[str, typer.Argument(help="Source name, e.g. website or call-centre.")],
    channel: Annotated[
        str | None, typer.Option(help="Channel of its events when they do not say.")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Create a source; its new write key is printed on the last line."""
    source = Workspace.open(workspace).operational.add_source(name, channel)
    if as_json:
        print_json(source)
        return
    out.print(f"Created source {source.name}. Write key:")
    print(source.write_key)


@sources_app.command("list")
def sources_list(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """List the sources with their write keys."""
    sources = Workspace.open(workspace).operational.sources()
    if as_json:
        print_json(sources)
        return
    table = Table("name", "channel", "write key", "created")
    for s in sources:
        table.add_row(s.name, s.channel or "", s.write_key, f"{s.created_at:%Y-%m-%d %H:%M}")
    out.print(table)


@app.command()
def rebuild(
    names: Annotated[
        list[str] | None, typer.Argument(help="Consumers to rebuild (default: all).")
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Drop derived state (identities, profiles) and rebuild it by replaying the event log."""
    import time

    timings = {}
    with Workspace.open(workspace) as ws:
        for name in names or [c.name for c in ws.events.consumers]:
            started = time.perf_counter()
            ws.events.rebuild(name)
            timings[name] = round(time.perf_counter() - started, 2)
    if as_json:
        print_json(timings)
        return
    for name, seconds in timings.items():
        out.print(f"Rebuilt {name} from {ws.events.last_seq:,} events in {seconds:.2f} s.")


@app.command()
def customer(
    customer_id: Annotated[str, typer.Argument(help="Any id: user, anonymous, e-mail, phone…")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    limit: Annotated[int, typer.Option(help="Timeline events to show.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Show one customer's profile and cross-channel timeline."""
    from journeys.cli_views import print_profile
    from journeys.events.profiles import customer_profile

    with Workspace.open(workspace) as ws:
        profile = customer_profile(ws.events.reader(), customer_id, limit=limit)
    if as_json:
        print_json(profile)
    else:
        print_profile(out, profile)


@identity_app.command("merges")
def identity_merges(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """List merges of known customers (alias calls)."""
    from journeys.events.identity import merges

    with Workspace.open(workspace) as ws:
        found = merges(ws.events.reader())
    if as_json:
        print_json(found)
        return
    table = Table("merge id", "from", "into", "when", "reverted")
    for m in found:
        table.add_row(
            m.merge_id,
            m.from_user,
            m.into_user,
            f"{m.timestamp:%Y-%m-%d %H:%M}",
            "yes" if m.reverted else "",
        )
    out.print(table)


@identity_app.command("conflicts")
def identity_conflicts(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """List anonymous ids claimed by a second known customer (they stay with the first)."""
    from journeys.events.identity import conflicts

    with Workspace.open(workspace) as ws:
        found = conflicts(ws.events.reader())
    if as_json:
        print_json(found)
        return
    table = Table("anonymous id", "stays with", "also claimed by", "when")
    for c in found:
        table.add_row(c.anonymous_id, c.linked_user, c.claimed_by, f"{c.timestamp:%Y-%m-%d %H:%M}")
    out.print(table)


@identity_app.command("unmerge")
def identity_unmerge(
    merge_id: Annotated[str, typer.Argument(help="The merge id (see `journeys identity merges`).")],
    reason: Annotated[str | None, typer.Option(help="Why, for the record.")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Undo a merge of two customers; the identity graph is rebuilt without it."""
    from journeys.events.identity import unmerge

    with Workspace.open(workspace) as ws:
        merge = unmerge(ws.events, merge_id, reason)
    if as_json:
        print_json(merge)
    else:
        out.print(f"Unmerged {merge.from_user} from {merge.into_user} (merge {merge.merge_id}).")


# Last: the insights' commands import the shared options above from this module.
from journeys.analytics.registry import register_commands  # noqa: E402
from journeys.analytics.segments import cli as segments_cli  # noqa: E402

register_commands(analyse_app)
app.add_typer(segments_cli.app, name="segments")
from journeys.feedback.tickets import cli as tickets_cli  # noqa: E402

app.add_typer(tickets_cli.app, name="tickets")
from journeys.feedback.surveys import cli as surveys_cli  # noqa: E402

app.add_typer(surveys_cli.app, name="surveys")
from journeys.feedback.text import cli as text_cli  # noqa: E402

app.add_typer(text_cli.app, name="text")
from journeys.loyalty import cli as loyalty_cli  # noqa: E402

app.add_typer(loyalty_cli.app, name="loyalty")
from journeys.orchestration import cli as orchestration_cli  # noqa: E402

orchestration_cli.register(app)
from journeys.orchestration.automations import cli as automations_cli  # noqa: E402

app.add_typer(automations_cli.app, name="automations")
from journeys.prediction import commands as prediction_cli  # noqa: E402

app.add_typer(prediction_cli.app, name="predict")
from journeys.privacy import cli as privacy_cli  # noqa: E402

app.add_typer(privacy_cli.app, name="gdpr")


export_app = typer.Typer(help="Export the event log for other engines.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("parquet")
def export_parquet_command(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    folder: Annotated[
        Path | None,
        typer.Option("--dir", help="Folder to export to (default: setting parquet_export_dir)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Export the events not exported yet as Parquet files by date, with identity snapshots."""
    from journeys.errors import InvalidInput
    from journeys.store.parquet_export import configured_folder, export_parquet

    with Workspace.open(workspace) as ws:
        target = folder or configured_folder(ws)
        if target is None:
            raise InvalidInput("no folder to export to: give --dir or set parquet_export_dir")
        result = export_parquet(ws, target)
    if as_json:
        print_json({**result.__dict__, "files": [str(f) for f in result.files]})
    else:
        out.print(
            f"Exported {result.events:,} event(s) (seq {result.after + 1}-{result.upto}) to "
            f"{result.folder} in {len(result.files)} file(s).",
            highlight=False,
        )


@app.command("migrate")
def migrate_command(
    new: Annotated[
        str | None,
        typer.Option(
            "--new",
            help="Write a new migration, named so, from the models' changes (for developers).",
        ),
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Bring the operational store's schema to the newest revision (opening a workspace does
    it too) and print the revisions."""
    from journeys.store.migrate import new_migration

    if new is not None:
        out.print(f"Wrote {new_migration(new)}", highlight=False)
        return
    from journeys.store.migrate import head, migrate

    with Workspace.open(workspace) as ws:
        before, now = migrate(ws.operational.engine)
    if as_json:
        print_json({"before": before, "now": now, "newest": head()})
    elif before == now:
        out.print(f"The operational store is at the newest revision, {now}.", highlight=False)
    else:
        out.print(f"The operational store went from revision {before} to {now}.", highlight=False)


from journeys.security import cli as security_cli  # noqa: E402

app.add_typer(security_cli.users_app, name="users")
app.add_typer(security_cli.tokens_app, name="tokens")
app.command("audit")(security_cli.audit_command)

from journeys.events import queue_cli  # noqa: E402

app.command("serve-tracking")(queue_cli.serve_tracking)
app.add_typer(queue_cli.app, name="queue")
