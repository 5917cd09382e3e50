"""Validation of user input before any transaction: addresses, token amounts, dates, investor ids."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Callable

from eth_utils import is_address, is_checksum_address, keccak, to_checksum_address

from .errors import ConfigError

UINT96_MAX = 2**96 - 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"


def address(value: str, field: str = "address") -> str:
    """A checksummed address. All-lowercase hex is accepted; mixed case must carry a valid checksum."""
    if not isinstance(value, str) or not is_address(value.strip() if isinstance(value, str) else value):
        raise ConfigError(f"{field}: {value!r} is not an Ethereum address (0x + 40 hex digits)")
    value = value.strip()
    body = value[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(value):
        raise ConfigError(f"{field}: {value} has a bad checksum (a typo?); expected {to_checksum_address(value)}")
    return to_checksum_address(value)


def to_units(amount: str | int | Decimal, decimals: int, field: str = "amount") -> int:
    """'1234.5' with 6 decimals -> 1234500000. Too many decimals, negatives and junk are errors."""
    if isinstance(amount, bool):
        raise ConfigError(f"{field}: {amount!r} is not an amount")
    if isinstance(amount, float):
        raise ConfigError(f"{field}: give amounts as decimal strings, not floats ({amount!r} is inexact)")
    try:
        value = Decimal(str(amount).strip().replace("_", "").replace(",", ""))
    except InvalidOperation:
        raise ConfigError(f"{field}: {amount!r} is not a number") from None
    if not value.is_finite():
        raise ConfigError(f"{field}: {amount!r} is not a finite number")
    if value < 0:
        raise ConfigError(f"{field}: {amount} is negative")
    scaled = value.scaleb(decimals)
    if scaled != scaled.to_integral_value():
        raise ConfigError(f"{field}: {amount} has more than {decimals} decimal places")
    units = int(scaled)
    if units > UINT96_MAX:
        raise ConfigError(f"{field}: {amount} is larger than the token can hold")
    return units


def base_units(amount: str | int | Decimal, decimals: int | Callable[[], int], field: str = "amount") -> int:
    """The one rule for amounts across the SDK: an `int` is already base units; a decimal string ("1250.5") or a
    `Decimal` is a token amount, scaled by `decimals` (a number, or a function read only when needed)."""
    if isinstance(amount, int) and not isinstance(amount, bool):
        if amount < 0:
            raise ConfigError(f"{field}: {amount} is negative")
        return amount
    return to_units(amount, decimals() if callable(decimals) else decimals, field)


def from_units(units: int, decimals: int) -> Decimal:
    return Decimal(units).scaleb(-decimals)


def format_units(units: int, decimals: int) -> str:
    text = f"{from_units(units, decimals):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


_PLAIN_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")


def plain_amount(value: str) -> str:
    """The one convention for amounts typed by people (the command line, the console): a plain decimal in token units
    ("1000", "1250.5"): no exponent, sign or separators, which read differently across locales, and never zero,
    which would move nothing (and still cost a transaction)."""
    text = value.strip()
    if not _PLAIN_DECIMAL.fullmatch(text):
        raise ConfigError(f"amount {value!r}: give a plain decimal such as 1000 or 1250.5 (no exponent, sign or "
                          "separators)")
    if not text.strip("0."):
        raise ConfigError(f"amount {value!r}: zero moves nothing")
    return text


def decimal_text(units: int, decimals: int) -> str:
    """Base units as a plain decimal string in token units ("10150.5"): no separators, as commands take them."""
    return format_units(units, decimals).replace(",", "")


def timestamp(value: str | int | dt.date | dt.datetime, field: str = "date") -> int:
    """Unix seconds from an ISO date/datetime (UTC) or an int."""
    if isinstance(value, bool):
        raise ConfigError(f"{field}: {value!r} is not a date")
    if isinstance(value, int):
        if value < 0:
            raise ConfigError(f"{field}: {value} is before 1970")
        return value
    if isinstance(value, dt.datetime):
        return int(value.replace(tzinfo=value.tzinfo or dt.timezone.utc).timestamp())
    if isinstance(value, dt.date):
        return int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).timestamp())
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"{field}: {value!r} is not an ISO date (YYYY-MM-DD)") from None
    return timestamp(parsed, field)


def investor_id(reference: str, salt: str) -> bytes:
    """The on-chain investor id: keccak256(salt, reference). No personal data reaches the chain, and without
    the issuer's salt the id cannot be linked back to the reference."""
    if not reference or not str(reference).strip():
        raise ConfigError("investor reference is empty")
    return keccak(text=f"{salt}:{str(reference).strip()}")


def reference_bytes(reference: str) -> bytes:
    """A regulator's reference (a filing number) as the contract stores it: ASCII, left-aligned in 32 bytes."""
    try:
        raw = reference.strip().encode("ascii")
    except UnicodeEncodeError:
        raise ConfigError(f"reference {reference!r} must be ASCII") from None
    if not raw or len(raw) > 32:
        raise ConfigError(f"reference {reference!r} must be 1 to 32 ASCII characters")
    return raw.ljust(32, b"\0")
