"""`rwa chain`, `rwa deploy`, `rwa status`, `rwa policy ...` and `rwa demo`: the chain, the offering and its rules."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

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
               "was reset), move that record to deployments/replaced/ and deploy afresh")) -> None:
    """Deploy an offering from its spec: registry, tranche tokens with their rules, distributor."""
    from ..inputs.spec import load_spec
    from ..services.deployment import deploy_offering

    s = session(ctx)
    spec = load_spec(spec_file)  # every spec error is raised before the chain is touched
    op = s.operator(need_record=False)
    result = deploy_offering(op.tx, spec, op.account, op.state, say=s.out.say,
                             replace_stale_record=replace_stale_record)
    r = result.record
    s.out.emit({"name": r.name, "chain_id": r.chain_id, "registry": r.registry, "distributor": r.distributor,
                "tokens": r.tokens, "payment_tokens": r.payment_tokens, "gas_used": result.gas_used,
                "resumed": result.resumed, "replaced": str(result.replaced) if result.replaced else None},
               f"[green]offering[/] {r.name}: registry {r.registry}, tokens "
               + ", ".join(f"{s} {a}" for s, a in r.tokens.items()))


def status(ctx: typer.Context, token: Optional[str] = TokenOpt) -> None:
    """The offering's addresses, supply, investor count and flags."""
    from ..services.deployment import offering_status

    s = session(ctx)
    data = offering_status(s.operator(), token)
    s.out.emit(data, "\n".join(f"{k:>13}: {v}" for k, v in data.items()))


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


def plan(ctx: typer.Context, spec_file: Path = typer.Argument(..., help="offering spec (YAML)")) -> None:
    """Show how the deployed tokens' rules differ from the spec's (read-only); `rwa apply` sends the changes."""
    s = session(ctx)
    changes = _rule_changes(s, spec_file)
    s.out.emit({"changes": [{"token": c.token, "change": c.what} for c in changes]},
               "\n".join(f"- {c.token}: {c.what}" for c in changes) or "the tokens' rules match the spec")


def apply(ctx: typer.Context, spec_file: Path = typer.Argument(..., help="offering spec (YAML)"),
          yes: bool = YesOpt, dry_run: bool = DryRunOpt) -> None:
    """Send the rule changes `rwa plan` shows (compliance officer), after confirmation unless --yes."""
    s = session(ctx)
    changes = _rule_changes(s, spec_file)
    for c in changes:
        s.out.say(f"- {c.token}: {c.what}")
    if not changes:
        s.out.emit({"sent": 0}, "the tokens' rules match the spec: nothing to apply")
        return
    if dry_run:
        for c in changes:
            c.send(True)  # simulated from the operator's account: a refusal (a missing role) raises here
        s.out.emit({"sent": 0, "would_send": len(changes)}, f"dry run: {len(changes)} change(s) would be sent")
        return
    s.out.confirm(f"send {len(changes)} rule change(s)", yes)
    receipts = [c.send(False) for c in changes]
    s.out.emit({"sent": len(receipts), "tx": [r.tx_hash for r in receipts]},
               f"[green]applied[/] {len(receipts)} rule change(s)")


def _rule_changes(s, spec_file: Path) -> list:
    """What `rwa plan` shows and `rwa apply` sends: the spec (read first, so its errors come before the chain's)
    against the deployed tokens' rules."""
    from ..inputs.spec import load_spec
    from ..services.rules import plan_rules

    spec = load_spec(spec_file)
    return plan_rules(s.operator().offering.tokens, spec.rule_config)

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

    from rich.markup import escape

    s = session(ctx)
    lines = explain(rules_of(target, lambda: s.operator().token(token)))
    # Each rule ends with its source in brackets ("[pack: source]"), which Rich would take for markup.
    s.out.emit({"rules": lines}, "\n".join(f"- {escape(line)}" for line in lines))
