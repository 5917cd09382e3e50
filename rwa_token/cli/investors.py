"""`rwa investors ...`: onboard investors into the offering's registry."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .base import session

investors_app = typer.Typer(no_args_is_help=True, help="Onboard investors into the offering's registry.")


@investors_app.command("import")
def investors_import(
    ctx: typer.Context,
    csv_file: Path = typer.Argument(..., help="investors CSV: wallet,investor_id,country,category,kyc_expiry"),
    batch_size: int = typer.Option(200, min=1, max=500, help="wallets per registration transaction"),
    refused_out: Optional[Path] = typer.Option(None, help="write refused rows with reasons here "
                                               "(default: <state>/refused/<csv>.refused.csv)"),
) -> None:
    """Register every valid row (resumable); refused rows go to a file with their reasons."""
    from ..inputs.investors_csv import load_investors_csv
    from ..services.onboarding import import_investor_file, refused_path, write_refused

    s = session(ctx)
    file = load_investors_csv(csv_file)
    op = s.operator()
    with s.out.track("registering investors") as advance:
        report = import_investor_file(op, file, batch_size, progress=advance)
    out = write_refused(report, refused_out or refused_path(op, csv_file))
    s.out.emit({"registered": report.registered, "linked_wallets": report.linked,
                "already_done": report.already_done, "refused": len(report.refused), "batches": report.batches,
                "gas_used": report.gas_used, "seconds": round(report.seconds, 2),
                "refused_file": str(out) if out else None},
               f"[green]registered[/] {report.registered} investors, linked {report.linked} extra wallets, "
               f"{report.already_done} already done, [yellow]{len(report.refused)} refused[/]"
               + (f" (reasons in {out})" if out else "") + f" in {report.seconds:.1f}s")
    for r in report.refused[:10]:
        s.out.say(f"  line {r.line}: {r.reason}")
    if len(report.refused) > 10:
        s.out.say(f"  … {len(report.refused) - 10} more in {out}")
