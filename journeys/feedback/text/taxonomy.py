"""The topic taxonomy: which topics (root causes) a comment is about, editable as YAML.

The default ships next to this module (``taxonomy.yaml``); a workspace may replace it with
``<workspace>/feedback/taxonomy.yaml``. A file is read with ruamel.yaml and checked against
the models below and the rules of :func:`taxonomy_rules`; every problem is reported with the
file, line, column and field (the journey-file checker does the locating), as
:class:`TaxonomyInvalid`.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from journeys.errors import TaxonomyInvalid
from journeys.feedback.text.words import fold
from journeys.maps.loader import check_file, check_text
from journeys.maps.model import Slug, Strict
from journeys.maps.rules import Finding, Loc, duplicates

WORKSPACE_FILE = Path("feedback") / "taxonomy.yaml"
DEFAULT_NAME = "journeys/feedback/text/taxonomy.yaml"


def _term(text: str) -> str:
    body = text.strip()
    if not re.search(r"[^\W_]", body):
        raise ValueError("a keyword or phrase needs at least one letter or digit")
    if "*" in body[:-1]:
        raise ValueError("'*' may only end a keyword (bezorg* matches bezorger, bezorging…)")
    return body


def _language(code: str) -> str:
    if not re.fullmatch(r"[a-z]{2,3}", code):
        raise ValueError("a language is a two- or three-letter ISO 639 code, such as nl or en")
    return code


Language = Annotated[str, AfterValidator(_language)]
Term = Annotated[str, AfterValidator(_term)]
Terms = dict[Language, list[Term]]


class Topic(Strict):
    """A topic (root cause) with its keywords per language and the pick-list answers it covers."""

    id: Slug
    label: dict[Language, str] = Field(default_factory=dict)
    keywords: Terms = Field(min_length=1)
    root_causes: list[str] = Field(default_factory=list)


class CommentKinds(Strict):
    """Phrases per language that tell an idea, a question or a neutral-sounding complaint."""

    idea: Terms = Field(default_factory=dict)  # anywhere in the comment
    question: Terms = Field(default_factory=dict)  # a sentence that opens with one asks
    exclamation: Terms = Field(default_factory=dict)  # openers that exclaim: "wat een…"
    complaint: Terms = Field(default_factory=dict)  # makes a neutral comment a complaint


class Taxonomy(Strict):
    """The topics of comments, and the phrases that tell ideas and questions."""

    version: Literal[1] = 1
    topics: list[Topic] = Field(min_length=1)
    comment_kinds: CommentKinds | None = None  # left out: the default taxonomy's

    def topic(self, topic_id: str) -> Topic | None:
        """A topic by id."""
        return next((t for t in self.topics if t.id == topic_id), None)

    @property
    def kinds(self) -> CommentKinds:
        """The comment-kind phrases in force."""
        return self.comment_kinds or CommentKinds()


def root_cause_key(value: str) -> str:
    """A pick-list answer compared loosely: case, accents, dashes and spaces do not count."""
    return " ".join(re.sub(r"[-_/]+", " ", fold(value)).split())


# -- rules ------------------------------------------------------------------------------------


def taxonomy_rules(taxonomy: Taxonomy) -> list[Finding]:
    """Checks across topics: unique ids, and each pick-list answer mapped to one topic only."""
    return [*_duplicate_ids(taxonomy), *_duplicate_root_causes(taxonomy)]


def _duplicate_ids(taxonomy: Taxonomy) -> list[Finding]:
    return duplicates("topic", ((t.id, ("topics", i)) for i, t in enumerate(taxonomy.topics)))


def _duplicate_root_causes(taxonomy: Taxonomy) -> list[Finding]:
    owner: dict[str, str] = {}
    found = []
    for i, topic in enumerate(taxonomy.topics):
        for j, cause in enumerate(topic.root_causes):
            key = root_cause_key(cause)
            if key in owner and owner[key] != topic.id:
                loc: Loc = ("topics", i, "root_causes", j)
                message = f"root cause {cause!r} is already mapped onto topic {owner[key]!r}"
                found.append(Finding("duplicate_root_cause", loc, message))
            owner.setdefault(key, topic.id)
    return found


# -- loading ----------------------------------------------------------------------------------


def load_taxonomy(path: Path) -> Taxonomy:
    """Load and check a taxonomy file; raise :class:`TaxonomyInvalid` naming each problem."""
    stat = path.stat() if path.is_file() else None
    if stat is None:
        return _load(path)
    return _load_cached(path.resolve(), stat.st_mtime_ns, stat.st_size)


def load_taxonomy_text(text: str, name: str = "<taxonomy>") -> Taxonomy:
    """Load and check taxonomy YAML held in a string; ``name`` stands for the file."""
    checked = check_text(text, name, Taxonomy, taxonomy_rules)
    return _completed(checked.accept("taxonomy file", TaxonomyInvalid))


@cache
def default_taxonomy() -> Taxonomy:
    """The taxonomy shipped with Journeys."""
    text = (resources.files("journeys.feedback.text") / "taxonomy.yaml").read_text("utf-8")
    taxonomy = check_text(text, DEFAULT_NAME, Taxonomy, taxonomy_rules).accept(
        "taxonomy file", TaxonomyInvalid
    )
    return taxonomy


def taxonomy_for(workspace_root: Path) -> Taxonomy:
    """The workspace's ``feedback/taxonomy.yaml`` when it has one, else the default."""
    path = Path(workspace_root) / WORKSPACE_FILE
    return load_taxonomy(path) if path.is_file() else default_taxonomy()


@lru_cache(maxsize=32)
def _load_cached(path: Path, mtime_ns: int, size: int) -> Taxonomy:
    # Keyed on the file's time and size: an edited file is read again, an unchanged one not.
    return _load(path)


def _load(path: Path) -> Taxonomy:
    checked = check_file(path, Taxonomy, taxonomy_rules)
    return _completed(checked.accept("taxonomy file", TaxonomyInvalid))


def _completed(taxonomy: Taxonomy) -> Taxonomy:
    if taxonomy.comment_kinds is not None:
        return taxonomy
    return taxonomy.model_copy(update={"comment_kinds": default_taxonomy().comment_kinds})
