"""The transaction layer: the one place that talks to web3.

It signs with eth-account, keeps a local nonce per sender, estimates gas, waits for receipts and turns
every revert (custom errors with their arguments, `require` strings, panics) into a named exception from
`rwa_token.primitives.errors`. Contract wrappers go through `Transactor`; nothing else calls web3.
"""
from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address

from ..primitives import artifacts
from ..primitives.errors import (
    CUSTOM_ERROR_CLASSES,
    REASON_CODES,
    AmountFrozen,
    ChainError,
    ConfigError,
    ContractCustomError,
    ContractRevert,
    Panic,
    RevertWithReason,
    TransactionError,
    Unauthorized,
    restriction,
)
from .node import Chain

ERROR_STRING = keccak(text="Error(string)")[:4]
PANIC = keccak(text="Panic(uint256)")[:4]
GAS_HEADROOM = 1.2  # estimates can be a little low when state changes between estimate and inclusion


def decode_revert(data: bytes | str | None, fallback: str = "execution reverted") -> ContractRevert:
    """Turn raw revert bytes into the most specific exception we know."""
    if isinstance(data, str):
        data = bytes.fromhex(data[2:] if data.startswith("0x") else data)
    data = data or b""
    if len(data) < 4:
        return ContractRevert(f"{fallback} (no reason given)", data)
    selector, body = data[:4], data[4:]
    try:
        if selector == ERROR_STRING:
            return RevertWithReason(abi_decode(["string"], body)[0], data)
        if selector == PANIC:
            return Panic(abi_decode(["uint256"], body)[0], data)
        entry = artifacts.error_index().get(selector)
        if entry is None:
            return ContractRevert(f"{fallback}: unknown error 0x{data.hex()}", data)
        inputs = entry.get("inputs", [])
        values = abi_decode([artifacts.abi_type(i) for i in inputs], body)
        args = {i["name"] or f"arg{n}": _typed(v, i) for n, (i, v) in enumerate(zip(inputs, values))}
    except Exception:  # malformed revert data: keep the bytes, say so
        return ContractRevert(f"{fallback}: undecodable revert data 0x{data.hex()}", data)
    if entry["name"] == "TransferRestricted":
        return restriction(int(values[0]), data=data)
    if entry["name"] == "ERC7943InsufficientUnfrozenBalance":
        # ERC-7943's own error for the frozen-amount rule: the same refusal as its reason code.
        code = AmountFrozen.code
        return restriction(code, f"{REASON_CODES[code]['message']} ({args['amount']} asked, {args['unfrozen']} "
                                 f"unfrozen, base units)", data)
    cls = CUSTOM_ERROR_CLASSES.get(entry["name"], ContractCustomError)
    if issubclass(cls, Unauthorized):  # role hashes named from the ABIs, which `errors` (below them) cannot read
        return cls(entry["name"], args, data, role_names=artifacts.role_names())
    return cls(entry["name"], args, data)


def _revert_data(error: dict) -> bytes | None:
    """The revert bytes of a JSON-RPC error, wherever the engine puts them: `data` as hex (anvil, geth; Ganache's
    eth_call), `data.data` (some nodes nest it), `data.result` (Ganache's eth_estimateGas and sends), or Ganache 6's
    `data[<tx hash>].return`."""
    data = error.get("data")
    if isinstance(data, dict):
        for key in ("data", "result", "return"):
            if isinstance(data.get(key), str):
                data = data[key]
                break
        else:  # keyed by transaction hash
            nested = [v for v in data.values() if isinstance(v, dict) and isinstance(v.get("return"), str)]
            data = nested[0]["return"] if nested else None
    if isinstance(data, str) and data.startswith("0x"):
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    return None


def _no_ether_hint(error: dict, sender: str | None) -> str:
    """A one-line hint for an `insufficient funds` refusal (e.g. dev account 0 on a Ganache with a random wallet)."""
    message = str(error.get("message", error))
    if "insufficient funds" not in message.lower():
        return ""
    who = sender or "the sender"
    return (f": {who} has too little ether for gas. Fund it, or start the chain with `rwa chain` (anvil) or "
            "`rwa chain --engine ganache`, whose dev accounts (the same test mnemonic) are funded")


def _is_revert(error: dict) -> bool:
    return error.get("code") == 3 or "revert" in str(error.get("message", "")).lower()


@dataclass
class Receipt:
    tx_hash: str
    block_number: int
    gas_used: int
    status: int
    logs: list[dict]
    contract_address: str | None = None

    def events(self, name: str | None = None) -> list[dict]:
        """Decoded events of this transaction (every known contract's ABI), optionally by name."""
        decoded = [e for e in (decode_log(log) for log in self.logs) if e is not None]
        return [e for e in decoded if name is None or e["event"] == name]


@dataclass(frozen=True)
class SafeCall:
    """One call a Safe is to make (to, calldata, wei): what a send becomes when a command proposes to a Safe."""

    to: str
    data: bytes
    value: int = 0


NOT_PROPOSABLE = ("this command {what}, which a Safe proposal cannot do (nothing happens until the owners execute "
                  "it): run it without --safe, with a key that may send it")


class Proposed(Receipt):
    """What a send returns in Safe mode: the call was simulated from the Safe and collected for its proposal; nothing
    was mined, so there is no hash, block, log or deployed address. A command that reads them (the id a transaction
    created, a deployed contract, a step that needs an earlier one's result) fails with a ConfigError naming why,
    before anything is proposed."""

    def __init__(self, call: SafeCall):
        self.call, self.tx_hash, self.block_number, self.gas_used, self.status = call, "(proposed)", 0, 0, 1

    def __repr__(self) -> str:
        return f"Proposed({self.call.to}, 0x{self.call.data[:4].hex()})"

    @property
    def logs(self) -> list[dict]:  # type: ignore[override]
        raise ConfigError(NOT_PROPOSABLE.format(what="reads what its transaction emitted"))

    @property
    def contract_address(self) -> str | None:  # type: ignore[override]
        raise ConfigError(NOT_PROPOSABLE.format(what="deploys a contract"))

    def events(self, name: str | None = None) -> list[dict]:
        raise ConfigError(NOT_PROPOSABLE.format(what="reads what its transaction emitted"))


def decode_log(log: dict) -> dict | None:
    topics = [bytes.fromhex(t[2:]) if isinstance(t, str) else bytes(t) for t in log["topics"]]
    if not topics:
        return None
    entry = artifacts.event_index().get(topics[0])
    if entry is None:
        return None
    indexed = [i for i in entry["inputs"] if i.get("indexed")]
    plain = [i for i in entry["inputs"] if not i.get("indexed")]
    if len(indexed) != len(topics) - 1:
        return None  # same signature, different indexing (e.g. ERC-20 vs ERC-721 Transfer)
    data = log["data"]
    data = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
    args: dict[str, Any] = {}
    for param, topic in zip(indexed, topics[1:]):
        kind = artifacts.abi_type(param)
        dynamic = kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")
        args[param["name"]] = topic if dynamic else _typed(abi_decode([kind], topic)[0], param)
    for param, value in zip(plain, abi_decode([artifacts.abi_type(p) for p in plain], data)):
        args[param["name"]] = _typed(value, param)
    address = log["address"]
    return {
        "event": entry["name"],
        "address": to_checksum_address(address),
        "args": args,
        "block_number": int(log["blockNumber"], 16) if isinstance(log["blockNumber"], str) else log["blockNumber"],
        "log_index": int(log["logIndex"], 16) if isinstance(log["logIndex"], str) else log["logIndex"],
        "tx_hash": log["transactionHash"] if isinstance(log["transactionHash"], str) else "0x" + bytes(log["transactionHash"]).hex(),
    }


def _typed(value: Any, param: dict) -> Any:
    """Checksum every address in a decoded value, following its ABI type (arrays and structs included)."""
    kind = param["type"]
    if kind.endswith("]"):
        inner = dict(param, type=kind[: kind.rindex("[")])
        return [_typed(v, inner) for v in value]
    if kind == "tuple":
        return tuple(_typed(v, c) for v, c in zip(value, param["components"]))
    if kind == "address":
        return to_checksum_address(value)
    return value


class Transactor:
    """Signs, sends and waits; decodes reverts. One per chain connection; shared by all wrappers."""

    def __init__(self, chain: Chain, receipt_timeout: float = 120.0, poll_interval: float = 0.05):
        self.chain = chain
        self.w3 = chain.w3
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval
        self._nonces: dict[str, int] = {}
        self.on_broadcast: Callable[[str], None] | None = None  # e.g. a journal: called before waiting
        self.safe: str | None = None  # Safe mode (`propose_to`): sends are collected for this Safe
        self.proposer: str | None = None
        self.proposed: list[SafeCall] = []
        self.deferred: list[ContractRevert] = []  # refusals of calls that may pass after the earlier ones

    def propose_to(self, safe: str, proposer: str, collected: list[SafeCall] | None = None) -> None:
        """Safe mode: from now on a send is simulated with eth_call from `safe` (a refusal raises as sending would)
        and appended to `collected` instead of being signed and broadcast; reads made as `proposer` (the owner's key
        that will propose) are made as the Safe, which is the account that will act. Deployments, journaled
        (resumable) operations and reading a send's receipt raise a ConfigError: their later steps need a mined
        transaction."""
        self.safe, self.proposer = safe, proposer
        self.proposed = collected if collected is not None else []
        self.deferred = []

    @contextmanager
    def broadcasting_to(self, callback: Callable[[str], None]):
        """Within the block, every broadcast transaction hash is handed to `callback` before we wait for it,
        so a crash while waiting leaves a record of what may still be mined."""
        if self.safe:
            raise ConfigError(NOT_PROPOSABLE.format(what="records each transaction as it is mined, to resume"))
        previous, self.on_broadcast = self.on_broadcast, callback
        try:
            yield
        finally:
            self.on_broadcast = previous

    # --- raw RPC -------------------------------------------------------------------------------
    def _rpc(self, method: str, params: list) -> Any:
        response = self.chain.rpc(method, params)
        if "error" in response:
            error = response["error"]
            if _is_revert(error):
                raise decode_revert(_revert_data(error), str(error.get("message", "execution reverted")))
            sender = params[0].get("from") if params and isinstance(params[0], dict) else None
            raise TransactionError(f"{method} failed: {error.get('message', error)}{_no_ether_hint(error, sender)}")
        return response["result"]

    # --- encoding ------------------------------------------------------------------------------
    @staticmethod
    def encode_call(fn_abi: dict, args: Sequence[Any]) -> bytes:
        types = [artifacts.abi_type(i) for i in fn_abi.get("inputs", [])]
        if len(types) != len(args):
            raise TypeError(f"{fn_abi['name']} takes {len(types)} arguments, got {len(args)}")
        return keccak(text=artifacts.signature(fn_abi))[:4] + abi_encode(types, list(args))

    @staticmethod
    def decode_result(fn_abi: dict, data: bytes) -> Any:
        outputs = fn_abi.get("outputs", [])
        decoded = abi_decode([artifacts.abi_type(o) for o in outputs], data)
        values = tuple(_typed(v, o) for v, o in zip(decoded, outputs))
        return values[0] if len(values) == 1 else values

    # --- reads ---------------------------------------------------------------------------------
    def call(self, to: str, fn_abi: dict, args: Sequence[Any] = (), sender: str | None = None,
             block: int | str = "latest") -> Any:
        tx = {"to": to, "data": "0x" + self.encode_call(fn_abi, args).hex()}
        if sender:
            tx["from"] = self.safe if self.safe and sender == self.proposer else sender
        block_id = hex(block) if isinstance(block, int) else block
        result = self._rpc("eth_call", [tx, block_id])
        return self.decode_result(fn_abi, bytes.fromhex(result[2:]))

    def call_many(self, to: str, fn_abi: dict, arg_lists: Sequence[Sequence[Any]], chunk: int = 500) -> list[Any]:
        """The same view for many argument lists, batched into few HTTP requests (bulk pre-checks)."""
        results: list[Any] = []
        for start in range(0, len(arg_lists), chunk):
            calls = [("eth_call", [{"to": to, "data": "0x" + self.encode_call(fn_abi, args).hex()}, "latest"])
                     for args in arg_lists[start:start + chunk]]
            for answer in self.chain.rpc_batch(calls):
                if "error" in answer:
                    error = answer["error"]
                    if _is_revert(error):
                        raise decode_revert(_revert_data(error), str(error.get("message")))
                    raise TransactionError(f"eth_call failed: {error.get('message', error)}")
                results.append(self.decode_result(fn_abi, bytes.fromhex(answer["result"][2:])))
        return results

    def receipt_status(self, tx_hash: str) -> str:
        """'mined', 'pending' or 'unknown' (dropped, or never reached this node)."""
        if self._rpc("eth_getTransactionReceipt", [tx_hash]):
            return "mined"
        return "pending" if self._rpc("eth_getTransactionByHash", [tx_hash]) else "unknown"

    # --- writes --------------------------------------------------------------------------------
    def nonce(self, address: str) -> int:
        chain_nonce = int(self._rpc("eth_getTransactionCount", [address, "pending"]), 16)
        local = self._nonces.get(address, 0)
        return max(chain_nonce, local)

    def send(self, sender: LocalAccount, to: str | None, data: bytes, value: int = 0, gas: int | None = None,
             wait: bool = True) -> Receipt | str:
        """Estimate (decoding any revert), sign, send and wait for the receipt. Raises on revert. In Safe mode,
        simulate from the Safe and collect the call instead (`propose_to`)."""
        if self.safe:
            return self._collect(to, data, value, wait)
        tx = {"from": sender.address, "data": "0x" + data.hex(), "value": hex(value)}
        if to:
            tx["to"] = to
        if gas is None:
            gas = int(int(self._rpc("eth_estimateGas", [tx]), 16) * GAS_HEADROOM) + 10_000
        for attempt in range(3):
            nonce = self.nonce(sender.address)
            signed = sender.sign_transaction(self._fill(tx, nonce, gas))
            raw = getattr(signed, "raw_transaction", None) or signed.rawTransaction
            response = self.chain.rpc("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])
            error = response.get("error")
            if error is None:
                self._nonces[sender.address] = nonce + 1
                tx_hash = response["result"]
                if self.on_broadcast:
                    self.on_broadcast(tx_hash)
                return self.wait(tx_hash, tx) if wait else tx_hash
            message = str(error.get("message", "")).lower()
            if "nonce" in message and ("low" in message or "too high" in message) or "already known" in message:
                # Another sender used this key, or our cache is stale: resync from the chain and retry.
                self._nonces.pop(sender.address, None)
                continue
            if _is_revert(error):
                raise decode_revert(_revert_data(error), str(error.get("message")))
            raise TransactionError(f"the node refused the transaction: {error.get('message', error)}"
                                   f"{_no_ether_hint(error, sender.address)}")
        raise TransactionError(
            f"could not find a free nonce for {sender.address} after 3 tries: another process is sending "
            "from this key; stop it or wait, then rerun"
        )

    def _collect(self, to: str | None, data: bytes, value: int, wait: bool) -> Proposed:
        if to is None:
            raise ConfigError(NOT_PROPOSABLE.format(what="deploys a contract"))
        if not wait:
            raise ConfigError(NOT_PROPOSABLE.format(what="sends transactions without waiting for each"))
        try:
            self.simulate(self.safe, to, data, value)
        except ContractRevert as exc:
            if not self.proposed:
                raise
            # Simulated alone, it cannot see the effects of the calls before it (a role granted, a rule set): kept,
            # and the proposal simulates the whole batch in order, raising this refusal if that fails too.
            self.deferred.append(exc)
        call = SafeCall(to, data, value)
        self.proposed.append(call)
        return Proposed(call)

    def simulate(self, sender: str, to: str, data: bytes, value: int = 0) -> bytes:
        """eth_call of raw calldata from `sender` (a call collected for a Safe, or one replayed to say why a Safe
        execution failed); a revert raises its named exception."""
        result = self._rpc("eth_call", [{"from": sender, "to": to, "data": "0x" + data.hex(), "value": hex(value)},
                                        "latest"])
        return bytes.fromhex(result[2:])

    def code(self, address: str) -> bytes:
        """The runtime code at `address` (empty when nothing is deployed there)."""
        result = self._rpc("eth_getCode", [address, "latest"]) or "0x"
        return bytes.fromhex(result[2:])

    def _fill(self, tx: dict, nonce: int, gas: int) -> dict:
        base_fee = self._base_fee()
        priority = 1_000_000_000
        filled = {
            "chainId": self.chain.chain_id,
            "nonce": nonce,
            "gas": gas,
            "maxPriorityFeePerGas": priority,
            "maxFeePerGas": base_fee * 2 + priority,
            "value": int(tx["value"], 16),
            "data": tx["data"],
        }
        if "to" in tx:
            filled["to"] = tx["to"]
        return filled

    def _base_fee(self) -> int:
        block = self._rpc("eth_getBlockByNumber", ["latest", False])
        return int(block.get("baseFeePerGas", "0x0"), 16)

    def wait(self, tx_hash: str, tx: dict | None = None) -> Receipt:
        deadline = time.monotonic() + self.receipt_timeout
        while True:
            try:
                raw = self._rpc("eth_getTransactionReceipt", [tx_hash])
            except ChainError:
                raw = None
                if time.monotonic() > deadline:
                    raise
            if raw:
                break
            if time.monotonic() > deadline:
                raise TransactionError(
                    f"transaction {tx_hash} was not mined within {self.receipt_timeout:.0f}s: it may still be "
                    "pending or have been dropped; check it on the node, then rerun (resumable commands skip done work)"
                )
            time.sleep(self.poll_interval)
        receipt = Receipt(
            tx_hash=tx_hash,
            block_number=int(raw["blockNumber"], 16),
            gas_used=int(raw["gasUsed"], 16),
            status=int(raw["status"], 16),
            logs=raw["logs"],
            contract_address=to_checksum_address(raw["contractAddress"]) if raw.get("contractAddress") else None,
        )
        if receipt.status != 1:
            raise self._replay_failure(tx, receipt)
        return receipt

    def _replay_failure(self, tx: dict | None, receipt: Receipt) -> ContractRevert:
        """A mined transaction failed: replay it on the parent block to recover the revert reason."""
        if tx is None:
            return ContractRevert(f"transaction {receipt.tx_hash} reverted")
        try:
            self._rpc("eth_call", [tx, hex(receipt.block_number - 1)])
        except ContractRevert as exc:
            return exc
        return ContractRevert(f"transaction {receipt.tx_hash} reverted (out of gas, or state changed in its block)")

    def deploy(self, contract_name: str, args: Sequence[Any] = (), sender: LocalAccount | None = None) -> Receipt:
        """Deploy a compiled contract from the shipped artifacts."""
        if sender is None:
            raise TransactionError("deploy needs a sender account")
        artifact = artifacts.load(contract_name)
        constructor = next((e for e in artifact["abi"] if e["type"] == "constructor"), {"inputs": []})
        types = [artifacts.abi_type(i) for i in constructor["inputs"]]
        code = artifacts.bytecode(contract_name, self.chain.evm)  # the build for this chain's EVM
        data = bytes.fromhex(code[2:]) + abi_encode(types, list(args))
        return self.send(sender, None, data)

    def get_logs(self, address: str | Iterable[str] | None, from_block: int, to_block: int,
                 topics: list | None = None) -> list[dict]:
        params: dict[str, Any] = {"fromBlock": hex(from_block), "toBlock": hex(to_block)}
        if address is not None:
            params["address"] = address if isinstance(address, str) else list(address)
        if topics:
            params["topics"] = topics
        return self._rpc("eth_getLogs", [params])
