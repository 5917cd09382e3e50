"""Token operations: `rwa mint`, `burn`, `transfer`, `freeze`, `unfreeze`, and the agent's powers over other
people's tokens, `force-transfer`, `recover`, `pause`, `unpause`."""
from __future__ import annotations

from typing import Optional

import typer

from .base import AmountArg, DryRunOpt, TokenOpt, YesOpt, plain_amount, session, tx_line


def mint(ctx: typer.Context, wallet: str, amount: str = AmountArg, token: Optional[str] = TokenOpt,
         dry_run: bool = DryRunOpt) -> None:
    """Mint AMOUNT (decimal, in tokens) to WALLET. Checked against the rules before sending."""
    s = session(ctx)
    receipt = s.operator().token(token).mint(wallet, amount, dry_run=dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True, "wallet": wallet, "amount": amount},
                   f"[green]would mint[/] {amount} to {wallet} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash, "gas_used": receipt.gas_used},
               f"[green]minted[/] {amount} to {wallet} {tx_line(receipt)}")


def burn(ctx: typer.Context, wallet: str, amount: str = AmountArg, token: Optional[str] = TokenOpt,
         yes: bool = YesOpt, dry_run: bool = DryRunOpt) -> None:
    """Agent power: burn AMOUNT from WALLET (frozen tokens included); asks first unless --yes."""
    s = session(ctx)
    t = s.operator().token(token)
    if dry_run:
        t.burn(wallet, amount, dry_run=True)  # a refusal raises here
        s.out.emit({"dry_run": True}, f"dry run: burning {amount} from {wallet} would succeed; nothing sent")
        return
    s.out.confirm(f"burn {amount} from {wallet}", yes)
    receipt = t.burn(wallet, amount)
    s.out.emit({"tx": receipt.tx_hash}, f"[green]burned[/] {amount} from {wallet} {tx_line(receipt)}")


def transfer(
    ctx: typer.Context,
    sender: str = typer.Argument(..., help="from wallet"),
    receiver: str = typer.Argument(..., help="to wallet"),
    amount: str = AmountArg,
    check: bool = typer.Option(False, "--check", help="dry run: print whether the rules allow it, and why not"),
    token: Optional[str] = TokenOpt,
    dry_run: bool = DryRunOpt,
) -> None:
    """Transfer tokens (signed by the key's wallet), or with --check say whether the rules would allow it."""
    from ..services.transfers import transfer_own

    s = session(ctx)
    op = s.operator()
    verdict = op.token(token).can_transfer(sender, receiver, amount)
    if check:
        s.out.emit({"allowed": verdict.ok, "code": verdict.code, "message": verdict.message},
                   f"[green]allowed[/]: {verdict.message}" if verdict.ok
                   else f"[red]refused[/] [{verdict.code}] {verdict.message}")
        if not verdict.ok:
            raise typer.Exit(3)
        return
    receipt = transfer_own(op, sender, receiver, amount, token, dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True}, f"[green]would transfer[/] {amount} to {receiver} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash}, f"[green]transferred[/] {amount} to {receiver} {tx_line(receipt)}")


def freeze(ctx: typer.Context, wallet: str,
           amount: Optional[str] = typer.Option(None, callback=plain_amount, help="freeze only this amount (partial)"),
           token: Optional[str] = TokenOpt, dry_run: bool = DryRunOpt) -> None:
    """Freeze a wallet, or with --amount part of its balance."""
    s = session(ctx)
    t = s.operator().token(token)
    receipt = (t.freeze_partial(wallet, amount, dry_run=dry_run) if amount
               else t.set_frozen(wallet, True, dry_run=dry_run))
    if receipt is None:
        s.out.emit({"dry_run": True}, f"[green]would freeze[/] {amount or 'wallet'} {wallet} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash}, f"[green]frozen[/] {amount or 'wallet'} {wallet} {tx_line(receipt)}")


def unfreeze(ctx: typer.Context, wallet: str,
             amount: Optional[str] = typer.Option(None, callback=plain_amount, help="unfreeze only this amount"),
             token: Optional[str] = TokenOpt, dry_run: bool = DryRunOpt) -> None:
    """Unfreeze a wallet, or with --amount part of its frozen balance."""
    s = session(ctx)
    t = s.operator().token(token)
    receipt = (t.unfreeze_partial(wallet, amount, dry_run=dry_run) if amount
               else t.set_frozen(wallet, False, dry_run=dry_run))
    if receipt is None:
        s.out.emit({"dry_run": True}, f"[green]would unfreeze[/] {amount or 'wallet'} {wallet} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash}, f"[green]unfrozen[/] {amount or 'wallet'} {wallet} {tx_line(receipt)}")


def force_transfer(
    ctx: typer.Context, sender: str, receiver: str, amount: str = AmountArg, token: Optional[str] = TokenOpt,
    override_reason: Optional[str] = typer.Option(
        None, "--override-reason", help="send even though the token's rules refuse the receiver, for this reason "
        "(e.g. \"court order 2026/123\"); kept in the offering's override journal and shown by `rwa report audit`"),
    dry_run: bool = DryRunOpt,
    yes: bool = YesOpt,
) -> None:
    """Agent power: move tokens past the sender's restrictions. The receiver must be verified and pass the token's
    receiver-side rules (country, category, investor caps, holding limits) unless --override-reason says why not."""
    from ..services.transfers import force_transfer as send_forced, plan_forced_transfer

    s = session(ctx)
    op = s.operator()
    plan = plan_forced_transfer(op, sender, receiver, amount, token, override_reason)
    if plan.refused:
        s.out.refuse(plan.code, plan.message, "give --override-reason to force it anyway (it is recorded for audit)")
    sender, receiver = plan.sender, plan.receiver
    overriding = f", overriding [{plan.code}] {plan.message}" if plan.overriding else ""
    if dry_run:
        s.out.emit({"dry_run": True, "override_code": plan.code},
                   f"[green]would force[/] {amount} {sender} -> {receiver}{overriding} (nothing sent)")
        return
    s.out.confirm(f"force {amount} from {sender} to {receiver}{overriding}", yes)
    receipt = send_forced(op, plan)
    s.out.emit({"tx": receipt.tx_hash, "override_code": plan.code,
                "override_reason": plan.reason if plan.code else None},
               f"[green]forced transfer[/] {amount} {sender} -> {receiver}{overriding} {tx_line(receipt)}")


def recover(ctx: typer.Context, lost_wallet: str, new_wallet: str,
            token: Optional[str] = typer.Option(None, "--token", help="only this token (default: every token of "
                                                "the offering)"),
            dry_run: bool = typer.Option(False, "--dry-run", help="show what would move; send nothing"),
            yes: bool = YesOpt) -> None:
    """Agent power: move a lost wallet's tokens, frozen amount and lockups to another registered wallet of the same
    investor, freeze the lost wallet, and move what it was owed (unclaimed distribution shares, escrow, redemption
    principal) to the new wallet. Safe to run again: it finishes what an interrupted run left."""
    from ..services.recovery import recover_offering_wallet

    s = session(ctx)
    report = recover_offering_wallet(
        s.operator(), lost_wallet, new_wallet, token, dry_run,
        confirm=lambda plan: s.out.confirm(f"recover {lost_wallet} to {new_wallet} ({len(plan.done)} steps)", yes))
    verb = "would move" if dry_run else "moved"
    lines = [f"[green]{verb}[/] {step.kind} {step.ref}: {step.shown}"
             + (" (the lost wallet frozen)" if step.kind == "tokens" and not step.amount else "")
             + (f" [dim](tx {step.tx[:12]}…)[/]" if step.tx else "") for step in report.done]
    lines += [f"[yellow]left[/] {left.kind} {left.ref}: {left.shown}: {left.reason}" for left in report.left]
    shown = [[{**vars(x), "amount": x.shown, "amount_units": x.amount} for x in steps]
             for steps in (report.done, report.left)]
    s.out.emit({"dry_run": dry_run, "done": shown[0], "left": shown[1], "already_done": report.already_done},
               "\n".join(lines) or f"nothing to do: {lost_wallet} is already recovered to {new_wallet}")


def pause(ctx: typer.Context, token: Optional[str] = TokenOpt, yes: bool = YesOpt, dry_run: bool = DryRunOpt) -> None:
    """Agent power: stop every investor transfer of the token; asks first unless --yes."""
    s = session(ctx)
    t = s.operator().token(token)
    if dry_run:
        t.pause(dry_run=True)
        s.out.emit({"dry_run": True}, f"dry run: pausing {t.symbol()} would succeed; nothing sent")
        return
    s.out.confirm(f"pause every transfer of {t.symbol()}", yes)
    receipt = t.pause()
    s.out.emit({"tx": receipt.tx_hash}, f"[green]paused[/] {tx_line(receipt)}")


def unpause(ctx: typer.Context, token: Optional[str] = TokenOpt, dry_run: bool = DryRunOpt) -> None:
    """Lift a pause (agent)."""
    s = session(ctx)
    receipt = s.operator().token(token).unpause(dry_run=dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True}, "[green]would unpause[/] (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash}, f"[green]unpaused[/] {tx_line(receipt)}")
