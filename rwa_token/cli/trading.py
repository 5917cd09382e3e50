"""`rwa trade`, `rwa collateral`, `rwa proceeds`: thin commands over `rwa_token.services.trading` and the
wrappers.

Contract addresses come from options or the environment (RWA_DVP, RWA_COLLATERAL, RWA_PROCEEDS_VAULT).
A trade file is JSON: {"trade": {seller, buyer, securityToken, securityAmount, paymentToken, paymentAmount,
nonce, expiry, feeBps}, "seller_signature": "0x..", "buyer_signature": "0x.."} with amounts in base units.
A pledge file (from `rwa collateral sign-pledge`, for `rwa collateral lock`) is JSON: {"pledge": {holder, lender,
amount, nonce, deadline}, "manager": "0x..", "chain_id": N, "signature": "0x.."}, the amount in base units.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import List, Optional

import typer

from ..primitives.errors import ConfigError
from .base import AmountArg, DryRunOpt, Session, TokenOpt, YesOpt, session, tx_line

trade_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Delivery-versus-payment settlement.")
collateral_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Collateral pledges for margin.")
proceeds_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Use-of-proceeds vault.")

DvpOpt = typer.Option(..., "--dvp", envvar="RWA_DVP", help="DvPSettlement address")
ManagerOpt = typer.Option(..., "--manager", envvar="RWA_COLLATERAL", help="CollateralManager address")
VaultOpt = typer.Option(..., "--vault", envvar="RWA_PROCEEDS_VAULT", help="ProceedsVault address")


def _hex_bytes(value: str | None) -> bytes:
    if not value:
        return b""
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def _load_signed(path: Path):
    from ..services.trading import SignedTrade, Trade

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable JSON trade file ({exc})") from exc
    return SignedTrade(Trade.from_dict(data["trade"]), _hex_bytes(data.get("seller_signature")),
                       _hex_bytes(data.get("buyer_signature")))


def _dvp(s: Session, address: str):
    from ..contracts.settlement import DvPSettlement

    op = s.operator(need_record=False)
    return op, DvPSettlement(op.tx, address, op.account)


# ------------------------------------------------------------------------------------------------ trade
@trade_app.command("settle")
def trade_settle(ctx: typer.Context,
                 files: List[Path] = typer.Argument(..., help="one or more trade files (several = one batch)"),
                 dvp: str = DvpOpt) -> None:
    """Settle one trade, or several in one batch (a bad trade is skipped and reported; the rest settle)."""
    from ..services.trading import settle_batch

    s = session(ctx)
    _, contract = _dvp(s, dvp)
    signed = [_load_signed(f) for f in files]
    if len(signed) == 1:
        one = signed[0]
        receipt = contract.settle(one.trade, one.seller_signature, one.buyer_signature)
        s.out.emit({"tx": receipt.tx_hash, "settled": 1, "gas_used": receipt.gas_used},
                 f"[green]settled[/] {tx_line(receipt)}")
        return
    outcome = settle_batch(contract, signed)
    s.out.emit({"settled": outcome.settled, "failed": {h: str(e) for h, e in outcome.failed.items()}},
             f"[green]settled[/] {len(outcome.settled)}, [red]failed[/] {len(outcome.failed)}"
             + "".join(f"\n  {h}: {e}" for h, e in outcome.failed.items()))
    if outcome.failed:
        raise typer.Exit(3)


@trade_app.command("cancel")
def trade_cancel(ctx: typer.Context,
                 file: Path = typer.Argument(..., help="trade file"), dvp: str = DvpOpt) -> None:
    """Cancel a trade: as its seller (cancels the nonce) or its buyer (cancels this trade)."""
    s = session(ctx)
    _, contract = _dvp(s, dvp)
    receipt = contract.cancel(_load_signed(file).trade)
    s.out.emit({"tx": receipt.tx_hash}, f"[green]cancelled[/] {tx_line(receipt)}")


@trade_app.command("check")
def trade_check(ctx: typer.Context,
                file: Path = typer.Argument(..., help="trade file"), dvp: str = DvpOpt) -> None:
    """Say whether a trade would settle now, and every reason it would not (no transaction)."""
    from ..services.trading import check_trade

    s = session(ctx)
    op, contract = _dvp(s, dvp)
    result = check_trade(contract, _load_signed(file), caller=op.account.address if op.account else None)
    s.out.emit({"trade_hash": result.trade_hash, "ok": result.ok, "problems": result.problems,
              "compliance_code": result.compliance_code},
             f"[green]would settle[/] {result.trade_hash}" if result.ok
             else f"[red]would not settle[/] {result.trade_hash}" + "".join(f"\n  - {p}" for p in result.problems))
    if not result.ok:
        raise typer.Exit(3)


# ------------------------------------------------------------------------------------------------ collateral
def _manager(s: Session, address: str, token: Optional[str]):
    from ..contracts.collateral import CollateralManager

    op = s.operator()
    return op.token(token), CollateralManager(op.tx, address, op.account)


@collateral_app.command("sign-pledge")
def collateral_sign_pledge(
    ctx: typer.Context,
    lender: str, amount: str = AmountArg,
    out: Path = typer.Option(..., "--out", help="write the signed pledge here (JSON) for the lender"),
    valid_for: int = typer.Option(3_600, "--valid-for", min=60, help="seconds the lender has to submit it"),
    manager: str = ManagerOpt, token: Optional[str] = TokenOpt,
) -> None:
    """As the holder (the signing key): sign your consent to pledge AMOUNT (tokens) to LENDER. Sends nothing;
    the lender submits the file with `rwa collateral lock`."""
    from ..primitives.units import address

    s = session(ctx)
    t, m = _manager(s, manager, token)
    lender = address(lender, "lender")
    signed = m.sign_pledge(m.sender, lender, t.units(amount), valid_for)
    try:
        out.write_text(json.dumps(signed.to_dict(), indent=2) + "\n")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc}") from None
    c = signed.consent
    s.out.emit({"file": str(out), **signed.to_dict()},
             f"[green]signed[/] pledge of {amount} from {c.holder} to {lender}, nonce {c.nonce}, valid until "
             f"{c.deadline}: {out}")


@collateral_app.command("pledge")
def collateral_pledge(ctx: typer.Context,
                      lender: str, amount: str = AmountArg, manager: str = ManagerOpt, token: Optional[str] = TokenOpt,
                      dry_run: bool = DryRunOpt) -> None:
    """As the holder (the signing key): pledge AMOUNT (tokens) of your own balance to LENDER."""
    s = session(ctx)
    t, m = _manager(s, manager, token)
    holder = m.sender.address
    receipt = m.pledge(lender, t.units(amount), dry_run=dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True, "holder": holder, "lender": lender},
                 f"[green]would pledge[/] {amount} of {holder} to {lender} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash, "locked": m.locked_of(holder)},
             f"[green]pledged[/] {amount} of {holder} to {lender} {tx_line(receipt)}")


@collateral_app.command("lock")
def collateral_lock(ctx: typer.Context,
                    pledge_file: Path = typer.Argument(..., help="the holder's signed pledge "
                                                       "(`rwa collateral sign-pledge`)"),
                    manager: str = ManagerOpt, token: Optional[str] = TokenOpt, dry_run: bool = DryRunOpt) -> None:
    """As the lender (the signing key): lock collateral with the holder's signed consent. A lender cannot lock
    a holder's tokens without it."""
    from ..contracts.collateral import SignedPledge

    s = session(ctx)
    t, m = _manager(s, manager, token)
    try:
        data = json.loads(pledge_file.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{pledge_file}: not a readable JSON pledge file ({exc})") from None
    signed = SignedPledge.from_dict(data if isinstance(data, dict) else {})
    c = signed.consent
    receipt = m.pledge_with_signature(signed, dry_run=dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True, "holder": c.holder, "amount": c.amount},
                 f"[green]would lock[/] {t.fmt(c.amount)} of {c.holder} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash, "holder": c.holder, "locked": m.locked_of(c.holder)},
             f"[green]locked[/] {t.fmt(c.amount)} of {c.holder} with its signed pledge {tx_line(receipt)}")


@collateral_app.command("release")
def collateral_release(ctx: typer.Context,
                       holder: str, amount: str = AmountArg, manager: str = ManagerOpt, token: Optional[str] = TokenOpt,
                       dry_run: bool = DryRunOpt) -> None:
    """Release AMOUNT (tokens) of HOLDER's pledge (the lender that holds it)."""
    s = session(ctx)
    t, m = _manager(s, manager, token)
    receipt = m.release(holder, t.units(amount), dry_run=dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True}, f"[green]would release[/] {amount} of {holder} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash, "locked": m.locked_of(holder)},
               f"[green]released[/] {amount} of {holder} {tx_line(receipt)}")


@collateral_app.command("seize")
def collateral_seize(ctx: typer.Context,
                     holder: str, amount: str = AmountArg, to: str = typer.Argument(...), manager: str = ManagerOpt,
                     token: Optional[str] = TokenOpt, dry_run: bool = DryRunOpt,
                     yes: bool = YesOpt) -> None:
    """On default, move AMOUNT (tokens) of HOLDER's pledge to TO (must pass the token's rules)."""
    from ..primitives.errors import TransferRestricted

    s = session(ctx)
    t, m = _manager(s, manager, token)
    units = t.units(amount)
    try:
        m.seize(holder, units, to, dry_run=True)  # a refusal is reported before asking
    except TransferRestricted as refused:
        s.out.refuse(refused.code, refused.reason, "seize to a party the token's rules accept")
    if dry_run:
        s.out.emit({"dry_run": True}, f"[green]would seize[/] {amount} from {holder} to {to} (nothing sent)")
        return
    s.out.confirm(f"seize {amount} pledged by {holder} to {to}", yes)
    receipt = m.seize(holder, units, to)
    s.out.emit({"tx": receipt.tx_hash}, f"[green]seized[/] {amount} from {holder} to {to} {tx_line(receipt)}")


@collateral_app.command("show")
def collateral_show(ctx: typer.Context,
                    holder: str, manager: str = ManagerOpt, token: Optional[str] = TokenOpt) -> None:
    """Show HOLDER's pledge: lender, locked and free amounts."""
    s = session(ctx)
    t, m = _manager(s, manager, token)
    pledge = m.pledge_of(holder)
    free = m.free_balance_of(holder)
    s.out.emit({"holder": holder, "lender": pledge.lender, "locked": t.fmt(pledge.amount),
                "locked_units": pledge.amount, "free": t.fmt(free), "free_units": free},
               f"{holder}: locked {t.fmt(pledge.amount)} (lender {pledge.lender}), free {t.fmt(free)}")


# ------------------------------------------------------------------------------------------------ proceeds
def _vault(s: Session, address: str):
    from ..contracts.proceeds import ProceedsVault
    from ..contracts.stablecoin import ERC20

    op = s.operator(need_record=False)
    vault = ProceedsVault(op.tx, address, op.account)
    return vault, ERC20(op.tx, vault.asset(), op.account)


@proceeds_app.command("deposit")
def proceeds_deposit(ctx: typer.Context,
                     amount: str = AmountArg,
                     memo: str = typer.Option("", help="subscription round / payment reference"),
                     vault: str = VaultOpt) -> None:
    """Deposit AMOUNT (stablecoin units, decimal) of proceeds; approves the vault first if needed."""
    from ..primitives.units import to_units
    from ..services.trading import deposit_proceeds

    s = session(ctx)
    v, asset = _vault(s, vault)
    receipt = deposit_proceeds(v, asset, to_units(amount, asset.decimals()), memo)
    s.out.emit({"tx": receipt.tx_hash}, f"[green]deposited[/] {amount} {tx_line(receipt)}")


@proceeds_app.command("withdraw")
def proceeds_withdraw(ctx: typer.Context,
                      purpose: str, amount: str = AmountArg, to: str = typer.Argument(...),
                      memo: str = typer.Option(..., help="invoice / payment-order reference (required)"),
                      vault: str = VaultOpt) -> None:
    """Withdraw AMOUNT for a registered PURPOSE to TO (treasurer); refused beyond the filed cap."""
    from ..primitives.units import to_units

    s = session(ctx)
    v, asset = _vault(s, vault)
    receipt = v.withdraw(purpose, to_units(amount, asset.decimals()), to, memo)
    s.out.emit({"tx": receipt.tx_hash}, f"[green]withdrew[/] {amount} for {purpose} to {to} {tx_line(receipt)}")


@proceeds_app.command("report")
def proceeds_report_cmd(ctx: typer.Context,
                        filing: Optional[Path] = typer.Option(
        None, help="JSON {purpose: cap} from the filing, caps as decimal stablecoin amounts"),
        vault: str = VaultOpt) -> None:
    """Proceeds by purpose against the filing: caps, withdrawn, remaining, discrepancies, references."""
    from ..primitives.units import format_units, to_units
    from ..services.trading import proceeds_report

    s = session(ctx)
    v, asset = _vault(s, vault)
    d = asset.decimals()
    caps = None
    if filing is not None:
        try:
            filed = json.loads(filing.read_text())
            caps = {k: to_units(str(Decimal(str(val))), d, f"{filing.name}: {k}") for k, val in filed.items()}
        except (OSError, ValueError, AttributeError, ArithmeticError) as exc:
            raise ConfigError(f"{filing}: expected a JSON object of purpose -> cap ({exc})") from None
    report = proceeds_report(v, caps)
    lines = [f"deposited {format_units(report.deposited, d)}, withdrawn {format_units(report.withdrawn, d)}, "
             f"balance {format_units(report.balance, d)}"]
    for line in report.lines:
        filed = "-" if line.filed_cap is None else format_units(line.filed_cap, d)
        lines.append(f"  {line.purpose:<24} filed {filed:>14}  cap {format_units(line.onchain_cap, d):>14}  "
                     f"withdrawn {format_units(line.withdrawn, d):>14}  {line.status}")
    s.out.emit(report.as_dict(), "\n".join(lines))
    if not report.ok:
        raise typer.Exit(3)


def approve(ctx: typer.Context) -> None:
    """Approve a settlement contract to move tokens of the signing wallet (to be written)."""
    raise ConfigError("rwa approve: not yet available")
