"""`rwa chain`, `rwa deploy`, `rwa status`, `rwa policy ...` and `rwa demo`: the chain, the offering and its rules."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from .base import DryRunOpt, TokenOpt, YesOpt, session

policy_app = typer.Typer(no_args_is_help=True, help="Jurisdiction policy packs and a token's rules in plain words.")


def chain(
    ctx: typer.Context,
    port: int = typer.Option(8545, help="loopback port (0 = any free port)"),
    engine: str = typer.Option("anvil", help="anvil (prague) or ganache (Ganache 7.9, shanghai)"),
) -> None:
    """Start a local anvil or Ganache, print its URL and funded accounts, and keep it running until Ctrl-C."""
    from ..chain.node import Chain

    out = session(ctx).out
    local = Chain.local(engine=engine, port=port)
    node, dev = local.local_node, local.dev_accounts()
    accounts, keys = [a.address for a in dev], ["0x" + bytes(a.key).hex() for a in dev]
    out.emit({"url": local.url, "chain_id": local.chain_id, "engine": local.engine, "hardfork": node.hardfork,
              "accounts": accounts, "keys": keys},
             f"[bold]local chain[/] {local.url} (chain id {local.chain_id}, {local.engine}, hardfork {node.hardfork})")
    # The keys of the public test mnemonic: holder-signed commands need them ($RWA_PRIVATE_KEY); never on a real chain.
    for i, (account, key) in enumerate(zip(accounts, keys)):
        out.say(f"  account {i}: {account}  key {key}")
    out.say(f"Use it with: export RWA_RPC_URL={local.url}   (Ctrl-C stops the chain)")
    try:
        while node.process and node.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        local.close()


def deploy(ctx: typer.Context, spec_file: Path = typer.Argument(..., help="offering spec (YAML)"),
           replace_stale_record: bool = typer.Option(
               False, "--replace-stale-record", help="if the offering's record names contracts this chain lacks (it "
               "was reset), move that record to deployments/replaced/ and deploy afresh"),
           dry_run: bool = DryRunOpt) -> None:
    """Deploy an offering from its spec: registry, tranche tokens with their rules, distributor, then the spec's
    modules (DvP, collateral managers, proceeds vault, redemption; the waterfall once the tranches are issued)."""
    from ..inputs.spec import load_spec
    from ..services.deployment import deploy_offering, deploy_preview

    s = session(ctx)
    spec = load_spec(spec_file)  # every spec error is raised before the chain is touched
    op = s.operator(need_record=False)
    if dry_run:
        lines = deploy_preview(op.tx, spec, op.account, op.state)
        s.out.emit({"dry_run": True, "would": lines}, "\n".join(lines) + "\ndry run: nothing sent")
        return
    result = deploy_offering(op.tx, spec, op.account, op.state, say=s.out.say,
                             replace_stale_record=replace_stale_record)
    r = result.record
    s.out.emit({"name": r.name, "chain_id": r.chain_id, "registry": r.registry, "distributor": r.distributor,
                "tokens": r.tokens, "payment_tokens": r.payment_tokens, "modules": r.modules,
                "first_block": r.first_block, "gas_used": result.gas_used,
                "resumed": result.resumed, "replaced": str(result.replaced) if result.replaced else None},
               f"[green]offering[/] {r.name}: registry {r.registry}, tokens "
               + ", ".join(f"{s} {a}" for s, a in r.tokens.items()))


def status(ctx: typer.Context, token: Optional[str] = TokenOpt) -> None:
    """The offering's addresses, supply, investor count and flags."""
    from ..services.deployment import offering_status

    s = session(ctx)
    data = offering_status(s.operator(), token)
    lines = [f"{k:>13}: {v}" for k, v in data.items() if k != "modules" and not k.endswith("_units")]
    lines += [f"{'module':>13}: {key} {a}" for key, a in data["modules"].items()]
    s.out.emit(data, "\n".join(lines))


def demo(ctx: typer.Context) -> None:
    """Run a complete demo issuance on a fresh local chain."""
    from .demo import run_demo

    run_demo(session(ctx).out.console)


@policy_app.command("list")
def policy_list(ctx: typer.Context) -> None:
    """The built-in policy packs."""
    from ..services.rules import builtin_packs

    packs = builtin_packs()
    session(ctx).out.emit({"packs": [p.name for p in packs]}, "\n".join(f"{p.name}: {p.title}" for p in packs))


def plan(ctx: typer.Context, spec_file: Path = typer.Argument(..., help="offering spec (YAML)"),
         document: Optional[str] = typer.Option(
             None, "--document", help="plan as `rwa apply --document NAME` would apply (refused unless recorded)")
         ) -> None:
    """Show every difference between the spec and the chain (read-only): rules, supply caps, the filing document,
    payment tokens, withholding, modules; who must sign each; what waits, and why. `rwa apply` sends them."""
    from ..inputs.spec import load_spec
    from ..services.plan import spec_plan

    s = session(ctx)
    spec = load_spec(spec_file)  # the spec's errors come before the chain's
    found = spec_plan(s.operator(), spec, document)
    lines = [f"- {c.subject}: {c.what}  (signs: {c.signer})" for c in found.changes]
    lines += [f"- waiting: {c.subject}: {c.what}: {c.pending}" for c in found.pending]
    lines += [f"- note: {note}" for note in found.notes]
    s.out.emit({"changes": [c.as_dict() for c in found.changes], "pending": [c.as_dict() for c in found.pending],
                "notes": found.notes},
               escape("\n".join(lines)) if found.changes or found.pending
               else "\n".join(["the offering matches the spec", *map(escape, lines)]))


def apply(ctx: typer.Context, spec_file: Path = typer.Argument(..., help="offering spec (YAML)"),
          document: Optional[str] = typer.Option(
              None, "--document", help="tie the changes to this document recorded on the token (`rwa docs add`), "
              "e.g. the regulator's approval; refused unless it is recorded"),
          yes: bool = YesOpt, dry_run: bool = DryRunOpt) -> None:
    """Send the changes `rwa plan` shows, in order, after confirmation unless --yes; rerunning sends nothing."""
    from ..inputs.spec import load_spec
    from ..services.plan import apply_spec, spec_plan

    s = session(ctx)
    spec = load_spec(spec_file)
    op = s.operator()
    found = spec_plan(op, spec, document)
    for c in found.changes:
        s.out.say(escape(f"- {c.subject}: {c.what}  (signs: {c.signer})"))
    for c in found.pending:
        s.out.say(escape(f"- waiting: {c.subject}: {c.what}: {c.pending}"))
    extra = ({"pending": [c.as_dict() for c in found.pending]} if found.pending else {}) | (
        {"document": document} if document else {})
    if not found.changes:
        s.out.emit({"sent": 0} | extra, "the offering matches the spec: nothing to apply"
                   + (f" ({len(found.pending)} change(s) waiting)" if found.pending else ""))
        return
    if not dry_run:
        s.out.confirm(f"send {len(found.changes)} change(s) to offering {op.record.name!r}", yes)
    done = apply_spec(op, found, dry_run=dry_run, document=document)
    if dry_run:
        s.out.emit({"sent": 0, "would_send": done.would_send} | extra,
                   f"dry run: {done.would_send} change(s) would be sent; nothing sent")
        return
    tied = f" under document {document}" if document else ""
    s.out.emit({"sent": done.sent, "tx": done.tx, "deployed": done.deployed} | extra,
               f"[green]applied[/] {done.sent} change(s){tied}"
               + "".join(f"\n  module {key} at {a}" for key, a in done.deployed.items()))


@policy_app.command("explain")
def policy_explain(
    ctx: typer.Context,
    target: Optional[str] = typer.Argument(None, help="an offering spec (YAML) or pack names; default: the "
                                           "deployed token's rules read from the chain"),
    token: Optional[str] = TokenOpt,
) -> None:
    """Print rules in plain words: of a spec or packs (offline), or of a deployed token (from the chain)."""
    from ..inputs.policy import explain
    from ..services.rules import rules_of

    s = session(ctx)
    lines = explain(rules_of(target, lambda: s.operator().token(token)))
    # Each rule ends with its source in brackets ("[pack: source]"), which Rich would take for markup.
    s.out.emit({"rules": lines}, "\n".join(f"- {escape(line)}" for line in lines))
