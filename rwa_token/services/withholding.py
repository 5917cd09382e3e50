"""Withholding tax on distributions, by investor country: set a rate, read every rate set on the offering's
distributor with the tax withheld so far."""
from __future__ import annotations

from dataclasses import dataclass

from ..contracts.events import DistributorEvents as D
from ..contracts.stablecoin import ERC20
from ..primitives.countries import country_label
from ..primitives.errors import RwaError
from ..store.index import EventIndex
from .context import Operator
from .holders import offering_index


def country_name(numeric: int) -> str:
    """How a tax country is named: ISO label, or "unknown country" for 0 (investors without a country)."""
    return "unknown country" if numeric == 0 else country_label(numeric)


def set_withholding(op: Operator, country: int, rate_bps: int, dry_run: bool = False):
    """Set the rate (basis points) for investors of `country` (numeric ISO 3166, 0 = unknown; see
    `primitives.countries.parse_tax_country`). It applies to payments made from now on. With `dry_run`, simulate
    it and return None."""
    return op.distributor().set_withholding_rate(country, rate_bps, dry_run=dry_run)


@dataclass(frozen=True)
class Withheld:
    """Tax withheld at source so far from investors of one country, in one payment token."""

    country: int
    payment_token: str  # the record's symbol (or the address of a token the record does not name)
    decimals: int
    units: int


@dataclass(frozen=True)
class WithholdingRates:
    tax_account: str
    rates_bps: dict[int, int]  # numeric country -> rate now, for every country a rate was ever set for
    withheld: list[Withheld]


def withholding_rates(op: Operator, index: EventIndex | None = None) -> WithholdingRates:
    """Every rate as it stands now (read from the distributor, for each country the index saw a rate set for since
    the offering's first block, which includes the rates the spec set at deployment), the tax account, and the tax
    withheld so far per investor country (the holder's country when paid, as the distributor taxed it)."""
    distributor = op.distributor()
    index = index or offering_index(op)
    seen = {int(e.args["country"]) for e in index.events(distributor.address, D.WITHHOLDING_RATE_SET)}
    if not op.record.first_block:
        # A record written before the first block was kept: its index starts at the factory call, after the rates
        # the spec set; ask the node for the distributor's whole history instead (a node may refuse so wide a range).
        try:
            seen |= set(distributor.withholding_countries(0))
        except RwaError:
            pass
    countries = sorted(seen)
    rates = dict(zip(countries, distributor.withholding_rate_many(countries))) if countries else {}
    return WithholdingRates(distributor.tax_account(), rates, _withheld(op, index, distributor.address))


def _withheld(op: Operator, index: EventIndex, distributor: str) -> list[Withheld]:
    paid_in = {e.args["distributionId"]: e.args["paymentToken"]
               for e in index.events(distributor, D.DISTRIBUTION_CREATED)}
    totals: dict[tuple[int, str], int] = {}
    for e, records in index.with_records(distributor, (D.PAID, D.WITHHELD), op.record.registry):
        tax = int(e.args["tax"])
        if tax:
            record = records.get(e.args["holder"])
            key = (record.country if record else 0, paid_in.get(e.args["distributionId"], ""))
            totals[key] = totals.get(key, 0) + tax
    symbols = {a.lower(): s for s, a in op.record.payment_tokens.items()}
    out = []
    for (country, token), units in sorted(totals.items()):
        symbol = symbols.get(token.lower(), token)
        out.append(Withheld(country, symbol, op.record.decimals.get(symbol) or ERC20(op.tx, token).decimals(), units))
    return out
