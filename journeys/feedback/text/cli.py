"""``journeys text analyse``: the text analysis of comments from a file or standard input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from journeys.cli import DEFAULT_WORKSPACE, JsonOpt, WorkspaceOpt, out
from journeys.feedback.text.model import CommentAnalysis
from journeys.feedback.text.reading import Comments, read_comments
from journeys.feedback.text.taxonomy import Taxonomy, load_taxonomy, taxonomy_for

app: typer.Typer = typer.Typer(
    help="Text analytics of free comments: language, sentiment, type and topics.",
    no_args_is_help=True,
)

_SHOWN_CHARS = 60  # of each comment in the table
_COLOURS = {"negative": "red", "neutral": "", "positive": "green"}


@app.command("analyse")
def analyse(
    file: Annotated[
        Path | None,
        typer.Argument(help="Comments, one per line, or a CSV file; default: standard input."),
    ] = None,
    column: Annotated[
        str | None, typer.Option(help="The CSV column with the comments (header row needed).")
    ] = None,
    root_cause_column: Annotated[
        str | None, typer.Option(help="The CSV column with the survey's pick-list root cause.")
    ] = None,
    taxonomy: Annotated[
        Path | None,
        typer.Option(
            help="Taxonomy YAML file (default: the workspace's feedback/taxonomy.yaml, "
            "else the shipped one)."
        ),
    ] = None,
    workspace: WorkspaceOpt = Path(DEFAULT_WORKSPACE),
    as_json: JsonOpt = False,
) -> None:
    """Analyse comments: language, sentiment, type and topics; --json prints JSON Lines."""
    from journeys.feedback.text.analyser import analyse_comments

    chosen = _taxonomy(taxonomy, workspace)
    stdin = typer.get_binary_stream("stdin") if file is None or str(file) == "-" else None
    comments = read_comments(file, column, root_cause_column, stdin=stdin)
    found = analyse_comments(comments.texts, root_causes=comments.root_causes, taxonomy=chosen)
    if as_json:
        _print_lines(comments, found, with_causes=root_cause_column is not None)
    else:
        _print_table(comments, found)


def _taxonomy(path: Path | None, workspace: Path) -> Taxonomy:
    return load_taxonomy(path) if path is not None else taxonomy_for(workspace)


def _print_lines(comments: Comments, found: list[CommentAnalysis], *, with_causes: bool) -> None:
    for text, cause, analysis in zip(comments.texts, comments.root_causes, found, strict=True):
        record = {"text": text, **({"root_cause": cause} if with_causes else {})}
        print(json.dumps({**record, **analysis.model_dump()}, ensure_ascii=False))


def _print_table(comments: Comments, found: list[CommentAnalysis]) -> None:
    if not found:
        out.print("No comments.")
        return
    table = Table("#", "language", "sentiment", "label", "type", "topics", "comment")
    for i, (text, analysis) in enumerate(zip(comments.texts, found, strict=True), start=1):
        colour = _COLOURS[analysis.label]
        label = f"[{colour}]{analysis.label}[/{colour}]" if colour else analysis.label
        table.add_row(
            str(i),
            analysis.language,
            f"{analysis.sentiment:+.2f}",
            label,
            analysis.kind,
            ", ".join(analysis.topics),
            Text(_shortened(text)),
        )
    out.print(table)


def _shortened(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _SHOWN_CHARS else flat[: _SHOWN_CHARS - 1] + "…"
