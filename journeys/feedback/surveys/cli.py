"""``journeys surveys …``: thin commands over the surveys package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.feedback.surveys import answers, files, triggers
from journeys.workspace import Workspace

app: typer.Typer = typer.Typer(
    help="Surveys on touchpoints: files, invitations, answers.", no_args_is_help=True
)


@app.command("list")
def surveys_list(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False
) -> None:
    """Every survey of the workspace (the files in surveys/)."""
    with Workspace.open(workspace) as ws:
        surveys = files.load_surveys(ws)
    if as_json:
        print_json(surveys)
        return
    table = Table("id", "kind", "journey", "touchpoint", "trigger", "active")
    for s in surveys:
        trigger = f"{s.trigger.match.event} + {s.trigger.delay}" if s.trigger else ""
        table.add_row(s.id, s.kind, s.journey, s.touchpoint, trigger, "yes" if s.active else "no")
    out.print(table)


@app.command("check")
def surveys_check(
    path: Annotated[Path, typer.Argument(help="A survey file to check against the workspace.")],
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
) -> None:
    """Check a survey file; every problem is printed as file:line:column: code: field: message."""
    with Workspace.open(workspace) as ws:
        text = path.read_text(encoding="utf-8")
        checked = files.check_survey_text(ws, text, str(path))
    for issue in checked.issues:
        out.print(issue.text(), highlight=False, soft_wrap=True)
    if checked.issues:
        raise typer.Exit(1)
    out.print(f"{path}: valid survey {checked.value.id if checked.value else ''}", highlight=False)


@app.command("invite")
def surveys_invite(
    survey: Annotated[str, typer.Argument(help="The survey id.")],
    customer: Annotated[str, typer.Argument(help="Any id of the customer.")],
    base_url: Annotated[
        str, typer.Option(help="Where the web app is served, for the link.")
    ] = "http://127.0.0.1:8000",
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Invite a customer now and print the link to the hosted form."""
    with Workspace.open(workspace) as ws:
        invitation = answers.invite(ws, survey, customer)
    url = f"{base_url.rstrip('/')}/s/{invitation.token}"
    if as_json:
        print_json({**invitation.model_dump(mode="json"), "url": url})
        return
    out.print(url, highlight=False, soft_wrap=True)


@app.command("dispatch")
def surveys_dispatch(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE), as_json: JsonOpt = False
) -> None:
    """Turn new trigger events into invitations, within the fatigue rules."""
    with Workspace.open(workspace) as ws:
        result = triggers.dispatch(ws)
    if as_json:
        print_json(result)
        return
    out.print(
        f"Read {result.events_read:,} events: {result.scheduled:,} invitations scheduled, "
        f"{result.skipped:,} skipped by fatigue rules.",
        highlight=False,
    )


@app.command("invitations")
def surveys_invitations(
    survey: Annotated[str | None, typer.Option(help="Only this survey.")] = None,
    status: Annotated[str | None, typer.Option(help="scheduled, skipped or answered.")] = None,
    due: Annotated[bool, typer.Option(help="Only those to send now.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 100,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Invitations, oldest due first, with why any were skipped."""
    with Workspace.open(workspace) as ws:
        found = answers.list_invitations(ws, survey=survey, status=status, due=due, limit=limit)
    if as_json:
        print_json(found)
        return
    table = Table("id", "survey", "customer", "due", "status", "reason")
    for i in found:
        table.add_row(
            i.id,
            i.survey_id,
            i.customer_id,
            f"{i.due_at:%Y-%m-%d %H:%M}",
            i.status,
            i.skip_reason or "",
        )
    out.print(table)


@app.command("responses")
def surveys_responses(
    survey: Annotated[str | None, typer.Option(help="Only this survey.")] = None,
    label: Annotated[str | None, typer.Option(help="negative, neutral or positive.")] = None,
    band: Annotated[str | None, typer.Option(help="detractor, passive or promoter.")] = None,
    topic: Annotated[str | None, typer.Option(help="Only answers about this topic.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10000)] = 50,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Answers, newest first, with the sentiment, type and topics of their comments."""
    with Workspace.open(workspace) as ws:
        page = answers.list_responses(
            ws, survey=survey, label=label, band=band, topic=topic, limit=limit
        )
    if as_json:
        print_json(page)
        return
    table = Table("when", "survey", "customer", "score", "sentiment", "type", "topics", "comment")
    for r in page.responses:
        sentiment = f"{r.sentiment_label} {r.sentiment:+.2f}" if r.sentiment is not None else ""
        table.add_row(
            f"{r.submitted_at:%Y-%m-%d %H:%M}",
            r.survey_id,
            r.customer_id,
            str(r.score),
            sentiment,
            r.comment_kind or "",
            ", ".join(r.topics),
            (r.comment or "")[:60],
        )
    out.print(table)
    out.print(f"{page.total:,} answers in all.", highlight=False)
