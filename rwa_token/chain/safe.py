"""Safe (Gnosis Safe) transactions, offline: the EIP-712 Safe transaction hash, owners' signatures and MultiSend
batches, all through safe-eth-py (imported on first use: it is only needed when a command proposes to a Safe).

A `SafeTransaction` is what the owners sign: one call, or a delegatecall to MultiSendCallOnly carrying several,
with the Safe's nonce fixed when it is proposed. Gas refunds are not used (safeTxGas, baseGas and gasPrice 0): the
owner who executes pays the gas, and a failing inner call reverts the whole execution."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Sequence

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address

from .tx import SafeCall

if TYPE_CHECKING:
    from safe_eth.safe.safe_tx import SafeTx

CALL, DELEGATECALL = 0, 1
# Safe v1.4.1 at its addresses on every chain the Safe deployments cover (deterministic deployment).
MULTISEND_CALL_ONLY = "0x9641d764fc13c8B624c04430C7356C1C7C8102e2"
CANONICAL = {"singleton": "0x41675C099F32341bf84BFc5382aF534df5C7461a",
             "factory": "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67",
             "handler": "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99",
             "multisend": MULTISEND_CALL_ONLY}


def multisend_payload(calls: Sequence[SafeCall]) -> bytes:
    """The `transactions` argument of MultiSendCallOnly.multiSend: the calls packed one after another."""
    from safe_eth.safe.multi_send import MultiSendOperation, MultiSendTx

    return b"".join(bytes(MultiSendTx(MultiSendOperation.CALL, c.to, c.value, c.data).encoded_data) for c in calls)


def multisend_calls(payload: bytes) -> list[SafeCall]:
    """The calls packed in a MultiSend `transactions` argument."""
    from safe_eth.safe.multi_send import MultiSend

    return [SafeCall(to_checksum_address(t.to), bytes(t.data), t.value) for t in MultiSend.from_bytes(payload)]


@dataclass(frozen=True)
class SafeTransaction:
    """One Safe transaction and the owners' signatures collected so far (sorted by owner, as the Safe checks
    them)."""

    safe: str
    chain_id: int
    version: str
    nonce: int
    to: str
    data: bytes
    value: int = 0
    operation: int = CALL
    signatures: bytes = field(default=b"", repr=False)

    def _safe_tx(self) -> "SafeTx":
        from safe_eth.safe.safe_tx import SafeTx

        return SafeTx(None, self.safe, self.to, self.value, self.data, self.operation, 0, 0, 0, None, None,
                      self.signatures, self.nonce, self.version, self.chain_id)

    @property
    def hash(self) -> str:
        """The Safe transaction hash (EIP-712, the Safe's domain on this chain): what every owner signs."""
        return "0x" + bytes(self._safe_tx().safe_tx_hash).hex()

    @property
    def signers(self) -> list[str]:
        """The owners whose signatures are attached, in the order the Safe reads them."""
        return [to_checksum_address(a) for a in self._safe_tx().signers]

    def signed_by(self, account: LocalAccount) -> "SafeTransaction":
        """The same transaction with `account`'s signature of its hash added (once)."""
        safe_tx = self._safe_tx()
        safe_tx.sign("0x" + bytes(account.key).hex())
        return replace(self, signatures=bytes(safe_tx.signatures))

    def exec_args(self) -> tuple[Any, ...]:
        """The arguments of Safe.execTransaction for this transaction with its signatures."""
        zero = "0x" + "00" * 20
        return (self.to, self.value, self.data, self.operation, 0, 0, 0, zero, zero, self.signatures)

    def to_json(self) -> dict[str, Any]:
        return {"safe": self.safe, "chain_id": self.chain_id, "version": self.version, "nonce": self.nonce,
                "to": self.to, "value": str(self.value), "data": "0x" + self.data.hex(), "operation": self.operation,
                "signatures": "0x" + self.signatures.hex()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SafeTransaction":
        return cls(to_checksum_address(data["safe"]), int(data["chain_id"]), str(data["version"]), int(data["nonce"]),
                   to_checksum_address(data["to"]), bytes.fromhex(data["data"][2:]), int(data["value"]),
                   int(data["operation"]), bytes.fromhex(data["signatures"][2:]))
