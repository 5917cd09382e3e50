"""`rwa investors ...`: the investor lifecycle: import a CSV (new, changed and refused rows), list, show, update,
renew, remove, freeze."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .base import DryRunOpt, Output, YesOpt, session, tx_line

investors_app = typer.Typer(no_args_is_help=True, help="The offering's investors: import a CSV, list, show, update, "
                            "renew, remove, freeze.")

WhoArg = typer.Argument(..., help="a wallet address or the issuer's investor id (e.g. INV-00017)")


@investors_app.command("import")
def investors_import(
    ctx: typer.Context,
    csv_file: Path = typer.Argument(..., help="investors CSV: wallet,investor_id,country,category,kyc_expiry"),
    batch_size: int = typer.Option(200, min=1, max=500, help="wallets per registration transaction"),
    refused_out: Optional[Path] = typer.Option(None, help="write refused rows with reasons here "
                                               "(default: <state>/refused/<csv>.refused.csv)"),
    dry_run: bool = DryRunOpt,
) -> None:
    """Register new rows, apply changed ones (KYC renewal, category or country change) and skip identical ones
    (resumable); refused rows go to a file with their reasons."""
    from ..inputs.investors_csv import load_investors_csv
    from ..services.onboarding import import_investor_file, refused_path, write_refused

    s = session(ctx)
    file = load_investors_csv(csv_file)
    op = s.operator()
    with s.out.track("registering investors") as advance:
        report = import_investor_file(op, file, batch_size, progress=advance, dry_run=dry_run)
    out = write_refused(report, refused_out or refused_path(op, csv_file))
    verbs = ("would register", "would link", "would update") if dry_run else ("registered", "linked", "updated")
    s.out.emit({"dry_run": dry_run, "registered": report.registered, "linked_wallets": report.linked,
                "updated": len(report.updated), "already_done": report.already_done,
                "refused": len(report.refused), "batches": report.batches, "gas_used": report.gas_used,
                "seconds": round(report.seconds, 2), "refused_file": str(out) if out else None,
                "updates": [{"wallet": c.wallet, "line": c.line,
                             "changes": {k: {"from": a, "to": b} for k, (a, b) in c.fields.items()}}
                            for c in report.updated]},
               f"[green]{verbs[0]}[/] {report.registered} investors, {verbs[1]} {report.linked} extra wallets, "
               f"{verbs[2]} {len(report.updated)}, {report.already_done} already done, "
               f"[yellow]{len(report.refused)} refused[/]" + (f" (reasons in {out})" if out else "")
               + (" (nothing sent)" if dry_run else f" in {report.seconds:.1f}s"))
    if report.updated:
        s.out.say(f"{verbs[2]} {len(report.updated)}:")
    for c in report.updated[:20]:
        s.out.say(f"  {c.wallet} (line {c.line}): {c.describe()}")
    _more(s.out, len(report.updated) - 20, "updated rows", "--json")
    for r in report.refused[:10]:
        s.out.say(f"  line {r.line}: {r.reason}")
    _more(s.out, len(report.refused) - 10, "refused rows", str(out))


def _more(out: Output, left: int, what: str, where: str) -> None:
    if left > 0:
        out.say(f"  … {left} more {what} in {where}")


@investors_app.command("list")
def investors_list(
    ctx: typer.Context,
    country: Optional[str] = typer.Option(None, "--country", help="only investors of this country (HK, HKG, 344)"),
    category: Optional[str] = typer.Option(None, "--category", help="only investors holding this category"),
    expiring_before: Optional[str] = typer.Option(None, "--expiring-before",
                                                  help="only KYC expiring before this date (YYYY-MM-DD)"),
    fmt: str = typer.Option("markdown", "--format", "-f", help="csv, json or markdown"),
) -> None:
    """Every registered wallet: issuer id, investor key, country, category, KYC expiry, status (verified, expired,
    frozen) and balance per token."""
    from ..primitives.errors import ConfigError
    from ..reporting.reports import render
    from ..services.investors import list_investors

    s = session(ctx)
    if fmt not in ("csv", "json", "markdown", "md"):
        raise ConfigError(f"--format must be csv, json or markdown, not {fmt!r}")
    op = s.operator()
    views = list_investors(op, country, category, expiring_before, track=s.out.track)
    if s.out.json:
        s.out.emit({"investors": [v.data(op.record.decimals) for v in views]})
    else:
        print(render([v.row(op.record.decimals) for v in views], fmt), end="")


@investors_app.command("show")
def investors_show(ctx: typer.Context, who: str = WhoArg) -> None:
    """Everything about one investor: its wallets, on-chain key and id, issuer id, country, category, KYC expiry,
    freezes and balances per token."""
    from ..services.investors import show_investor

    s = session(ctx)
    op = s.operator()
    view = show_investor(op, who)
    decimals = op.record.decimals
    lines = [f"investor {view.issuer_id or '(issuer id not known here)'}",
             f"  investor key {view.investor_key}"
             + (f", investor id {view.investor_id}" if view.investor_id else "")]
    for w in view.wallets:
        row = w.row(decimals)
        held = ", ".join(f"{row[f'balance_{sym}']} {sym}" for sym in w.balances) or "no tokens"
        lines.append(f"  {w.wallet}: {row['country']} {row['category']}, KYC until {row['kyc_expiry']}, "
                     f"[bold]{w.status}[/]" + (f" on {', '.join(w.frozen_on)}" if w.frozen_on else "")
                     + (" (the registry's sanction flag)" if w.registry_frozen else "") + f"; holds {held}")
    s.out.emit({"issuer_id": view.issuer_id, "investor_key": view.investor_key, "investor_id": view.investor_id,
                "wallets": [w.data(decimals) for w in view.wallets]}, "\n".join(lines))


def _show_update(out: Output, result, dry_run: bool, what: str, done: str) -> None:
    data = {"dry_run": dry_run, "tx": result.receipt.tx_hash if result.receipt else None,
            "changes": [{"wallet": c.wallet, "changes": {k: {"from": a, "to": b} for k, (a, b) in c.fields.items()}}
                        for c in result.changes]}
    if not result.changes:
        out.emit(data, f"nothing to {what}: the registry already holds these terms")
        return
    head = (f"[green]would {what}[/] (nothing sent)" if dry_run
            else f"[green]{done}[/] {tx_line(result.receipt)}")
    out.emit(data, head + "".join(f"\n  {c.wallet}: {c.describe()}" for c in result.changes))


@investors_app.command("update")
def investors_update(
    ctx: typer.Context, who: str = WhoArg,
    country: Optional[str] = typer.Option(None, "--country", help="new country (HK, HKG or 344)"),
    category: Optional[str] = typer.Option(None, "--category", help="new categories, e.g. professional|institutional"),
    kyc_expiry: Optional[str] = typer.Option(None, "--kyc-expiry", help="new KYC expiry: the last valid day"),
    dry_run: bool = DryRunOpt,
) -> None:
    """Change an investor's country, category or KYC expiry (on every wallet of the investor, one transaction)."""
    from ..services.investors import update_investor

    s = session(ctx)
    _show_update(s.out, update_investor(s.operator(), who, country, category, kyc_expiry, dry_run), dry_run,
                 "update", "updated")


@investors_app.command("renew")
def investors_renew(ctx: typer.Context, who: str = WhoArg,
                    until: str = typer.Option(..., "--until", help="the new last valid day of the KYC check"),
                    dry_run: bool = DryRunOpt) -> None:
    """KYC renewal: the investor's KYC is valid until DATE (on every wallet of the investor)."""
    from ..services.investors import renew_kyc

    s = session(ctx)
    _show_update(s.out, renew_kyc(s.operator(), who, until, dry_run), dry_run, "renew", "renewed")


@investors_app.command("remove")
def investors_remove(ctx: typer.Context, wallet: str = typer.Argument(..., help="the wallet to remove"),
                     dry_run: bool = DryRunOpt) -> None:
    """Remove a wallet from the registry (refused while it holds tokens: move them first)."""
    from ..services.investors import remove_wallet

    s = session(ctx)
    receipt = remove_wallet(s.operator(), wallet, dry_run)
    if receipt is None:
        s.out.emit({"dry_run": True, "wallet": wallet}, f"[green]would remove[/] {wallet} (nothing sent)")
        return
    s.out.emit({"dry_run": False, "wallet": wallet, "tx": receipt.tx_hash},
               f"[green]removed[/] {wallet} from the registry {tx_line(receipt)}")


@investors_app.command("freeze")
def investors_freeze(ctx: typer.Context, who: str = WhoArg,
                     unfreeze: bool = typer.Option(False, "--unfreeze", help="lift the freeze instead"),
                     registry: bool = typer.Option(False, "--registry", help="set (or clear) the registry's "
                                                   "sanction flag instead of each token's freeze"),
                     yes: bool = YesOpt, dry_run: bool = DryRunOpt) -> None:
    """Agent power: freeze (or --unfreeze) every wallet of an investor on every token of the offering, or with
    --registry through the registry's sanction flag; asks before freezing unless --yes."""
    from ..services.investors import freeze_investor, investor_wallets

    s = session(ctx)
    op = s.operator()
    verb, done = ("unfreeze", "unfrozen") if unfreeze else ("freeze", "frozen")
    _, wallets = investor_wallets(op, who)  # an unknown investor is an error before anything is asked
    if not dry_run and not unfreeze:
        s.out.confirm(f"freeze {who} ({len(wallets)} wallet{'s' if len(wallets) > 1 else ''}) on "
                      + ("the registry" if registry else ", ".join(op.record.tokens)), yes)
    result = freeze_investor(op, who, not unfreeze, dry_run, registry, wallets)
    pairs = [f"{w} on {sym}" for w, sym in result.done]
    head = (f"nothing to {verb}: already {done}" if not pairs else
            f"[green]would {verb}[/] {', '.join(pairs)} (nothing sent)" if dry_run else
            f"[green]{done}[/] {', '.join(pairs)}")
    s.out.emit({"dry_run": dry_run, "frozen": not unfreeze,
                "done": [{"wallet": w, "on": on} for w, on in result.done],
                "already": [{"wallet": w, "on": on} for w, on in result.already],
                "tx": [r.tx_hash for r in result.receipts]}, head)
