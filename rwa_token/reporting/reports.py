"""Reports for issuers, auditors and compliance officers, read from the event index.

Every report is a list of rows (`dict[str, str]`, one key order for every row) so that one renderer serves
them all: `render(rows, "csv" | "json" | "markdown")`. Amounts are formatted with the token's decimals by
integer arithmetic (`amount`), never through a float, and each amount column has a `_units` twin holding
the exact base-unit integer for machines that re-add the figures.

A report can be taken at a block or at a date: `at=` accepts a block number, an ISO date ("2026-03-31",
meaning the end of that day in UTC: a record date includes its own day) or an ISO date-time (exact); a
date resolves to the last block at or before it by binary search on block timestamps.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal, localcontext
from typing import Any, Iterable, Mapping, Sequence

from eth_utils import to_checksum_address

from ..contracts.events import DistributorEvents as D
from ..contracts.events import TokenEvents as T
from ..primitives.categories import describe_categories
from ..primitives.countries import country_alpha2, country_name
from ..primitives.errors import ConfigError
from ..primitives.units import timestamp
from ..store.index import REGISTRY_EVENTS, EventIndex, IndexStateError, WalletRecord

Row = dict[str, str]
At = int | str | dt.date | dt.datetime | None

FORMATS = ("csv", "json", "markdown")
SHARE_PLACES = 4  # share of supply in percent, to 0.0001 %
UNREGISTERED = "--"

# Event arguments that are token or payment amounts, by event name: formatted with decimals in the trail.
AMOUNT_ARGS = {
    T.TRANSFER: ("value",), T.APPROVAL: ("value",), T.TOKENS_FROZEN: ("_amount",), T.TOKENS_UNFROZEN: ("_amount",),
    T.TOKENS_LOCKED: ("amount",), T.SUPPLY_CAP_SET: ("supplyCap",), T.LIMITS_SET: ("minBalance", "maxBalance"),
    D.DISTRIBUTION_CREATED: ("amount", "eligibleSupply"), D.PAID: ("gross", "tax", "net"),
    D.WITHHELD: ("gross", "tax", "escrowed"), D.WITHHELD_RELEASED: ("amount",),
    D.DISTRIBUTION_RECLAIMED: ("unpaid", "withheldReturned"),
}
COUNTRY_ARGS = ("country",)
CATEGORY_ARGS = ("categories", "requiredCategories")
TIME_ARGS = ("kycExpiry", "until", "claimExpiry")


# --- exact numbers ----------------------------------------------------------------------------------
def amount(units: int, decimals: int) -> str:
    """Base units -> an exact decimal string without trailing zeros or separators: 1500000, 6 -> "1.5"."""
    if decimals < 0:
        raise ConfigError(f"decimals {decimals} is negative")
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**decimals)
    digits = str(frac).rjust(decimals, "0").rstrip("0") if decimals else ""
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def share(part: int, total: int, places: int = SHARE_PLACES) -> str:
    """`part` as a percentage of `total`, rounded half-even to `places` decimals, computed exactly."""
    if total == 0:
        return "0"
    with localcontext() as ctx:
        ctx.prec = 100  # far more digits than a uint256 ratio needs before the final rounding
        pct = Decimal(part) * 100 / Decimal(total)
        return str(pct.quantize(Decimal(1).scaleb(-places)))


# --- block and date selection ---------------------------------------------------------------------
def resolve_block(index: EventIndex, at: At = None) -> int:
    """`at` -> a block number within the index: None is the cursor; an int (or a string of digits) is a
    block; a date is the end of that UTC day; a date-time is exact."""
    cursor = index.cursor
    if cursor is None:
        raise IndexStateError("the index is empty: sync it first")
    if at is None:
        return cursor
    if isinstance(at, bool):
        raise ConfigError(f"at: {at!r} is neither a block number nor a date")
    if isinstance(at, int) or (isinstance(at, str) and at.strip().isdigit()):
        block = int(at)
        if block > cursor:
            raise IndexStateError(f"block {block} is beyond the index (indexed up to {cursor}): sync first")
        return block
    if isinstance(at, dt.datetime):
        when = timestamp(at, "at")
    elif isinstance(at, dt.date):
        when = timestamp(at, "at") + 86_399
    else:
        text = str(at).strip()
        when = timestamp(text, "at") + (86_399 if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else 0)
    return index.block_at(when)


def _point(index: EventIndex, at_block: int | None, at: At) -> int | None:
    """The block a report is taken at, or None for "the current state as derived at the cursor"."""
    if at_block is not None and at is not None:
        raise ConfigError("give either at_block or at, not both")
    if at_block is None and at is None:
        return None
    return resolve_block(index, at_block if at_block is not None else at)


def _holdings(index: EventIndex, token: str, block: int | None,
              registry: str | None) -> tuple[dict[str, int], dict[str, WalletRecord]]:
    if block is None:
        return index.balances(token), index.wallets(registry)
    return index.balances_at(token, block), index.wallets_at(block, registry)


def _country(record: WalletRecord | None) -> tuple[str, str]:
    if record is None:
        return UNREGISTERED, "unregistered wallet"
    try:
        return country_alpha2(record.country), country_name(record.country)
    except ConfigError:
        return str(record.country), f"unknown country code {record.country}"


# --- reports ----------------------------------------------------------------------------------------
def captable(index: EventIndex, token: str, decimals: int, at_block: int | None = None, *, at: At = None,
             registry: str | None = None) -> list[Row]:
    """Holders of `token` with their registry record, balance and share of supply, largest first.

    Without `at_block`/`at` the current derived tables are read (fast); with either, balances and records
    are recomputed from the events up to that block, so the figures are those of that block exactly.
    """
    token = to_checksum_address(token)
    block = _point(index, at_block, at)
    balances, records = _holdings(index, token, block, registry)
    total = sum(balances.values())
    rows: list[Row] = []
    for wallet, units in sorted(balances.items(), key=lambda item: (-item[1], item[0])):
        record = records.get(wallet)
        alpha2, _ = _country(record)
        rows.append({
            "wallet": wallet,
            "investor_key": record.investor_key if record else UNREGISTERED,
            "country": alpha2,
            "category": describe_categories(record.categories) if record else UNREGISTERED,
            "balance": amount(units, decimals),
            "balance_units": str(units),
            "share_pct": share(units, total),
        })
    return rows


def jurisdictions(index: EventIndex, token: str, decimals: int, at_block: int | None = None, *, at: At = None,
                  registry: str | None = None) -> list[Row]:
    """Holders and holdings per country. Investors are counted once however many wallets they use (the
    same rule the token applies to holder caps); wallets are counted too."""
    token = to_checksum_address(token)
    block = _point(index, at_block, at)
    balances, records = _holdings(index, token, block, registry)
    total = sum(balances.values())
    groups: dict[str, dict[str, Any]] = {}
    for wallet, units in balances.items():
        record = records.get(wallet)
        alpha2, name = _country(record)
        group = groups.setdefault(alpha2, {"name": name, "investors": set(), "wallets": 0, "units": 0})
        group["investors"].add(record.investor_key if record else wallet)
        group["wallets"] += 1
        group["units"] += units
    rows: list[Row] = []
    for alpha2, g in sorted(groups.items(), key=lambda item: (-item[1]["units"], item[0])):
        rows.append({
            "country": alpha2,
            "country_name": g["name"],
            "investors": str(len(g["investors"])),
            "wallets": str(g["wallets"]),
            "balance": amount(g["units"], decimals),
            "balance_units": str(g["units"]),
            "share_pct": share(g["units"], total),
        })
    return rows


def distribution_report(index: EventIndex, distributor: str, distribution_id: int, decimals: int,
                        registry: str | None = None) -> list[Row]:
    """Reconciliation of one distribution per holder, from the distributor's events: gross, tax withheld
    at source, net paid, amounts escrowed (withheld for a restriction) and later released; a TOTAL row last.

    `decimals` are the payment token's.
    """
    distributor = to_checksum_address(distributor)
    wanted = str(int(distribution_id))
    records = index.wallets(registry)
    holders: dict[str, dict[str, Any]] = {}
    fields = ("gross", "tax", "net", "escrowed", "released")

    def holder(address: str) -> dict[str, Any]:
        return holders.setdefault(address, {**{f: 0 for f in fields}, "status": []})

    for e in index.events(distributor, (D.PAID, D.WITHHELD, D.WITHHELD_RELEASED)):
        if e.args.get("distributionId") != wanted:
            continue
        h = holder(e.args["holder"])
        if e.event == D.PAID:
            for f in ("gross", "tax", "net"):
                h[f] += int(e.args[f])
            h["status"].append("paid")
        elif e.event == D.WITHHELD:
            h["gross"] += int(e.args["gross"])
            h["tax"] += int(e.args["tax"])
            h["escrowed"] += int(e.args["escrowed"])
            h["status"].append(f"withheld (reason {e.args['reasonCode']})")
        else:
            h["released"] += int(e.args["amount"])
            h["net"] += int(e.args["amount"])
            h["status"].append("released")
    rows: list[Row] = []
    totals = {f: 0 for f in fields}
    for address in sorted(holders):
        h = holders[address]
        record = records.get(address)
        row: Row = {"holder": address, "country": _country(record)[0]}
        for f in fields:
            row[f] = amount(h[f], decimals)
            totals[f] += h[f]
        row["status"] = ", ".join(dict.fromkeys(h["status"]))
        rows.append(row)
    total_row: Row = {"holder": "TOTAL", "country": ""}
    total_row.update({f: amount(totals[f], decimals) for f in fields})
    total_row["status"] = f"{len(rows)} holders"
    rows.append(total_row)
    return rows


def distribution_summary(index: EventIndex, distributor: str, distribution_id: int, decimals: int) -> Row:
    """The distribution's own figures (amount funded, eligible supply, reclaimed) beside the paid totals,
    so that funded = net paid + tax + escrowed - released + reclaimed can be checked by eye."""
    distributor = to_checksum_address(distributor)
    wanted = str(int(distribution_id))
    summary: Row = {"distribution_id": wanted}
    for e in index.events(distributor, (D.DISTRIBUTION_CREATED, D.DISTRIBUTION_RECLAIMED)):
        if e.args.get("distributionId") != wanted:
            continue
        if e.event == D.DISTRIBUTION_CREATED:
            summary.update(block=str(e.block), token=e.args["token"], payment_token=e.args["paymentToken"],
                           snapshot_id=e.args["snapshotId"], amount=amount(int(e.args["amount"]), decimals),
                           claim_expiry=_iso(int(e.args["claimExpiry"])))
        else:
            summary.update(returned_unpaid=amount(int(e.args["unpaid"]), decimals),
                           withheld_returned=amount(int(e.args["withheldReturned"]), decimals))
    total = distribution_report(index, distributor, distribution_id, decimals)[-1]
    summary.update({f"paid_{k}": v for k, v in total.items() if k not in ("holder", "country", "status")})
    return summary


def audit_trail(index: EventIndex, address: str | None = None, from_block: int | None = None,
                to_block: int | None = None, decimals: int | Mapping[str, int] | None = None,
                notes: Mapping[str, str] | None = None) -> list[Row]:
    """Every indexed event in chain order, one readable line each: when, where, what, with which values.

    `decimals` (one int, or per contract address) formats amount arguments; without it they stay in
    base units. Countries print as ISO codes, category bitmasks as names, times as ISO dates. `notes` (by
    transaction hash, e.g. `override_notes`) fill the `note` column of that transaction's rows.
    """
    notes = {k.lower(): v for k, v in (notes or {}).items()}
    per_contract: dict[str, int] = {}
    default: int | None = None
    if isinstance(decimals, Mapping):
        per_contract = {to_checksum_address(k): v for k, v in decimals.items()}
    else:
        default = decimals
    rows: list[Row] = []
    for e in index.events(address, from_block=from_block, to_block=to_block):
        places = per_contract.get(e.address, default)
        rows.append({
            "block": str(e.block),
            "time": _iso(index.block_timestamp(e.block)),
            "log_index": str(e.log_index),
            "tx_hash": e.tx_hash,
            "contract": e.address,
            "event": e.event,
            "details": describe_args(e.event, e.args, places),
            "note": notes.get(e.tx_hash.lower(), ""),
        })
    return rows


def override_notes(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Audit notes by transaction hash from an override journal (`SecurityToken.forced_transfer` with an
    `override_reason`): which rule the agent overrode and why, for each override sent."""
    from ..contracts.token import OVERRIDE_KIND

    out: dict[str, str] = {}
    for entry in entries:
        if entry.get("kind") == OVERRIDE_KIND and entry.get("status") == "sent" and entry.get("tx"):
            out[str(entry["tx"]).lower()] = (
                f"forced transfer overriding [{entry.get('code')} {entry.get('rule')}] {entry.get('message')}; "
                f"reason: {entry.get('reason')}; agent {entry.get('agent')}")
    return out


def describe_args(event: str, args: Mapping[str, Any], decimals: int | None = None) -> str:
    """`name=value` pairs with values made readable where their meaning is known."""
    parts = []
    for name, value in args.items():
        parts.append(f"{name.lstrip('_')}={_readable(event, name, value, decimals)}")
    return ", ".join(parts)


def _readable(event: str, name: str, value: Any, decimals: int | None) -> str:
    if isinstance(value, list):
        return "[" + " ".join(_readable(event, name, v, decimals) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    text = str(value)
    if not text.isdigit():
        if event.startswith("Document") and name == "_name" and text.startswith("0x"):
            raw = bytes.fromhex(text[2:]).rstrip(b"\0")
            if raw and all(32 <= c < 127 for c in raw):
                return raw.decode()
        return text
    number = int(text)
    if name in AMOUNT_ARGS.get(event, ()) and decimals is not None:
        return amount(number, decimals)
    if name in COUNTRY_ARGS and event in REGISTRY_EVENTS + (T.COUNTRY_RULE_SET, D.WITHHOLDING_RATE_SET):
        try:
            return country_alpha2(number)
        except ConfigError:
            return text
    if name in CATEGORY_ARGS:
        return describe_categories(number)
    if name in TIME_ARGS and number:
        return _iso(number)
    return text


def _iso(seconds: int) -> str:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(seconds)


# --- renderers --------------------------------------------------------------------------------------
def render(rows: Sequence[Mapping[str, Any]], fmt: str) -> str:
    """Rows -> CSV (RFC 4180, header line), JSON (an array of objects) or a Markdown table.

    Values are written as given (the reports give strings), so amounts keep every digit in every format.
    """
    kind = fmt.lower()
    if kind == "md":
        kind = "markdown"
    if kind not in FORMATS:
        raise ConfigError(f"unknown report format {fmt!r} (known: {', '.join(FORMATS)})")
    columns = _columns(rows)
    if kind == "json":
        return json.dumps([{c: row.get(c, "") for c in columns} for row in rows], indent=2) + "\n"
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    return _markdown(rows, columns)


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _markdown(rows: Sequence[Mapping[str, Any]], columns: list[str]) -> str:
    def cell(value: Any) -> str:
        return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

    if not columns:
        return "_no rows_\n"
    # Right-align columns that hold only numbers, so amounts line up by their digits.
    numeric = {c: all(_NUMBER.fullmatch(str(r.get(c, ""))) or r.get(c, "") == "" for r in rows) for c in columns}
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---:" if numeric[c] else "---" for c in columns) + "|"]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def _columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, None)
    return list(columns)
