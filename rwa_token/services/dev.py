"""Local-chain conveniences for trying an offering end to end: pay a wallet some of the offering's mock payment
token, or move the chain's clock (a Reg S lockup, a coupon date). Refused on any chain that is not a local one."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..chain.tx import Receipt
from ..contracts.stablecoin import MockStablecoin
from ..primitives.constants import LOCAL_CHAIN_IDS
from ..primitives.errors import ConfigError
from ..primitives.units import address
from .context import Operator

_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800}
_DURATION = re.compile(r"\+?([0-9]+)([smhdw])")


def _local_only(op: Operator, what: str) -> None:
    if op.chain.chain_id not in LOCAL_CHAIN_IDS:
        raise ConfigError(f"{what} works on local chains only (chain ids {sorted(LOCAL_CHAIN_IDS)}); this is chain "
                          f"{op.chain.chain_id}")


def fund(op: Operator, symbol: str, wallet: str, amount: str, dry_run: bool = False) -> Receipt | None:
    """Mint `amount` of the offering's mock payment token `symbol` (deployed by `rwa deploy` on a local chain) to
    `wallet` (with `dry_run`, simulate it only)."""
    _local_only(op, "rwa dev fund")
    tokens = op.offering.record.payment_tokens
    if symbol not in tokens:
        raise ConfigError(f"no payment token {symbol!r} in this offering (it has {', '.join(tokens) or 'none'})")
    return MockStablecoin(op.tx, tokens[symbol], op.account).mint(address(wallet, "wallet"), amount, dry_run=dry_run)


@dataclass(frozen=True)
class TimeMove:
    seconds: int
    timestamp: int  # the chain's clock after the move (the new block's)


def parse_duration(text: str) -> int:
    """'+40d', '12h', '+3600s', '2w' -> seconds."""
    match = _DURATION.fullmatch(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"duration {text!r}: give a positive whole number and a unit, e.g. +40d, 12h or 3600s")
    return int(match.group(1)) * _UNITS[match.group(2)]


def advance_time(op: Operator, duration: str, dry_run: bool = False) -> TimeMove:
    """Move the local chain's clock forward by `duration` and mine a block at the new time (with `dry_run`, only
    say where it would land)."""
    seconds = parse_duration(duration)
    _local_only(op, "rwa dev time")
    if dry_run:
        return TimeMove(seconds, op.chain.block_timestamp() + seconds)
    op.chain.increase_time(seconds)
    return TimeMove(seconds, op.chain.block_timestamp())
