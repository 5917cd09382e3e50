"""Reads the web console shows that no other service answered in one piece: an offering's headline figures,
holdings by investor category, and one investor's positions (lockup lots, frozen and pledged amounts, what each
distribution owes it). Each composes existing wrappers and the event index; nothing here sends a transaction."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from ..contracts.events import DistributorEvents as D
from ..contracts.events import TokenEvents as T
from ..primitives.categories import describe_categories
from ..primitives.units import format_units
from ..store.index import EventIndex
from .context import Operator


@dataclass(frozen=True)
class TokenFigures:
    """One token of the offering as its overview shows it."""

    symbol: str
    address: str
    decimals: int
    supply: int  # base units, from the chain
    supply_cap: int
    holders: int  # wallets with a non-zero balance (from the index)
    investors: int  # distinct investors among them (several wallets of one investor count once)
    paused: bool


@dataclass(frozen=True)
class Overview:
    name: str
    registered_investors: int
    registered_wallets: int
    tokens: list[TokenFigures]
    distributions: int


def overview(op: Operator, index: EventIndex) -> Overview:
    """Supply, holders and investors of every token of the offering, and how many investors the registry holds."""
    records = index.wallets(op.record.registry)
    figures = []
    for symbol, address in op.record.tokens.items():
        token = op.token(symbol)
        balances = index.balances(address)
        keys = {records[w].investor_key if w in records else w for w in balances}
        figures.append(TokenFigures(symbol, address, op.record.decimals.get(symbol, 18), token.total_supply(),
                                    token.supply_cap(), len(balances), len(keys), token.paused()))
    distributor = op.offering.distributor
    return Overview(op.record.name, len({r.investor_key for r in records.values()}), len(records), figures,
                    distributor.count() if distributor else 0)


def holdings_by_category(index: EventIndex, token: str, registry: str | None) -> list[dict[str, Any]]:
    """Holdings of `token` per investor category (as the registry describes a wallet's categories), largest
    first: category, investors, wallets and balance in base units."""
    records = index.wallets(registry)
    groups: dict[str, dict[str, Any]] = {}
    for wallet, units in index.balances(token).items():
        record = records.get(wallet)
        name = describe_categories(record.categories) if record else "unregistered"
        group = groups.setdefault(name, {"category": name, "investors": set(), "wallets": 0, "units": 0})
        group["investors"].add(record.investor_key if record else wallet)
        group["wallets"] += 1
        group["units"] += units
    rows = [{**g, "investors": len(g["investors"])} for g in groups.values()]
    return sorted(rows, key=lambda g: (-g["units"], g["category"]))


@dataclass(frozen=True)
class Lot:
    """Tokens locked to a wallet by a mint under a lockup (`TokensLocked`), until a time."""

    token: str
    amount: str
    until: int
    locked: bool  # still locked now


@dataclass(frozen=True)
class Entitlement:
    """What distribution `distribution_id` owes a wallet now: its share (gross, tax, net) unless paid, and any
    amount withheld in escrow for it."""

    distribution_id: int
    payment: str
    gross: str
    net: str
    paid: bool
    reason_code: int
    escrowed: str


@dataclass
class Positions:
    """One wallet's positions beyond its balance, per token of the offering."""

    wallet: str
    frozen: dict[str, str] = field(default_factory=dict)  # symbol -> partially frozen amount
    pledged: dict[str, tuple[str, str]] = field(default_factory=dict)  # symbol -> (lender, amount)
    lots: list[Lot] = field(default_factory=list)
    entitlements: list[Entitlement] = field(default_factory=list)


def positions(op: Operator, index: EventIndex, wallets: Iterable[str]) -> list[Positions]:
    """For each wallet: frozen and pledged amounts per token, its lockup lots (from the index) and, for every
    distribution of the offering, what it is still owed and what is held in escrow for it."""
    now = op.chain.block_timestamp()
    decimals = op.record.decimals
    symbols = {a.lower(): s for s, a in op.record.tokens.items()}
    distributor = op.offering.distributor
    paid_in = _payment_tokens(op, index)
    out = []
    for wallet in wallets:
        p = Positions(wallet)
        for symbol in op.record.tokens:
            token, d = op.token(symbol), decimals.get(symbol, 18)
            frozen = token.frozen_tokens(wallet)
            if frozen:
                p.frozen[symbol] = format_units(frozen, d)
            manager = op.offering.collateral(symbol)
            if manager is not None:
                pledge = manager.pledge_of(wallet)
                if pledge.amount:
                    p.pledged[symbol] = (pledge.lender, format_units(pledge.amount, d))
        for e in index.events(None, T.TOKENS_LOCKED):
            symbol = symbols.get(e.address.lower())
            if symbol and e.args.get("wallet") == wallet:
                until = int(e.args["until"])
                p.lots.append(Lot(symbol, format_units(int(e.args["amount"]), decimals.get(symbol, 18)), until,
                                  until > now))
        if distributor is not None:
            for did in range(1, distributor.count() + 1):
                payment, pd = paid_in.get(did, ("?", 0))
                owed = distributor.claimable(did, wallet)
                escrow = distributor.withheld_of(did, wallet)
                if owed.gross or escrow or owed.paid:
                    p.entitlements.append(Entitlement(did, payment, format_units(owed.gross, pd),
                                                      format_units(owed.net, pd), owed.paid, owed.reason_code,
                                                      format_units(escrow, pd)))
        out.append(p)
    return out


def _payment_tokens(op: Operator, index: EventIndex) -> dict[int, tuple[str, int]]:
    """distribution id -> (payment token symbol, decimals), from the distributor's `DistributionCreated` events."""
    by_address = {a.lower(): s for s, a in op.record.payment_tokens.items()}
    found = {}
    if op.record.distributor:
        for e in index.events(op.record.distributor, D.DISTRIBUTION_CREATED):
            symbol = by_address.get(str(e.args["paymentToken"]).lower())
            if symbol is None:  # a payment token the record does not name: shown by address, in base units
                found[int(e.args["distributionId"])] = (str(e.args["paymentToken"]), 0)
                continue
            decimals = op.record.decimals.get(symbol)
            found[int(e.args["distributionId"])] = (symbol, decimals if decimals is not None
                                                    else op.payment_token(symbol).decimals())
    return found


def filter_rows(rows: Iterable[Mapping[str, str]], *, event: str | None = None, wallet: str | None = None,
                since: str | None = None, until: str | None = None) -> list[Mapping[str, str]]:
    """Audit-trail rows narrowed by event name, by a wallet on either side (or as the actor), and by ISO date
    (inclusive: a row's time starts with its date, so string order is date order)."""
    w = (wallet or "").strip().lower()
    return [r for r in rows
            if (not event or r.get("event") == event)
            and (not w or w in (r.get("wallet", "").lower(), r.get("counterparty", "").lower(),
                                r.get("actor", "").lower()))
            and (not since or r.get("time", "")[:10] >= since)
            and (not until or r.get("time", "")[:10] <= until)]
