"""An append-only journal for long operations (bulk imports, batched payments), so a rerun after a crash
neither repeats nor loses work. Each line is one JSON record; a torn last line (crash mid-write) is ignored."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator


class Journal:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def entries(self) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        for line in self.path.read_text().splitlines():
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue  # the torn tail of an interrupted write

    def append(self, **entry: Any) -> None:
        with self.path.open("a") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def in_flight(self) -> list[dict[str, Any]]:
        """Transactions recorded as sent but never recorded as confirmed."""
        sent: dict[str, dict] = {}
        for entry in self.entries():
            if entry.get("status") == "sent":
                sent[entry["tx"]] = entry
            elif entry.get("status") in ("confirmed", "failed", "dropped"):
                sent.pop(entry.get("tx"), None)
        return list(sent.values())
