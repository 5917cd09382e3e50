"""`rwa roles ...` (roles by name across the offering's contracts) and `rwa safe ...` (Safe multisig proposals)."""
from __future__ import annotations

from typing import Optional

import typer

from .base import DryRunOpt, YesOpt, session, tx_line

roles_app = typer.Typer(no_args_is_help=True, help="Roles by name across every contract of the offering: the "
                        "registry, each token (by symbol), the distributor and the modules (dvp, proceeds, waterfall, "
                        "collateral:SYMBOL, redemption:SYMBOL).")
SAFE_HELP = "\n\n".join((
    'Safe multisig: institutional issuers keep admin and agent roles in a Safe, not on one laptop.',
    '`rwa --safe SAFE <command>` runs any command that sends as a proposal instead: each call is simulated from '
    'the Safe (a refusal shows before anything is proposed), the calls become one Safe transaction (a '
    'MultiSendCallOnly batch when there are several), signed by the key ($RWA_PRIVATE_KEY or --keystore, one of '
    "the Safe's owners) and saved as <state>/safe/<safe-tx-hash>.json. Other owners `rwa safe sign` it; once the "
    "Safe's threshold is met, anyone `rwa safe execute`s it. Proposals of one Safe take consecutive nonces and "
    'execute in that order.',
    "Commands whose later steps need an earlier transaction's result refuse --safe with one line (exit 2) rather "
    'than propose something wrong: deployments (`deploy`, `redeem init`, modules), operations that journal each '
    'transaction to resume (`investors import`, `distribute`), and commands that read what their own transaction '
    'emitted (a redemption batch, a waterfall run, a trade settlement). Grant the Safe the roles it exercises '
    'first (`rwa roles grant AGENT_ROLE SAFE -c HSTOLLA`).',
))

safe_app = typer.Typer(no_args_is_help=True, help=SAFE_HELP)

ContractOpt = typer.Option(None, "--contract", "-c", help="registry, a token symbol, distributor, or a module (dvp, "
                           "proceeds, waterfall, collateral:SYMBOL, redemption:SYMBOL); default: the only contract "
                           "declaring the role")
RoleArg = typer.Argument(..., help="role name as the contract declares it (AGENT_ROLE; 'agent' and 'admin' work)")


@roles_app.command("list")
def roles_list(ctx: typer.Context,
               contract: Optional[str] = typer.Option(None, "--contract", "-c", help="only this contract"),
               wallet: Optional[str] = typer.Option(None, "--wallet", "-w", help="only this wallet's roles")) -> None:
    """Who holds which role on which contract (the ERC-173 owner of the token and registry holds their admin role
    by being the owner)."""
    from ..services.roles import list_roles

    s = session(ctx)
    rows = list_roles(s.operator(), contract, wallet)
    lines, last = [], None
    for row in rows:
        if row.contract != last:
            lines.append(f"[bold]{row.contract}[/] {row.address}")
            last = row.contract
        names = ", ".join(h.account + (" (owner)" if h.how == "owner" else "") for h in row.holders)
        lines.append(f"  {row.role:<24} {names or '[dim]nobody[/]'}")
    s.out.emit({"roles": [{"contract": r.contract, "address": r.address, "role": r.role,
                           "holders": [{"account": h.account, "how": h.how} for h in r.holders]} for r in rows]},
               "\n".join(lines) or f"{wallet} holds no role on the offering's contracts")


@roles_app.command("grant")
def roles_grant(ctx: typer.Context, role: str = RoleArg, wallet: str = typer.Argument(..., help="wallet to grant it"),
                contract: Optional[str] = ContractOpt, yes: bool = YesOpt, dry_run: bool = DryRunOpt) -> None:
    """Grant ROLE on a contract of the offering to WALLET; the admin role asks first unless --yes."""
    _change(ctx, "grant", role, wallet, contract, yes, dry_run)


@roles_app.command("revoke")
def roles_revoke(ctx: typer.Context, role: str = RoleArg, wallet: str = typer.Argument(..., help="wallet to revoke"),
                 contract: Optional[str] = ContractOpt, yes: bool = YesOpt, dry_run: bool = DryRunOpt) -> None:
    """Revoke ROLE on a contract of the offering from WALLET; the admin role asks first unless --yes (revoking the
    owner's admin role renounces the contract's ownership)."""
    _change(ctx, "revoke", role, wallet, contract, yes, dry_run)


def _change(ctx: typer.Context, action: str, role: str, wallet: str, contract: Optional[str], yes: bool,
            dry_run: bool) -> None:
    from ..services.roles import apply_change, plan_change

    s = session(ctx)
    op = s.operator()
    change = plan_change(op, action, role, wallet, contract)
    what = f"{change.role} on {change.contract} {'to' if action == 'grant' else 'from'} {change.wallet}"
    data = {"action": action, "contract": change.contract, "address": change.address, "role": change.role,
            "wallet": change.wallet, "changed": change.needed}
    if not change.needed:
        state = "already holds" if action == "grant" else "does not hold"
        s.out.emit({**data, "changed": False},
                   f"{change.wallet} {state} {change.role} on {change.contract}; nothing sent")
        return
    if dry_run:
        apply_change(op, change, dry_run=True)  # a refusal (the sender lacks the admin role) raises here
        s.out.emit({**data, "dry_run": True}, f"dry run: {action} {what} would succeed; nothing sent")
        return
    if change.admin:
        also = f" (the owner: this renounces ownership of {change.contract})" if change.owner else ""
        s.out.confirm(f"{action} {what}{also}", yes)
    receipt = apply_change(op, change)
    s.out.emit({**data, "tx": receipt.tx_hash},
               f"[green]{'granted' if action == 'grant' else 'revoked'}[/] {what} {tx_line(receipt)}")
ProposalArg = typer.Argument(..., help="the proposal's file, or its Safe transaction hash (a unique prefix will do)")


def _show(ctx: typer.Context, proposal_ref: str, action: str, work) -> None:
    from ..services.safe import describe, safe_state
    from .base import show_proposal

    s = session(ctx)
    s.no_safe(f"`rwa safe {action}`")
    op = s.operator(need_record=False)
    proposal, receipt = work(op, proposal_ref)
    label = {"show": "proposal", "sign": "signed", "execute": "executed" if receipt else "dry run: would execute"}
    show_proposal(s.out, proposal, safe_state(op, proposal), describe(op, proposal), label[action])
    if receipt is not None:
        s.out.say(f"  {tx_line(receipt)}")


@safe_app.command("show")
def safe_show(ctx: typer.Context, proposal: str = ProposalArg) -> None:
    """What a proposal does (each call decoded to its contract, function and arguments), its signatures against the
    Safe's threshold, and whether it can execute."""
    from ..services.safe import load

    _show(ctx, proposal, "show", lambda op, ref: (load(op.state, ref), None))


@safe_app.command("sign")
def safe_sign(ctx: typer.Context, proposal: str = ProposalArg) -> None:
    """Add this key's signature (an owner of the Safe) to a proposal; signing twice changes nothing."""
    from ..services.safe import sign_proposal

    _show(ctx, proposal, "sign", lambda op, ref: (sign_proposal(op, ref)[0], None))


@safe_app.command("execute")
def safe_execute(ctx: typer.Context, proposal: str = ProposalArg, dry_run: bool = DryRunOpt) -> None:
    """Send the Safe transaction once enough owners signed (any key may send it); a short count of signatures is
    refused before sending, and a failing call is named."""
    from ..services.safe import execute_proposal

    _show(ctx, proposal, "execute", lambda op, ref: execute_proposal(op, ref, dry_run))


@safe_app.command("list")
def safe_list(ctx: typer.Context) -> None:
    """Every proposal saved in the state folder, by Safe and nonce, with its signatures and status."""
    from ..services.safe import proposal_rows

    s = session(ctx)
    s.no_safe("`rwa safe list`")
    rows = proposal_rows(s.operator(need_record=False))
    s.out.emit({"proposals": rows}, "\n".join(
        f"{r['safe_tx_hash'][:18]}…  Safe {r['safe']} nonce {r['nonce']}  {r['signatures']} of {r['threshold']}  "
        f"{r['status']}  {r['command']}" for r in rows) or "no proposals")


@safe_app.command("create")
def safe_create(ctx: typer.Context,
                owners: list[str] = typer.Argument(..., help="the owners' addresses"),
                threshold: int = typer.Option(..., "--threshold", help="signatures needed to execute"),
                salt: int = typer.Option(0, "--salt", help="another Safe with the same owners and threshold"),
                dry_run: bool = DryRunOpt) -> None:
    """Create a Safe of OWNERS through Safe's proxy factory (v1.4.1; on a local chain without Safe's contracts,
    they are deployed first). The same owners, threshold and salt give the same address: rerunning finds it."""
    from ..services.safe import create_safe

    s = session(ctx)
    s.no_safe("`rwa safe create`")
    made = create_safe(s.operator(need_record=False), owners, threshold, salt, dry_run)
    state = "created" if made.created else "dry run: would create" if dry_run else "exists"
    s.out.emit({"safe": made.address, "owners": made.owners, "threshold": made.threshold, "created": made.created,
                "dry_run": dry_run},
               f"[green]{state}[/] Safe {made.address or '(address once its contracts are deployed)'}: "
               f"{made.threshold} of {len(made.owners)} owners ({', '.join(made.owners)})")
