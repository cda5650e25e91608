"""Where prediction lives in a workspace: model artefacts on disk, scores in the event log.

    <workspace>/models/<name>/model.joblib   the fitted classifier (scikit-learn, joblib)
    <workspace>/models/<name>/model.json     spec, held-out evaluation, feature names
    <workspace>/models/<name>/scores.json    the latest scoring run: counts, risk per stage

Scores are the DuckDB table ``prediction_scores`` (model, customer_id, score, as_of,
scored_at, reasons as JSON), written through the event log's single writer; a scoring run
replaces the model's rows at once. Being next to ``stitched_events`` lets a segment condition
or an automation join on it in SQL.
"""

from __future__ import annotations

import json
from contextlib import closing
from pathlib import Path

import duckdb
import joblib
import pyarrow as pa

from journeys.errors import NotFound
from journeys.prediction.builder import scores_ddl
from journeys.prediction.model import Predictor
from journeys.prediction.query import CustomerScore, Reason, ScoreRun, TrainedModel
from journeys.store.duck import registered
from journeys.workspace import Workspace

SCORES = "prediction_scores"


def models_dir(ws: Workspace) -> Path:
    """The folder holding every model of the workspace."""
    return ws.root / "models"


def save(ws: Workspace, trained: TrainedModel, predictor: Predictor) -> Path:
    """Write a model's artefacts (replacing an older model of that name)."""
    folder = models_dir(ws) / trained.spec.name
    folder.mkdir(parents=True, exist_ok=True)
    joblib.dump(predictor, folder / "model.joblib")
    (folder / "model.json").write_text(trained.model_dump_json(indent=2), encoding="utf-8")
    return folder


def trained_models(ws: Workspace) -> list[TrainedModel]:
    """Every saved model, by name."""
    found = []
    for path in sorted(models_dir(ws).glob("*/model.json")):
        found.append(TrainedModel.model_validate_json(path.read_text(encoding="utf-8")))
    return found


def trained_model(ws: Workspace, name: str) -> TrainedModel:
    """One saved model's description; NotFound naming the models there are."""
    path = models_dir(ws) / name / "model.json"
    if not path.is_file():
        known = ", ".join(m.spec.name for m in trained_models(ws)) or "none yet"
        raise NotFound(
            f"no model {name!r} (the models are: {known}); train one with "
            f"`journeys predict train --name {name} …`",
            details={"model": name},
        )
    return TrainedModel.model_validate_json(path.read_text(encoding="utf-8"))


def load_predictor(ws: Workspace, name: str) -> Predictor:
    """The fitted classifier of a saved model (artefacts this workspace wrote)."""
    trained_model(ws, name)
    predictor: Predictor = joblib.load(models_dir(ws) / name / "model.joblib")
    return predictor


def save_run(ws: Workspace, run: ScoreRun) -> None:
    """Keep the summary of the model's latest scoring run."""
    path = models_dir(ws) / run.model / "scores.json"
    path.write_text(run.model_dump_json(indent=2), encoding="utf-8")


def last_run(ws: Workspace, name: str) -> ScoreRun | None:
    """The summary of the model's latest scoring run, if it was scored."""
    path = models_dir(ws) / name / "scores.json"
    if not path.is_file():
        return None
    return ScoreRun.model_validate_json(path.read_text(encoding="utf-8"))


def store_scores(ws: Workspace, name: str, rows: pa.Table) -> None:
    """Replace the model's stored scores with ``rows`` (the table's columns, in order)."""

    def write(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(scores_ddl())
        con.execute("BEGIN TRANSACTION")  # on failure the writer rolls back
        con.execute(f"DELETE FROM {SCORES} WHERE model = ?", [name])
        with registered(con, "new_prediction_scores", rows):
            con.execute(f"INSERT INTO {SCORES} SELECT * FROM new_prediction_scores")
        con.execute("COMMIT")

    ws.events.write(write)


def _has_scores(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [SCORES])
    found = row.fetchone()
    return bool(found and found[0])


def customer_scores(ws: Workspace, customer_id: str) -> list[CustomerScore]:
    """The stored scores of one customer, one per model."""
    with closing(ws.events.reader()) as con:
        if not _has_scores(con):
            return []
        rows = con.execute(
            f"SELECT model, customer_id, score, as_of, scored_at, reasons FROM {SCORES} "
            "WHERE customer_id = ? ORDER BY model",
            [customer_id],
        ).fetchall()
    return [_score(row) for row in rows]


def top_scores(ws: Workspace, name: str, limit: int = 20) -> list[CustomerScore]:
    """The model's highest stored scores."""
    with closing(ws.events.reader()) as con:
        if not _has_scores(con):
            return []
        rows = con.execute(
            f"SELECT model, customer_id, score, as_of, scored_at, reasons FROM {SCORES} "
            "WHERE model = ? ORDER BY score DESC, customer_id LIMIT ?",
            [name, limit],
        ).fetchall()
    return [_score(row) for row in rows]


def _score(row: tuple[object, ...]) -> CustomerScore:
    model, customer_id, score, as_of, scored_at, reasons = row
    parsed = [Reason.model_validate(r) for r in json.loads(str(reasons or "[]"))]
    return CustomerScore(
        model=str(model),
        customer_id=str(customer_id),
        score=float(score),  # type: ignore[arg-type]
        as_of=as_of,  # type: ignore[arg-type]
        scored_at=scored_at,  # type: ignore[arg-type]
        reasons=parsed,
    )
