"""A tracking client in a process of its own: sends batches to ``POST /v1/batch`` without
pause, the way Segment's libraries do, until a stop file appears.

``python ingest_sender.py URL WRITE_KEY OUT_DIR [WORKERS] [BATCH]``

Each worker sends batches of track messages with unique message ids. A batch that got a 2xx
answer is written to ``OUT_DIR/acked.jsonl`` (one JSON line per batch: its message ids, the
answer's ``stored`` and ``duplicates``, and how many attempts it took), flushed before the next
batch. A batch whose call failed (connection refused or cut, a 5xx) is sent again, with the
same message ids and timestamps and a fresh ``sentAt``, until it is acknowledged. When
``OUT_DIR/stop`` exists, each worker finishes the batch it has in hand and exits. Any other
answer (a 4xx), or a batch still unacknowledged long after the stop, is written to
``OUT_DIR/failed`` and ends the process with status 1.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

RETRY_PAUSE = 0.05  # seconds between attempts while the server is down
FINISH_WITHIN = 30.0  # seconds a worker may take to finish its batch once told to stop


class Sender:
    """Workers that share one acknowledgement file."""

    def __init__(self, url: str, key: str, out: Path, batch: int) -> None:
        self.url, self.key, self.out, self.batch = url, key, out, batch
        self.lock = threading.Lock()
        self.acked = (out / "acked.jsonl").open("a", encoding="utf-8")
        self.failed: str | None = None

    def stopping(self) -> bool:
        """Whether the test asked to stop (or a worker failed)."""
        return self.failed is not None or (self.out / "stop").exists()

    def work(self, worker: int) -> None:
        """Send batch after batch until told to stop."""
        with httpx.Client(auth=(self.key, ""), timeout=10) as client:
            number = 0
            while not self.stopping():
                ids = [f"w{worker}-b{number:05d}-m{i:03d}" for i in range(self.batch)]
                self.deliver(client, ids)
                number += 1

    def deliver(self, client: httpx.Client, ids: list[str]) -> None:
        """Send one batch until it is acknowledged, and write the acknowledgement down."""
        now = datetime.now(UTC).isoformat()
        messages = [
            {
                "type": "track",
                "event": "Ingest Probe",
                "userId": f"u{i % 17}",
                "messageId": m,
                "timestamp": now,
                "properties": {"n": i},
            }
            for i, m in enumerate(ids)
        ]
        attempts = 0
        give_up = None
        while True:
            attempts += 1
            body = {"batch": messages, "sentAt": datetime.now(UTC).isoformat()}
            try:
                answer = client.post(f"{self.url}/v1/batch", json=body)
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.is_success:
                self.record(ids, answer.json(), attempts)
                return
            if answer is not None and answer.status_code < 500:
                self.failed = f"{answer.status_code} {answer.text}"
                return
            if self.stopping():  # the server should be up now: finish this batch, then stop
                give_up = give_up or time.monotonic() + FINISH_WITHIN
                if self.failed is not None:
                    return
                if time.monotonic() > give_up:
                    self.failed = f"no acknowledgement for {ids[0]}… after {attempts} attempts"
                    return
            time.sleep(RETRY_PAUSE)

    def record(self, ids: list[str], answer: dict[str, Any], attempts: int) -> None:
        """Append one acknowledged batch to the acknowledgement file, flushed."""
        line = {
            "ids": ids,
            "stored": answer["stored"],
            "duplicates": answer["duplicates"],
            "attempts": attempts,
        }
        with self.lock:
            self.acked.write(json.dumps(line) + "\n")
            self.acked.flush()
            os.fsync(self.acked.fileno())


def main(argv: list[str]) -> int:
    """Run the workers until the stop file appears; 1 if the server refused a batch."""
    url, key, out = argv[0], argv[1], Path(argv[2])
    workers = int(argv[3]) if len(argv) > 3 else 3
    sender = Sender(url, key, out, int(argv[4]) if len(argv) > 4 else 50)
    threads = [threading.Thread(target=sender.work, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sender.acked.close()
    if sender.failed is not None:
        (out / "failed").write_text(sender.failed, encoding="utf-8")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
