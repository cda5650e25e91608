"""The reject file: one JSON object per refused row, so a bad row never stops the good ones."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import IO, Any


def default_reject_path(source: Path) -> Path:
    """``<name>.rejects.jsonl`` next to the input, or in the working directory if that is
    read-only (shared data folders often are)."""
    name = f"{source.name}.rejects.jsonl"
    folder = source.resolve().parent
    return folder / name if os.access(folder, os.W_OK) else Path.cwd() / name


class RejectWriter:
    """Appends refused rows to a JSON Lines file, created on the first refusal."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._file: IO[str] | None = None
        # A reject file left by an earlier import of the same input would now be misleading.
        path.unlink(missing_ok=True)

    def add(
        self,
        *,
        code: str,
        reason: str,
        raw: Any,
        line: int | None = None,
        row: int | None = None,
    ) -> None:
        """Record one refused row: where it was, why it was refused, and what it held."""
        record: dict[str, Any] = {}
        if line is not None:
            record["line"] = line
        if row is not None:
            record["row"] = row
        record.update(code=code, reason=reason, raw=raw)
        if self._file is None:
            self._file = self.path.open("w", encoding="utf-8")
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self.count += 1

    def close(self) -> Path | None:
        """Finish the file; returns its path, or None when nothing was refused."""
        if self._file is None:
            return None
        self._file.close()
        self._file = None
        return self.path

    def discard(self) -> None:
        """Drop the file (the import failed as a whole, so its rejects mean nothing)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)
        self.count = 0
