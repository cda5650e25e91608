"""Write a :class:`Journey` back as YAML, in the shape a person would write it by hand.

Fields come in model order; defaults, empty lists and ``None`` are left out to keep files
short; matcher filters are written as their text (``path starts_with "/mortgage"``); text
with line breaks becomes a ``|`` block. ``load_journey_text(dump_journey(j)) == j`` holds for
every valid journey (a property test checks it).
"""

from __future__ import annotations

import io
from typing import Any

from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from journeys.maps.loader import load_journey_text
from journeys.maps.model import Journey, PropertyFilter

__all__ = ["dump_journey", "load_journey_text"]

WIDTH = 100  # long text is folded at spaces past this column, as the code style does


def dump_journey(journey: Journey) -> str:
    """The journey as YAML text that ``load_journey_text`` reads back to an equal journey."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = WIDTH
    stream = io.StringIO()
    yaml.dump(_mapping(journey), stream)
    return stream.getvalue()


def _mapping(model: BaseModel) -> CommentedMap:
    out = CommentedMap()
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        if not info.is_required() and value == info.get_default(call_default_factory=True):
            continue
        out[name] = _node(value)
    return out


def _node(value: Any) -> Any:
    if isinstance(value, PropertyFilter):
        return _node(value.text())
    if isinstance(value, BaseModel):
        return _mapping(value)
    if isinstance(value, list):
        return CommentedSeq([_node(v) for v in value])
    if isinstance(value, str) and _fits_a_block(value):
        return LiteralScalarString(value)
    if isinstance(value, str) and "\x85" in value:
        # ruamel writes NEL unescaped inside single quotes, where YAML 1.2 reads it back as
        # a space; double quotes escape it as ``\N``.
        return DoubleQuotedScalarString(value)
    return value


def _fits_a_block(text: str) -> bool:
    # A ``|`` block reads best for prose over several lines, but it cannot hold every string
    # exactly (``\r``, control characters, leading or trailing blanks are changed on reading),
    # and ruamel does not always fall back by itself; the double-quoted default always can.
    lines = text.rstrip("\n").split("\n")
    return (
        len(lines) > 1
        and all(line.isprintable() and line == line.strip() for line in lines)
        and not text.endswith("\n\n")
    )
