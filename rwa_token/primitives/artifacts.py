"""Compiled contract artifacts shipped in the package: the one source of ABIs and bytecode for the SDK."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from eth_utils import keccak

from .errors import RwaError

ARTIFACTS_DIR = Path(__file__).resolve().parent.parent / "artifacts"  # rwa_token/artifacts


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.exists():
        raise RwaError(f"no compiled artifact for contract {name!r}: run `make compile` (or reinstall rwa-token)")
    return json.loads(path.read_text())


def abi(name: str) -> list[dict]:
    return load(name)["abi"]


# The EVM targets the contracts are built for (rwa_token.primitives.compiler builds both): prague, the default, and
# shanghai for chains without the cancun opcodes (MCOPY, TLOAD/TSTORE).
EVM_DEFAULT = "prague"
EVM_TARGETS = (EVM_DEFAULT, "shanghai")


@lru_cache(maxsize=None)
def bytecode(name: str, evm: str = EVM_DEFAULT) -> str:
    """Creation bytecode of `name` built for `evm` (hex, 0x-prefixed)."""
    if evm == EVM_DEFAULT:
        return load(name)["bytecode"]
    if evm not in EVM_TARGETS:
        raise RwaError(f"no build for EVM {evm!r}: one of {', '.join(EVM_TARGETS)}")
    path = ARTIFACTS_DIR / evm / f"{name}.json"
    if not path.exists():
        raise RwaError(f"no {evm} build of {name!r}: run `make compile` (or reinstall rwa-token)")
    return json.loads(path.read_text())["bytecode"]


def abi_type(param: dict) -> str:
    """Canonical ABI type of an input/output entry, expanding tuples (structs)."""
    kind = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param["components"])
        return f"({inner}){kind[len('tuple'):]}"
    return kind


def signature(entry: dict) -> str:
    return f"{entry['name']}({','.join(abi_type(i) for i in entry.get('inputs', []))})"


def _index(kind: str, key_length: int) -> dict[bytes, dict]:
    """Every ABI entry of `kind` in every artifact, keyed by the first `key_length` bytes of its signature hash."""
    index: dict[bytes, dict] = {}
    for path in ARTIFACTS_DIR.glob("*.json"):
        for entry in json.loads(path.read_text())["abi"]:
            if entry["type"] == kind:
                index[keccak(text=signature(entry))[:key_length]] = entry
    return index


@lru_cache(maxsize=None)
def error_index() -> dict[bytes, dict]:
    """Every custom error in every artifact, by its 4-byte selector."""
    return _index("error", 4)


@lru_cache(maxsize=None)
def event_index() -> dict[bytes, dict]:
    """Every event in every artifact, by its topic-0 hash."""
    return _index("event", 32)


@lru_cache(maxsize=None)
def role_names() -> dict[bytes, str]:
    """Every AccessControl role the contracts declare (`bytes32 public constant X_ROLE`), by its hash: the one source
    of role names, read from the ABIs. OpenZeppelin's DEFAULT_ADMIN_ROLE is the zero hash."""
    names: set[str] = set()
    for path in ARTIFACTS_DIR.glob("*.json"):
        for entry in json.loads(path.read_text())["abi"]:
            outputs = entry.get("outputs", [])
            if (entry["type"] == "function" and entry["name"].endswith("_ROLE") and not entry.get("inputs")
                    and len(outputs) == 1 and outputs[0]["type"] == "bytes32"):
                names.add(entry["name"])
    return {(b"\0" * 32 if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)): name for name in sorted(names)}
