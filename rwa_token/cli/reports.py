"""`rwa report ...`: reports from the local event index (CSV, JSON or Markdown)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..primitives.errors import ConfigError
from .base import Output, Session, TokenOpt, session

report_app = typer.Typer(no_args_is_help=True, help="Reports from the local event index: cap table, "
                         "jurisdictions, distributions, audit trail (CSV, JSON or Markdown).")

AtOpt = typer.Option(None, "--at", help="a block number or an ISO date (end of that UTC day)")
FormatOpt = typer.Option("markdown", "--format", "-f", help="csv, json or markdown")
OutOpt = typer.Option(None, "--out", help="write the report to this file instead of printing it")


def _write(out: Output, rows: list, fmt: str, file: Optional[Path]) -> None:
    from ..reporting.reports import render

    if fmt not in ("csv", "json", "markdown", "md"):
        raise ConfigError(f"--format must be csv, json or markdown, not {fmt!r}")
    text = render(rows, fmt)
    if file:
        file.write_text(text)
        out.emit({"rows": len(rows), "file": str(file)}, f"[green]wrote[/] {len(rows)} rows to {file}")
    else:
        print(text)


def _token_report(s: Session, report, token: Optional[str], at: Optional[str], fmt: str,
                  file: Optional[Path]) -> None:
    from ..services.holders import offering_index

    op = s.operator()
    symbol, address = op.record.token(token)
    at_block = int(at) if at and at.isdigit() else at
    rows = report(offering_index(op, s.out.track), address, op.record.decimals.get(symbol, 18), at=at_block,
                  registry=op.record.registry)
    _write(s.out, rows, fmt, file)


@report_app.command("captable")
def report_captable(ctx: typer.Context, token: Optional[str] = TokenOpt, at: Optional[str] = AtOpt,
                    fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """Holders with their country, category, balance and share (now, or at a block or date)."""
    from ..reporting.reports import captable

    _token_report(session(ctx), captable, token, at, fmt, out)


@report_app.command("jurisdictions")
def report_jurisdictions(ctx: typer.Context, token: Optional[str] = TokenOpt, at: Optional[str] = AtOpt,
                         fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """Investors, wallets and holdings per country."""
    from ..reporting.reports import jurisdictions

    _token_report(session(ctx), jurisdictions, token, at, fmt, out)


@report_app.command("distribution")
def report_distribution(ctx: typer.Context, distribution_id: int, fmt: str = FormatOpt,
                        out: Optional[Path] = OutOpt,
                        payment_decimals: int = typer.Option(6, help="decimals of the payment token")) -> None:
    """Per-holder gross, tax, net, escrowed and released amounts of one distribution, with totals."""
    from ..reporting.reports import distribution_report
    from ..services.holders import offering_index

    s = session(ctx)
    op = s.operator()
    if not op.record.distributor:
        raise ConfigError("this offering has no distributor")
    _write(s.out, distribution_report(offering_index(op, s.out.track), op.record.distributor, distribution_id,
                                      payment_decimals, registry=op.record.registry), fmt, out)


@report_app.command("audit")
def report_audit(ctx: typer.Context, address: Optional[str] = typer.Option(None, help="only this contract"),
                 fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """Every event of the offering in chain order, one readable line each; agents' rule overrides in `note`."""
    from ..reporting.reports import audit_trail, override_notes
    from ..services.holders import offering_index

    s = session(ctx)
    op = s.operator()
    if address:
        op.record.contract_named(address)  # an address that is not the offering's is an error, not an empty report
    notes = override_notes(op.override_journal().entries())
    _write(s.out, audit_trail(offering_index(op, s.out.track), address, decimals=op.decimals_by_address(),
                              notes=notes), fmt, out)
