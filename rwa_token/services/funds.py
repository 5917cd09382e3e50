"""A tokenized fund's dealing at NAV (ERC-7540): NAV publication, subscriptions, redemptions, cancellations,
claims, and the close of a dealing cycle with its fulfilment in batches.

Every operation checks what it can before sending and says what to do next; a refusal by the share token's rules
raises the token's own reason-code exception. Closing is resumable: the controllers still to fulfil are read from
the chain each time, so a rerun after a crash fulfils only what is left.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Sequence

from ..chain.tx import Receipt
from ..contracts.events import FundEvents
from ..contracts.fund import Cycle, Decimals, FundVault, Position
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..inputs.spec import FundSpec
from ..primitives.errors import ConfigError, restriction
from ..primitives.units import decimal_text, to_units
from ..store.index import EventIndex
from .context import Operator, Track, quiet
from .holders import offering_index
from .offering import FUND_PREFIX

BPS = 10_000
FULFIL_BATCH = 100


# ------------------------------------------------------------------------------------------------ lookup
@dataclass(frozen=True)
class Fund:
    """One entry point of the fund: the vault, its share token and its entry asset."""

    symbol: str  # the share token's symbol
    asset_symbol: str
    vault: FundVault
    token: SecurityToken
    asset: ERC20
    share_decimals: int  # read once: every amount of an operation is formatted or parsed with them
    asset_decimals: int


def fund(op: Operator, asset: str | None = None, token: str | None = None) -> Fund:
    """The fund vault of `token` (default: the spec's fund token, else the senior token) for entry `asset`
    (default: its first)."""
    symbol = token or _fund_token(op)
    vaults = op.offering.fund_vaults(symbol)
    if not vaults:
        raise ConfigError(f"{symbol} has no fund dealing vault: add a `fund:` section to the spec and run `rwa apply`")
    key = (asset or next(iter(vaults))).upper()
    found = {s.upper(): (s, v) for s, v in vaults.items()}.get(key)
    if found is None:
        raise ConfigError(f"{symbol} has no fund vault for {asset} (it deals in {', '.join(vaults)})")
    asset_symbol, vault = found
    token, asset_token = op.token(symbol), op.payment_token(asset_symbol)
    return Fund(symbol, asset_symbol, vault, token, asset_token, token.decimals, asset_token.decimals())


def _fund_token(op: Operator) -> str | None:
    """The token the offering's fund vaults deal in (the record's `fund:<TOKEN>:<ASSET>` keys), if any."""
    for key in op.offering.record.modules:
        if key.startswith(FUND_PREFIX):
            return key.split(":")[1]
    return None


def _spec_fund(op: Operator) -> FundSpec | None:
    try:
        return op.spec().fund
    except ConfigError:
        return None


# ------------------------------------------------------------------------------------------------ NAV
@dataclass(frozen=True)
class NavView:
    asset: str
    per_share: str
    per_share_units: int
    as_of: int
    used: bool
    age_seconds: int
    max_age_seconds: int

    @property
    def fresh(self) -> bool:
        return self.per_share_units > 0 and self.age_seconds <= self.max_age_seconds


def show_nav(op: Operator, asset: str | None = None) -> NavView:
    f = fund(op, asset)
    nav, dealing, now = f.vault.nav(), f.vault.dealing(), op.chain.block_timestamp()
    return NavView(f.asset_symbol, decimal_text(nav.per_share, f.asset_decimals), nav.per_share, nav.as_of,
                   nav.used, now - nav.as_of if nav.as_of else 0, dealing.max_nav_age)


def set_nav(op: Operator, per_share: str, asset: str | None = None, as_of: str | None = None,
            correct: bool = False, dry_run: bool = False) -> tuple[NavView, Receipt | None]:
    """Publish the NAV per share (in entry-asset units) valued as of `as_of` (ISO time, default now), or with
    `correct` correct the latest one before any cycle dealt at it."""
    f = fund(op, asset)
    units = to_units(per_share, f.asset_decimals, "nav")
    if units <= 0:
        raise ConfigError("nav: must be positive")
    current, now = f.vault.nav(), op.chain.block_timestamp()
    if correct:
        if current.per_share == 0:
            raise ConfigError("there is no NAV to correct: publish one with `rwa fund nav set`")
        if current.used:
            raise ConfigError(f"the NAV valued {utc_minute(current.as_of)} was already dealt at: publish a new one instead")
        receipt = f.vault.correct_nav(units, dry_run=dry_run)
    else:
        when = _parse_time(as_of, "as_of") if as_of else now
        if when > now:
            raise ConfigError(f"as_of: {utc_minute(when)} is in the future (the chain's time is {utc_minute(now)})")
        if when <= current.as_of:
            raise ConfigError(f"as_of: the latest NAV is valued {utc_minute(current.as_of)}; a new one must be later")
        receipt = f.vault.publish_nav(units, when, dry_run=dry_run)
    return show_nav(op, f.asset_symbol), receipt


# ------------------------------------------------------------------------------------------------ investors
@dataclass(frozen=True)
class RequestPreview:
    asset: str
    controller: str
    amount: str  # assets (subscription) or shares (redemption)
    amount_units: int
    cycle: int
    cutoff: int
    estimate: str  # shares (subscription) or cash (redemption) at the latest NAV, after fees
    estimate_units: int


def subscribe(op: Operator, amount: str, asset: str | None = None, controller: str | None = None,
              dry_run: bool = False) -> tuple[RequestPreview, Receipt | None]:
    """Request a subscription of `amount` (entry-asset units) from the signer's wallet for `controller`
    (default: the signer), dealt at the cycle's NAV after its cut-off."""
    f = fund(op, asset)
    owner = op.account.address
    who = controller or owner
    units = _positive(to_units(amount, f.asset_decimals, "amount"), "amount")
    dealing = _open_cycle(op, f)
    terms, position = f.vault.dealing_terms(), f.vault.position(who)
    total = units + (position.pending_assets if position.deposit_cycle == dealing.cycle else 0)
    if total < terms.min_subscription:
        raise ConfigError(f"the minimum subscription is {decimal_text(terms.min_subscription, f.asset_decimals)} "
                          f"{f.asset_symbol} per cycle; this request makes {decimal_text(total, f.asset_decimals)}")
    nav = f.vault.nav().per_share
    shares = _shares_for(total - _fee(total, terms.subscription_fee_bps), nav, f.share_decimals) if nav else 0
    check = f.token.can_mint(who, max(shares, 1))
    if not check.ok:
        raise restriction(check.code, check.message)
    held = f.asset.balance_of(owner)
    if held < units:
        raise ConfigError(f"{owner} holds {decimal_text(held, f.asset_decimals)} {f.asset_symbol}, less than {amount}")
    preview = RequestPreview(f.asset_symbol, who, amount, units, dealing.cycle, dealing.cutoff,
                             decimal_text(shares, f.share_decimals), shares)
    if dry_run:
        return preview, None
    if f.asset.allowance(owner, f.vault.address) < units:
        f.asset.approve(f.vault.address, units)
    return preview, f.vault.request_deposit(units, who, owner)


def redeem(op: Operator, shares: str, asset: str | None = None, controller: str | None = None,
           dry_run: bool = False) -> tuple[RequestPreview, Receipt | None]:
    """Request the redemption of `shares` of the signer's shares for `controller` (default: the signer). The
    shares are burnt now through the token's rules: a frozen, locked or pledged part is refused with its code."""
    f = fund(op, asset)
    owner = op.account.address
    who = controller or owner
    units = _positive(to_units(shares, f.share_decimals, "shares"), "shares")
    dealing = _open_cycle(op, f)
    held = f.token.balance_of(owner)
    if held < units:
        raise ConfigError(f"{owner} holds {decimal_text(held, f.share_decimals)} {f.symbol}, less than {shares}")
    terms, nav = f.vault.dealing_terms(), f.vault.nav().per_share
    gross = units * nav // 10 ** f.share_decimals
    cash = gross - _fee(gross, terms.redemption_fee_bps)
    preview = RequestPreview(f.asset_symbol, who, shares, units, dealing.cycle, dealing.cutoff,
                             decimal_text(cash, f.asset_decimals), cash)
    f.vault.request_redeem(units, who, owner, dry_run=True)  # the token's verdict, as its named exception
    if dry_run:
        return preview, None
    return preview, f.vault.request_redeem(units, who, owner)


def cancel(op: Operator, kind: str, asset: str | None = None, controller: str | None = None,
           dry_run: bool = False) -> tuple[int, Receipt | None]:
    """Cancel the controller's pending `kind` ("subscription" or "redemption") before the cut-off: the assets are
    refunded, or the shares minted back. Returns the amount (base units) and the receipt."""
    f = fund(op, asset)
    who = controller or op.account.address
    dealing = _open_cycle(op, f)
    position = f.vault.position(who)
    if kind == "subscription":
        amount = position.pending_assets if position.deposit_cycle == dealing.cycle else 0
        send = f.vault.cancel_deposit
    elif kind == "redemption":
        amount = position.pending_shares if position.redeem_cycle == dealing.cycle else 0
        send = f.vault.cancel_redeem
    else:
        raise ConfigError(f"kind: subscription or redemption, got {kind!r}")
    if amount == 0:
        raise ConfigError(f"{who} has no {kind} pending in cycle {dealing.cycle}")
    return amount, send(who, dry_run=dry_run)


@dataclass
class Claimed:
    shares: int = 0  # share base units minted
    cash: int = 0  # asset base units paid
    receipts: list[Receipt] = field(default_factory=list)


def claim(op: Operator, asset: str | None = None, controller: str | None = None, receiver: str | None = None,
          dry_run: bool = False) -> Claimed:
    """Claim everything claimable for `controller` (default: the signer): shares bought, cash from redemptions,
    to `receiver` (default: the controller). Shares are minted through the token's rules."""
    f = fund(op, asset)
    who = controller or op.account.address
    to = receiver or who
    assets, shares = f.vault.max_deposit(who), f.vault.max_redeem(who)
    if assets == 0 and shares == 0:
        position = f.vault.position(who)
        if position.pending_shares and position.redeem_cycle < f.vault.dealing().cycle:
            raise ConfigError(f"cycle {position.redeem_cycle} closed but its redemptions are not funded yet: the fund "
                              "agent's `rwa fund close` funds and fulfils them")
        raise ConfigError(f"nothing is claimable for {who} yet: a request becomes claimable when its cycle closes")
    result = Claimed(f.vault.max_mint(who), f.vault.max_withdraw(who))
    if assets:
        check = f.token.can_mint(to, max(result.shares, 1))
        if not check.ok:
            raise restriction(check.code, check.message)
        receipt = f.vault.claim_shares(assets, to, who, dry_run=dry_run)
        result.receipts += [receipt] if receipt else []
    if shares:
        receipt = f.vault.claim_cash(shares, to, who, dry_run=dry_run)
        result.receipts += [receipt] if receipt else []
    return result


# ------------------------------------------------------------------------------------------------ closing
@dataclass
class CloseResult:
    asset: str
    cycle: int  # the cycle closed (or being fulfilled)
    nav: int
    nav_text: str  # the NAV in entry-asset units
    closed_now: bool  # False: a close sent earlier, resumed
    next_cutoff: int
    deposits: int = 0  # subscriptions fulfilled
    redemptions: int = 0  # redemptions fulfilled
    redeem_allowed: int = 0  # shares the gate let out
    redeem_requested: int = 0
    funded: int = 0  # cash added for redemptions (asset base units)
    swept: int = 0  # subscription cash sent to the treasury
    fees: int = 0  # fees sent to the fee recipient
    batches: int = 0
    receipts: list[Receipt] = field(default_factory=list)


def close_cycle(op: Operator, asset: str | None = None, next_cut: int | None = None, sweep: bool = True,
                batch_size: int = FULFIL_BATCH, track: Track = quiet, dry_run: bool = False) -> CloseResult:
    """Close the open cycle at the latest NAV once its cut-off has passed, fund the redemptions the subscriptions
    do not cover, fulfil every request in batches, then (with `sweep`) send the subscription cash left to the
    treasury and the fees to the fee recipient. Everything is checked before the first transaction. Run it again
    after an interruption: it fulfils what a closed cycle left pending (first, as the next close requires), then
    closes the open cycle if its cut-off has passed."""
    f = fund(op, asset)
    deal, now = f.vault.dealing(), op.chain.block_timestamp()
    closing = now >= deal.cutoff
    if closing:
        _check_closable(f, deal, now)
    positions = _pending_in(op, f, deal.cycle if closing else deal.cycle - 1)
    if not closing and not positions:
        raise ConfigError(f"cycle {deal.cycle} cuts off at {utc_minute(deal.cutoff)}; it cannot close before, and no "
                          "closed cycle has requests left to fulfil")
    cycle = deal.cycle if closing else deal.cycle - 1
    info = f.vault.cycle(cycle)
    cutoff = next_cut or _next_cutoff(op, max(now, deal.cutoff)) if closing else deal.cutoff
    nav = info.nav or f.vault.nav().per_share
    result = CloseResult(f.asset_symbol, cycle, nav, decimal_text(nav, f.asset_decimals), closing, cutoff,
                         redeem_requested=info.redeem_shares,
                         redeem_allowed=(info.redeem_allowed if info.nav
                                         else _gate(f, info, f.vault.dealing_terms().gate_bps)))
    dues = _count(_dues(f, positions, deal.cycle, closing), result)
    result.funded = max(0, sum(d.redeem_gross for d in dues) - _cash_before(f, dues))
    held = f.asset.balance_of(op.account.address)
    if result.funded > held:
        raise ConfigError(f"redemptions need {decimal_text(result.funded, f.asset_decimals)} {f.asset_symbol} more "
                          f"than the vault holds, and {op.account.address} holds "
                          f"{decimal_text(held, f.asset_decimals)}")
    if dry_run:
        if closing:
            f.vault.close_cycle(cutoff, dry_run=True)
        return result
    if result.funded:
        _fund_redemptions(f, result.funded, result)
    # What an interrupted close left in closed cycles goes first: the next close needs its redemptions done.
    _fulfil(f, [d for d in dues if d.first_cycle < deal.cycle], result, batch_size, track)
    if closing:
        result.receipts.append(f.vault.close_cycle(cutoff))
        _fulfil(f, [d for d in dues if d.last_cycle == deal.cycle], result, batch_size, track)
    left = f.vault.cycle(cycle).unfulfilled
    if left:
        raise ConfigError(f"cycle {cycle} still has {left} unfulfilled redemptions the index does not show: "
                          "run `rwa fund close` again once the index has caught up")
    if sweep:
        _sweep(f, result)
    return result


def _check_closable(f: Fund, deal, now: int) -> None:
    nav = f.vault.nav()
    if nav.per_share == 0:
        raise ConfigError("no NAV has been published: `rwa fund nav set NAV` first")
    if nav.as_of < deal.cutoff:
        raise ConfigError(f"the latest NAV is valued {utc_minute(nav.as_of)}, before the cut-off {utc_minute(deal.cutoff)}: "
                          "dealing is at the next NAV; publish one valued after the cut-off")
    if now - nav.as_of > deal.max_nav_age:
        raise ConfigError(f"the latest NAV, valued {utc_minute(nav.as_of)}, is older than "
                          f"{deal.max_nav_age // 3600} h: publish a fresh one")


def _next_cutoff(op: Operator, after: int) -> int:
    spec = _spec_fund(op)
    return spec.next_cutoff(after) if spec else after + 86_400


@dataclass(frozen=True)
class Due:
    """What one controller's fulfilment moves, computed as the vault computes it."""

    controller: str
    first_cycle: int  # the cycles of its oldest and newest pending request
    last_cycle: int
    deposit_assets: int
    deposit_net: int
    redeem_shares: int  # requested
    redeem_gross: int  # cash the gate's part fetches, fee included


def _dues(f: Fund, positions: dict[str, Position], open_cycle: int, closing: bool) -> list[Due]:
    """Each controller's fulfilment as the vault will compute it, at the NAV, gate and fees of the cycle each request
    is in (for the open cycle when `closing`: the latest NAV, the terms now and the gate as the close computes it)."""
    terms, nav_now = f.vault.dealing_terms(), f.vault.nav().per_share
    closes: dict[int, Cycle] = {}

    def close_of(cycle: int) -> Cycle:
        if cycle not in closes:
            info = f.vault.cycle(cycle)
            if closing and cycle == open_cycle:
                info = Cycle(info.redeem_shares, nav_now, _gate(f, info, terms.gate_bps), info.unfulfilled,
                             terms.subscription_fee_bps, terms.redemption_fee_bps)
            closes[cycle] = info
        return closes[cycle]

    dues = []
    for who, p in positions.items():
        assets = p.pending_assets
        net = assets - _fee(assets, close_of(p.deposit_cycle).subscription_fee_bps) if assets else 0
        gross = 0
        if p.pending_shares:
            c = close_of(p.redeem_cycle)
            redeemed = (p.pending_shares if c.redeem_allowed >= c.redeem_shares
                        else p.pending_shares * c.redeem_allowed // max(c.redeem_shares, 1))
            gross = redeemed * c.nav // 10 ** f.share_decimals
        cycles = [c for c in (p.deposit_cycle, p.redeem_cycle) if c]
        dues.append(Due(who, min(cycles), max(cycles), assets, net, p.pending_shares, gross))
    return dues


def _gate(f: Fund, info: Cycle, gate_bps: int) -> int:
    gate = (f.token.total_supply() + info.redeem_shares) * gate_bps // BPS
    return min(info.redeem_shares, gate)


def _pending_in(op: Operator, f: Fund, last_cycle: int) -> dict[str, Position]:
    """Controllers with a request pending in a cycle up to `last_cycle`, read from the chain (the candidates from
    the event index); a request in a later cycle is left out of the position."""
    index = offering_index(op)
    candidates = sorted({e.args["controller"] for e in index.events(
        f.vault.address, [FundEvents.DEPOSIT_REQUEST, FundEvents.REDEEM_REQUEST])})
    found = {}
    for who, p in zip(candidates, f.vault.positions(candidates)):
        deposit = bool(p.pending_assets) and p.deposit_cycle <= last_cycle
        redeem = bool(p.pending_shares) and p.redeem_cycle <= last_cycle
        if deposit or redeem:
            found[who] = Position(p.pending_assets if deposit else 0, p.deposit_cycle if deposit else 0,
                                  p.pending_shares if redeem else 0, p.redeem_cycle if redeem else 0,
                                  p.claimable_shares, p.claimable_assets)
    return found


def _count(dues: list[Due], result: CloseResult) -> list[Due]:
    result.deposits = sum(1 for d in dues if d.deposit_assets)
    result.redemptions = sum(1 for d in dues if d.redeem_shares)
    return dues


def _cash_before(f: Fund, dues: Sequence[Due]) -> int:
    """Cash the vault surely holds before the first redemption of the batches: what it has, plus subscriptions of
    controllers with nothing to redeem, which go first."""
    return f.vault.cash()[0] + sum(d.deposit_net for d in dues if not d.redeem_gross)


def _fulfil(f: Fund, dues: list[Due], result: CloseResult, batch_size: int, track: Track) -> None:
    """Push fulfilment in batches: controllers with nothing to redeem first, so their subscriptions' cash is in
    the vault before the first redemption takes from it."""
    order = [d.controller for d in dues if not d.redeem_gross] + [d.controller for d in dues if d.redeem_gross]
    if not order:
        return
    with track("fulfilling requests") as advance:
        for start in range(0, len(order), batch_size):
            result.receipts.append(f.vault.fulfil(order[start:start + batch_size]))
            result.batches += 1
            advance(min(start + batch_size, len(order)), len(order))


def _fund_redemptions(f: Fund, amount: int, result: CloseResult) -> None:
    owner = f.vault.sender.address
    if f.asset.allowance(owner, f.vault.address) < amount:
        f.asset.approve(f.vault.address, amount)
    result.receipts.append(f.vault.fund_redemptions(amount))


def _sweep(f: Fund, result: CloseResult) -> None:
    available, fees = f.vault.cash()
    if available:
        result.receipts.append(f.vault.withdraw_cash(available))
        result.swept = available
    if fees:
        result.receipts.append(f.vault.withdraw_fees())
        result.fees = fees


# ------------------------------------------------------------------------------------------------ status
@dataclass(frozen=True)
class FundStatus:
    token: str
    asset: str
    vault: str
    cycle: int
    cutoff: int
    nav: NavView
    subscription_fee_bps: int
    redemption_fee_bps: int
    gate_bps: int
    min_subscription: str
    pending_subscriptions: str  # assets requested in the open cycle
    pending_redemptions: str  # shares
    cash_available: str
    fees_accrued: str


def fund_status(op: Operator, asset: str | None = None) -> FundStatus:
    """The open cycle and what is pending in it (subscriptions from the controllers the index knows, read from the
    chain: the vault keeps no per-cycle subscription total)."""
    f = fund(op, asset)
    deal, terms, (available, fees) = f.vault.dealing(), f.vault.dealing_terms(), f.vault.cash()
    subscribed = sum(p.pending_assets for p in _pending_in(op, f, deal.cycle).values() if p.deposit_cycle == deal.cycle)
    ad, sd = f.asset_decimals, f.share_decimals
    return FundStatus(f.symbol, f.asset_symbol, f.vault.address, deal.cycle, deal.cutoff,
                      show_nav(op, f.asset_symbol), terms.subscription_fee_bps, terms.redemption_fee_bps,
                      terms.gate_bps, decimal_text(terms.min_subscription, ad), decimal_text(subscribed, ad),
                      decimal_text(f.vault.cycle(deal.cycle).redeem_shares, sd), decimal_text(available, ad),
                      decimal_text(fees, ad))


def fund_report_inputs(op: Operator, asset: str | None = None,
                       track: Track = quiet) -> tuple[EventIndex, str, Decimals]:
    """What the fund reports read: the synced event index, the vault's address and the fund's two units."""
    f = fund(op, asset)
    return offering_index(op, track), f.vault.address, Decimals(f.asset_decimals, f.share_decimals)


# ------------------------------------------------------------------------------------------------ helpers
def _open_cycle(op: Operator, f: Fund):
    dealing = f.vault.dealing()
    if op.chain.block_timestamp() >= dealing.cutoff:
        raise ConfigError(f"cycle {dealing.cycle} cut off at {utc_minute(dealing.cutoff)}: requests reopen when the fund "
                          "agent closes it (`rwa fund close`)")
    return dealing


def _positive(units: int, name: str) -> int:
    if units <= 0:
        raise ConfigError(f"{name}: must be positive")
    return units


def _fee(amount: int, bps: int) -> int:
    """A fee rounded up, as the vault rounds it."""
    return -(-amount * bps // BPS)


def _shares_for(assets: int, nav: int, share_decimals: int) -> int:
    return assets * 10 ** share_decimals // nav


def utc_minute(seconds: int) -> str:
    """Unix time as people read a cut-off: "2026-12-01 08:00 UTC"."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _parse_time(text: str, name: str) -> int:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{name}: an ISO date or time like 2026-12-01T16:30, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return int(moment.timestamp())
