"""What a cash-flow command would do, without sending anything: the checks the command itself makes before its
first transaction, and the figures it would move. `rwa distribute`, `rwa waterfall ...` and `rwa redeem ...` show
these under --dry-run; each is computed from the chain as it stands (the waterfall split by `cashflow_calc`, the
contract's own arithmetic repeated off chain)."""
from __future__ import annotations

from dataclasses import dataclass

from ..contracts.waterfall import TrancheTerms
from ..primitives.constants import SECONDS_PER_DAY as DAY
from ..primitives.errors import ConfigError
from ..primitives.units import format_units, to_units
from .cashflow_calc import PeriodResult, run_period, state_of
from .context import Operator
from .distributions import check_funding
from .holders import token_holders
from .redemption import check_principal_funding
from .servicing import check_no_waterfall, tranche_terms, waterfall_address


@dataclass(frozen=True)
class DistributionPreview:
    symbol: str
    payment_symbol: str
    units: int            # payment-token base units the distributor would pull
    payment_decimals: int
    holders: int          # wallets holding the token now (the record date would be now)


def preview_distribution(op: Operator, amount: str, *, token: str | None = None, payment: str | None = None,
                         claim_days: int = 90) -> DistributionPreview:
    """The checks `distribute` makes before funding (roles, payment token allowed, the payer's balance), and how
    many wallets hold the token now."""
    symbol, _ = op.record.token(token)
    t, usd, distributor = op.token(symbol), op.payment_token(payment), op.distributor()
    decimals = usd.decimals()
    units = to_units(amount, decimals, "amount")
    check_funding(distributor, t, usd, op.chain.block_timestamp() + claim_days * DAY, amount=units,
                  payer=op.account)
    candidates = token_holders(op, symbol)
    holders = [h for h, b in zip(candidates, t.balance_of_many(candidates)) if b > 0]
    return DistributionPreview(symbol, usd.symbol(), units, decimals, len(holders))


def preview_waterfall_init(op: Operator) -> list[TrancheTerms]:
    """The tranche terms `waterfall init` would deploy with (outstanding = supply x face value now)."""
    check_no_waterfall(op)
    spec = op.spec()
    if spec.waterfall is None:
        raise ConfigError("the offering spec has no waterfall section")
    tokens = [op.token(s) for s in op.record.tokens]
    return tranche_terms(spec, tokens, op.account.address, op.payment_token().decimals())


def preview_waterfall_period(op: Operator, collections: str) -> tuple[PeriodResult, int]:
    """The next period's split of `collections` as the contract would make it, and the payment token's decimals;
    refused as the run would be when there is no waterfall or the payer holds too little."""
    waterfall_address(op)
    usd = op.payment_token()
    decimals = usd.decimals()
    units = to_units(collections, decimals, "collections")
    balance = usd.balance_of(op.account.address)
    if balance < units:
        raise ConfigError(f"{op.account.address} holds {format_units(balance, decimals)} {usd.symbol()}, less than "
                          f"the {collections} collections to run")
    return run_period(state_of(op.offering.waterfall), units), decimals


@dataclass(frozen=True)
class RedemptionPreview:
    symbol: str
    holders: int             # wallets holding the token now
    principal_needed: int    # payment-token units to redeem them all at the face value
    principal_available: int
    payment_decimals: int


def preview_redemption_init(op: Operator, face_value: str, token: str | None = None) -> tuple[str, int]:
    """(symbol, face value in payment-token units) `redeem init` would deploy with; refused if one exists."""
    symbol, _ = op.record.token(token)
    if op.offering.redemption(symbol) is not None:
        raise ConfigError(f"{symbol} already has a redemption module at {op.record.modules[f'redemption:{symbol}']}")
    return symbol, to_units(face_value, op.payment_token().decimals(), "face_value")


def preview_redemption_fund(op: Operator, amount: str, token: str | None = None) -> int:
    """Payment-token units `redeem fund` would add, after the checks it makes."""
    return check_principal_funding(op, amount, token)[2]


def preview_redeem_all(op: Operator, token: str | None = None) -> RedemptionPreview:
    """Who `redeem all` would redeem now and the principal that takes, against what the pool holds."""
    symbol, redemption = op.redemption(token)
    t = op.token(symbol)
    balances = [b for b in t.balance_of_many(token_holders(op, symbol)) if b > 0]
    needed = redemption.quote(sum(balances)) if balances else 0
    return RedemptionPreview(symbol, len(balances), needed, redemption.principal_available(),
                             op.payment_token().decimals())
