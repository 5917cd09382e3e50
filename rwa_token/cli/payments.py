"""`rwa payment ...`: the offering's payment tokens on the distributor's payment-token policy, and the approval
document an RMB-pegged one rests on. Logic in `rwa_token.services.payments`."""
from __future__ import annotations

from typing import Optional

import typer

from .base import DryRunOpt, TokenOpt, session, tx_line

payment_app = typer.Typer(no_args_is_help=True, help="Payment tokens: add, approve, remove, list.")


def _show(s, change, verb: str) -> None:
    """One line per change: sent, simulated, or already so on chain."""
    what = f"{change.symbol} ({change.currency}, {change.address}, {change.decimals} decimals)"
    linked = f" under document {change.document!r}" if change.document else ""
    if change.status == "sent":
        text = f"[green]{verb}[/] {what}{linked} {tx_line(change.receipt)}"
    elif change.status == "dry_run":
        text = f"dry run: would have {verb} {what}{linked}; nothing sent"
    else:
        text = f"{what} is already {verb}{linked}; nothing sent"
    s.out.emit(change.as_dict(), text)


@payment_app.command("add")
def payment_add(ctx: typer.Context,
                symbol: str = typer.Argument(..., help="the payment token's symbol in this offering, e.g. USDC"),
                address: str = typer.Option(..., "--address", help="the ERC-20 token's address (already deployed)"),
                currency: str = typer.Option(..., "--currency", help="ISO 4217 code, e.g. USD, HKD (CNH/CNY: see "
                                             "`rwa payment approve`)"),
                dry_run: bool = DryRunOpt) -> None:
    """Allow an existing ERC-20 as payment token SYMBOL on the distributor's payment-token policy (its decimals are
    read from the token) and record it. An RMB-pegged currency (CNY, CNH) is refused: use `rwa payment approve`."""
    from ..services.payments import allow_payment_token

    s = session(ctx)
    _show(s, allow_payment_token(s.operator(), symbol, address, currency, dry_run=dry_run), "allowed")


@payment_app.command("approve")
def payment_approve(ctx: typer.Context,
                    symbol: str = typer.Argument(..., help="the payment token's symbol, e.g. CNHT"),
                    document: str = typer.Option(..., "--document", help="name of the approval document recorded on "
                                                 "the token (`rwa docs add`)"),
                    address: Optional[str] = typer.Option(None, "--address", help="the ERC-20's address (default: "
                                                          "the one recorded for SYMBOL)"),
                    currency: str = typer.Option("CNH", "--currency", help="CNH or CNY"),
                    token: Optional[str] = TokenOpt, dry_run: bool = DryRunOpt) -> None:
    """Allow an RMB-pegged payment token (CNH, CNY) under the authority's approval: refused unless document
    --document is recorded on the token (ERC-1643); the token is then allowed as approved and linked to that
    document in the deployment record (`rwa payment list` shows the link)."""
    from ..services.payments import allow_payment_token

    s = session(ctx)
    change = allow_payment_token(s.operator(), symbol, address, currency, document=document, token=token,
                                 dry_run=dry_run)
    _show(s, change, "allowed")


@payment_app.command("remove")
def payment_remove(ctx: typer.Context, symbol: str = typer.Argument(..., help="the payment token's symbol"),
                   dry_run: bool = DryRunOpt) -> None:
    """Disallow payment token SYMBOL for new distributions (those already funded in it still pay out; it stays in
    the record; `rwa payment add` allows it again)."""
    from ..services.payments import disallow_payment_token

    s = session(ctx)
    _show(s, disallow_payment_token(s.operator(), symbol, dry_run=dry_run), "disallowed")


@payment_app.command("list")
def payment_list(ctx: typer.Context) -> None:
    """Every payment token: symbol, address, currency, decimals, allowed on the distributor's policy, RMB-pegged,
    and the approval document an RMB-pegged one is linked to."""
    from ..services.payments import payment_token_lines

    s = session(ctx)
    lines = payment_token_lines(s.operator())
    rows = []
    for line in lines:
        rmb = ("RMB-pegged, approved under " + (line.document or "(no document linked)") if line.rmb_approved
               else "RMB-pegged, not approved" if line.rmb_pegged else "")
        rows.append(f"{line.symbol:<8} {line.currency or '-':<5} {line.address}  {line.decimals} decimals  "
                    f"{'allowed' if line.allowed else 'NOT allowed'}{'  ' + rmb if rmb else ''}")
    s.out.emit({"payment_tokens": [line.as_dict() for line in lines]}, "\n".join(rows) or "no payment tokens")
