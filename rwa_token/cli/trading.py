"""`rwa trade`, `rwa collateral`, `rwa proceeds`, `rwa approve`: thin commands over `rwa_token.services.trading`.

The DvP settlement contract, the token's collateral manager and the proceeds vault are the offering's modules from
its deployment record (`rwa deploy`/`rwa apply` with a `modules:` section); `--dvp`, `--manager` and `--vault` (or
$RWA_DVP, $RWA_COLLATERAL, $RWA_PROCEEDS_VAULT) name another. The files the commands exchange are described in
FILE_FORMATS, which docs/cli.md includes.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from ..primitives.errors import ConfigError
from .base import AmountArg, DryRunOpt, Session, TokenOpt, YesOpt, plain_amount, session, tx_line

FILE_FORMATS = """
### Trade files

A trade goes: `rwa trade new` writes the file; each party runs `rwa trade sign` on it with its own key, and `rwa
approve` for its leg (the seller the security token, the buyer the payment token); then anyone runs `rwa trade
check` (no transaction) and `rwa trade settle`. Either party may `rwa trade cancel` it before it settles.

```json
{"format": "rwa-trade/1", "chain_id": 31337, "dvp": "0x...",
 "trade": {"seller": "0x...", "buyer": "0x...", "securityToken": "0x...", "securityAmount": "100000000",
           "paymentToken": "0x...", "paymentAmount": "10150000000", "nonce": "9418305514571624131",
           "expiry": 1790000000, "feeBps": 10},
 "terms": {"security": "HSTOLLA", "security_amount": "100", "security_decimals": 6, "payment": "USDC",
           "payment_amount": "10150", "payment_decimals": 6, "price": "101.5", "expiry": "2026-09-18T10:00:00Z",
           "fee_bps": 10},
 "seller_signature": "0x...", "buyer_signature": ""}
```

- `trade` is exactly what both parties sign (EIP-712, domain "RWA DvP Settlement" version 1 on `chain_id` and the
  DvP contract `dvp`): the amounts and the nonce in base units as decimal strings (JSON numbers are accepted too),
  `expiry` in unix seconds, `feeBps` the platform fee taken from the payment leg (at most 500).
- `terms` repeats it for people: symbols, amounts in token units, the price per token, the expiry in UTC. It must
  agree with `trade`; a file whose terms disagree is refused.
- A signature is `""` until its party signs; a party that sends the settlement itself needs none.
- The nonce is the seller's: settling or cancelling as the seller uses it up, for every trade signed with it.
  `rwa trade new` picks a random one unused on the DvP, so two open trades never share one.
- A file of the earlier format, `{"trade": {...}, "seller_signature": "0x...", "buyer_signature": "0x..."}`, still
  loads; its DvP comes from `--dvp` or the deployment record.

### Pledge files

`rwa collateral sign-pledge` writes, and `rwa collateral lock` reads: `{"pledge": {"holder", "lender", "amount",
"nonce", "deadline"}, "manager": "0x...", "chain_id": N, "signature": "0x..."}`, the amount in base units.
"""

trade_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Delivery-versus-payment settlement.")
collateral_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Collateral pledges for margin.")
proceeds_app = typer.Typer(add_completion=False, no_args_is_help=True, help="Use-of-proceeds vault.")

DvpOpt = typer.Option(None, "--dvp", envvar="RWA_DVP", help="DvPSettlement address (default: the offering's)")
ManagerOpt = typer.Option(None, "--manager", envvar="RWA_COLLATERAL",
                          help="CollateralManager address (default: the token's, from the offering)")
VaultOpt = typer.Option(None, "--vault", envvar="RWA_PROCEEDS_VAULT",
                        help="ProceedsVault address (default: the offering's)")
TradeFileArg = typer.Argument(..., help="trade file (`rwa trade new`)")


def _trade(s: Session, file: Path, dvp: Optional[str]):
    """The operator, the trade file and the DvP it is for."""
    from ..services.trading import load_trade_file, trade_dvp

    trade_file = load_trade_file(file)
    op = s.operator(need_record=not (dvp or trade_file.dvp))  # the record only to find the DvP
    return op, trade_file, trade_dvp(op, trade_file, dvp)


def _problems(result) -> str:
    return "".join(f"\n  - {p}" for p in result.problems)


# ------------------------------------------------------------------------------------------------ trade
@trade_app.command("new")
def trade_new(ctx: typer.Context,
              seller: str = typer.Option(..., "--seller", help="the seller's wallet"),
              buyer: str = typer.Option(..., "--buyer", help="the buyer's wallet"),
              amount: str = typer.Option(..., "--amount", callback=plain_amount, help="security tokens sold, in "
                                         "token units (a plain decimal)"),
              price: Optional[str] = typer.Option(None, "--price", callback=plain_amount, help="payment per security "
                                                  "token, in payment-token units (or --payment-amount)"),
              payment_amount: Optional[str] = typer.Option(None, "--payment-amount", callback=plain_amount,
                                                           help="the whole payment, in payment-token units"),
              payment: Optional[str] = typer.Option(None, "--payment", help="payment token symbol (default: the "
                                                    "offering's first)"),
              expiry: str = typer.Option("1d", "--expiry", help="how long the parties have: 1d, 12h, 30m, or an ISO "
                                         "date/time (UTC)"),
              fee_bps: int = typer.Option(0, "--fee-bps", min=0, max=500, help="platform fee in basis points of the "
                                          "payment, paid by the buyer's leg to the DvP's fee recipient"),
              nonce: Optional[int] = typer.Option(None, "--nonce", min=0, help="the seller's nonce (default: a fresh "
                                                  "random one unused on the DvP)"),
              out: Path = typer.Option(..., "--out", help="write the unsigned trade file here (refused if it exists)"),
              token: Optional[str] = TokenOpt, dvp: Optional[str] = DvpOpt) -> None:
    """Write an unsigned trade file: SELLER delivers AMOUNT of the security token to BUYER against payment. Amounts
    are checked at each token's decimals; nothing is sent. Each party then runs `rwa trade sign` on the file."""
    from ..services.trading import new_trade, save_trade_file, settlement, trade_digest

    s = session(ctx)
    if out.exists():
        raise ConfigError(f"{out} exists; choose another --out (a trade file may hold a party's signature)")
    op = s.operator()
    contract = settlement(op, dvp)
    made = new_trade(op, contract, seller, buyer, amount, token=token, payment=payment, price=price,
                     payment_amount=payment_amount, expiry=expiry, fee_bps=fee_bps, nonce=nonce)
    save_trade_file(out, made)
    digest = "0x" + trade_digest(made.trade, op.chain.chain_id, contract.address).hex()
    t = made.terms
    s.out.emit({"file": str(out), "trade_hash": digest, **made.to_dict()},
               f"[green]wrote[/] {out}: {t['security_amount']} {t['security']} from {made.trade.seller} to "
               f"{made.trade.buyer} for {t['payment_amount']} {t['payment']} (price {t['price']}, fee "
               f"{t['fee_bps']} bps, nonce {made.trade.nonce}, expires {t['expiry']}); next: each party runs "
               f"`rwa trade sign {out}`")


@trade_app.command("sign")
def trade_sign(ctx: typer.Context, file: Path = TradeFileArg, dvp: Optional[str] = DvpOpt) -> None:
    """Sign the trade in FILE as whichever party the signing key is (seller or buyer) and write the signature into
    the file. Sends nothing."""
    from ..services.trading import save_trade_file, sign_trade_file

    s = session(ctx)
    op, trade_file, contract = _trade(s, file, dvp)
    role = sign_trade_file(trade_file, op.account, contract)
    save_trade_file(file, trade_file)
    other = "buyer" if role == "seller" else "seller"
    waiting = "" if getattr(trade_file.signed, f"{other}_signature") else f"; the {other} still has to sign"
    s.out.emit({"file": str(file), "signed_as": role, "signer": op.account.address},
               f"[green]signed[/] {file} as the {role} {op.account.address}{waiting}")


@trade_app.command("check")
def trade_check(ctx: typer.Context, file: Path = TradeFileArg, dvp: Optional[str] = DvpOpt) -> None:
    """Say whether a trade would settle now, and every reason it would not: signatures missing or invalid,
    balances or approvals short, the token's rule refusal (code and name), expiry, nonce used (no transaction).
    Exit 3 when it would not settle."""
    from ..services.trading import check_trade

    s = session(ctx)
    op, trade_file, contract = _trade(s, file, dvp)
    result = check_trade(contract, trade_file.signed, caller=op.account.address)
    s.out.emit(result.as_dict(), f"[green]would settle[/] {result.trade_hash}" if result.ok
               else f"[red]would not settle[/] {result.trade_hash}{_problems(result)}")
    if not result.ok:
        raise typer.Exit(3)


@trade_app.command("settle")
def trade_settle(ctx: typer.Context,
                 files: List[Path] = typer.Argument(..., help="one or more trade files (several = one batch)"),
                 dvp: Optional[str] = DvpOpt, dry_run: bool = DryRunOpt) -> None:
    """Settle one trade, or several in one batch. Each is checked first: one trade that would not settle is refused
    with every reason, nothing sent; in a batch, such trades are reported and left out, and the rest settle."""
    from ..services.trading import load_trade_file, plan_batch, settle_batch, settle_trade, trade_dvp

    s = session(ctx)
    trade_files = [load_trade_file(f) for f in files]
    op = s.operator(need_record=not (dvp or all(tf.dvp for tf in trade_files)))  # one connection for the batch
    contracts = [trade_dvp(op, tf, dvp) for tf in trade_files]
    contract = contracts[0]
    if any(c.address != contract.address for c in contracts):
        raise ConfigError("the trade files are for different DvP contracts; settle them separately")
    signed = [tf.signed for tf in trade_files]
    if len(signed) == 1:
        receipt = settle_trade(contract, signed[0], dry_run=dry_run)
        s.out.emit({"dry_run": True, "settled": 0} if receipt is None else
                   {"tx": receipt.tx_hash, "settled": 1, "gas_used": receipt.gas_used},
                   "dry run: the trade would settle; nothing sent" if receipt is None
                   else f"[green]settled[/] {tx_line(receipt)}")
        return
    plan = plan_batch(contract, signed)
    refused = "".join(f"\n  {h}: {'; '.join(p)}" for h, p in plan.refused.items())
    if dry_run or not plan.ready:
        s.out.emit({"dry_run": dry_run, "would_settle": len(plan.ready), "refused": plan.refused},
                   f"{'dry run: ' if dry_run else ''}would settle {len(plan.ready)}, refused {len(plan.refused)}; "
                   f"nothing sent{refused}")
    else:
        outcome = settle_batch(contract, plan.ready)
        failed = {h: str(e) for h, e in outcome.failed.items()}
        s.out.emit({"settled": outcome.settled, "failed": failed, "refused": plan.refused},
                   f"[green]settled[/] {len(outcome.settled)}, [red]failed[/] {len(failed)}, refused before sending "
                   f"{len(plan.refused)}" + "".join(f"\n  {h}: {e}" for h, e in failed.items()) + refused)
        if failed:
            raise typer.Exit(3)
    if plan.refused:
        raise typer.Exit(3)


@trade_app.command("cancel")
def trade_cancel(ctx: typer.Context, file: Path = TradeFileArg, dvp: Optional[str] = DvpOpt,
                 dry_run: bool = DryRunOpt) -> None:
    """Cancel a trade as the signing key's party: the seller uses up the trade's nonce (every trade signed with it),
    the buyer cancels this exact trade."""
    from ..services.trading import cancel_trade

    s = session(ctx)
    _, trade_file, contract = _trade(s, file, dvp)
    role, receipt = cancel_trade(contract, trade_file.signed, dry_run=dry_run)
    what = (f"the seller's nonce {trade_file.trade.nonce}" if role == "seller" else "this trade")
    if receipt is None:
        s.out.emit({"dry_run": True, "as": role}, f"dry run: would cancel {what} as the {role}; nothing sent")
        return
    s.out.emit({"tx": receipt.tx_hash, "as": role}, f"[green]cancelled[/] {what} as the {role} {tx_line(receipt)}")


# ------------------------------------------------------------------------------------------------ collateral
def _amounts(token, **named: int) -> dict:
    """JSON amounts: each a decimal string in token units beside its `<name>_units` integer."""
    from ..primitives.units import decimal_text

    return {k: v for name, units in named.items()
            for k, v in ((name, decimal_text(units, token.decimals)), (f"{name}_units", units))}


def _manager(s: Session, address: Optional[str], token: Optional[str]):
    from ..services.trading import collateral_manager

    op = s.operator()
    return op.token(token), collateral_manager(op, address, token)


@collateral_app.command("sign-pledge")
def collateral_sign_pledge(
    ctx: typer.Context,
    lender: str, amount: str = AmountArg,
    out: Path = typer.Option(..., "--out", help="write the signed pledge here (JSON) for the lender"),
    valid_for: int = typer.Option(3_600, "--valid-for", min=60, help="seconds the lender has to submit it"),
    manager: Optional[str] = ManagerOpt, token: Optional[str] = TokenOpt,
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
                      lender: str, amount: str = AmountArg, manager: Optional[str] = ManagerOpt,
                      token: Optional[str] = TokenOpt,
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
    s.out.emit({"tx": receipt.tx_hash, **_amounts(t, locked=m.locked_of(holder))},
             f"[green]pledged[/] {amount} of {holder} to {lender} {tx_line(receipt)}")


@collateral_app.command("lock")
def collateral_lock(ctx: typer.Context,
                    pledge_file: Path = typer.Argument(..., help="the holder's signed pledge "
                                                       "(`rwa collateral sign-pledge`)"),
                    manager: Optional[str] = ManagerOpt, token: Optional[str] = TokenOpt,
                    dry_run: bool = DryRunOpt) -> None:
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
        s.out.emit({"dry_run": True, "holder": c.holder, **_amounts(t, amount=c.amount)},
                 f"[green]would lock[/] {t.fmt(c.amount)} of {c.holder} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash, "holder": c.holder, **_amounts(t, locked=m.locked_of(c.holder))},
             f"[green]locked[/] {t.fmt(c.amount)} of {c.holder} with its signed pledge {tx_line(receipt)}")


@collateral_app.command("release")
def collateral_release(ctx: typer.Context,
                       holder: str, amount: str = AmountArg, manager: Optional[str] = ManagerOpt,
                       token: Optional[str] = TokenOpt,
                       dry_run: bool = DryRunOpt) -> None:
    """Release AMOUNT (tokens) of HOLDER's pledge (the lender that holds it)."""
    s = session(ctx)
    t, m = _manager(s, manager, token)
    receipt = m.release(holder, t.units(amount), dry_run=dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True}, f"[green]would release[/] {amount} of {holder} (nothing sent)")
        return
    s.out.emit({"tx": receipt.tx_hash, **_amounts(t, locked=m.locked_of(holder))},
               f"[green]released[/] {amount} of {holder} {tx_line(receipt)}")


@collateral_app.command("seize")
def collateral_seize(ctx: typer.Context,
                     holder: str, amount: str = AmountArg, to: str = typer.Argument(...),
                     manager: Optional[str] = ManagerOpt,
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
                    holder: str, manager: Optional[str] = ManagerOpt, token: Optional[str] = TokenOpt) -> None:
    """Show HOLDER's pledge: lender, locked and free amounts."""
    s = session(ctx)
    t, m = _manager(s, manager, token)
    pledge = m.pledge_of(holder)
    free = m.free_balance_of(holder)
    s.out.emit({"holder": holder, "lender": pledge.lender, **_amounts(t, locked=pledge.amount, free=free)},
               f"{holder}: locked {t.fmt(pledge.amount)} (lender {pledge.lender}), free {t.fmt(free)}")


# ------------------------------------------------------------------------------------------------ proceeds
def _vault(s: Session, address: Optional[str]):
    from ..services.trading import proceeds_vault

    return proceeds_vault(s.operator(need_record=address is None), address)


@proceeds_app.command("deposit")
def proceeds_deposit(ctx: typer.Context,
                     amount: str = AmountArg,
                     memo: str = typer.Option("", help="subscription round / payment reference"),
                     vault: Optional[str] = VaultOpt, dry_run: bool = DryRunOpt) -> None:
    """Deposit AMOUNT (stablecoin units, decimal) of proceeds; approves the vault first if needed."""
    from ..primitives.units import to_units
    from ..primitives.units import decimal_text
    from ..services.trading import deposit_proceeds

    s = session(ctx)
    v, asset = _vault(s, vault)
    units = to_units(amount, asset.decimals())
    receipt = deposit_proceeds(v, asset, units, memo, dry_run=dry_run)
    data = {"amount": decimal_text(units, asset.decimals()), "amount_units": units}
    if receipt is None:
        s.out.emit(data | {"dry_run": True}, f"dry run: would deposit {amount}; nothing sent")
        return
    s.out.emit(data | {"tx": receipt.tx_hash}, f"[green]deposited[/] {amount} {tx_line(receipt)}")


@proceeds_app.command("withdraw")
def proceeds_withdraw(ctx: typer.Context,
                      purpose: str, amount: str = AmountArg, to: str = typer.Argument(...),
                      memo: str = typer.Option(..., help="invoice / payment-order reference (required)"),
                      vault: Optional[str] = VaultOpt, dry_run: bool = DryRunOpt) -> None:
    """Withdraw AMOUNT for a registered PURPOSE to TO (treasurer); refused beyond the filed cap."""
    from ..primitives.units import address, to_units
    from ..primitives.units import decimal_text
    from ..services.trading import withdraw_proceeds

    s = session(ctx)
    v, asset = _vault(s, vault)
    units = to_units(amount, asset.decimals())
    receipt = withdraw_proceeds(v, asset, purpose, units, address(to, "to"), memo, dry_run=dry_run)
    data = {"purpose": purpose, "to": to, "amount": decimal_text(units, asset.decimals()), "amount_units": units}
    if receipt is None:
        s.out.emit(data | {"dry_run": True}, f"dry run: would withdraw {amount} for {purpose} to {to}; nothing sent")
        return
    s.out.emit(data | {"tx": receipt.tx_hash},
               f"[green]withdrew[/] {amount} for {purpose} to {to} {tx_line(receipt)}")


@proceeds_app.command("report")
def proceeds_report_cmd(ctx: typer.Context,
                        filing: Optional[Path] = typer.Option(
        None, help="JSON {purpose: cap} from the filing, caps as decimal stablecoin amounts (default: the "
        "offering spec's modules.proceeds.purposes)"),
        vault: Optional[str] = VaultOpt) -> None:
    """Proceeds by purpose against the filing (--filing, else the offering spec's purposes and caps): caps,
    withdrawn, remaining, discrepancies, references. Exit 3 when they disagree."""
    from ..primitives.units import format_units
    from ..services.trading import filing_caps, proceeds_report, proceeds_vault

    s = session(ctx)
    op = s.operator(need_record=vault is None)
    v, asset = proceeds_vault(op, vault)
    d = asset.decimals()
    caps = filing_caps(op, filing, d)
    report = proceeds_report(v, caps)
    lines = [f"deposited {format_units(report.deposited, d)}, withdrawn {format_units(report.withdrawn, d)}, "
             f"balance {format_units(report.balance, d)}"]
    for line in report.lines:
        filed = "-" if line.filed_cap is None else format_units(line.filed_cap, d)
        lines.append(f"  {line.purpose:<24} filed {filed:>14}  cap {format_units(line.onchain_cap, d):>14}  "
                     f"withdrawn {format_units(line.withdrawn, d):>14}  {line.status}")
    s.out.emit(report.as_dict(d), "\n".join(lines))
    if not report.ok:
        raise typer.Exit(3)


def approve(ctx: typer.Context,
            token: str = typer.Argument(..., help="a security or payment token symbol of the offering"),
            amount: str = AmountArg,
            spender: str = typer.Option("dvp", "--spender", help="dvp, collateral (the token's manager), proceeds, or "
                                        "an address"),
            dvp: Optional[str] = DvpOpt, manager: Optional[str] = ManagerOpt, vault: Optional[str] = VaultOpt,
            dry_run: bool = DryRunOpt) -> None:
    """Approve a module of the offering (default the DvP) to move AMOUNT (token units) of TOKEN from the signing
    wallet: the seller's security leg or the buyer's payment leg of a trade, a proceeds deposit."""
    from ..services.trading import approve_spender

    s = session(ctx)
    overrides = {"dvp": dvp, "collateral": manager, "proceeds": vault}
    done = approve_spender(s.operator(), token, amount, spender, overrides, dry_run=dry_run)
    what = f"{done.spender} ({done.spender_address})" if done.spender != done.spender_address else done.spender
    if done.receipt is None:
        s.out.emit(done.as_dict(), f"dry run: would approve {what} for {amount} {done.token}; nothing sent")
        return
    s.out.emit(done.as_dict(), f"[green]approved[/] {what} for {amount} {done.token} {tx_line(done.receipt)}")
