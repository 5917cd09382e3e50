"""`rwa report ...`: reports from the local event index (CSV, JSON or Markdown)."""
from __future__ import annotations

import json
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
DISTRIBUTION_TERMS = ("paid", "tax", "escrowed", "released", "returned", "unclaimed", "remainder")


def _write(out: Output, rows: list, fmt: str, file: Optional[Path], report: str = "") -> None:
    """The rows as the chosen format, to the terminal or a file; under --json always one JSON object."""
    from ..reporting.reports import json_rows, render

    if fmt not in ("csv", "json", "markdown", "md"):
        raise ConfigError(f"--format must be csv, json or markdown, not {fmt!r}")
    text = render(rows, fmt)
    if file:
        file.write_text(text)
        out.emit({"report": report, "rows": len(rows), "file": str(file)},
                 f"[green]wrote[/] {len(rows)} rows to {file}")
    elif out.json:
        out.emit({"report": report, "rows": json_rows(rows)})
    else:
        print(text, end="")


def _token_report(s: Session, report, name: str, token: Optional[str], at: Optional[str], fmt: str,
                  file: Optional[Path]) -> None:
    from ..reporting.records import investor_ids
    from ..services.holders import offering_index

    op = s.operator()
    symbol, address = op.record.token(token)
    at_block = int(at) if at and at.isdigit() else at
    extra = {"ids": investor_ids(op)} if name == "captable" else {}
    rows = report(offering_index(op, s.out.track), address, op.record.decimals.get(symbol, 18), at=at_block,
                  registry=op.record.registry, **extra)
    _write(s.out, rows, fmt, file, name)


@report_app.command("captable")
def report_captable(ctx: typer.Context, token: Optional[str] = TokenOpt, at: Optional[str] = AtOpt,
                    distribution: Optional[int] = typer.Option(
                        None, "--distribution", min=1, help="at this distribution's record date (its snapshot)"),
                    fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """Holders with their investor id, country, category, balance and share (now, at a block or date, or at a
    distribution's record date)."""
    from ..reporting.records import captable_at_distribution
    from ..reporting.reports import captable
    from ..services.holders import offering_index

    s = session(ctx)
    if distribution is None:
        return _token_report(s, captable, "captable", token, at, fmt, out)
    if at is not None:
        raise ConfigError("give either --at or --distribution, not both")
    op = s.operator()
    rows = captable_at_distribution(op, offering_index(op, s.out.track), distribution, token)
    _write(s.out, rows, fmt, out, "captable")


@report_app.command("jurisdictions")
def report_jurisdictions(ctx: typer.Context, token: Optional[str] = TokenOpt, at: Optional[str] = AtOpt,
                         fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """Investors, wallets and holdings per country."""
    from ..reporting.reports import jurisdictions

    _token_report(session(ctx), jurisdictions, "jurisdictions", token, at, fmt, out)


@report_app.command("distribution")
def report_distribution(ctx: typer.Context, distribution_id: int = typer.Argument(..., min=1),
                        fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """One distribution: its record date (time, block, snapshot), where every unit of the funded amount went
    (funded = paid + tax + escrowed + released + returned + unclaimed + remainder, checked against the
    distributor's totals) and each record-date holder's line, in the payment token's units."""
    from ..reporting.records import distribution_statement
    from ..reporting.reports import json_rows
    from ..services.holders import offering_index

    s = session(ctx)
    op = s.operator()
    summary, rows = distribution_statement(op, offering_index(op, s.out.track), distribution_id)
    if s.out.json or (fmt == "json" and not out):
        data = {"distribution": summary, "holders": json_rows(rows)}
        return s.out.emit(data) if s.out.json else print(json.dumps(data, indent=2))
    if fmt in ("markdown", "md") or out:  # (a CSV on the terminal stays a CSV: its terms are in --json)
        terms = " + ".join(f"{k} {summary[k]}" for k in DISTRIBUTION_TERMS)
        s.out.say(f"distribution {distribution_id} of {summary['token']} in {summary['payment_token']}: record date "
                  f"{summary['record_time']} (block {summary['record_block']}, snapshot {summary['snapshot_id']})\n"
                  f"funded {summary['funded']} = {terms}" + ("" if summary["adds_up"] and summary["exact"] else
                  "\n[red]does not reconcile:[/] " + "; ".join(summary["problems"] or ["terms do not add up"])))
    _write(s.out, rows, fmt, out, "distribution")


@report_app.command("audit")
def report_audit(ctx: typer.Context, address: Optional[str] = typer.Option(None, help="only this contract"),
                 fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """Every event of every contract of the offering in chain order: block, time, transaction, contract name,
    event, actor, wallet and counterparty (with the issuer's investor ids), amount in token units and readable
    details (role, country, purpose and document names); in `note`, agents' rule overrides and the spec changes
    `rwa apply` sent, with the document each was made under."""
    from ..reporting.records import offering_audit
    from ..reporting.reports import apply_notes, override_notes
    from ..services.holders import offering_index

    s = session(ctx)
    op = s.operator()
    if address:
        op.record.contract_named(address)  # an address that is not the offering's is an error, not an empty report
    notes = {**apply_notes(op.journal("apply").entries()), **override_notes(op.override_journal().entries())}
    _write(s.out, offering_audit(op, offering_index(op, s.out.track), address, notes), fmt, out, "audit")
