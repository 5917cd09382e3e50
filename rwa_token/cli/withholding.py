"""`rwa withholding ...`: withholding tax on distributions, by investor country."""
from __future__ import annotations

import typer

from .base import session, tx_line

withholding_app = typer.Typer(no_args_is_help=True, help="Withholding tax on distributions, by investor country.")


@withholding_app.command("set")
def withholding_set(ctx: typer.Context,
                    country: str = typer.Argument(..., help="ISO 3166 code (HK, HKG or 344) or 'unknown'"),
                    rate_bps: int = typer.Argument(..., min=0, max=10_000, help="basis points: 1000 = 10%")) -> None:
    """Set the rate for investors of one country. It applies to payments made from now on, in distributions
    created while some country had a rate (set rates before the first distribution)."""
    from ..primitives.countries import parse_tax_country
    from ..services.withholding import country_name, set_withholding

    s = session(ctx)
    numeric = parse_tax_country(country, "country")
    receipt = set_withholding(s.operator(), numeric, rate_bps)
    s.out.emit({"country": numeric, "rate_bps": rate_bps, "tx": receipt.tx_hash},
               f"[green]withholding[/] {country_name(numeric)}: {rate_bps / 100:g}% {tx_line(receipt)}")


@withholding_app.command("show")
def withholding_show(ctx: typer.Context) -> None:
    """Every rate ever set on the offering's distributor, as it stands now, and the tax account."""
    from ..services.withholding import country_name, withholding_rates

    s = session(ctx)
    w = withholding_rates(s.operator())
    s.out.emit({"tax_account": w.tax_account, "rates_bps": {str(c): r for c, r in w.rates_bps.items()}},
               f"tax account {w.tax_account}"
               + "".join(f"\n  {country_name(c)}: {r / 100:g}%" for c, r in w.rates_bps.items())
               + ("" if w.rates_bps else "\n  no rates set: distributions pay gross"))
