"""The transaction layer: the one place that talks to web3.

It signs with eth-account, keeps a local nonce per sender, estimates gas, waits for receipts and turns
every revert (custom errors with their arguments, `require` strings, panics) into a named exception from
`rwa_token.primitives.errors`. Contract wrappers go through `Transactor`; nothing else calls web3.
"""
from __future__ import annotations

import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
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
FIRST_POLL = 0.002  # seconds before the second receipt poll (the first is immediate); doubled up to poll_interval
# A cached base fee is used for fewer than FEE_BLOCKS newer blocks and FEE_SECONDS: a base fee grows at most 12.5%
# a block (1.125 ** 5 = 1.80), and transactions are signed for up to twice the base fee.
FEE_BLOCKS = 5
FEE_SECONDS = 2.0


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
class TxCall:
    """One transaction for `Transactor.send_many`: its target (None deploys), calldata, wei and gas limit (None:
    estimated)."""

    to: str | None
    data: bytes
    value: int = 0
    gas: int | None = None


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


_checksum = lru_cache(maxsize=1 << 16)(to_checksum_address)
"""Checksummed addresses, each hashed once: a ledger or a holder list names the same few thousand wallets again
and again."""


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
        "address": _checksum(address),
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
        return _checksum(value)
    return value


_SELECTORS: dict[str, tuple[bytes, list[str]]] = {}
_INT_SIZES = "|".join(str(8 * n) for n in range(1, 33))
_ONE_WORD = re.compile(rf"u?int({_INT_SIZES})?|bool|address|bytes([1-9]|[12][0-9]|3[0-2])")
_PLANS: dict[int, tuple[dict, list | None, int]] = {}


class _Unclean(Exception):
    """A word the fast decoder will not vouch for (dirty padding, out of range): the ABI decoder judges it."""


def _plan(params: list[dict]) -> list | None:
    """Each output as (type, components) when all are one-word elementary types or structs of them, else None."""
    plan = []
    for param in params:
        kind = param["type"]
        if kind == "tuple":
            inner = _plan(param["components"])
            if inner is None:
                return None
            plan.append((kind, inner))
        elif _ONE_WORD.fullmatch(kind):
            plan.append((kind, None))
        else:
            return None
    return plan


def _words(plan: list) -> int:
    return sum(_words(inner) if inner is not None else 1 for _, inner in plan)


def _decode_words(plan: list, data: bytes, at: int) -> tuple[tuple, int]:
    values = []
    for kind, inner in plan:
        if inner is not None:
            value, at = _decode_words(inner, data, at)
            values.append(value)
            continue
        word = data[at:at + 32]
        at += 32
        if kind == "bool":
            if word[:31].strip(b"\0") or word[31] > 1:
                raise _Unclean
            values.append(word[31] == 1)
        elif kind == "address":
            if word[:12].strip(b"\0"):
                raise _Unclean
            values.append(_checksum("0x" + word[12:].hex()))
        elif kind.startswith("bytes"):
            size = int(kind[5:])
            if word[size:].strip(b"\0"):
                raise _Unclean
            values.append(word[:size])
        else:
            signed = kind.startswith("int")
            bits = int(kind[3 if signed else 4:] or 256)
            value = int.from_bytes(word, "big", signed=signed)
            low, high = (-(1 << (bits - 1)), 1 << (bits - 1)) if signed else (0, 1 << bits)
            if not low <= value < high:
                raise _Unclean
            values.append(value)
    return tuple(values), at


def _decode_static(fn_abi: dict, data: bytes) -> tuple | None:
    """The outputs of `fn_abi` read word by word when they are static one-word values (or structs of them), as the
    ABI decoder would return them after `_typed`; None when the ABI decoder must do it. Bulk reads (record-date
    balances, paid bits, registry records of thousands of wallets) spend most of their time decoding otherwise."""
    known = _PLANS.get(id(fn_abi))
    if known is None or known[0] is not fn_abi:
        plan = _plan(fn_abi.get("outputs", []))
        known = _PLANS[id(fn_abi)] = (fn_abi, plan, _words(plan) if plan is not None else 0)
    _, plan, words = known
    if plan is None or not plan or len(data) != 32 * words:
        return None
    try:
        return _decode_words(plan, data, 0)[0]
    except _Unclean:
        return None


def _selector_and_types(fn_abi: dict) -> tuple[bytes, list[str]]:
    """A function's selector and input types, hashed once per signature (bulk reads encode thousands of calls)."""
    signature = artifacts.signature(fn_abi)
    known = _SELECTORS.get(signature)
    if known is None:
        types = [artifacts.abi_type(i) for i in fn_abi.get("inputs", [])]
        known = _SELECTORS[signature] = (keccak(text=signature)[:4], types)
    return known


class Transactor:
    """Signs, sends and waits; decodes reverts. One per chain connection; shared by all wrappers."""

    def __init__(self, chain: Chain, receipt_timeout: float = 120.0, poll_interval: float = 0.05):
        self.chain = chain
        self.w3 = chain.w3
        self.receipt_timeout = receipt_timeout
        self.poll_interval = poll_interval  # the longest pause between receipt polls (they start at FIRST_POLL)
        self._nonces: dict[str, int] = {}  # sender -> next nonce, asked of the node once, then counted here
        self._fee: tuple[int, int, float] | None = None  # (base fee, its block, when read)
        self._newest_block = 0  # the newest block a receipt or fee read has shown
        self._gas_limit: int | None = None  # the latest block's gas limit, read with the base fee
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
        selector, types = _selector_and_types(fn_abi)
        if len(types) != len(args):
            raise TypeError(f"{fn_abi['name']} takes {len(types)} arguments, got {len(args)}")
        return selector + abi_encode(types, list(args))

    @staticmethod
    def decode_result(fn_abi: dict, data: bytes) -> Any:
        outputs = fn_abi.get("outputs", [])
        values = _decode_static(fn_abi, data)
        if values is None:
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
        """The next nonce of `address`: asked of the node ("pending") the first time, then counted locally; a
        refusal for a wrong nonce (another process sent from the key) drops the count and asks again."""
        if address not in self._nonces:
            self._nonces[address] = int(self._rpc("eth_getTransactionCount", [address, "pending"]), 16)
        return self._nonces[address]

    def send(self, sender: LocalAccount, to: str | None, data: bytes, value: int = 0, gas: int | None = None,
             wait: bool = True) -> Receipt | str:
        """Estimate (decoding any revert; skipped when `gas` is given), sign, send and wait for the receipt.
        Raises on revert. In Safe mode, simulate from the Safe and collect the call instead (`propose_to`)."""
        if self.safe:
            return self._collect(to, data, value, wait)
        tx = self._tx(sender, to, data, value)
        tx_hash = self._broadcast(sender, tx, self.estimate(tx) if gas is None else gas)
        if self.on_broadcast:
            self.on_broadcast(tx_hash)
        return self.wait(tx_hash, tx) if wait else tx_hash

    def send_many(self, sender: LocalAccount, calls: Sequence[TxCall],
                  on_sent: Callable[[int, str], None] | None = None) -> list[Receipt | ContractRevert]:
        """Send `calls` back to back from `sender` (consecutive local nonces, no wait in between), then await every
        receipt together (batched polls). Returns, in order, each call's receipt or, for a call that was mined but
        failed, its decoded refusal. `on_sent(index, tx_hash)` (and `on_broadcast`) hears of each hash as the node
        accepts it, before anything is awaited, so a crash leaves a record of all that may land.

        The calls must not depend on each other: one without `gas` is estimated on the state before the earlier
        ones are mined. A refusal at estimate or broadcast (or an unreachable node) raises at once: the calls
        already sent may still land, which is why their hashes were handed out first. In Safe mode each call is
        collected, as `send` does."""
        if self.safe:
            return [self.send(sender, c.to, c.data, c.value, c.gas) for c in calls]  # type: ignore[misc]
        sent: list[tuple[str, dict]] = []
        for index, call in enumerate(calls):
            tx = self._tx(sender, call.to, call.data, call.value)
            tx_hash = self._broadcast(sender, tx, self.estimate(tx) if call.gas is None else call.gas)
            sent.append((tx_hash, tx))
            if on_sent:
                on_sent(index, tx_hash)
            if self.on_broadcast:
                self.on_broadcast(tx_hash)
        return self.wait_many(sent)

    def estimate(self, tx: dict) -> int:
        """eth_estimateGas with headroom; a refusal raises its named exception."""
        return int(int(self._rpc("eth_estimateGas", [tx]), 16) * GAS_HEADROOM) + 10_000

    def estimate_call(self, sender: LocalAccount, call: TxCall) -> int:
        """`estimate` of a `send_many` call from `sender`."""
        return self.estimate(self._tx(sender, call.to, call.data, call.value))

    @staticmethod
    def _tx(sender: LocalAccount, to: str | None, data: bytes, value: int) -> dict:
        tx = {"from": sender.address, "data": "0x" + data.hex(), "value": hex(value)}
        if to:
            tx["to"] = to
        return tx

    def _broadcast(self, sender: LocalAccount, tx: dict, gas: int) -> str:
        """Sign `tx` with the next local nonce and hand it to the node; returns its hash. A nonce the node refuses
        resyncs the count from the node and signs again; a base fee that rose past the cached one is read again."""
        for attempt in range(3):
            nonce = self.nonce(sender.address)
            signed = sender.sign_transaction(self._fill(tx, nonce, gas))
            raw = getattr(signed, "raw_transaction", None) or signed.rawTransaction
            response = self.chain.rpc("eth_sendRawTransaction", ["0x" + bytes(raw).hex()])
            error = response.get("error")
            message = str(error.get("message", "")).lower() if error else ""
            if error is None or "already known" in message or "already imported" in message:
                # Already known: these very bytes reached the node before (a request sent again after a dropped
                # connection), so it is this transaction, under this nonce.
                self._nonces[sender.address] = nonce + 1
                return response["result"] if error is None else "0x" + bytes(signed.hash).hex()
            if "nonce" in message and ("low" in message or "high" in message or "correct nonce" in message):
                # Another sender used this key, or our count is stale: resync from the chain and retry.
                self._nonces.pop(sender.address, None)
                continue
            if "base fee" in message or "basefee" in message or "fee cap" in message or "underpriced" in message:
                self._fee = None  # the base fee rose past what the cached one allows: read it again
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
        """The latest base fee, read at most once per FEE_BLOCKS blocks and FEE_SECONDS. A base fee rises at most
        12.5% a block, so a cached one stays within the doubled cap `_fill` signs for over that span: the cache
        never leaves a transaction underpriced (and a node that says otherwise gets the fee read again)."""
        if self._fee is not None:
            fee, block, read_at = self._fee
            if self._newest_block - block < FEE_BLOCKS and time.monotonic() - read_at < FEE_SECONDS:
                return fee
        latest = self._rpc("eth_getBlockByNumber", ["latest", False])
        block = int(latest["number"], 16)
        fee = int(latest.get("baseFeePerGas") or "0x0", 16)
        self._gas_limit = int(latest.get("gasLimit") or "0x0", 16)
        self._newest_block = block  # the node's word (after a reverted snapshot the chain is shorter)
        self._fee = (fee, block, time.monotonic())
        return fee

    def block_gas_limit(self) -> int:
        """The latest block's gas limit (read with the base fee): no transaction may ask for more."""
        if self._gas_limit is None:
            self._base_fee()
        return self._gas_limit or 0

    def wait(self, tx_hash: str, tx: dict | None = None) -> Receipt:
        """The receipt of `tx_hash` (polled at once, then after 2 ms, 4 ms, ... up to `poll_interval`); a failed
        transaction raises its refusal, replayed from `tx`."""
        result = self.wait_many([(tx_hash, tx)])[0]
        if isinstance(result, ContractRevert):
            raise result
        return result

    def wait_many(self, sent: Sequence[tuple[str, dict | None]]) -> list[Receipt | ContractRevert]:
        """The receipts of several transactions, polled together (one batched request per poll): each a `Receipt`,
        or the decoded refusal of one that was mined but failed."""
        raws: dict[str, dict] = {}
        deadline = time.monotonic() + self.receipt_timeout
        pause = FIRST_POLL
        while True:
            waiting = [h for h, _ in sent if h not in raws]
            if not waiting:
                break
            try:
                for tx_hash, raw in zip(waiting, self._receipts(waiting)):
                    if raw:
                        raws[tx_hash] = raw
            except ChainError:
                if time.monotonic() > deadline:
                    raise
            if len(raws) == len({h for h, _ in sent}):
                break
            if time.monotonic() > deadline:
                missing = next(h for h, _ in sent if h not in raws)
                raise TransactionError(
                    f"transaction {missing} was not mined within {self.receipt_timeout:.0f}s: it may still be "
                    "pending or have been dropped; check it on the node, then rerun (resumable commands skip done work)"
                )
            time.sleep(pause)
            pause = min(pause * 2, self.poll_interval)
        results: list[Receipt | ContractRevert] = []
        for tx_hash, tx in sent:
            raw = raws[tx_hash]
            receipt = Receipt(
                tx_hash=tx_hash,
                block_number=int(raw["blockNumber"], 16),
                gas_used=int(raw["gasUsed"], 16),
                status=int(raw["status"], 16),
                logs=raw["logs"],
                contract_address=to_checksum_address(raw["contractAddress"]) if raw.get("contractAddress") else None,
            )
            if self._fee is not None and receipt.block_number < self._fee[1]:
                self._fee = None  # the chain went back (a reverted snapshot): its base fee is another one
            self._newest_block = max(self._newest_block, receipt.block_number)
            if receipt.status == 1:
                results.append(receipt)
            else:
                failure = self._replay_failure(tx, receipt)
                failure.receipt = receipt  # type: ignore[attr-defined]  # its gas used tells an out-of-gas failure
                results.append(failure)
        return results

    def _receipts(self, hashes: list[str]) -> list[dict | None]:
        """eth_getTransactionReceipt of each hash, in one batched request."""
        answers = self.chain.rpc_batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        errors = [a["error"] for a in answers if "error" in a]
        if errors:
            raise ChainError(f"eth_getTransactionReceipt failed: {errors[0].get('message', errors[0])}")
        return [a.get("result") for a in answers]

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
