"""`rwa withholding ...`: withholding tax on distributions, by investor country."""
from __future__ import annotations

import typer

from .base import DryRunOpt, session, tx_line

withholding_app = typer.Typer(no_args_is_help=True, help="Withholding tax on distributions, by investor country.")


@withholding_app.command("set")
def withholding_set(ctx: typer.Context,
                    country: str = typer.Argument(..., help="ISO 3166 code (HK, HKG or 344) or 'unknown'"),
                    rate_bps: int = typer.Argument(..., min=0, max=10_000, help="basis points: 1000 = 10%"),
                    dry_run: bool = DryRunOpt) -> None:
    """Set the rate for investors of one country. It applies to payments made from now on, in distributions
    created while some country had a rate (set rates before the first distribution)."""
    from ..primitives.countries import parse_tax_country
    from ..services.withholding import country_name, set_withholding

    s = session(ctx)
    numeric = parse_tax_country(country, "country")
    receipt = set_withholding(s.operator(), numeric, rate_bps, dry_run=dry_run)
    what = f"{country_name(numeric)}: {rate_bps / 100:g}%"
    if receipt is None:
        s.out.emit({"dry_run": True, "country": numeric, "rate_bps": rate_bps},
                   f"would set withholding {what} (nothing sent)")
        return
    s.out.emit({"country": numeric, "rate_bps": rate_bps, "tx": receipt.tx_hash},
               f"[green]withholding[/] {what} {tx_line(receipt)}")


@withholding_app.command("show")
def withholding_show(ctx: typer.Context) -> None:
    """Every rate set on the offering's distributor (by the spec at deployment or since), as it stands now, the tax
    account, and the tax withheld so far per investor country."""
    from ..reporting.reports import amount
    from ..services.holders import offering_index
    from ..services.withholding import country_name, withholding_rates

    s = session(ctx)
    op = s.operator()
    w = withholding_rates(op, offering_index(op, s.out.track))
    rates = [{"country": _code(c), "country_code": c, "name": country_name(c), "rate_bps": r,
              "rate_pct": f"{r / 100:g}"} for c, r in w.rates_bps.items()]
    withheld = [{"country": _code(x.country), "country_code": x.country, "payment_token": x.payment_token,
                 "amount": amount(x.units, x.decimals), "amount_units": x.units} for x in w.withheld]
    lines = [f"tax account {w.tax_account}"]
    lines += [f"  {r['name']}: {r['rate_pct']}%" for r in rates] or ["  no rates set: distributions pay gross"]
    lines += [f"  withheld so far from {country_name(x['country_code'])}: {x['amount']} {x['payment_token']}"
              for x in withheld]
    s.out.emit({"tax_account": w.tax_account, "rates_bps": {str(c): r for c, r in w.rates_bps.items()},
                "rates": rates, "withheld": withheld}, "\n".join(lines))


def _code(numeric: int) -> str:
    """The ISO alpha-2 code of a tax country, "unknown" for 0 (investors without a country)."""
    from ..primitives.countries import country_alpha2

    return "unknown" if numeric == 0 else country_alpha2(numeric)
