"""Redemption at maturity on a deployed offering: set up a token's redemption module, fund the principal pool,
and redeem every holder's balance in batches (holders the rules do not let be paid now are skipped by the
contract and can be redeemed later)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..contracts.redemption import Redemption
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..primitives.errors import ConfigError
from ..primitives.units import to_units
from ..store.journal import Progress
from ..store.state import save_record
from .context import Operator, Track, quiet
from .holders import token_holders


def set_up_redemption(op: Operator, face_value: str, token: str | None = None) -> tuple[str, Redemption]:
    """Deploy the token's redemption module (principal per whole token `face_value`, in payment-token units),
    give it the agent role it needs to burn, and record it. Returns (symbol, wrapper)."""
    symbol, address = op.record.token(token)
    usd = op.payment_token()
    redemption = Redemption.deploy_initialized(
        op.tx, op.account, agent=op.account.address, token=address, principal_token=usd.address,
        distributor=op.record.distributor, treasury=op.account.address,
        face_value_per_token=to_units(face_value, usd.decimals(), "face_value"), start=op.chain.block_timestamp())
    op.token(symbol).grant_role("AGENT_ROLE", redemption.address)
    op.record.modules[f"redemption:{symbol}"] = redemption.address
    save_record(op.record, op.state)
    return symbol, redemption


def check_principal_funding(op: Operator, amount: str, token: str | None = None) -> tuple[Redemption, ERC20, int]:
    """What `fund_principal` checks before sending (the module exists, the issuer holds `amount`): the module, the
    payment token and the amount in its base units."""
    _, redemption = op.redemption(token)
    usd = op.payment_token()
    units = to_units(amount, usd.decimals(), "amount")
    if usd.balance_of(op.account.address) < units:
        raise ConfigError(f"{op.account.address} holds less than {amount} {usd.symbol()}")
    return redemption, usd, units


def fund_principal(op: Operator, amount: str, token: str | None = None):
    """Add `amount` (payment-token units, decimal) of the issuer's payment tokens to the redemption pool."""
    redemption, usd, units = check_principal_funding(op, amount, token)
    usd.approve(redemption.address, units)
    return redemption.fund_principal(units)


@dataclass(frozen=True)
class Redeemed:
    redeemed: int  # holders redeemed in this run
    holders: int   # holders with a balance when it started


def redeem_all(redemption: Redemption, token: SecurityToken, candidates: Sequence[str], batch_size: int = 50,
               progress: Progress | None = None) -> Redeemed:
    """Redeem the whole balance of every candidate that holds the token, `batch_size` holders a transaction;
    `progress(done, total)` after each batch."""
    holders = [h for h, b in zip(candidates, token.balance_of_many(candidates)) if b > 0]
    redeemed = 0
    for start in range(0, len(holders), batch_size):
        receipt = redemption.redeem_batch(holders[start:start + batch_size])
        redeemed += len(redemption.redeemed_holders(receipt))
        if progress:
            progress(min(start + batch_size, len(holders)), len(holders))
    return Redeemed(redeemed, len(holders))


def redeem_offering_token(op: Operator, token: str | None = None, batch_size: int = 50,
                          track: Track = quiet) -> tuple[SecurityToken, Redeemed]:
    """At maturity: redeem every holder of the offering's token (holders from the event index)."""
    symbol, redemption = op.redemption(token)
    t = op.token(symbol)
    candidates = token_holders(op, symbol, track)
    with track("redeeming") as advance:
        return t, redeem_all(redemption, t, candidates, batch_size, progress=advance)
