"""The topic taxonomy: the shipped default, a workspace's own file, and refused files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from journeys.errors import InvalidInput
from journeys.feedback.text import (
    TaxonomyInvalid,
    analyse_comment,
    default_taxonomy,
    load_taxonomy,
    load_taxonomy_text,
    taxonomy_for,
)

OWN = """\
version: 1
topics:
  - id: parking
    label: {en: Parking, nl: Parkeren}
    keywords:
      nl: [parkeer*, "geen plek"]
      en: [parking, "car park"]
    root_causes: [Parkeren bij de winkel]
  - id: coffee
    keywords:
      nl: [koffie]
"""


def test_the_default_taxonomy_has_the_usual_topics_in_both_languages() -> None:
    taxonomy = default_taxonomy()
    ids = [t.id for t in taxonomy.topics]
    for expected in ("price", "waiting-time", "staff", "website-app", "delivery"):
        assert expected in ids
    for expected in ("product-quality", "billing", "communication"):
        assert expected in ids
    assert all({"nl", "en"} <= set(t.keywords) for t in taxonomy.topics)
    kinds = taxonomy.kinds
    assert {"nl", "en"} <= set(kinds.idea) & set(kinds.question) & set(kinds.complaint)


def test_a_workspace_file_replaces_the_default(tmp_path: Path) -> None:
    assert taxonomy_for(tmp_path) is default_taxonomy()
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "taxonomy.yaml").write_text(OWN, encoding="utf-8")
    own = taxonomy_for(tmp_path)
    assert [t.id for t in own.topics] == ["parking", "coffee"]
    assert taxonomy_for(tmp_path) is own  # read once while the file is unchanged
    text = "Geen plek om te parkeren en de koffie was koud; de prijs is te hoog"
    assert analyse_comment(text, taxonomy=own).topics == ["parking", "coffee"]
    cause = "parkeren-bij-de-winkel"
    assert analyse_comment("Prima", root_cause=cause, taxonomy=own).topics == ["parking"]
    # the comment kinds it leaves out are the default's
    assert own.kinds == default_taxonomy().kinds
    assert analyse_comment("Waar kan ik parkeren?", taxonomy=own).kind == "question"


def test_an_edited_workspace_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "feedback" / "taxonomy.yaml"
    path.parent.mkdir()
    path.write_text(OWN, encoding="utf-8")
    assert len(taxonomy_for(tmp_path).topics) == 2
    path.write_text(OWN.replace("  - id: coffee\n    keywords:\n      nl: [koffie]\n", ""))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert [t.id for t in taxonomy_for(tmp_path).topics] == ["parking"]


BROKEN = [
    # YAML text, code, field, line
    (
        "topics:\n  - id: price\n    keywords: {en: [price]}\n    colour: red\n",
        "unknown_field",
        "topics[0].colour",
        4,
    ),
    ("topics:\n  - id: price\n    label: {en: Price}\n", "missing_field", "topics[0].keywords", 2),
    (
        "topics:\n  - id: price\n    keywords:\n      en: [price, '*']\n",
        "invalid_value",
        "topics[0].keywords.en[1]",
        4,
    ),
    (
        "topics:\n  - id: price\n    keywords: {en: [pr*ice]}\n",
        "invalid_value",
        "topics[0].keywords.en[0]",
        3,
    ),
    (
        "topics:\n  - id: Price Topic\n    keywords: {en: [price]}\n",
        "invalid_id",
        "topics[0].id",
        2,
    ),
    (
        "topics:\n  - id: a\n    keywords: {en: [x]}\n  - id: a\n    keywords: {en: [y]}\n",
        "duplicate_id",
        "topics[1].id",
        4,
    ),
    (
        "topics:\n  - id: a\n    keywords: {en: [x]}\n    root_causes: [Cost]\n"
        "  - id: b\n    keywords: {en: [y]}\n    root_causes: [cost]\n",
        "duplicate_root_cause",
        "topics[1].root_causes[0]",
        7,
    ),
    ("topics: []\n", "empty_value", "topics", 1),
    ("topics:\n  - id: a\n    keywords: {en: [x\n", "yaml_syntax", "<document>", 4),
]


@pytest.mark.parametrize(("text", "code", "field", "line"), BROKEN)
def test_a_broken_taxonomy_is_refused_naming_file_field_and_line(
    tmp_path: Path, text: str, code: str, field: str, line: int
) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyInvalid) as caught:
        load_taxonomy(path)
    error = caught.value
    assert isinstance(error, InvalidInput) and error.code == "taxonomy_invalid"
    first = error.details[0]
    assert (first["code"], first["field"], first["line"]) == (code, field, line), first
    assert error.message.startswith(f"invalid taxonomy file {path}:{line}:")
    assert field in error.message


def test_a_broken_workspace_taxonomy_is_an_error_not_the_default(tmp_path: Path) -> None:
    (tmp_path / "feedback").mkdir()
    (tmp_path / "feedback" / "taxonomy.yaml").write_text("topics: nope\n", encoding="utf-8")
    with pytest.raises(TaxonomyInvalid, match="topics"):
        taxonomy_for(tmp_path)


def test_a_missing_taxonomy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyInvalid, match="file_unreadable"):
        load_taxonomy(tmp_path / "nope.yaml")


def test_taxonomy_text_loads_like_a_file() -> None:
    taxonomy = load_taxonomy_text(OWN, "own.yaml")
    assert taxonomy.topic("coffee") is not None and taxonomy.topic("tea") is None
    with pytest.raises(TaxonomyInvalid, match=r"own\.yaml:1:1"):
        load_taxonomy_text("- just a list\n", "own.yaml")
