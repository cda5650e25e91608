"""Comments from a file or standard input: one per line, or one column of a CSV file."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from journeys.errors import ImportFailed


@dataclass
class Comments:
    """Comment texts in file order, with the pick-list root cause of each when there is one."""

    texts: list[str] = field(default_factory=list)
    root_causes: list[str | None] = field(default_factory=list)


def read_comments(
    path: Path | None,
    column: str | None = None,
    root_cause_column: str | None = None,
    *,
    stdin: BinaryIO | None = None,
) -> Comments:
    """Read comments from ``path`` (``None`` or ``-``: ``stdin``).

    With ``column`` the input is a CSV file with a header row; a ``.csv`` file without it
    must have a single column. Otherwise every non-blank line is a comment.
    """
    from_stdin = path is None or str(path) == "-"
    name = "standard input" if from_stdin else str(path)
    text = _decode(_read(None if from_stdin else path, stdin), name)
    is_csv = column is not None or root_cause_column is not None
    if is_csv or (path is not None and path.suffix.lower() == ".csv"):
        return _from_csv(text, name, column, root_cause_column)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return Comments(lines, [None] * len(lines))


def _read(path: Path | None, stdin: BinaryIO | None) -> bytes:
    if path is None:
        if stdin is None:
            raise ImportFailed("no comments given: name a file or pipe them in")
        return stdin.read()
    try:
        return path.read_bytes()
    except OSError as e:
        reason = e.strerror or str(e)
        raise ImportFailed(f"cannot read {path}: {reason}", details={"file": str(path)}) from e


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        message = (
            f"{name} is not UTF-8 text (byte 0x{data[e.start]:02x} at offset {e.start}); "
            "save it as UTF-8"
        )
        raise ImportFailed(message, details={"file": name, "offset": e.start}) from e


def _from_csv(text: str, name: str, column: str | None, cause_column: str | None) -> Comments:
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    header = next(rows, None)
    if header is None:
        return Comments()
    if column is None and len(header) != 1:
        raise ImportFailed(
            f"{name} has {len(header)} columns: say which holds the comments with --column "
            f"(columns: {', '.join(header)})",
            details={"file": name, "columns": header},
        )
    at = _index(header, column, name) if column is not None else 0
    cause_at = _index(header, cause_column, name) if cause_column is not None else None
    found = Comments()
    for row in rows:
        if not row:
            continue
        found.texts.append(row[at].strip() if at < len(row) else "")
        cause = row[cause_at].strip() if cause_at is not None and cause_at < len(row) else ""
        found.root_causes.append(cause or None)
    return found


def _index(header: list[str], column: str, name: str) -> int:
    names = [h.strip() for h in header]
    if column in names:
        return names.index(column)
    folded = [h.casefold() for h in names]
    if column.casefold() in folded:
        return folded.index(column.casefold())
    raise ImportFailed(
        f"{name} has no column {column!r} (columns: {', '.join(names)})",
        details={"file": name, "column": column, "columns": names},
    )


def _delimiter(text: str) -> str:
    # Told by the header row alone: comments are full of commas, column names seldom are.
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
