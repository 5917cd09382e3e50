"""DvPSettlement: atomic delivery versus payment of security-token trades signed with EIP-712."""
from __future__ import annotations

from typing import Sequence

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt
from ..primitives.units import ZERO_ADDRESS
from .base import AccessControlled


class DvPSettlement(AccessControlled):
    """One settlement contract per platform. Trades are `rwa_token.services.trading.Trade`; signatures come from
    `rwa_token.services.trading.sign_trade` (or are empty for the side that sends the transaction)."""

    CONTRACT = "DvPSettlement"

    @classmethod
    def deploy_new(cls, tx, sender: LocalAccount, admin: str, fee_recipient: str | None = None) -> "DvPSettlement":
        return cls.deploy(tx, sender, admin, fee_recipient or ZERO_ADDRESS)

    def hash_trade(self, trade) -> bytes:
        return bytes(self.call("hashTrade", trade.as_tuple()))

    def nonce_used(self, seller: str, nonce: int) -> bool:
        return bool(self.call("nonceUsed", seller, nonce))

    def cancelled_by_buyer(self, trade_hash: bytes) -> bool:
        return bool(self.call("cancelledByBuyer", trade_hash))

    def fee_recipient(self) -> str:
        return self.call("feeRecipient")

    def settle(self, trade, seller_signature: bytes = b"", buyer_signature: bytes = b"",
               sender: LocalAccount | None = None, gas: int | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("settle", trade.as_tuple(), seller_signature, buyer_signature, sender=sender, gas=gas,
                         dry_run=dry_run)

    def settle_batch(self, signed: Sequence, sender: LocalAccount | None = None, gas: int | None = None) -> Receipt:
        """`signed`: `rwa_token.services.trading.SignedTrade` items."""
        return self.send("settleBatch", [s.trade.as_tuple() for s in signed],
                         [s.seller_signature for s in signed], [s.buyer_signature for s in signed],
                         sender=sender, gas=gas)

    @staticmethod
    def batch_outcome(receipt: Receipt) -> tuple[list[bytes], dict[bytes, bytes]]:
        """What a `settle_batch` receipt did: the hashes of the trades it settled, and of those it skipped with
        each one's revert data (decode it with `rwa_token.chain.tx.decode_revert`)."""
        settled = [bytes(e["args"]["tradeHash"]) for e in receipt.events("TradeSettled")]
        failed = {bytes(e["args"]["tradeHash"]): bytes(e["args"]["reason"]) for e in receipt.events("TradeFailed")}
        return settled, failed

    def cancel(self, trade, sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("cancel", trade.as_tuple(), sender=sender, dry_run=dry_run)

    def invalidate_nonce(self, nonce: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("invalidateNonce", nonce, sender=sender)

    def set_fee_recipient(self, recipient: str, sender: LocalAccount | None = None,
                          dry_run: bool = False) -> Receipt | None:
        return self.send("setFeeRecipient", recipient, sender=sender, dry_run=dry_run)
