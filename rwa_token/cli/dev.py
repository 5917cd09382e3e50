"""`rwa dev ...`: local-chain conveniences (the mock payment token, the clock); refused on other chains."""
from __future__ import annotations

import datetime as dt

import typer

from .base import AmountArg, DryRunOpt, session, tx_line

dev_app = typer.Typer(no_args_is_help=True, help="Local chains only: pay a wallet mock payment tokens, move the clock.")


@dev_app.command("fund")
def dev_fund(
    ctx: typer.Context,
    token: str = typer.Argument(..., help="the offering's payment token symbol (e.g. USDC)"),
    wallet: str = typer.Argument(..., help="who receives it"),
    amount: str = AmountArg,
    dry_run: bool = DryRunOpt,
) -> None:
    """Mint AMOUNT of the offering's mock payment TOKEN to WALLET (e.g. the issuer, before a distribution)."""
    from ..services.dev import fund

    s = session(ctx)
    receipt = fund(s.operator(), token, wallet, amount, dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True}, f"dry run: funding {wallet} with {amount} {token} would succeed; nothing sent")
        return
    s.out.emit({"tx": receipt.tx_hash, "token": token, "wallet": wallet, "amount": amount},
               f"[green]funded[/] {wallet} with {amount} {token} {tx_line(receipt)}")


@dev_app.command("time")
def dev_time(ctx: typer.Context,
             duration: str = typer.Argument(..., help="how far to move the clock: +40d, 12h, 3600s, 2w"),
             dry_run: bool = DryRunOpt) -> None:
    """Move the local chain's clock forward (e.g. past a Reg S lockup) and mine a block at the new time."""
    from ..services.dev import advance_time

    s = session(ctx)
    move = advance_time(s.operator(need_record=False), duration, dry_run)
    at = dt.datetime.fromtimestamp(move.timestamp, dt.timezone.utc).isoformat(timespec="seconds")
    s.out.emit({"seconds": move.seconds, "timestamp": move.timestamp, "dry_run": dry_run},
               f"{'dry run: the clock would move' if dry_run else '[green]clock moved[/]'} {move.seconds:,} s "
               f"forward: the chain's time {'would be' if dry_run else 'is now'} {at}")
