"""Investor categories: a bitmask stored in the registry record (bits 0-7 standard, 8-31 issuer-defined)."""
from __future__ import annotations

from .errors import ConfigError

RETAIL = 1 << 0  # the general public
PROFESSIONAL = 1 << 1  # Hong Kong SFC "professional investor" (PI)
ACCREDITED = 1 << 2  # US Regulation D accredited investor (also SG accredited)
INSTITUTIONAL = 1 << 3  # banks, funds, insurers, other regulated institutions

STANDARD = {"retail": RETAIL, "professional": PROFESSIONAL, "accredited": ACCREDITED, "institutional": INSTITUTIONAL}
FIRST_CUSTOM_BIT = 8
MAX_BIT = 31


def parse_categories(value: str | int | list | tuple | None) -> int:
    """'professional', 'professional|institutional', ['retail', 'flag:9'] or an int bitmask -> bitmask."""
    if value is None or value == "":
        return 0
    if isinstance(value, bool):
        raise ConfigError(f"investor category must be a name or bitmask, not {value!r}")
    if isinstance(value, int):
        if not 0 <= value < 2**32:
            raise ConfigError(f"investor category bitmask {value} is outside 0..2^32-1")
        return value
    parts = value if isinstance(value, (list, tuple)) else str(value).replace(",", "|").split("|")
    mask = 0
    for part in parts:
        name = str(part).strip().lower()
        if not name:
            continue
        if name in STANDARD:
            mask |= STANDARD[name]
        elif name.startswith("flag:") and name[5:].isdigit() and FIRST_CUSTOM_BIT <= int(name[5:]) <= MAX_BIT:
            mask |= 1 << int(name[5:])
        else:
            known = ", ".join(STANDARD) + ", flag:8..flag:31"
            raise ConfigError(f"unknown investor category {part!r} (known: {known})")
    return mask


def describe_categories(mask: int) -> str:
    names = [name for name, bit in STANDARD.items() if mask & bit]
    names += [f"flag:{b}" for b in range(FIRST_CUSTOM_BIT, MAX_BIT + 1) if mask & (1 << b)]
    return "|".join(names) or "none"
