"""docs/journey-files.md documents every journey-file field and every validation code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel

from journeys.maps.loader import ERROR_CODES, load_journey_text
from journeys.maps.model import CHANNELS, Journey

DOC = Path(__file__).resolve().parent.parent / "docs" / "journey-files.md"


def _models(annotation: Any) -> list[type[BaseModel]]:
    args = get_args(annotation)
    if not args:
        is_model = isinstance(annotation, type) and issubclass(annotation, BaseModel)
        return [annotation] if is_model else []
    return [m for arg in args for m in _models(arg)]


def reachable_models(root: type[BaseModel] = Journey) -> list[type[BaseModel]]:
    """Every model a journey file can contain, root first."""
    found: list[type[BaseModel]] = []
    todo = [root]
    while todo:
        model = todo.pop(0)
        if model in found:
            continue
        found.append(model)
        for info in model.model_fields.values():
            todo.extend(_models(info.annotation))
    return found


def test_every_model_reachable_from_journey_is_walked() -> None:
    names = {m.__name__ for m in reachable_models()}
    assert {"Journey", "Stage", "Touchpoint", "Matcher", "PropertyFilter"} <= names
    assert {"Persona", "EmpathyMap", "Goal", "BacklogItem"} <= names


def test_every_field_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = [
        f"{model.__name__}.{name}"
        for model in reachable_models()
        for name in model.model_fields
        if f"`{name}`" not in doc
    ]
    assert missing == [], f"fields missing from {DOC.name}: {missing}"


def test_every_model_has_a_section() -> None:
    doc = DOC.read_text(encoding="utf-8")
    # PropertyFilter is written as text in a file, so it is documented by its grammar.
    sections = [m.__name__ for m in reachable_models() if m.__name__ != "PropertyFilter"]
    assert [s for s in sections if f"### {s}" not in doc] == []
    assert "## Property filters" in doc


def test_every_error_code_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.MULTILINE))
    assert [code for code in ERROR_CODES if code not in table] == []


def test_every_channel_and_operator_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    assert [c for c in CHANNELS if f"`{c}`" not in doc] == []
    for op in ("=", "!=", ">", ">=", "<", "<=", "contains", "starts_with", "in", "exists"):
        assert f"`{op}`" in doc


def test_the_example_in_the_doc_is_a_valid_journey() -> None:
    doc = DOC.read_text(encoding="utf-8")
    example = re.search(r"## A complete example\n\n```yaml\n(.*?)```", doc, flags=re.DOTALL)
    assert example is not None
    journey = load_journey_text(example[1], name="docs/journey-files.md")
    assert journey.id == "mortgage"
    assert journey.backlog[0].touchpoint == "advisor-call"
