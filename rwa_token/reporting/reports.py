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
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any, Callable, Iterable, Mapping, Sequence

from eth_utils import to_checksum_address

from ..contracts.events import DistributorEvents as D
from ..contracts.events import TokenEvents as T
from ..contracts.proceeds import purpose_name
from ..primitives.artifacts import role_names
from ..primitives.categories import describe_categories
from ..primitives.countries import country_alpha2, country_name
from ..primitives.errors import REASON_CODES, ConfigError
from ..primitives.units import ZERO_ADDRESS, timestamp
from ..store.index import EventIndex, IndexedEvent, IndexStateError, WalletRecord

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
TEXT_ARGS = ("currency", "_reference")  # bytes8 currency codes, bytes32 document references
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


def _holdings(index: EventIndex, token: str, block: int | None, registry: str | None,
              before_log: int | None = None) -> tuple[dict[str, int], dict[str, WalletRecord]]:
    if block is None:
        return index.balances(token), index.wallets(registry)
    return (index.balances_at(token, block, before_log),
            index.wallets_at(block, registry, before_log))


def _country(record: WalletRecord | None) -> tuple[str, str]:
    if record is None:
        return UNREGISTERED, "unregistered wallet"
    try:
        return country_alpha2(record.country), country_name(record.country)
    except ConfigError:
        return str(record.country), f"unknown country code {record.country}"


# --- reports ----------------------------------------------------------------------------------------
def captable(index: EventIndex, token: str, decimals: int, at_block: int | None = None, *, at: At = None,
             registry: str | None = None, record_date: "RecordPoint | None" = None,
             ids: Mapping[str, str] | None = None) -> list[Row]:
    """Holders of `token` with their registry record, balance and share of supply, largest first.

    Without `at_block`/`at` the current derived tables are read (fast); with either, balances and records
    are recomputed from the events up to that block, so the figures are those of that block exactly. With
    `record_date` (`record_point`), they are those of a distribution's snapshot, taken inside its block. `ids`
    (wallet -> the issuer's own investor id) adds an `investor_id` column.
    """
    token = to_checksum_address(token)
    before_log = None
    if record_date is not None:
        if at_block is not None or at is not None:
            raise ConfigError("give either a record date or a block or date, not both")
        block: int | None = record_date.block
        before_log = record_date.log_index
    else:
        block = _point(index, at_block, at)
    balances, records = _holdings(index, token, block, registry, before_log)
    total = sum(balances.values())
    rows: list[Row] = []
    for wallet, units in sorted(balances.items(), key=lambda item: (-item[1], item[0])):
        record = records.get(wallet)
        alpha2, _ = _country(record)
        rows.append({
            "wallet": wallet,
            "investor_key": record.investor_key if record else UNREGISTERED,
            **({"investor_id": ids.get(wallet, "")} if ids is not None else {}),
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
                           claim_expiry=iso_time(int(e.args["claimExpiry"])))
        else:
            summary.update(returned_unpaid=amount(int(e.args["unpaid"]), decimals),
                           withheld_returned=amount(int(e.args["withheldReturned"]), decimals))
    total = distribution_report(index, distributor, distribution_id, decimals)[-1]
    summary.update({f"paid_{k}": v for k, v in total.items() if k not in ("holder", "country", "status")})
    return summary


@dataclass(frozen=True)
class RecordPoint:
    """Where a distribution's record date sits in the chain: the snapshot the token took (its id) and the log
    of its `Snapshot` event (block and position inside the block, since a snapshot taken by the creating
    transaction fixes the balances at that point of its block), with the block's time."""

    distribution_id: int
    token: str
    payment_token: str
    snapshot_id: int
    block: int
    log_index: int
    time: int
    created_block: int
    created_tx: str


def record_point(index: EventIndex, distributor: str, distribution_id: int) -> RecordPoint:
    """Distribution `distribution_id`'s record date, from the index (the distributor's `DistributionCreated` and
    the token's `Snapshot`); an id the distributor never created is a ConfigError."""
    distributor = to_checksum_address(distributor)
    created = index.first_event(distributor, D.DISTRIBUTION_CREATED, distributionId=str(int(distribution_id)))
    if created is None:
        count = sum(1 for _ in index.events(distributor, D.DISTRIBUTION_CREATED))
        known = f"ids 1 to {count}" if count else "none yet"
        raise ConfigError(f"no distribution {distribution_id} on the offering's distributor ({known})")
    token, snapshot_id = created.args["token"], int(created.args["snapshotId"])
    snap = index.first_event(token, T.SNAPSHOT, id=str(snapshot_id))
    if snap is None:
        raise IndexStateError(f"the index holds no Snapshot {snapshot_id} of {token}: delete the index and sync again")
    return RecordPoint(int(distribution_id), token, created.args["paymentToken"], snapshot_id, snap.block,
                       snap.log_index, index.block_timestamp(snap.block), created.block, created.tx_hash)


@dataclass(frozen=True)
class Asset:
    """A token amounts are counted in: its symbol and decimals."""

    symbol: str
    decimals: int


@dataclass
class AuditNames:
    """How the audit trail names an offering's things: each contract by what it is ("token HSTOLLA",
    "distributor", "dvp"), each amount in the units of its asset, each wallet with the issuer's own investor id.

    `kinds` says what each contract is (token, registry, distributor, dvp, proceeds, collateral, redemption,
    waterfall): it decides which asset an amount argument is counted in. `security_of`/`payment_of` give a
    module's security and payment tokens, `paid_in` each distribution's payment token (filled from the index by
    `audit_trail`); `lookup` finds an asset the record does not name (a DvP trade's payment token), or None."""

    contracts: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    assets: dict[str, Asset] = field(default_factory=dict)
    security_of: dict[str, str] = field(default_factory=dict)
    payment_of: dict[str, str] = field(default_factory=dict)
    paid_in: dict[tuple[str, str], str] = field(default_factory=dict)  # (distributor, distribution id) -> token
    ids: Mapping[str, str] = field(default_factory=dict)
    lookup: Callable[[str], Asset | None] | None = None

    def asset(self, address: str | None) -> Asset | None:
        if not address or address == ZERO_ADDRESS:
            return None
        address = to_checksum_address(address)
        if address not in self.assets and self.lookup is not None:
            found = self.lookup(address)
            if found is not None:
                self.assets[address] = found
        return self.assets.get(address)


# Amount arguments, and the one shown in the `amount` column (the first present, in this order).
AMOUNT_NAMES = ("value", "_amount", "amount", "gross", "securityAmount", "tokens", "paid", "collections", "unpaid",
                "cap", "supplyCap", "kept", "principal", "tax", "net", "escrowed", "withheldReturned", "eligibleSupply",
                "paymentAmount", "fee", "lockedTotal", "principalPerToken", "faceValuePerToken", "due", "arrears",
                "minBalance", "maxBalance")
# Arguments naming the wallet an event is about, then the other party (the first non-zero of each).
WALLET_NAMES = ("holder", "wallet", "_userAddress", "investorAddress", "from", "seller", "existingWallet",
                "_lostWallet", "account", "_agent")
COUNTERPARTY_NAMES = ("to", "buyer", "lender", "newWallet", "_newWallet")
ROLE_NAMES = ("role", "previousAdminRole", "newAdminRole")
# Security-token amounts of modules whose other amounts are in their payment token.
SECURITY_AMOUNTS = {"redemption": ("tokens", "kept"), "distributor": ("eligibleSupply",)}


def amount_asset(names: AuditNames, e: IndexedEvent, arg: str) -> Asset | None:
    """The asset argument `arg` of event `e` is counted in, by what emitted it."""
    kind = names.kinds.get(e.address, "")
    if kind == "token":
        return names.asset(e.address)
    if kind == "dvp":
        return names.asset(e.args.get("securityToken" if arg == "securityAmount" else "paymentToken"))
    if arg in SECURITY_AMOUNTS.get(kind, ()):
        return names.asset(e.args.get("token") or names.security_of.get(e.address))
    if kind == "distributor":
        return names.asset(names.paid_in.get((e.address, str(e.args.get("distributionId")))))
    if kind == "collateral":
        return names.asset(names.security_of.get(e.address))
    return names.asset(names.payment_of.get(e.address))


def audit_trail(index: EventIndex, address: str | None = None, from_block: int | None = None,
                to_block: int | None = None, decimals: int | Mapping[str, int] | None = None,
                notes: Mapping[str, str] | None = None, names: AuditNames | None = None) -> list[Row]:
    """Every indexed event in chain order, one line each with structured columns: block, time, transaction,
    contract (its name in the offering), event, actor (the account that sent the transaction), the wallet the
    event is about and the other party (each with the issuer's investor id), the main amount in token units
    (`amount`, `amount_units`, `asset`) and every argument made readable in `details`.

    `names` (`records.offering_audit_names`) names contracts and assets; without it, `decimals` (one int, or per
    contract address: every amount of that contract in those decimals) formats amount arguments, else they stay
    in base units. Countries print as ISO codes,
    roles by name, category bitmasks as names, purposes, currencies and document names as text, times as ISO
    dates. `notes` (by transaction hash, e.g. `override_notes`) fill the `note` column of that transaction's rows.
    """
    notes = {k.lower(): v for k, v in (notes or {}).items()}
    names = names or AuditNames()
    if isinstance(decimals, Mapping):
        for k, v in decimals.items():
            names.assets.setdefault(to_checksum_address(k), Asset("", v))
            names.kinds.setdefault(to_checksum_address(k), "token")
    default = decimals if isinstance(decimals, int) else None
    events = list(index.events(address, from_block=from_block, to_block=to_block))
    for e in index.events(None, D.DISTRIBUTION_CREATED):  # each distribution's payment token
        names.paid_in[(e.address, e.args["distributionId"])] = e.args["paymentToken"]
    senders = index.tx_senders(e.tx_hash for e in events) if index.tx is not None else {}
    rows: list[Row] = []
    for e in events:
        def asset_of(arg: str) -> Asset | None:
            found = amount_asset(names, e, arg)
            return found if found is not None or default is None else Asset("", default)

        main = next((a for a in AMOUNT_NAMES if a in e.args and str(e.args[a]).isdigit()), None)
        asset = asset_of(main) if main else None
        units = int(e.args[main]) if main else None
        wallet = _party(e.args, WALLET_NAMES + COUNTERPARTY_NAMES)
        other = _party(e.args, COUNTERPARTY_NAMES, exclude=wallet)
        rows.append({
            "block": str(e.block),
            "time": iso_time(index.block_timestamp(e.block)),
            "log_index": str(e.log_index),
            "tx_hash": e.tx_hash,
            "contract": names.contracts.get(e.address, e.address),
            "address": e.address,
            "event": e.event,
            "actor": senders.get(e.tx_hash.lower(), ""),
            "wallet": wallet,
            "investor_id": names.ids.get(wallet, "") if wallet else "",
            "counterparty": other,
            "counterparty_id": names.ids.get(other, "") if other else "",
            "amount": "" if units is None else amount(units, asset.decimals) if asset else str(units),
            "amount_units": "" if units is None else str(units),
            "asset": asset.symbol if asset else "",
            "details": _describe(e, asset_of),
            "note": notes.get(e.tx_hash.lower(), ""),
        })
    return rows


def _party(args: Mapping[str, Any], candidates: Sequence[str], exclude: str = "") -> str:
    for name in candidates:
        value = args.get(name)
        if isinstance(value, str) and value.startswith("0x") and len(value) == 42 and value not in (ZERO_ADDRESS,
                                                                                                      exclude):
            return value
    return ""


def _describe(e: IndexedEvent, asset_of: Callable[[str], Asset | None]) -> str:
    parts = []
    for name, value in e.args.items():
        asset = asset_of(name) if name in AMOUNT_NAMES else None
        parts.append(f"{name.lstrip('_')}={_readable(e.event, name, value, asset.decimals if asset else None)}")
    return ", ".join(parts)


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


def apply_notes(entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Audit notes by transaction hash from an offering's apply journal (`rwa apply`): which difference from the
    spec each transaction removed, and the recorded document it was made under (a regulator's approval)."""
    out: dict[str, str] = {}
    for entry in entries:
        if entry.get("kind") == "apply" and entry.get("tx"):
            document = entry.get("document")
            out[str(entry["tx"]).lower()] = (f"rwa apply: {entry.get('subject')}: {entry.get('change')}"
                                             + (f"; under document {document}" if document else ""))
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
        if name in ROLE_NAMES and text.startswith("0x"):
            return role_names().get(bytes.fromhex(text[2:]), text)
        if name == "purpose" and text.startswith("0x"):
            return purpose_name(bytes.fromhex(text[2:]))
        if (name in TEXT_ARGS or (event.startswith("Document") and name == "_name")) and text.startswith("0x"):
            raw = bytes.fromhex(text[2:]).rstrip(b"\0")
            if raw and all(32 <= c < 127 for c in raw):
                return raw.decode()
        return text
    number = int(text)
    if decimals is not None and (name in AMOUNT_ARGS.get(event, ()) or name in AMOUNT_NAMES):
        return amount(number, decimals)
    if name in COUNTRY_ARGS:
        if number == 0 and event == D.WITHHOLDING_RATE_SET:
            return "unknown"
        try:
            return country_alpha2(number)
        except ConfigError:
            return text
    if name == "reasonCode":
        return f"{number} {REASON_CODES.get(number, {}).get('name', '?')}"
    if name in CATEGORY_ARGS:
        return describe_categories(number)
    if name in TIME_ARGS and number:
        return iso_time(number)
    return text


def iso_time(seconds: int) -> str:
    """Unix seconds -> "2026-03-31T00:00:00Z" (the number itself when out of range)."""
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
        return json.dumps(json_rows(rows, columns), indent=2) + "\n"
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    return _markdown(rows, columns)


def json_rows(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Rows for JSON: amounts stay decimal strings; their `_units` twins become integers (null when empty), the
    one convention of every `--json` output."""
    def value(column: str, v: Any) -> Any:
        if column.endswith("_units") and isinstance(v, str):
            return int(v) if v.lstrip("-").isdigit() else None
        return v

    return [{c: value(c, row.get(c, "")) for c in (columns or _columns([row]))} for row in rows]


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
