"""Fund dealing reports from the event index: requests by cycle with what became of them, the NAV history, and
subscription and redemption flows by jurisdiction. Rows follow `reports.py`: strings, amounts with a `_units` twin.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..contracts.events import FundEvents as F
from ..contracts.fund import Decimals
from ..store.index import EventIndex, IndexedEvent
from .reports import Row, _country, amount, iso_time

REQUEST_EVENTS = (F.DEPOSIT_REQUEST, F.REDEEM_REQUEST, F.DEPOSIT_CANCELLED, F.REDEEM_CANCELLED,
                  F.DEPOSIT_FULFILLED, F.REDEEM_FULFILLED)
KINDS = {F.DEPOSIT_REQUEST: "subscription", F.DEPOSIT_CANCELLED: "subscription", F.DEPOSIT_FULFILLED: "subscription",
         F.REDEEM_REQUEST: "redemption", F.REDEEM_CANCELLED: "redemption", F.REDEEM_FULFILLED: "redemption"}


@dataclass
class _Line:
    cycle: int
    kind: str
    controller: str
    requested: int = 0  # assets (subscription) or shares (redemption)
    carried_in: int = 0  # redemption shares the previous cycle's gate carried here
    cancelled: int = 0
    shares: int = 0  # fulfilled: shares bought or redeemed
    cash: int = 0  # fulfilled: assets invested (subscription) or paid out net (redemption)
    fee: int = 0
    carried_out: int = 0
    fulfilled: bool = False


def _lines(index: EventIndex, vault: str) -> dict[tuple[int, str, str], _Line]:
    lines: dict[tuple[int, str, str], _Line] = {}

    def line(cycle: int, kind: str, controller: str) -> _Line:
        return lines.setdefault((cycle, kind, controller), _Line(cycle, kind, controller))

    for e in index.events(vault, REQUEST_EVENTS):
        a, kind = e.args, KINDS[e.event]
        who = a["controller"]
        size = int(a["assets"] if kind == "subscription" else a["shares"])
        if e.event in (F.DEPOSIT_REQUEST, F.REDEEM_REQUEST):
            line(int(a["requestId"]), kind, who).requested += size
        elif e.event in (F.DEPOSIT_CANCELLED, F.REDEEM_CANCELLED):
            line(int(a["cycle"]), kind, who).cancelled += size
        else:
            _fulfilled(line(int(a["cycle"]), kind, who), a)
            carried = int(a.get("carried", 0))
            if carried:
                line(int(a["cycle"]) + 1, kind, who).carried_in += carried
    return lines


def _fulfilled(line: _Line, a: dict[str, Any]) -> None:
    line.fulfilled = True
    line.shares += int(a["shares"])
    line.fee += int(a["fee"])
    line.cash += int(a["assets"]) - (int(a["fee"]) if line.kind == "subscription" else 0)
    line.carried_out += int(a.get("carried", 0))


def fund_requests(index: EventIndex, vault: str, decimals: Decimals, cycle: int | None = None,
                  pending_only: bool = False) -> list[Row]:
    """Every controller's subscription and redemption per cycle: requested, carried in by the gate, cancelled, and
    once the cycle closed, the shares and cash it came to, the fee and what the gate carried on."""
    rows: list[Row] = []
    for (number, kind, who), ln in sorted(_lines(index, vault).items()):
        if cycle is not None and number != cycle:
            continue
        requested = ln.requested + ln.carried_in
        asked = requested - ln.cancelled
        status = "fulfilled" if ln.fulfilled else "cancelled" if asked == 0 else "pending"
        if pending_only and status != "pending":
            continue
        unit = decimals.asset if kind == "subscription" else decimals.share
        rows.append({
            "cycle": str(number), "kind": kind, "controller": who, "status": status,
            "requested": amount(requested, unit), "requested_units": str(requested),
            "cancelled": amount(ln.cancelled, unit), "cancelled_units": str(ln.cancelled),
            "shares": amount(ln.shares, decimals.share), "shares_units": str(ln.shares),
            "cash": amount(ln.cash, decimals.asset), "cash_units": str(ln.cash),
            "fee": amount(ln.fee, decimals.asset), "fee_units": str(ln.fee),
            "carried": amount(ln.carried_out, decimals.share), "carried_units": str(ln.carried_out),
        })
    return rows


def nav_history(index: EventIndex, vault: str, decimals: Decimals) -> list[Row]:
    """Every NAV published or corrected, oldest first, with the cycle that dealt at it."""
    closes = {int(e.args["navAsOf"]): e.args["cycle"] for e in index.events(vault, F.CYCLE_CLOSED)}
    rows: list[Row] = []
    for e in index.events(vault, (F.NAV_PUBLISHED, F.NAV_CORRECTED)):
        as_of = int(e.args["asOf"])
        nav = int(e.args["navPerShare"])
        previous = int(e.args["previousNavPerShare"]) if e.event == F.NAV_CORRECTED else None
        rows.append({
            "valued": iso_time(as_of), "nav": amount(nav, decimals.asset), "nav_units": str(nav),
            "event": "corrected" if previous is not None else "published",
            "corrected_from": amount(previous, decimals.asset) if previous is not None else "",
            "dealt_cycle": str(closes.get(as_of, "")), "block": str(e.block), "tx": e.tx_hash,
        })
    return rows


def cycles(index: EventIndex, vault: str, decimals: Decimals) -> list[Row]:
    """Each closed cycle: its NAV, the subscriptions dealt at it (requested less cancelled), the redemptions
    requested and what its gate let out."""
    subscribed: dict[int, int] = {}
    for e in index.events(vault, (F.DEPOSIT_REQUEST, F.DEPOSIT_CANCELLED)):
        if e.event == F.DEPOSIT_REQUEST:
            subscribed[int(e.args["requestId"])] = subscribed.get(int(e.args["requestId"]), 0) + int(e.args["assets"])
        else:
            subscribed[int(e.args["cycle"])] = subscribed.get(int(e.args["cycle"]), 0) - int(e.args["assets"])
    rows: list[Row] = []
    for e in index.events(vault, F.CYCLE_CLOSED):
        a = e.args
        deposits = subscribed.get(int(a["cycle"]), 0)
        rows.append({
            "cycle": str(a["cycle"]), "nav": amount(int(a["nav"]), decimals.asset), "nav_units": str(a["nav"]),
            "nav_valued": iso_time(int(a["navAsOf"])),
            "subscriptions": amount(deposits, decimals.asset), "subscriptions_units": str(deposits),
            "redemptions": amount(int(a["redeemShares"]), decimals.share), "redemptions_units": str(a["redeemShares"]),
            "redeemed": amount(int(a["redeemAllowed"]), decimals.share), "redeemed_units": str(a["redeemAllowed"]),
            "next_cutoff": iso_time(int(a["nextCutoff"])), "block": str(e.block),
        })
    return rows


def fund_flows(index: EventIndex, vault: str, decimals: Decimals, registry: str | None = None) -> list[Row]:
    """Fulfilled subscriptions and redemptions per investor country: cash in, cash out, net, shares issued and
    redeemed, and how many investors dealt (an investor counted once whatever its wallets)."""
    records = index.wallets(registry)
    groups: dict[str, dict[str, Any]] = {}
    for e in index.events(vault, (F.DEPOSIT_FULFILLED, F.REDEEM_FULFILLED)):
        record = records.get(e.args["controller"])
        alpha2, name = _country(record)
        g = groups.setdefault(alpha2, {"name": name, "investors": set(), "in": 0, "out": 0, "issued": 0, "redeemed": 0})
        g["investors"].add(record.investor_key if record else e.args["controller"])
        _flow(g, e)
    rows: list[Row] = []
    for alpha2, g in sorted(groups.items(), key=lambda item: (-(item[1]["in"] + item[1]["out"]), item[0])):
        rows.append({
            "country": alpha2, "country_name": g["name"], "investors": str(len(g["investors"])),
            "subscribed": amount(g["in"], decimals.asset), "subscribed_units": str(g["in"]),
            "redeemed_cash": amount(g["out"], decimals.asset), "redeemed_cash_units": str(g["out"]),
            "net": amount(g["in"] - g["out"], decimals.asset), "net_units": str(g["in"] - g["out"]),
            "shares_issued": amount(g["issued"], decimals.share), "shares_issued_units": str(g["issued"]),
            "shares_redeemed": amount(g["redeemed"], decimals.share), "shares_redeemed_units": str(g["redeemed"]),
        })
    return rows


def _flow(g: dict[str, Any], e: IndexedEvent) -> None:
    if e.event == F.DEPOSIT_FULFILLED:
        g["in"] += int(e.args["assets"])
        g["issued"] += int(e.args["shares"])
    else:
        g["out"] += int(e.args["assets"])
        g["redeemed"] += int(e.args["shares"])
