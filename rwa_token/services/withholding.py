"""Withholding tax on distributions, by investor country: set a rate, read every rate set on the offering's
distributor."""
from __future__ import annotations

from dataclasses import dataclass

from ..primitives.countries import country_label
from .context import Operator


def country_name(numeric: int) -> str:
    """How a tax country is named: ISO label, or "unknown country" for 0 (investors without a country)."""
    return "unknown country" if numeric == 0 else country_label(numeric)


def set_withholding(op: Operator, country: int, rate_bps: int):
    """Set the rate (basis points) for investors of `country` (numeric ISO 3166, 0 = unknown; see
    `primitives.countries.parse_tax_country`). It applies to payments made from now on."""
    return op.distributor().set_withholding_rate(country, rate_bps)


@dataclass(frozen=True)
class WithholdingRates:
    tax_account: str
    rates_bps: dict[int, int]  # numeric country -> rate now, for every country a rate was ever set for


def withholding_rates(op: Operator) -> WithholdingRates:
    distributor = op.distributor()
    rates = {c: distributor.withholding_rate(c) for c in distributor.withholding_countries(op.record.block)}
    return WithholdingRates(distributor.tax_account(), rates)
