"""Event properties that satisfy a touchpoint's matcher.

A touchpoint event starts from its domain's realistic properties for that event name; then
each ``where`` filter of the matcher is made true: ``=`` sets the value, ``starts_with`` and
``contains`` complete a string, ``in`` picks a member, comparisons pick a number on the right
side, ``exists`` fills in a value. Values that already satisfy a filter are kept, so a loan
amount of €310,000 stays when the filter only asks for ``loan_amount > 50000``.
"""

from __future__ import annotations

from collections.abc import Sequence
from random import Random
from typing import Any

from journeys.maps.model import PropertyFilter


def satisfy(
    filters: list[PropertyFilter],
    props: dict[str, Any],
    context: dict[str, Any],
    rng: Random,
    words: Sequence[str],
) -> None:
    """Change ``props`` (and ``context`` for ``context.`` paths) so every filter holds."""
    for f in filters:
        if f.op == "=" and "." not in f.property:
            props[f.property] = f.value  # the common case, and the cheapest
            continue
        target, path = props, f.property.split(".")
        if path[0] == "context":
            target, path = context, path[1:]
        if f.matches(props, context):
            continue
        _set(target, path, _value_for(f, rng, words))


def _value_for(f: PropertyFilter, rng: Random, words: Sequence[str]) -> Any:
    v = f.value
    if f.op == "=":
        return v
    if f.op == "!=":
        return f"{v}-other" if isinstance(v, str) else (v + 1 if _is_number(v) else "other")
    if f.op == "in":
        return v[int(rng.random() * len(v))]
    if f.op == "starts_with":
        return _complete(str(v), rng, words)
    if f.op == "contains":
        return f"{words[int(rng.random() * len(words))]}-{v}"
    if f.op == "exists":
        return _any_value(f.property, rng)
    return _number(f.op, v, rng)


def _complete(prefix: str, rng: Random, words: Sequence[str]) -> str:
    word = words[int(rng.random() * len(words))]
    if prefix.endswith(("-", "_")):
        return prefix + str(rng.randrange(10**6)).zfill(6)
    if prefix.endswith("/"):
        return prefix + word
    if prefix.startswith("/"):
        return prefix if rng.random() < 0.5 else f"{prefix}/{word}"
    return f"{prefix}-{word}"


def _number(op: str, v: Any, rng: Random) -> Any:
    span = max(1.0, abs(v) * 0.5)
    if isinstance(v, int):
        step = 1 + int(rng.random() * span)
        return {">": v + step, ">=": v + step - 1, "<": v - step, "<=": v - step + 1}[op]
    delta = rng.random() * span + 0.01
    return {">": v + delta, ">=": v + delta, "<": v - delta, "<=": v - delta}[op]


def _any_value(path: str, rng: Random) -> str:
    name = path.rsplit(".", 1)[-1]
    return f"{name}-{rng.randrange(10**6):06d}"


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _set(target: dict[str, Any], path: list[str], value: Any) -> None:
    node = target
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[path[-1]] = value
