"""The offering's complete records, as an auditor reads them: the audit trail with every contract named and every
amount in its token's units, one distribution's statement (funded = paid + tax + escrow + unclaimed + remainder,
with its record date), and the cap table at a distribution's record date.

These join the event index (`reports`) with what only the deployment record, the chain and the issuer's own
investor directory know: which contract is which, which payment token a module pays in, and whom the issuer knows a
wallet as."""
from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

from ..contracts.stablecoin import ERC20
from ..primitives.countries import country_alpha2
from ..primitives.errors import ChainError, ConfigError, RwaError
from ..services.context import Operator
from ..services.distributions import reconcile
from ..services.offering import REDEMPTION_PREFIX
from ..store.directory import InvestorDirectory
from ..store.index import EventIndex, offering_start
from .reports import Asset, AuditNames, Row, amount, audit_trail, captable, iso_time, record_point

# What each module key of the deployment record is, for the audit's amount units.
def investor_ids(op: Operator) -> dict[str, str]:
    """wallet -> the issuer's own investor id, from the offering's investor directory (empty when none is kept)."""
    return InvestorDirectory.open(op.state, op.record).all()


def offering_audit_names(op: Operator) -> AuditNames:
    """Names, kinds and assets of every contract of the offering (module payment tokens are read from the chain);
    an asset the record does not name is looked up on the chain when an event first uses it."""
    record = op.record
    names = AuditNames(ids=investor_ids(op), lookup=lambda a: _chain_asset(op, a))
    names.contracts[to_checksum_address(record.registry)] = "registry"
    names.kinds[to_checksum_address(record.registry)] = "registry"
    for symbol, address in record.tokens.items():
        key = to_checksum_address(address)
        names.contracts[key], names.kinds[key] = f"token {symbol}", "token"
        names.assets[key] = Asset(symbol, record.decimals.get(symbol, 18))
    for symbol, address in record.payment_tokens.items():
        if symbol in record.decimals:
            names.assets[to_checksum_address(address)] = Asset(symbol, record.decimals[symbol])
    if record.distributor:
        key = to_checksum_address(record.distributor)
        names.contracts[key], names.kinds[key] = "distributor", "distributor"
    offering = op.offering
    for module, address in record.modules.items():
        key = to_checksum_address(address)
        kind, _, symbol = module.partition(":")
        names.contracts[key] = f"{kind} {symbol}" if symbol else kind
        names.kinds[key] = kind
        if symbol:
            names.security_of[key] = to_checksum_address(record.tokens.get(symbol, address))
        try:
            redemption = offering.redemption(symbol) if module.startswith(REDEMPTION_PREFIX) else None
            if redemption is not None:
                names.payment_of[key] = redemption.payment_token()
            elif module == "waterfall" and offering.waterfall is not None:
                names.payment_of[key] = offering.waterfall.payment_token()
            elif module == "proceeds" and offering.proceeds is not None:
                names.payment_of[key] = offering.proceeds.asset()
        except RwaError:  # an unreadable module still gets its events listed, amounts in base units
            continue
    return names


def _chain_asset(op: Operator, address: str) -> Asset | None:
    try:
        token = ERC20(op.tx, address)
        return Asset(token.symbol(), token.decimals())
    except (RwaError, ChainError, ValueError):
        return None


def offering_audit(op: Operator, index: EventIndex, address: str | None = None,
                   notes: dict[str, str] | None = None) -> list[Row]:
    """Every event of every contract of the offering (or of one of them: an address that is not the offering's is
    a ConfigError naming the ones it has), named and in token units."""
    if address:
        op.record.contract_named(address)
    wanted = to_checksum_address(address) if address else None
    rows = audit_trail(index, wanted, from_block=offering_start(op.record), notes=notes,
                       names=offering_audit_names(op))
    if wanted is None:  # a shared index file may hold another offering's contracts on the same chain
        ours = {to_checksum_address(a) for _, a in op.record.contracts()}
        rows = [r for r in rows if r["address"] in ours]
    return rows


def captable_at_distribution(op: Operator, index: EventIndex, distribution_id: int,
                             symbol: str | None = None) -> list[Row]:
    """The cap table of the distribution's token at its record date (the snapshot the distribution pays on)."""
    point = record_point(index, _distributor(op), distribution_id)
    token_symbol = _symbol_of(op, point.token)
    if symbol is not None and op.record.token(symbol)[0] != token_symbol:
        raise ConfigError(f"distribution {distribution_id} pays holders of {token_symbol}, not {symbol}")
    return captable(index, point.token, op.record.decimals.get(token_symbol, 18), registry=op.record.registry,
                    record_date=point, ids=investor_ids(op))


def distribution_statement(op: Operator, index: EventIndex, distribution_id: int) -> tuple[dict[str, Any], list[Row]]:
    """One distribution, complete: its terms and record date, where every unit of the funded amount went
    (funded = paid + tax + escrowed + released + returned + unclaimed + remainder, exactly, checked against the
    distributor's own totals), and one line per record-date holder. Amounts in the payment token's units."""
    distributor = op.distributor()
    point = record_point(index, distributor.address, distribution_id)
    names = offering_audit_names(op)
    pay = names.asset(point.payment_token) or Asset(point.payment_token, 18)
    token_symbol = _symbol_of(op, point.token)
    token_decimals = op.record.decimals.get(token_symbol, 18)
    holders = index.balances_at(point.token, point.block, point.log_index)
    records = index.wallets_at(point.block, op.record.registry, point.log_index)
    rec = reconcile(distributor, distribution_id, sorted(holders), from_block=offering_start(op.record))
    info = distributor.info(distribution_id)

    def money(name: str, units: int) -> dict[str, Any]:
        return {name: amount(units, pay.decimals), f"{name}_units": units}

    terms = {"paid": rec.paid_net, "tax": rec.tax, "escrowed": rec.withheld_outstanding,
             "released": rec.withheld_released, "returned": rec.withheld_returned, "unclaimed": rec.unclaimed,
             "remainder": rec.remainder}
    summary: dict[str, Any] = {
        "distribution_id": distribution_id, "token": token_symbol, "payment_token": pay.symbol,
        "payment_token_address": point.payment_token, "payment_decimals": pay.decimals,
        "snapshot_id": point.snapshot_id, "record_block": point.block, "record_time": iso_time(point.time),
        "created_block": point.created_block, "created_tx": point.created_tx,
        "claim_expiry": iso_time(info.claim_expiry), "reclaimed": info.reclaimed, "withholding": info.withholding,
        "eligible_supply": amount(info.eligible_supply, token_decimals), "eligible_supply_units": info.eligible_supply,
        **money("funded", rec.funded),
    }
    for name, units in terms.items():
        summary.update(money(name, units))
    summary.update(money("accounted", sum(terms.values())))
    summary["adds_up"] = sum(terms.values()) == rec.funded
    summary.update(exact=rec.exact, problems=rec.problems, holders=len(rec.lines))
    ids = names.ids
    rows: list[Row] = []
    for holder, line in sorted(rec.lines.items()):
        record = records.get(holder)
        row: Row = {"holder": holder, "investor_id": ids.get(holder, ""),
                    "country": _alpha2(record.country) if record else "--",
                    "balance": amount(line.balance, token_decimals), "balance_units": str(line.balance)}
        for name, units in (("expected", line.expected), ("gross", line.gross), ("tax", line.tax),
                            ("net", line.net_paid), ("escrowed", line.withheld_outstanding),
                            ("released", line.released), ("returned", line.returned)):
            row[name], row[f"{name}_units"] = amount(units, pay.decimals), str(units)
        row["status"] = line.status
        rows.append(row)
    return summary, rows


def _distributor(op: Operator) -> str:
    if not op.record.distributor:
        raise ConfigError("this offering has no distributor")
    return op.record.distributor


def _symbol_of(op: Operator, token: str) -> str:
    for symbol, address in op.record.tokens.items():
        if address.lower() == token.lower():
            return symbol
    raise ConfigError(f"{token} is not a token of offering {op.record.name!r}")


def _alpha2(numeric: int) -> str:
    try:
        return country_alpha2(numeric)
    except ConfigError:
        return str(numeric)
