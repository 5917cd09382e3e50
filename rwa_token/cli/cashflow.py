"""Cash flows: `rwa distribute`, `rwa waterfall ...`, `rwa redeem ...`."""
from __future__ import annotations

from typing import Optional

import typer

from ..primitives.units import format_units
from .base import AmountArg, DryRunOpt, TokenOpt, plain_amount, session, tx_line

waterfall_app = typer.Typer(no_args_is_help=True, help="The tranche waterfall: set it up, run a period.")
redeem_app = typer.Typer(no_args_is_help=True, help="Redemption at maturity: set up, fund principal, redeem.")

STEP_NAMES = {0: "fees", 1: "interest", 2: "principal", 3: "residual"}


def distribute(
    ctx: typer.Context,
    amount: str = typer.Argument(..., callback=plain_amount,
                                 help="total to distribute, in payment-token units (e.g. 250000.00)"),
    token: Optional[str] = TokenOpt,
    payment: Optional[str] = typer.Option(None, help="payment token symbol (default: the offering's first)"),
    claim_days: int = typer.Option(90, min=1, help="days holders may claim before unclaimed funds return"),
    push: bool = typer.Option(True, help="push payment to every holder in batches (else holders claim)"),
    dry_run: bool = DryRunOpt,
) -> None:
    """Fund a distribution by record date (a snapshot now) and pay every holder; resumable; reconciled."""
    from ..services.previews import preview_distribution
    from ..services.servicing import distribute as run_distribution

    out = session(ctx).out
    if dry_run:
        p = preview_distribution(session(ctx).operator(), amount, token=token, payment=payment, claim_days=claim_days)
        out.emit({"dry_run": True, "token": p.symbol, "payment": p.payment_symbol, "amount": amount,
                  "amount_units": p.units, "holders": p.holders},
                 f"[green]would distribute[/] {amount} {p.payment_symbol} to the {p.holders} holders of {p.symbol} "
                 "(record date now; nothing sent)")
        return

    def funded(created, symbol: str) -> None:
        out.emit({}, f"[green]distribution {created.distribution_id}[/] funded with {amount} {symbol} "
                     f"{tx_line(created.create_receipt)}")

    result = run_distribution(session(ctx).operator(), amount, token=token, payment=payment, claim_days=claim_days,
                              push=push, track=out.track, on_funded=funded)
    did = result.created.distribution_id
    if result.paid is None:
        out.emit({"distribution_id": did}, "holders may now claim")
        return
    pushed, reconciled = result.paid.pushed, result.paid.reconciliation
    out.emit({"distribution_id": did, "pushed": pushed.pushed, "already_paid": pushed.already_paid,
              "exact": reconciled.exact, "problems": reconciled.problems},
             f"paid {pushed.pushed} holders in {pushed.batches} batches; reconciliation "
             + ("[green]exact[/]" if reconciled.exact else f"[red]problems[/]: {'; '.join(reconciled.problems)}"))


# --------------------------------------------------------------------------------------------- waterfall
@waterfall_app.command("init")
def waterfall_init(ctx: typer.Context, dry_run: bool = DryRunOpt) -> None:
    """Deploy the waterfall from the spec once the tranches are issued (outstanding = supply x face value)."""
    from ..services.previews import preview_waterfall_init
    from ..services.servicing import init_waterfall

    s = session(ctx)
    if dry_run:
        terms = preview_waterfall_init(s.operator())
        s.out.emit({"dry_run": True, "tranches": [vars(t) for t in terms]},
                   "[green]would deploy[/] the waterfall with tranches (rate per period, outstanding units): "
                   + ", ".join(f"{t.rate_bps} bps / {t.outstanding}" for t in terms) + " (nothing sent)")
        return
    waterfall = init_waterfall(s.operator())
    s.out.emit({"waterfall": waterfall.address}, f"[green]waterfall[/] at {waterfall.address}")


@waterfall_app.command("run")
def waterfall_run(ctx: typer.Context,
                  collections: str = typer.Argument(..., callback=plain_amount,
                                                    help="the period's collections, in payment-token units"),
                  dry_run: bool = DryRunOpt):
    """Split one period's collections (fees, interest, principal, residual) and pay each tranche's holders."""
    from ..services.previews import preview_waterfall_period
    from ..services.servicing import run_waterfall

    s = session(ctx)
    op = s.operator()
    if dry_run:
        result, decimals = preview_waterfall_period(op, collections)
        s.out.emit({"dry_run": True, "period": result.period, "fees_paid": format_units(result.fees_paid, decimals),
                    "fees_paid_units": result.fees_paid, "payouts_units": list(result.payouts),
                    "steps": [_step(x, decimals) for x in result.steps]},
                   f"[green]would run[/] period {result.period}: fees {format_units(result.fees_paid, decimals)}, "
                   "tranches " + ", ".join(format_units(p, decimals) for p in result.payouts) + " (nothing sent)")
        return
    report = run_waterfall(op, collections, track=s.out.track)
    decimals = op.payment_token().decimals()
    steps = [_step(x, decimals) for x in report.steps]
    lines = [f"period {report.period}: {collections} collected"]
    lines += [f"  {x['name']:>9} tranche {x['tranche'] if x['tranche'] != 255 else '-'}: due {x['due']} "
              f"paid {x['paid']} arrears {x['arrears']}" for x in steps]
    lines += [f"  {t.symbol}: {format_units(t.amount, decimals)} to {t.holders_paid} holders, distribution "
              f"{t.distribution_id}, {'exact' if t.exact else 'MISMATCH'}" for t in report.tranches]
    s.out.emit({"period": report.period, "steps": steps,
                "tranches": [{**vars(t), "amount": format_units(t.amount, decimals), "amount_units": t.amount}
                             for t in report.tranches]}, "\n".join(lines))


def _step(x, decimals: int) -> dict:
    """A waterfall step for output: its name, and each amount as a decimal string and in base units."""
    amounts = {k: getattr(x, k) for k in ("due", "paid", "arrears")}
    return {"step": x.step, "name": STEP_NAMES[x.step], "tranche": x.tranche,
            **{k: format_units(v, decimals) for k, v in amounts.items()},
            **{f"{k}_units": v for k, v in amounts.items()}}


# --------------------------------------------------------------------------------------------- redemption
@redeem_app.command("init")
def redeem_init(ctx: typer.Context,
                face_value: str = typer.Option(..., help="principal per whole token, in payment-token units"),
                token: Optional[str] = TokenOpt, dry_run: bool = DryRunOpt) -> None:
    """Deploy the token's redemption module and give it the agent role it needs to burn."""
    from ..services.previews import preview_redemption_init
    from ..services.redemption import set_up_redemption

    s = session(ctx)
    if dry_run:
        symbol, units = preview_redemption_init(s.operator(), face_value, token)
        s.out.emit({"dry_run": True, "token": symbol, "face_value": face_value, "face_value_units": units},
                   f"[green]would deploy[/] redemption for {symbol} at {face_value} a token (nothing sent)")
        return
    symbol, redemption = set_up_redemption(s.operator(), face_value, token)
    s.out.emit({"redemption": redemption.address}, f"[green]redemption[/] for {symbol} at {redemption.address}")


@redeem_app.command("fund")
def redeem_fund(ctx: typer.Context, amount: str = AmountArg, token: Optional[str] = TokenOpt,
                dry_run: bool = DryRunOpt) -> None:
    """Add principal to the redemption pool (the issuer's payment tokens)."""
    from ..services.previews import preview_redemption_fund
    from ..services.redemption import fund_principal

    s = session(ctx)
    if dry_run:
        units = preview_redemption_fund(s.operator(), amount, token)
        s.out.emit({"dry_run": True, "amount": amount, "amount_units": units},
                   f"[green]would fund[/] {amount} of principal (nothing sent)")
        return
    receipt = fund_principal(s.operator(), amount, token)
    s.out.emit({"tx": receipt.tx_hash}, f"[green]funded[/] {amount} of principal {tx_line(receipt)}")


@redeem_app.command("all")
def redeem_all(ctx: typer.Context, token: Optional[str] = TokenOpt,
               batch_size: int = typer.Option(50, min=1, max=200), dry_run: bool = DryRunOpt) -> None:
    """At maturity: redeem every holder's whole balance for principal, in batches (ineligible holders skipped)."""
    from ..services.previews import preview_redeem_all
    from ..services.redemption import redeem_offering_token

    s = session(ctx)
    if dry_run:
        p = preview_redeem_all(s.operator(), token)
        s.out.emit({"dry_run": True, "token": p.symbol, "holders": p.holders, "principal_needed_units":
                    p.principal_needed, "principal_available_units": p.principal_available},
                   f"[green]would redeem[/] {p.holders} holders of {p.symbol} for "
                   f"{format_units(p.principal_needed, p.payment_decimals)} of principal; the pool holds "
                   f"{format_units(p.principal_available, p.payment_decimals)} (nothing sent)")
        return
    t, result = redeem_offering_token(s.operator(), token, batch_size, track=s.out.track)
    s.out.emit({"redeemed": result.redeemed, "holders": result.holders},
               f"[green]redeemed[/] {result.redeemed} of {result.holders} holders; supply now "
               f"{t.fmt(t.total_supply())}")
