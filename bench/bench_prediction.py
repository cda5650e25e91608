"""Benchmark: churn/propensity models on real purchase histories (CDNOW) and on the demo.

    .venv/bin/python bench/bench_prediction.py cdnow [--workspace /tmp/cdnow-pred]
    .venv/bin/python bench/bench_prediction.py demo --workspace /tmp/demo-pred

``cdnow`` loads ``../shared/data/purchases/CDNOW_master.txt`` (whitespace-separated: customer
id, YYYYMMDD, number of CDs, dollar value; 69,659 purchases of 23,570 customers, Jan 1997 –
Jun 1998) into a fresh workspace as ``purchase`` events with ``revenue`` and ``cds``, then
trains "buys again within 181 days" (propensity) with the training date 1997-07-01 and the
held-out test date 1998-01-01 (labels 1 Jan – 30 Jun 1998). ``demo`` trains 30-day churn and the
fashion journey's order propensity on a workspace built by ``journeys demo``. Prints the
figures against the baselines and, on its last line, one JSON object with them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from journeys.prediction import rules, service
from journeys.prediction.cdnow import load_cdnow
from journeys.prediction.query import Evaluation, FeatureSpec
from journeys.workspace import Workspace

CDNOW = Path(__file__).resolve().parents[2] / "shared" / "data" / "purchases" / "CDNOW_master.txt"


def row(name: str, e: Evaluation) -> dict[str, Any]:
    """The figures of one evaluation, flat."""
    out: dict[str, Any] = {
        "model": name,
        "train_date": f"{e.train_date:%Y-%m-%d}",
        "test_date": f"{e.test_date:%Y-%m-%d}",
        "train_customers": e.train_customers,
        "test_customers": e.test_customers,
        "test_positive_rate": round(e.test_positive_rate, 4),
    }
    for m in (e.model, e.recency, e.majority):
        key = m.scorer.split()[0]
        out[f"{key}_auc"] = None if m.roc_auc is None else round(m.roc_auc, 4)
        out[f"{key}_precision_top10"] = _r(m.precision_top_decile)
        out[f"{key}_recall_top10"] = _r(m.recall_top_decile)
        out[f"{key}_lift_top10"] = _r(m.lift_top_decile)
    out["model_brier"] = _r(e.model.brier)
    out["majority_brier"] = _r(e.majority.brier)
    return out


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def cdnow(folder: Path) -> list[dict[str, Any]]:
    """Load CDNOW into a fresh workspace and train the repeat-purchase model."""
    shutil.rmtree(folder, ignore_errors=True)
    with Workspace.init(folder, examples=False) as ws:
        started = time.perf_counter()
        stored = load_cdnow(ws.events, CDNOW)
        print(f"loaded {stored:,} purchases in {time.perf_counter() - started:.1f} s")
        spec = rules.model_spec(
            "buys-again",
            rules.target("propensity", 181, "purchase"),
            FeatureSpec(),
            train_date=datetime(1997, 7, 1),
            test_date=datetime(1998, 1, 1),
        )
        return [_train(ws, spec)]


def demo(folder: Path) -> list[dict[str, Any]]:
    """Train 30-day churn and order propensity on a demo workspace."""
    with Workspace.open(folder) as ws:
        churn = rules.model_spec(
            "churn", rules.target("churn", 30, None), FeatureSpec(journey="fashion")
        )
        order = rules.model_spec(
            "order",
            rules.target("propensity", 30, "order_completed"),
            FeatureSpec(journey="fashion"),
        )
        return [_train(ws, churn), _train(ws, order)]


def _train(ws: Workspace, spec: Any) -> dict[str, Any]:
    started = time.perf_counter()
    trained = service.train(ws, spec)
    seconds = time.perf_counter() - started
    figures = row(spec.name, trained.evaluation) | {"train_seconds": round(seconds, 1)}
    started = time.perf_counter()
    run = service.score(ws, spec.name)
    figures |= {"scored": run.customers, "score_seconds": round(time.perf_counter() - started, 1)}
    for key, value in figures.items():
        print(f"{spec.name:>12} {key:<24} {value}")
    return figures


def main() -> None:
    """Parse the arguments and run one benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", default="cdnow", choices=["cdnow", "demo"])
    parser.add_argument("--workspace", type=Path, default=None)
    args = parser.parse_args()
    if args.data == "cdnow":
        figures = cdnow(args.workspace or Path("/tmp/cdnow-pred"))
    else:
        figures = demo(args.workspace or Path("/tmp/demo-pred"))
    print(json.dumps(figures))
    sys.exit(0)


if __name__ == "__main__":
    main()
