"""`rwa fund ...`: a tokenized fund's dealing at NAV (ERC-7540): NAV, subscriptions, redemptions, cancellations,
claims, the close of a dealing cycle, and its reports."""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Optional

import typer

from .base import DryRunOpt, YesOpt, plain_amount, session, tx_line
from .reports import FormatOpt, OutOpt, _write

fund_app = typer.Typer(no_args_is_help=True, help="A fund's dealing at NAV: NAV, subscribe, redeem, cancel, claim, "
                       "close a dealing cycle, and its reports.")
nav_app = typer.Typer(no_args_is_help=True, help="The NAV per share: publish or correct it, show it with its history.")
fund_app.add_typer(nav_app, name="nav")

AssetOpt = typer.Option(None, "--asset", "-a", help="entry asset symbol (default: the fund's first)")
ForOpt = typer.Option(None, "--for", help="the controller the request is for (default: the signer); the signer "
                      "must be its ERC-7540 operator")


def _when(seconds: int) -> str:
    from ..services.funds import utc_minute

    return utc_minute(seconds)


@nav_app.command("set")
def nav_set(ctx: typer.Context,
            nav: str = typer.Argument(..., callback=plain_amount, help="NAV per share in entry-asset units"),
            asset: Optional[str] = AssetOpt,
            as_of: Optional[str] = typer.Option(None, "--as-of", help="valuation time, ISO (default: now)"),
            correct: bool = typer.Option(False, "--correct", help="correct the latest NAV (before any cycle dealt "
                                         "at it) instead of publishing a new one"),
            dry_run: bool = DryRunOpt) -> None:
    """Publish the NAV per share (NAV_ROLE), or correct the latest one."""
    from ..services.funds import set_nav

    s = session(ctx)
    view, receipt = set_nav(s.operator(), nav, asset, as_of, correct, dry_run)
    verb = "corrected" if correct else "published"
    if receipt is None:
        s.out.emit({"dry_run": True, "nav": nav, "asset": view.asset},
                   f"dry run: the NAV {nav} {view.asset} would be {verb}; nothing sent")
        return
    s.out.emit({"nav": view.per_share, "nav_units": view.per_share_units, "asset": view.asset, "as_of": view.as_of,
                "tx": receipt.tx_hash}, f"[green]{verb}[/] NAV {view.per_share} {view.asset} valued "
               f"{_when(view.as_of)} {tx_line(receipt)}")


@nav_app.command("show")
def nav_show(ctx: typer.Context, asset: Optional[str] = AssetOpt,
             history: bool = typer.Option(True, help="with every NAV published or corrected"),
             fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """The latest NAV (its age against the staleness bound) and its history."""
    from ..reporting.fund import nav_history
    from ..services.funds import fund_report_inputs, show_nav

    s = session(ctx)
    op = s.operator()
    view = show_nav(op, asset)
    state = "fresh" if view.fresh else "[red]stale[/]" if view.per_share_units else "[red]none yet[/]"
    s.out.say(f"NAV {view.per_share} {view.asset} valued {_when(view.as_of) if view.as_of else '-'} ({state}, "
              f"valid {view.max_age_seconds // 3600} h){' - a cycle dealt at it' if view.used else ''}")
    if not history:
        s.out.emit(asdict(view) | {"fresh": view.fresh})
        return
    index, vault, decimals = fund_report_inputs(op, asset, s.out.track)
    _write(s.out, nav_history(index, vault, decimals), fmt, out, "fund-nav")


@fund_app.command("status")
def status(ctx: typer.Context, asset: Optional[str] = AssetOpt) -> None:
    """The open dealing cycle, its cut-off, the NAV, the terms, what is pending and the cash held."""
    from ..services.funds import fund_status

    st = fund_status(session(ctx).operator(), asset)
    session(ctx).out.emit(
        asdict(st) | {"nav": asdict(st.nav) | {"fresh": st.nav.fresh}},
        f"{st.token} in {st.asset} ({st.vault}): cycle {st.cycle} cuts off {_when(st.cutoff)}; NAV "
        f"{st.nav.per_share} ({'fresh' if st.nav.fresh else 'stale'}); fees {st.subscription_fee_bps}/"
        f"{st.redemption_fee_bps} bps, gate {st.gate_bps / 100:g}%, minimum {st.min_subscription}; pending "
        f"{st.pending_subscriptions} {st.asset} in, {st.pending_redemptions} {st.token} out; cash "
        f"{st.cash_available}, fees {st.fees_accrued}")


@fund_app.command("subscribe")
def subscribe(ctx: typer.Context,
              amount: str = typer.Argument(..., callback=plain_amount, help="cash to invest, in entry-asset units"),
              asset: Optional[str] = AssetOpt, controller: Optional[str] = ForOpt,
              dry_run: bool = DryRunOpt) -> None:
    """Request a subscription at the cycle's NAV (after its cut-off), paid from the signer's wallet."""
    from ..services.funds import subscribe as request

    s = session(ctx)
    p, receipt = request(s.operator(), amount, asset, controller, dry_run)
    about = (f"{amount} {p.asset} for {p.controller} in cycle {p.cycle} (cut-off {_when(p.cutoff)}); about "
             f"{p.estimate} shares at the latest NAV, after fees")
    _sent(s, receipt, asdict(p), f"subscription of {about}")


@fund_app.command("redeem")
def redeem(ctx: typer.Context,
           shares: str = typer.Argument(..., callback=plain_amount, help="shares to redeem"),
           asset: Optional[str] = AssetOpt, controller: Optional[str] = ForOpt,
           dry_run: bool = DryRunOpt) -> None:
    """Request a redemption at the cycle's NAV; the shares are burnt now, under the token's rules."""
    from ..services.funds import redeem as request

    s = session(ctx)
    p, receipt = request(s.operator(), shares, asset, controller, dry_run)
    about = (f"{shares} shares for {p.controller} in cycle {p.cycle} (cut-off {_when(p.cutoff)}); about "
             f"{p.estimate} {p.asset} at the latest NAV, after fees")
    _sent(s, receipt, asdict(p), f"redemption of {about}")


@fund_app.command("cancel")
def cancel(ctx: typer.Context,
           kind: str = typer.Argument(..., help="subscription or redemption"),
           asset: Optional[str] = AssetOpt, controller: Optional[str] = ForOpt,
           dry_run: bool = DryRunOpt) -> None:
    """Cancel a pending request before the cut-off: cash refunded, or shares minted back."""
    from ..services.funds import cancel as run

    s = session(ctx)
    amount, receipt = run(s.operator(), kind, asset, controller, dry_run)
    _sent(s, receipt, {"kind": kind, "amount_units": amount}, f"cancellation of the pending {kind} ({amount} units)")


@fund_app.command("claim")
def claim(ctx: typer.Context, asset: Optional[str] = AssetOpt, controller: Optional[str] = ForOpt,
          receiver: Optional[str] = typer.Option(None, "--to", help="receiving wallet (default: the controller)"),
          dry_run: bool = DryRunOpt) -> None:
    """Claim the shares bought and the cash redeemed in closed cycles."""
    from ..services.funds import claim as run

    s = session(ctx)
    done = run(s.operator(), asset, controller, receiver, dry_run)
    data = {"shares_units": done.shares, "cash_units": done.cash, "tx": [r.tx_hash for r in done.receipts]}
    if dry_run:
        s.out.emit(data | {"dry_run": True}, f"dry run: would claim {done.shares} share units and {done.cash} cash "
                   "units; nothing sent")
        return
    s.out.emit(data, f"[green]claimed[/] {done.shares} share units and {done.cash} cash units "
               + " ".join(tx_line(r) for r in done.receipts))


@fund_app.command("close")
def close(ctx: typer.Context, asset: Optional[str] = AssetOpt,
          sweep: bool = typer.Option(True, help="then send the subscription cash to the treasury and the fees to "
                                     "the fee recipient"),
          yes: bool = YesOpt, dry_run: bool = DryRunOpt) -> None:
    """Close the dealing cycle at the latest NAV (after its cut-off) and fulfil every request in batches;
    resumes an interrupted fulfilment."""
    from ..services.funds import close_cycle

    s = session(ctx)
    op = s.operator()
    if not dry_run:
        s.out.confirm(f"close the fund's dealing cycle{f' in {asset}' if asset else ''} and fulfil its requests", yes)
    r = close_cycle(op, asset, sweep=sweep, track=s.out.track, dry_run=dry_run)
    data = {k: v for k, v in asdict(r).items() if k != "receipts"} | {"tx": [x.tx_hash for x in r.receipts if x]}
    gate = f" ({r.redeem_allowed} of {r.redeem_requested} share units let out by the gate)" if r.redemptions else ""
    what = f"cycle {r.cycle} at NAV {r.nav_text}: {r.deposits} subscriptions, {r.redemptions} redemptions{gate}"
    if dry_run:
        s.out.emit(data | {"dry_run": True}, f"dry run: would close {what}; {r.funded} units of cash to add for "
                   "redemptions; nothing sent")
        return
    s.out.emit(data, f"[green]closed[/] {what} in {r.batches} batches; funded {r.funded}, swept {r.swept} to the "
               f"treasury, fees {r.fees} (asset units); next cut-off {_when(r.next_cutoff)}")


@fund_app.command("requests")
def requests(ctx: typer.Context, asset: Optional[str] = AssetOpt,
             cycle: Optional[int] = typer.Option(None, "--cycle", min=1, help="only this dealing cycle"),
             pending: bool = typer.Option(False, "--pending", help="only requests still pending"),
             fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """Subscriptions and redemptions by cycle and controller: requested, cancelled, fulfilled, fees, carried."""
    from ..reporting.fund import fund_requests
    from ..services.funds import fund_report_inputs

    s = session(ctx)
    index, vault, decimals = fund_report_inputs(s.operator(), asset, s.out.track)
    _write(s.out, fund_requests(index, vault, decimals, cycle, pending), fmt, out, "fund-requests")


@fund_app.command("cycles")
def cycles(ctx: typer.Context, asset: Optional[str] = AssetOpt, fmt: str = FormatOpt,
           out: Optional[Path] = OutOpt) -> None:
    """Each closed dealing cycle: NAV, subscriptions, redemptions requested and let out by the gate."""
    from ..reporting.fund import cycles as closed_cycles
    from ..services.funds import fund_report_inputs

    s = session(ctx)
    index, vault, decimals = fund_report_inputs(s.operator(), asset, s.out.track)
    _write(s.out, closed_cycles(index, vault, decimals), fmt, out, "fund-cycles")


@fund_app.command("flows")
def flows(ctx: typer.Context, asset: Optional[str] = AssetOpt, fmt: str = FormatOpt,
          out: Optional[Path] = OutOpt) -> None:
    """Subscriptions and redemptions by investor country: cash in and out, net, shares issued and redeemed."""
    from ..reporting.fund import fund_flows
    from ..services.funds import fund_report_inputs

    s = session(ctx)
    op = s.operator()
    index, vault, decimals = fund_report_inputs(op, asset, s.out.track)
    _write(s.out, fund_flows(index, vault, decimals, op.record.registry), fmt, out, "fund-flows")


def _sent(s, receipt, data: dict, what: str) -> None:
    if receipt is None:
        s.out.emit(data | {"dry_run": True}, f"dry run: the {what} would be accepted; nothing sent")
        return
    s.out.emit(data | {"tx": receipt.tx_hash}, f"[green]sent[/] {what} {tx_line(receipt)}")
