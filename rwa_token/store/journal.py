"""An append-only journal for long operations (bulk imports, batched payments), so a rerun after a crash
neither repeats nor loses work. Each line is one JSON record; a torn last line (crash mid-write) is ignored."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..primitives.errors import TransactionError

if TYPE_CHECKING:
    from ..chain.tx import Receipt, Transactor

# `progress(done, total)`: how every long operation (import, push, index sync) reports where it is.
Progress = Callable[[int, int], None]


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


def settle_in_flight(tx: "Transactor", journal: Journal, timeout: float = 120.0) -> int:
    """Wait for the transactions an earlier run sent but never saw confirmed, and record what became of each.

    Waiting matters: a batch still pending would otherwise look unpaid to the pre-check and be sent again
    (harmless on chain, but gas spent for nothing and confusing receipts)."""
    in_flight = journal.in_flight()
    for entry in in_flight:
        deadline = time.monotonic() + timeout
        while (status := tx.receipt_status(entry["tx"])) == "pending":
            if time.monotonic() > deadline:
                raise TransactionError(f"transaction {entry['tx']} from the previous run is still pending after "
                                       f"{timeout:.0f}s: wait for it (or replace it), then rerun")
            time.sleep(0.2)
        journal.append(status="confirmed" if status == "mined" else "dropped", kind=entry.get("kind"),
                       tx=entry["tx"])
    return len(in_flight)


def journaled(tx: "Transactor", journal: Journal | None, kind: str, send: Callable[[], "Receipt"], *,
              context: dict[str, Any] | None = None, sent: dict[str, Any] | None = None) -> "Receipt":
    """Send one transaction; with a journal, record it as 'sent' the moment the node has it and 'confirmed' once
    mined, so a crash in between leaves a record of work that may still land. `context` goes into both entries
    (e.g. the distribution id), `sent` only into the first (the rows or holders the transaction covers)."""
    if journal is None:
        return send()
    context = context or {}

    def record(tx_hash: str) -> None:
        journal.append(status="sent", kind=kind, **context, **(sent or {}), tx=tx_hash)

    with tx.broadcasting_to(record):
        receipt = send()
    journal.append(status="confirmed", kind=kind, **context, tx=receipt.tx_hash, block=receipt.block_number)
    return receipt
