"""Wrappers of a Safe multisig (v1.3.0 and later; v1.4.1 deployed in the tests) and MultiSendCallOnly, with the ABIs
safe-eth-py ships, and `describe_call`: any call of the offering's contracts, decoded to its function and arguments
(roles by name) for owners to read before they sign."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Sequence

from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from ..chain.safe import SafeTransaction, multisend_payload
from ..chain.tx import Receipt, SafeCall, Transactor
from ..primitives import artifacts
from ..primitives.errors import ContractRevert, RevertWithReason
from .base import ContractWrapper

# Safe's revert strings (docs/error_codes.md of safe-contracts) that an execution can meet.
SAFE_ERRORS = {
    "GS010": "not enough gas to execute the Safe transaction",
    "GS013": "the Safe transaction's call failed",
    "GS020": "too few signatures",
    "GS025": "a signature is not an owner's approval of this hash",
    "GS026": "a signature is not from an owner, or signatures are out of order",
}


@lru_cache(maxsize=None)
def _safe_artifact(name: str) -> dict:
    return json.loads((resources.files("safe_eth.eth.contracts") / "abis" / f"{name}.json").read_text())


def _safe_abi(name: str) -> list[dict]:
    return _safe_artifact(name)["abi"]


class _SafeContract(ContractWrapper):
    """A wrapper whose ABI comes from safe-eth-py rather than the package's artifacts."""

    ABI_NAME = ""

    def __init__(self, tx: Transactor, address: str, sender: LocalAccount | None = None):
        self.tx, self.address, self.sender = tx, address, sender
        self._abi = _safe_abi(self.ABI_NAME)
        self._functions: dict[str, list[dict]] = {}
        for entry in self._abi:
            if entry["type"] == "function":
                self._functions.setdefault(entry["name"], []).append(entry)

    @classmethod
    def deploy_code(cls, tx: Transactor, sender: LocalAccount):  # type: ignore[no-untyped-def]
        """Deploy this contract from the bytecode safe-eth-py ships (a local chain without Safe's deployments)."""
        code = _safe_artifact(cls.ABI_NAME)["bytecode"]
        receipt = tx.send(sender, None, bytes.fromhex(code[2:]))
        return cls(tx, receipt.contract_address, sender)


class Safe(_SafeContract):
    """A Safe: its owners, threshold and nonce, and execTransaction of a signed `SafeTransaction`."""

    CONTRACT = "Safe"
    ABI_NAME = "Safe_V1_4_1"

    def version(self) -> str:
        return self.call("VERSION")

    def owners(self) -> list[str]:
        return list(self.call("getOwners"))

    def threshold(self) -> int:
        return self.call("getThreshold")

    def nonce(self) -> int:
        return self.call("nonce")

    def setup_data(self, owners: Sequence[str], threshold: int, fallback_handler: str) -> bytes:
        """The initializer of a new Safe proxy: its owners, threshold and fallback handler; no module, no payment."""
        zero = "0x" + "00" * 20
        return self.encode("setup", list(owners), threshold, zero, b"", fallback_handler, zero, 0, zero)

    def transaction_hash(self, t: SafeTransaction) -> str:
        """The hash the Safe itself computes for `t` (a check of the offline hash)."""
        zero = "0x" + "00" * 20
        return "0x" + bytes(self.call("getTransactionHash", t.to, t.value, t.data, t.operation, 0, 0, 0, zero, zero,
                                      t.nonce)).hex()

    def simulate_delegatecall(self, target: str, data: bytes) -> bool:
        """Whether the Safe delegatecalling `target` with `data` succeeds now, in its own context (a MultiSend
        batch: each call sees the earlier ones' effects). Safe's simulateAndRevert always reverts, with the result
        (success flag, return data) as the revert data."""
        try:
            self.call("simulateAndRevert", target, data)
        except ContractRevert as exc:
            return len(exc.data) >= 32 and int.from_bytes(exc.data[:32], "big") == 1
        return False

    def execute(self, t: SafeTransaction, sender: LocalAccount | None = None,
                dry_run: bool = False) -> Receipt | None:
        """execTransaction with the signatures collected; with `dry_run` simulated from the sender."""
        return self.send("execTransaction", *t.exec_args(), sender=sender, dry_run=dry_run)


class SafeProxyFactory(_SafeContract):
    """Creates Safes: proxies of the Safe singleton, set up in the same transaction."""

    CONTRACT = "SafeProxyFactory"
    ABI_NAME = "ProxyFactory_V1_4_1"

    def predict(self, singleton: str, initializer: bytes, salt: int) -> str:
        """The address createProxyWithNonce gives these arguments (CREATE2: the same owners, threshold and salt
        always give the same Safe, so creating it twice finds the first)."""
        code = bytes(self.call("proxyCreationCode")) + int(singleton, 16).to_bytes(32, "big")
        salted = keccak(keccak(initializer) + salt.to_bytes(32, "big"))
        digest = keccak(b"\xff" + bytes.fromhex(self.address[2:]) + salted + keccak(code))
        return to_checksum_address(digest[12:])

    def create(self, singleton: str, initializer: bytes, salt: int, dry_run: bool = False) -> str:
        """Create the Safe (simulated first: a bad set-up raises before sending); its address."""
        created = self.call("createProxyWithNonce", singleton, initializer, salt)
        if not dry_run:
            self.send("createProxyWithNonce", singleton, initializer, salt)
        return created


class CompatibilityFallbackHandler(_SafeContract):
    """The Safe's default fallback handler (ERC-1271 signatures, token callbacks)."""

    CONTRACT = "CompatibilityFallbackHandler"
    ABI_NAME = "CompatibilityFallbackHandler_V1_4_1"


class MultiSendCallOnly(_SafeContract):
    """Batches several calls into one Safe transaction (the Safe delegatecalls it; calls only, no delegatecall)."""

    CONTRACT = "MultiSendCallOnly"
    ABI_NAME = "MultiSendCallOnly_V1_4_1"

    def calldata(self, calls: Sequence[SafeCall]) -> bytes:
        return self.encode("multiSend", multisend_payload(calls))

    @staticmethod
    def payload(data: bytes) -> bytes | None:
        """The packed calls of multiSend calldata, or None if `data` is not a multiSend call."""
        selector, arguments = _multisend_arguments()
        if data[:4] != selector:
            return None
        return Transactor.decode_result(arguments, data[4:])


@lru_cache(maxsize=None)
def _multisend_arguments() -> tuple[bytes, dict]:
    """multiSend's selector, and its inputs shaped as outputs for the result decoder (built once: the decoder
    caches its plan per ABI entry)."""
    fn = next(e for e in _safe_abi(MultiSendCallOnly.ABI_NAME) if e.get("name") == "multiSend")
    return keccak(text=artifacts.signature(fn))[:4], {"outputs": fn["inputs"]}


def safe_error(exc: Exception) -> str | None:
    """What a Safe revert string (GS013, ...) means, or None for another revert."""
    if isinstance(exc, RevertWithReason):
        return SAFE_ERRORS.get(exc.reason)
    return None


@lru_cache(maxsize=None)
def _functions_by_selector() -> dict[bytes, tuple[dict, dict]]:
    """Every function of the package's ABIs by selector, with its inputs shaped as outputs for the decoder."""
    index: dict[bytes, tuple[dict, dict]] = {}
    for path in sorted(artifacts.ARTIFACTS_DIR.glob("*.json")):
        for entry in json.loads(path.read_text())["abi"]:
            if entry["type"] == "function":
                index.setdefault(keccak(text=artifacts.signature(entry))[:4], (entry, {"outputs": entry["inputs"]}))
    return index


def describe_call(data: bytes) -> tuple[str, dict[str, Any]]:
    """(function name, arguments by name) of calldata for any contract of the package; role ids by name, fixed
    bytes as text when they are text. An unknown selector gives its hex and the raw data's length."""
    found = _functions_by_selector().get(data[:4])
    if found is None:
        return f"0x{data[:4].hex()}", {"data_bytes": len(data)}
    entry, arguments = found
    values = Transactor.decode_result(arguments, data[4:]) if entry["inputs"] else ()
    values = values if len(entry["inputs"]) != 1 else (values,)
    roles = artifacts.role_names()
    args = {}
    for param, value in zip(entry["inputs"], values):
        if isinstance(value, (bytes, bytearray)) and bytes(value) in roles and param["type"] == "bytes32":
            value = roles[bytes(value)]
        elif isinstance(value, (bytes, bytearray)):
            value = "0x" + bytes(value).hex()
        args[param["name"] or f"arg{len(args)}"] = value
    return entry["name"], args
