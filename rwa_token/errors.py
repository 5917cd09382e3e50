"""Every failure the SDK reports, as a named exception that says what went wrong and what to do next.

Reverts are decoded (custom errors with their arguments, `require` strings, panics) by `rwa_token.tx` into
these classes. Transfer-restriction codes come from the one table `data/reason_codes.json`: each code has
its own subclass of `TransferRestricted`, created here from the table.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class RwaError(Exception):
    """Base of every error raised by rwa_token."""


class ConfigError(RwaError):
    """Bad user input (spec, CSV, amount, address): raised before any transaction is sent."""


class CompilerNotFound(RwaError):
    pass


class CompilationFailed(RwaError):
    pass


class ChainError(RwaError):
    """The chain cannot be reached or started, or is not the one expected."""


class AnvilNotFound(ChainError):
    pass


class WrongChain(ChainError):
    pass


class TransactionError(RwaError):
    """A transaction could not be sent or was dropped."""


class ContractRevert(RwaError):
    """A call or transaction reverted. `data` holds the raw revert bytes."""

    def __init__(self, message: str, data: bytes = b""):
        super().__init__(message)
        self.data = data


class RevertWithReason(ContractRevert):
    """`require(cond, "reason")` or `revert("reason")`."""

    def __init__(self, reason: str, data: bytes = b""):
        super().__init__(f"reverted: {reason}", data)
        self.reason = reason


class Panic(ContractRevert):
    CODES = {
        0x01: "assertion failed",
        0x11: "arithmetic overflow or underflow",
        0x12: "division or modulo by zero",
        0x21: "invalid enum value",
        0x31: "pop on an empty array",
        0x32: "array index out of bounds",
        0x41: "out of memory",
        0x51: "call to an uninitialised function",
    }

    def __init__(self, code: int, data: bytes = b""):
        super().__init__(f"panic 0x{code:02x}: {self.CODES.get(code, 'unknown panic')}", data)
        self.code = code


class ContractCustomError(ContractRevert):
    """A Solidity custom error. `name` is the error's name, `args` its decoded arguments by name."""

    def __init__(self, name: str, args: dict[str, Any], data: bytes = b""):
        rendered = ", ".join(f"{k}={_render(v)}" for k, v in args.items())
        super().__init__(f"{name}({rendered})", data)
        self.name = name
        self.args_by_name = args


class Unauthorized(ContractCustomError):
    """The sender lacks the role the function requires (OpenZeppelin AccessControlUnauthorizedAccount)."""

    def __init__(self, name: str, args: dict[str, Any], data: bytes = b""):
        role = args.get("neededRole")
        self.account = args.get("account")
        self.role = role_name(role) if isinstance(role, (bytes, bytearray)) else str(role)
        ContractRevert.__init__(self, f"{self.account} lacks {self.role}: ask the contract's admin to grant it", data)
        self.name = name
        self.args_by_name = args


class TransferRestricted(ContractCustomError):
    """A transfer, mint or settlement refused by the rule engine. `code` and `reason` come from the code table."""

    code: int = -1
    reason_name: str = ""

    def __init__(self, code: int, message: str | None = None, data: bytes = b""):
        entry = REASON_CODES.get(code)
        reason = message or (entry["message"] if entry else f"unknown restriction code {code}")
        ContractRevert.__init__(self, f"transfer restricted [{code} {entry['name'] if entry else '?'}]: {reason}", data)
        self.name = "TransferRestricted"
        self.args_by_name = {"code": code}
        self.code = code
        self.reason = reason


def _render(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)


_TABLE = json.loads((Path(__file__).parent / "data" / "reason_codes.json").read_text())["codes"]
REASON_CODES: dict[int, dict] = {entry["code"]: entry for entry in _TABLE}
# One subclass of TransferRestricted per code, so callers can `except rwa_token.errors.CountryBlocked`.
RESTRICTION_CLASSES: dict[int, type[TransferRestricted]] = {}
for _entry in _TABLE:
    if _entry["exception"]:
        _cls = type(_entry["exception"], (TransferRestricted,), {"__doc__": _entry["message"]})
        RESTRICTION_CLASSES[_entry["code"]] = _cls
        globals()[_entry["exception"]] = _cls


def restriction(code: int, message: str | None = None, data: bytes = b"") -> TransferRestricted:
    """The exception for restriction `code`."""
    return RESTRICTION_CLASSES.get(code, TransferRestricted)(code, message, data)


# Custom errors with a dedicated Python class; all others become ContractCustomError.
CUSTOM_ERROR_CLASSES: dict[str, type[ContractCustomError]] = {
    "AccessControlUnauthorizedAccount": Unauthorized,
}


def role_name(role: bytes) -> str:
    """Reverse a role hash into its name for messages (falls back to hex)."""
    from eth_utils import keccak

    for name in ROLE_NAMES:
        if name == "DEFAULT_ADMIN_ROLE" and bytes(role) == b"\0" * 32:
            return name
        if keccak(text=name) == bytes(role):
            return name
    return "0x" + bytes(role).hex()


ROLE_NAMES = (
    "DEFAULT_ADMIN_ROLE",
    "AGENT_ROLE",
    "COMPLIANCE_ROLE",
    "SNAPSHOT_ROLE",
    "REGISTRAR_ROLE",
    "KYC_SIGNER_ROLE",
    "DISTRIBUTION_AGENT_ROLE",
    "PAYING_AGENT_ROLE",
    "ISSUER_ROLE",
    "SETTLEMENT_ROLE",
    "AUDITOR_ROLE",
)
