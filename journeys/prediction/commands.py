"""``journeys predict train|evaluate|score|explain|models``: parse, run, print."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from journeys.analytics.common import parse_date
from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out, print_json
from journeys.prediction import format as fmt
from journeys.prediction import rules, service, store
from journeys.prediction.query import (
    DEFAULT_PURCHASE_EVENTS,
    DEFAULT_REVENUE_PROPERTIES,
    Evaluation,
    FeatureSpec,
    ModelSpec,
)
from journeys.workspace import Workspace

app: typer.Typer = typer.Typer(
    help="Churn risk and conversion propensity: train, evaluate, score, explain.",
    no_args_is_help=True,
)

PURCHASE_DEFAULT = ",".join(DEFAULT_PURCHASE_EVENTS)
REVENUE_DEFAULT = ",".join(DEFAULT_REVENUE_PROPERTIES)
NameOpt = Annotated[str, typer.Option("--name", help="The model's name.")]
TargetOpt = Annotated[str, typer.Option("--target", help="churn or propensity.")]
HorizonOpt = Annotated[int, typer.Option(help="Days after the prediction date the target covers.")]
EventOpt = Annotated[
    str | None,
    typer.Option(
        "--event",
        help="The step: an event (with filters), 'touchpoint J/T' or 'stage J/S'. "
        "Propensity: the conversion; churn: the activity that counts (default: any).",
    ),
]
JourneyOpt = Annotated[str | None, typer.Option(help="Journey whose furthest stage is a feature.")]
PurchaseOpt = Annotated[
    str, typer.Option("--purchase-events", help="Comma-separated events that are purchases.")
]
RevenueOpt = Annotated[
    str, typer.Option("--revenue", help="Comma-separated properties holding a purchase's value.")
]
TrainDateOpt = Annotated[
    str | None, typer.Option("--train-date", help="YYYY-MM-DD (default: test date − horizon).")
]
TestDateOpt = Annotated[
    str | None, typer.Option("--test-date", help="YYYY-MM-DD (default: log end − horizon).")
]


def spec_from(
    name: str,
    target: str,
    horizon: int,
    event: str | None,
    journey: str | None,
    purchase_events: str,
    revenue: str,
    train_date: str | None,
    test_date: str | None,
) -> ModelSpec:
    """A model spec from command-line text."""
    features = FeatureSpec(
        purchase_events=_names(purchase_events),
        revenue_properties=_names(revenue),
        journey=journey,
    )
    d1, d2 = parse_date(train_date, "train_date"), parse_date(test_date, "test_date")
    return rules.model_spec(
        name,
        rules.target(target, horizon, event),
        features,
        train_date=_midnight(d1),
        test_date=_midnight(d2),
    )


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _midnight(day: date | None) -> datetime | None:
    return datetime(day.year, day.month, day.day) if day is not None else None


@app.command("train")
def train_command(
    name: NameOpt,
    target: TargetOpt = "churn",
    horizon: HorizonOpt = 30,
    event: EventOpt = None,
    journey: JourneyOpt = None,
    purchase_events: PurchaseOpt = PURCHASE_DEFAULT,
    revenue: RevenueOpt = REVENUE_DEFAULT,
    train_date: TrainDateOpt = None,
    test_date: TestDateOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Train a model: validate it on a held-out later date, then fit and save it."""
    spec = spec_from(
        name, target, horizon, event, journey, purchase_events, revenue, train_date, test_date
    )
    with Workspace.open(workspace) as ws:
        trained = service.train(ws, spec)
    if as_json:
        print_json(trained)
        return
    out.print(fmt.describe(trained), highlight=False)
    print_evaluation(trained.evaluation)
    out.print(
        f"Saved to {workspace / 'models' / name}. "
        f"Score with `journeys predict score --name {name}`."
    )


@app.command("evaluate")
def evaluate_command(
    name: NameOpt,
    test_date: TestDateOpt = None,
    train_date: TrainDateOpt = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Validate a saved model's recipe again (optionally on other dates); saves nothing."""
    with Workspace.open(workspace) as ws:
        spec = store.trained_model(ws, name).spec
        dates = {
            "train_date": _midnight(parse_date(train_date, "train_date")),
            "test_date": _midnight(parse_date(test_date, "test_date")),
        }
        spec = spec.model_copy(update={k: v for k, v in dates.items() if v is not None})
        evaluation = service.evaluate(ws, spec)
    if as_json:
        print_json(evaluation)
        return
    print_evaluation(evaluation)


@app.command("score")
def score_command(
    name: Annotated[str | None, typer.Option("--name", help="One model (default: all).")] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Score every customer with a model (or all models) and store the scores."""
    with Workspace.open(workspace) as ws:
        runs = [service.score(ws, name)] if name else service.score_all(ws)
    if as_json:
        print_json(runs)
        return
    if not runs:
        out.print("No models yet: `journeys predict train --name churn --target churn`.")
    for run in runs:
        out.print(
            f"{run.model}: scored {run.customers:,} customers as of {run.as_of:%Y-%m-%d %H:%M}; "
            f"mean {fmt.number(run.mean_score)}, {run.high_risk:,} above 0.7.",
            highlight=False,
        )


@app.command("explain")
def explain_command(
    customer_id: Annotated[str, typer.Argument(help="The customer id.")],
    name: NameOpt,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """A customer's score now and the features that contribute most, in plain words."""
    with Workspace.open(workspace) as ws:
        found = service.explain(ws, name, customer_id)
    if as_json:
        print_json(found)
        return
    out.print(f"{found.model} for {found.customer_id}: {found.score:.3f}", highlight=False)
    for reason in found.reasons:
        sign = "raises" if reason.effect > 0 else "lowers"
        out.print(f"  {reason.text} ({sign} it by {abs(reason.effect):.3f})", highlight=False)


@app.command("models")
def models_command(
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """The saved models and their held-out figures."""
    with Workspace.open(workspace) as ws:
        found = store.trained_models(ws)
    if as_json:
        print_json(found)
        return
    if not found:
        out.print("No models yet: `journeys predict train --name churn --target churn`.")
    for trained in found:
        out.print(fmt.describe(trained), highlight=False)
        print_evaluation(trained.evaluation)


def print_evaluation(e: Evaluation) -> None:
    """The held-out figures of the model and the baselines, and the lift per decile."""
    table = Table(*fmt.METRIC_HEADERS, title="Held-out figures", title_justify="left")
    for row in fmt.metric_rows(e):
        table.add_row(*row)
    out.print(table)
    lift = Table("decile", "customers", "rate", "lift", "recency lift", title="Lift per decile")
    for d in e.lift:
        lift.add_row(
            str(d.decile),
            f"{d.customers:,}",
            fmt.percent(d.rate),
            fmt.number(d.lift, 2),
            fmt.number(d.recency_lift, 2),
        )
    out.print(lift)
