"""Log decoding for the event index, by slicing topics and data.

Nearly every event the index stores (Transfer, the registry's records, roles, distributions) has only static
arguments: addresses, integers, booleans, fixed-size bytes, one 32-byte word each. Their values sit at fixed
offsets of the topics and the data, so they are read straight from the hex text of the JSON-RPC answer, and an
address is checksummed once per distinct address (a cap table of 100,000 transfers names about 5,000 wallets;
checksumming is most of the generic decoder's cost). Events with dynamic arguments (strings, bytes, arrays,
structs) go through the generic ABI decoder (`rwa_token.chain.tx.decode_log`), which gives the same values.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable

from eth_utils import to_checksum_address

from ..chain.tx import decode_log
from ..primitives import artifacts

# One argument's reader: (40- or 64-hex-digit word) -> value.
Reader = Callable[[str], Any]


@lru_cache(maxsize=1 << 16)
def checksum(hex40: str) -> str:
    """The checksummed form of 40 lower-case hex digits (cached: the same wallets recur in every chunk)."""
    return to_checksum_address("0x" + hex40)


def _reader(kind: str) -> Reader | None:
    if kind == "address":
        return lambda word: checksum(word[24:].lower())
    if kind == "bool":
        return lambda word: int(word, 16) != 0
    if kind.startswith("uint") and kind[4:].isdigit():
        return lambda word: int(word, 16)
    if kind.startswith("int") and kind[3:].isdigit():
        def signed(word: str) -> int:
            value = int(word, 16)
            return value - (1 << 256) if value >> 255 else value
        return signed
    if kind.startswith("bytes") and kind[5:].isdigit():
        size = int(kind[5:])
        return lambda word: bytes.fromhex(word[: 2 * size])
    return None  # dynamic or composite: the generic decoder


class _Plan:
    """How to read one event: its name and, per argument, where its word is and how to read it."""

    __slots__ = ("name", "topics", "data", "words")

    def __init__(self, name: str, topics: list[tuple[str, Reader]], data: list[tuple[str, Reader]]):
        self.name = name
        self.topics = topics
        self.data = data
        self.words = len(data)


@lru_cache(maxsize=None)
def _plans() -> dict[str, _Plan | None]:
    """Topic-0 (0x + 64 lower-case hex) -> a plan, or None for events only the generic decoder reads."""
    plans: dict[str, _Plan | None] = {}
    for topic0, entry in artifacts.event_index().items():
        topics: list[tuple[str, Reader]] = []
        data: list[tuple[str, Reader]] = []
        plan: _Plan | None = None
        for param in entry["inputs"]:
            read = _reader(param["type"])
            if read is None:
                break
            (topics if param.get("indexed") else data).append((param["name"], read))
        else:
            plan = _Plan(entry["name"], topics, data)
        plans["0x" + topic0.hex()] = plan
    return plans


def hex_int(value: Any) -> int:
    """A JSON-RPC quantity (hex string) or an int, as an int."""
    return int(value, 16) if isinstance(value, str) else int(value)


def fast_decode(log: dict) -> dict | None:
    """A log as `decode_log` returns it (event, checksummed address, args, block_number, log_index, tx_hash), or
    None for a log no artifact declares; read by slicing when the event has only static arguments."""
    topics = log["topics"]
    data = log["data"]
    if not topics or not isinstance(data, str) or not isinstance(topics[0], str):
        return decode_log(log)
    plan = _plans().get(topics[0].lower(), False)
    if plan is False:
        return None
    if plan is None or len(plan.topics) != len(topics) - 1 or len(data) < 2 + 64 * plan.words:
        return decode_log(log)  # dynamic arguments, or the same signature indexed differently
    args: dict[str, Any] = {}
    for (name, read), topic in zip(plan.topics, topics[1:]):
        args[name] = read(topic[2:])
    offset = 2
    for name, read in plan.data:
        args[name] = read(data[offset:offset + 64])
        offset += 64
    address = log["address"]
    tx_hash = log["transactionHash"]
    return {
        "event": plan.name,
        "address": checksum(address[2:].lower()) if isinstance(address, str) else to_checksum_address(address),
        "args": args,
        "block_number": hex_int(log["blockNumber"]),
        "log_index": hex_int(log["logIndex"]),
        "tx_hash": tx_hash if isinstance(tx_hash, str) else "0x" + bytes(tx_hash).hex(),
    }
