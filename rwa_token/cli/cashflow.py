"""Cash flows: `rwa distribute`, `rwa waterfall ...`, `rwa redeem ...`."""
from __future__ import annotations

from typing import Optional

import typer

from .base import AmountArg, TokenOpt, plain_amount, session, tx_line

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
) -> None:
    """Fund a distribution by record date (a snapshot now) and pay every holder; resumable; reconciled."""
    from ..services.servicing import distribute as run_distribution

    out = session(ctx).out

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
def waterfall_init(ctx: typer.Context) -> None:
    """Deploy the waterfall from the spec once the tranches are issued (outstanding = supply x face value)."""
    from ..services.servicing import init_waterfall

    s = session(ctx)
    waterfall = init_waterfall(s.operator())
    s.out.emit({"waterfall": waterfall.address}, f"[green]waterfall[/] at {waterfall.address}")


@waterfall_app.command("run")
def waterfall_run(ctx: typer.Context,
                  collections: str = typer.Argument(..., help="the period's collections, in payment-token units")):
    """Split one period's collections (fees, interest, principal, residual) and pay each tranche's holders."""
    from ..services.servicing import run_waterfall

    s = session(ctx)
    report = run_waterfall(s.operator(), collections, track=s.out.track)
    lines = [f"period {report.period}: {collections} collected"]
    lines += [f"  {STEP_NAMES[x.step]:>9} tranche {x.tranche if x.tranche != 255 else '-'}: due {x.due} "
              f"paid {x.paid} arrears {x.arrears}" for x in report.steps]
    lines += [f"  {t.symbol}: {t.amount} to {t.holders_paid} holders, distribution {t.distribution_id}, "
              f"{'exact' if t.exact else 'MISMATCH'}" for t in report.tranches]
    s.out.emit({"period": report.period, "steps": [vars(x) for x in report.steps],
                "tranches": [vars(t) for t in report.tranches]}, "\n".join(lines))


# --------------------------------------------------------------------------------------------- redemption
@redeem_app.command("init")
def redeem_init(ctx: typer.Context,
                face_value: str = typer.Option(..., help="principal per whole token, in payment-token units"),
                token: Optional[str] = TokenOpt) -> None:
    """Deploy the token's redemption module and give it the agent role it needs to burn."""
    from ..services.redemption import set_up_redemption

    s = session(ctx)
    symbol, redemption = set_up_redemption(s.operator(), face_value, token)
    s.out.emit({"redemption": redemption.address}, f"[green]redemption[/] for {symbol} at {redemption.address}")


@redeem_app.command("fund")
def redeem_fund(ctx: typer.Context, amount: str = AmountArg, token: Optional[str] = TokenOpt) -> None:
    """Add principal to the redemption pool (the issuer's payment tokens)."""
    from ..services.redemption import fund_principal

    s = session(ctx)
    receipt = fund_principal(s.operator(), amount, token)
    s.out.emit({"tx": receipt.tx_hash}, f"[green]funded[/] {amount} of principal {tx_line(receipt)}")


@redeem_app.command("all")
def redeem_all(ctx: typer.Context, token: Optional[str] = TokenOpt,
               batch_size: int = typer.Option(50, min=1, max=200)) -> None:
    """At maturity: redeem every holder's whole balance for principal, in batches (ineligible holders skipped)."""
    from ..services.redemption import redeem_offering_token

    s = session(ctx)
    t, result = redeem_offering_token(s.operator(), token, batch_size, track=s.out.track)
    s.out.emit({"redeemed": result.redeemed, "holders": result.holders},
               f"[green]redeemed[/] {result.redeemed} of {result.holders} holders; supply now "
               f"{t.fmt(t.total_supply())}")
