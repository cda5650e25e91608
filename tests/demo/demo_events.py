"""Helpers for reading generated demo events in tests."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa


@dataclass
class Events:
    """A generated table as row dicts, with identities resolved the way stitching would."""

    table: pa.Table
    rows: list[dict[str, Any]]

    def resolved(self) -> dict[int, str]:
        """Row index → customer key: user id, via identify for anonymous ids, via alias."""
        first_user: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for r in self.rows:
            if r["type"] == "identify" and r["anonymous_id"]:
                first_user.setdefault(r["anonymous_id"], r["user_id"])
            if r["type"] == "alias":
                aliases[r["previous_id"]] = r["user_id"]
        out = {}
        for i, r in enumerate(self.rows):
            key = r["user_id"] or first_user.get(r["anonymous_id"]) or f"anon:{r['anonymous_id']}"
            out[i] = aliases.get(key, key)
        return out

    def by_customer(self) -> dict[str, list[dict[str, Any]]]:
        """Each resolved customer's events, in table (time) order."""
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for i, key in self.resolved().items():
            groups[key].append(self.rows[i])
        return groups


def as_event(row: dict[str, Any]) -> dict[str, Any]:
    """A table row with its JSON columns parsed, the shape ``Matcher.matches`` reads."""
    return {
        **row,
        "properties": json.loads(row["properties"] or "{}"),
        "context": json.loads(row["context"] or "{}"),
    }
