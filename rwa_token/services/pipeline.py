"""Journaled batches sent back to back: the transactions of a long operation (registration batches, distribution
pushes) go out in windows of consecutive nonces without waiting in between, and each window's receipts are then
awaited together. Every hash is journaled as 'sent' the moment the node has it and as 'confirmed' (or 'failed')
once mined, so a crash anywhere leaves a record of all that may still land and a rerun sends nothing twice.

Gas: the first batch of each size is estimated (which also surfaces a refusal before anything of it is sent);
later batches of that size reuse the estimate with more headroom instead of executing twice. A batch that runs out
of gas anyway (it cost more than the first, e.g. more first-time payees) reverts whole, so it is estimated and
sent again on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from eth_account.signers.local import LocalAccount

from ..chain.tx import NOT_PROPOSABLE, Receipt, Transactor, TxCall
from ..primitives.errors import ConfigError, ContractRevert
from ..store.journal import Journal

PIPELINE_DEPTH = 16  # transactions in flight at once: within a node's usual per-sender pool limit (geth: 16)
REUSE_HEADROOM = 1.25  # on top of the estimate's own: a later batch of the same size may cost a little more


@dataclass
class GasBySize:
    """The gas limit of each batch size, estimated once (its first batch) and reused for the others."""

    tx: Transactor
    sender: LocalAccount
    limits: dict[int, int] = field(default_factory=dict)

    def gas(self, size: int, call: TxCall) -> int:
        if size not in self.limits:
            self.raise_to(size, self.tx.estimate_call(self.sender, call))
        return self.limits[size]

    def raise_to(self, size: int, estimate: int) -> None:
        """Reuse `estimate` with headroom, within the block gas limit (never below the estimate itself)."""
        reused = min(int(estimate * REUSE_HEADROOM), self.tx.block_gas_limit() or 1 << 62)
        self.limits[size] = max(self.limits.get(size, 0), estimate, reused)


def _out_of_gas(failure: ContractRevert, gas: int | None) -> bool:
    receipt = getattr(failure, "receipt", None)
    return gas is not None and receipt is not None and receipt.gas_used >= gas * 63 // 64


def send_batches(tx: Transactor, sender: LocalAccount, journal: Journal | None, kind: str,
                 batches: Sequence[tuple[int, TxCall, dict[str, Any]]], *,
                 context: dict[str, Any] | None = None,
                 on_mined: Callable[[int, Receipt], None] | None = None) -> list[Receipt]:
    """Send `batches` (size, call without gas, what its 'sent' journal entry records) back to back in windows of
    PIPELINE_DEPTH, journaled; `on_mined(index, receipt)` hears of each in order. Returns the receipts in order.
    A batch mined but refused raises its refusal once its window is settled (journaled as 'failed'); one that ran
    out of its reused gas limit is estimated and sent again."""
    context = context or {}
    if tx.safe:  # collected for a Safe proposal, not sent: nothing to estimate, journal or await
        if journal is not None:
            raise ConfigError(NOT_PROPOSABLE.format(what="records each transaction as it is mined, to resume"))
        proposed = tx.send_many(sender, [call for _, call, _ in batches])
        for index, result in enumerate(proposed):
            if on_mined:
                on_mined(index, result)  # type: ignore[arg-type]
        return proposed  # type: ignore[return-value]
    gas = GasBySize(tx, sender)
    receipts: list[Receipt] = []
    for start in range(0, len(batches), PIPELINE_DEPTH):
        window = batches[start:start + PIPELINE_DEPTH]
        calls = [TxCall(call.to, call.data, call.value, gas.gas(size, call)) for size, call, _ in window]
        results = _journaled_window(tx, sender, journal, kind, calls, [meta for _, _, meta in window], context)
        for offset, ((size, call, meta), result) in enumerate(zip(window, results)):
            if isinstance(result, ContractRevert):
                if not _out_of_gas(result, calls[offset].gas):
                    raise result
                fresh = tx.estimate_call(sender, call)
                gas.raise_to(size, fresh)
                result = _journaled_window(tx, sender, journal, kind, [TxCall(call.to, call.data, call.value, fresh)],
                                           [meta], context)[0]
                if isinstance(result, ContractRevert):
                    raise result
            receipts.append(result)
            if on_mined:
                on_mined(start + offset, result)
    return receipts


def _journaled_window(tx: Transactor, sender: LocalAccount, journal: Journal | None, kind: str,
                      calls: list[TxCall], metas: list[dict[str, Any]],
                      context: dict[str, Any]) -> list[Receipt | ContractRevert]:
    if journal is None:
        return tx.send_many(sender, calls)
    pending = iter(metas)

    def record(tx_hash: str) -> None:
        journal.append(status="sent", kind=kind, **context, **next(pending), tx=tx_hash)

    with tx.broadcasting_to(record):  # refuses Safe mode: a journaled step needs mined transactions
        results = tx.send_many(sender, calls)
    for result in results:
        if isinstance(result, Receipt):
            journal.append(status="confirmed", kind=kind, **context, tx=result.tx_hash, block=result.block_number)
        else:
            receipt = result.receipt  # type: ignore[attr-defined]
            journal.append(status="failed", kind=kind, **context, tx=receipt.tx_hash, block=receipt.block_number)
    return results
