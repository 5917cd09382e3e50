"""The `rwa` command. It parses, prints and delegates to the SDK: no business logic lives here.

Errors are one readable line and a non-zero exit code; `--debug` adds the traceback. `--json` prints
machine-readable results. Keys come from $RWA_PRIVATE_KEY or --keystore, never from the command line.
"""
from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path
from typing import Optional

import typer

from ..primitives.errors import ConfigError, RwaError
from .base import TokenOpt, confirm, console, emit, err_console, operator, opts, progress_bar, refuse, tx_line
from .trading import collateral_app, proceeds_app, trade_app

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Issue and service tokenized securities.")
investors_app = typer.Typer(no_args_is_help=True, help="Onboard investors into the offering's registry.")
docs_app = typer.Typer(no_args_is_help=True, help="ERC-1643 documents on the token.")
policy_app = typer.Typer(no_args_is_help=True, help="Jurisdiction policy packs and a token's rules in plain words.")
app.add_typer(investors_app, name="investors")
app.add_typer(docs_app, name="docs")
app.add_typer(policy_app, name="policy")
waterfall_app = typer.Typer(no_args_is_help=True, help="The tranche waterfall: set it up, run a period.")
redeem_app = typer.Typer(no_args_is_help=True, help="Redemption at maturity: set up, fund principal, redeem.")
app.add_typer(waterfall_app, name="waterfall")
app.add_typer(redeem_app, name="redeem")
withholding_app = typer.Typer(no_args_is_help=True, help="Withholding tax on distributions, by investor country.")
app.add_typer(withholding_app, name="withholding")
app.add_typer(trade_app, name="trade")
app.add_typer(collateral_app, name="collateral")
app.add_typer(proceeds_app, name="proceeds")
report_app = typer.Typer(no_args_is_help=True, help="Reports from the local event index: cap table, "
                         "jurisdictions, distributions, audit trail (CSV, JSON or Markdown).")
app.add_typer(report_app, name="report")


@app.callback()
def main(
    rpc_url: Optional[str] = typer.Option(None, "--rpc-url", envvar="RWA_RPC_URL", help="JSON-RPC endpoint"),
    offering: Optional[str] = typer.Option(None, "--offering", "-o", envvar="RWA_OFFERING",
                                           help="deployed offering name (default: the only one)"),
    keystore: Optional[str] = typer.Option(None, "--keystore", help="encrypted JSON keystore; password from "
                                           "$RWA_KEYSTORE_PASSWORD"),
    state: Optional[str] = typer.Option(None, "--state", envvar="RWA_STATE_DIR", help="state folder (default .rwa)"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks on errors"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    opts.rpc_url, opts.offering, opts.keystore, opts.state = rpc_url, offering, keystore, state
    opts.debug, opts.json = debug, json_output


def override_journal(op):
    """The offering's journal of rule overrides (forced transfers to a receiver the rules refuse), which
    `rwa report audit` shows beside each transaction."""
    from ..store.journal import Journal

    return Journal(op.state / "journals" / f"{op.record.slug}-overrides.jsonl")


# --------------------------------------------------------------------------------------------- chain, deploy
@app.command()
def chain(port: int = typer.Option(8545, help="loopback port (0 = any free port)")) -> None:
    """Start a local anvil, print its URL and funded accounts, and keep it running until Ctrl-C."""
    from ..chain.node import Chain

    local = Chain.local(port=port)
    emit({"url": local.url, "chain_id": local.chain_id, "accounts": [a.address for a in local.dev_accounts()]},
         f"[bold]local chain[/] {local.url} (chain id {local.chain_id}, hardfork {local.anvil.hardfork})")
    if not opts.json:
        for i, account in enumerate(local.dev_accounts()):
            console.print(f"  account {i}: {account.address}")
        console.print(f"Use it with: export RWA_RPC_URL={local.url}   (Ctrl-C stops the chain)")
    try:
        while local.anvil.process and local.anvil.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        local.close()


@app.command()
def deploy(spec_file: Path = typer.Argument(..., help="offering spec (YAML)")) -> None:
    """Deploy an offering from its spec: registry, tranche tokens with their rules, distributor."""
    from ..inputs.spec import load_spec
    from ..services.deployment import deploy_offering

    spec = load_spec(spec_file)  # every spec error is raised before the chain is touched
    op = operator(need_record=False)
    result = deploy_offering(op.tx, spec, op.account, op.state, say=lambda m: emit({}, m) if not opts.json else None)
    r = result.record
    emit({"name": r.name, "chain_id": r.chain_id, "registry": r.registry, "distributor": r.distributor,
          "tokens": r.tokens, "payment_tokens": r.payment_tokens, "gas_used": result.gas_used,
          "resumed": result.resumed},
         f"[green]offering[/] {r.name}: registry {r.registry}, tokens "
         + ", ".join(f"{s} {a}" for s, a in r.tokens.items()))


# --------------------------------------------------------------------------------------------- investors
@investors_app.command("import")
def investors_import(
    csv_file: Path = typer.Argument(..., help="investors CSV: wallet,investor_id,country,category,kyc_expiry"),
    batch_size: int = typer.Option(200, min=1, max=500, help="wallets per registration transaction"),
    refused_out: Optional[Path] = typer.Option(None, help="write refused rows with reasons here "
                                               "(default: <state>/refused/<csv>.refused.csv)"),
) -> None:
    """Register every valid row (resumable); refused rows go to a file with their reasons."""
    from ..inputs.investors_csv import load_investors_csv
    from ..services.onboarding import import_investors, journal_path
    from ..store.journal import Journal

    file = load_investors_csv(csv_file)
    op = operator()
    journal = Journal(journal_path(op.state, op.record.slug, file))
    with progress_bar("registering investors") as bar:
        task = bar.add_task("import", total=None)
        report = import_investors(op.tx, op.registry, file, op.record.investor_salt, journal, batch_size,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
    out = refused_out or op.state / "refused" / f"{csv_file.stem}.refused.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    if report.refused:
        lines = ["line,reason,row"] + [f"{r.line},\"{r.reason}\",\"{' '.join(r.raw)}\"" for r in report.refused]
        out.write_text("\n".join(lines) + "\n")
    emit({"registered": report.registered, "linked_wallets": report.linked, "already_done": report.already_done,
          "refused": len(report.refused), "batches": report.batches, "gas_used": report.gas_used,
          "seconds": round(report.seconds, 2), "refused_file": str(out) if report.refused else None},
         f"[green]registered[/] {report.registered} investors, linked {report.linked} extra wallets, "
         f"{report.already_done} already done, [yellow]{len(report.refused)} refused[/]"
         + (f" (reasons in {out})" if report.refused else "") + f" in {report.seconds:.1f}s")
    if report.refused and not opts.json:
        for r in report.refused[:10]:
            console.print(f"  line {r.line}: {r.reason}")
        if len(report.refused) > 10:
            console.print(f"  … {len(report.refused) - 10} more in {out}")


# --------------------------------------------------------------------------------------------- token operations
@app.command()
def mint(wallet: str, amount: str, token: Optional[str] = TokenOpt) -> None:
    """Mint AMOUNT (decimal, in tokens) to WALLET. Checked against the rules before sending."""
    t = operator().token(token)
    receipt = t.mint(wallet, amount)
    emit({"tx": receipt.tx_hash, "gas_used": receipt.gas_used}, f"[green]minted[/] {amount} to {wallet} {tx_line(receipt)}")


@app.command()
def burn(wallet: str, amount: str, token: Optional[str] = TokenOpt) -> None:
    """Burn AMOUNT from WALLET (agent)."""
    receipt = operator().token(token).burn(wallet, amount)
    emit({"tx": receipt.tx_hash}, f"[green]burned[/] {amount} from {wallet} {tx_line(receipt)}")


@app.command()
def transfer(
    sender: str = typer.Argument(..., help="from wallet"),
    receiver: str = typer.Argument(..., help="to wallet"),
    amount: str = typer.Argument(...),
    check: bool = typer.Option(False, "--check", help="dry run: print whether the rules allow it, and why not"),
    token: Optional[str] = TokenOpt,
) -> None:
    """Transfer tokens (signed by the key's wallet), or with --check say whether the rules would allow it."""
    op = operator()
    t = op.token(token)
    verdict = t.can_transfer(sender, receiver, amount)
    if check:
        emit({"allowed": verdict.ok, "code": verdict.code, "message": verdict.message},
             f"[green]allowed[/]: {verdict.message}" if verdict.ok
             else f"[red]refused[/] [{verdict.code}] {verdict.message}")
        if not verdict.ok:
            raise typer.Exit(3)
        return
    if sender.lower() != op.account.address.lower():
        raise ConfigError(f"the signing key is {op.account.address}, not {sender}: a holder signs their own transfer "
                          "(agents use `rwa force-transfer`)")
    receipt = t.transfer(receiver, amount)
    emit({"tx": receipt.tx_hash}, f"[green]transferred[/] {amount} to {receiver} {tx_line(receipt)}")


@app.command()
def freeze(wallet: str, amount: Optional[str] = typer.Option(None, help="freeze only this amount (partial)"),
           token: Optional[str] = TokenOpt) -> None:
    """Freeze a wallet, or with --amount part of its balance."""
    t = operator().token(token)
    receipt = t.freeze_partial(wallet, amount) if amount else t.set_frozen(wallet, True)
    emit({"tx": receipt.tx_hash}, f"[green]frozen[/] {amount or 'wallet'} {wallet} {tx_line(receipt)}")


@app.command()
def unfreeze(wallet: str, amount: Optional[str] = typer.Option(None, help="unfreeze only this amount"),
             token: Optional[str] = TokenOpt) -> None:
    """Unfreeze a wallet, or with --amount part of its frozen balance."""
    t = operator().token(token)
    receipt = t.unfreeze_partial(wallet, amount) if amount else t.set_frozen(wallet, False)
    emit({"tx": receipt.tx_hash}, f"[green]unfrozen[/] {amount or 'wallet'} {wallet} {tx_line(receipt)}")


@app.command("force-transfer")
def force_transfer(
    sender: str, receiver: str, amount: str, token: Optional[str] = TokenOpt,
    override_reason: Optional[str] = typer.Option(
        None, "--override-reason", help="send even though the token's rules refuse the receiver, for this reason "
        "(e.g. \"court order 2026/123\"); kept in the offering's override journal and shown by `rwa report audit`"),
    dry_run: bool = typer.Option(False, "--dry-run", help="check and simulate; send nothing"),
    yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation"),
) -> None:
    """Agent power: move tokens past the sender's restrictions. The receiver must be verified and pass the token's
    receiver-side rules (country, category, investor caps, holding limits) unless --override-reason says why not."""
    from ..primitives.units import address

    sender, receiver = address(sender, "sender"), address(receiver, "receiver")
    op = operator()
    t = op.token(token)
    units = t.units(amount)
    verdict = t.receiver_check(sender, receiver, units)
    reason = (override_reason or "").strip()
    if not verdict.ok and not reason:
        refuse(verdict.code, verdict.message, "give --override-reason to force it anyway (it is recorded for audit)")
    overriding = f", overriding [{verdict.code}] {verdict.message}" if not verdict.ok else ""
    journal = override_journal(op)
    t.forced_transfer(sender, receiver, units, override_reason=reason or None, journal=journal, dry_run=True)
    if dry_run:
        emit({"dry_run": True, "override_code": verdict.code},
             f"[green]would force[/] {amount} {sender} -> {receiver}{overriding} (nothing sent)")
        return
    confirm(f"force {amount} from {sender} to {receiver}{overriding}", yes)
    receipt = t.forced_transfer(sender, receiver, units, override_reason=reason or None, journal=journal)
    emit({"tx": receipt.tx_hash, "override_code": verdict.code, "override_reason": reason if verdict.code else None},
         f"[green]forced transfer[/] {amount} {sender} -> {receiver}{overriding} {tx_line(receipt)}")


@app.command()
def recover(lost_wallet: str, new_wallet: str,
            token: Optional[str] = typer.Option(None, "--token", help="only this token (default: every token of "
                                                "the offering)"),
            dry_run: bool = typer.Option(False, "--dry-run", help="show what would move; send nothing"),
            yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation")) -> None:
    """Agent power: move a lost wallet's tokens, frozen amount and lockups to another registered wallet of the same
    investor, freeze the lost wallet, and move what it was owed (unclaimed distribution shares, escrow, redemption
    principal) to the new wallet. Safe to run again: it finishes what an interrupted run left."""
    from ..services.recovery import recover_wallet

    op = operator()
    symbols = [op.record.token(token)[0]] if token else list(op.record.tokens)
    tokens = {s: op.token(s) for s in symbols}
    redemptions = {s: _redemption(op, s)[1] for s in symbols if op.record.modules.get(f"redemption:{s}")}
    distributor = _distributor(op) if op.record.distributor else None
    kwargs = dict(distributor=distributor, redemptions=redemptions)
    plan = recover_wallet(op.registry, tokens, lost_wallet, new_wallet, dry_run=True, **kwargs)
    if not dry_run and plan.done:
        confirm(f"recover {lost_wallet} to {new_wallet} ({len(plan.done)} steps)", yes)
    report = plan if dry_run or not plan.done else recover_wallet(op.registry, tokens, lost_wallet, new_wallet,
                                                                   **kwargs)
    verb = "would move" if dry_run else "moved"
    lines = [f"[green]{verb}[/] {s.kind} {s.ref}: {s.amount}" + (f" [dim](tx {s.tx[:12]}…)[/]" if s.tx else "")
             for s in report.done]
    lines += [f"[yellow]left[/] {left.kind} {left.ref}: {left.amount}: {left.reason}" for left in report.left]
    emit({"dry_run": dry_run, "done": [vars(s) for s in report.done], "left": [vars(x) for x in report.left],
          "already_done": report.already_done},
         "\n".join(lines) or f"nothing to do: {lost_wallet} is already recovered to {new_wallet}")


@app.command()
def pause(token: Optional[str] = TokenOpt) -> None:
    """Pause all transfers of the token (agent)."""
    receipt = operator().token(token).pause()
    emit({"tx": receipt.tx_hash}, f"[green]paused[/] {tx_line(receipt)}")


@app.command()
def unpause(token: Optional[str] = TokenOpt) -> None:
    """Lift a pause (agent)."""
    receipt = operator().token(token).unpause()
    emit({"tx": receipt.tx_hash}, f"[green]unpaused[/] {tx_line(receipt)}")


@app.command()
def status(token: Optional[str] = TokenOpt) -> None:
    """The offering's addresses, supply, investor count and flags."""
    op = operator()
    t = op.token(token)
    data = {"offering": op.record.name, "chain_id": op.chain.chain_id, "token": t.address, "symbol": t.symbol(),
            "total_supply": t.fmt(t.total_supply()), "investors": t.investor_count(), "paused": t.paused(),
            "registry": op.record.registry, "distributor": op.record.distributor}
    emit(data, "\n".join(f"{k:>13}: {v}" for k, v in data.items()))


# --------------------------------------------------------------------------------------------- documents
@docs_app.command("add")
def docs_add(name: str, uri: str,
             file: Optional[Path] = typer.Option(None, help="hash this file (keccak-256)"),
             hash_: Optional[str] = typer.Option(None, "--hash", help="content hash, 0x + 64 hex"),
             reference: Optional[str] = typer.Option(
                 None, "--reference", help="the regulator's reference, e.g. the CSRC filing number (at most 32 "
                 "ASCII characters); recorded on chain with the document"),
             token: Optional[str] = TokenOpt) -> None:
    """Record a document (e.g. the CSRC filing notice) by name, URI and content hash. The "filing" document opens
    the mint gate: only the token's admin or compliance officer may record it, never the agent that mints."""
    from eth_utils import keccak

    from ..contracts.token import reference_bytes

    if file is None and hash_ is None:
        raise ConfigError("give --file to hash a document, or --hash")
    if reference is not None:
        reference_bytes(reference)  # validated before anything is sent
    if file is not None:
        try:
            digest = "0x" + keccak(file.read_bytes()).hex()
        except OSError as exc:
            raise ConfigError(f"cannot read {file}: {exc}") from None
    else:
        digest = hash_
    t = operator().token(token)
    receipt = t.set_document(name, uri, digest)
    if reference is not None:
        receipt = t.set_document_reference(name, reference)
    shown = f" ref {reference.strip()}" if reference else ""
    emit({"tx": receipt.tx_hash, "hash": digest, "reference": reference},
         f"[green]document[/] {name} -> {uri} ({digest}){shown} {tx_line(receipt)}")


@docs_app.command("list")
def docs_list(token: Optional[str] = TokenOpt) -> None:
    """List the token's documents: name, regulator's reference, URI, content hash and when it was recorded (UTC)."""
    from datetime import datetime, timezone

    t = operator().token(token)
    rows = []
    for name in t.documents():
        uri, digest, when = t.document(name)
        rows.append({"name": name, "reference": t.document_reference(name), "uri": uri, "hash": "0x" + digest.hex(),
                     "recorded": datetime.fromtimestamp(when, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")})
    emit({"documents": rows},
         "\n".join(f"{r['name']}{' [' + r['reference'] + ']' if r['reference'] else ''}: {r['uri']} {r['hash']} "
                   f"recorded {r['recorded']}" for r in rows) or "no documents")


# --------------------------------------------------------------------------------------------- policy
@policy_app.command("list")
def policy_list() -> None:
    """The built-in policy packs."""
    from ..inputs.policy import builtin_pack_names, load_pack

    packs = [load_pack(n) for n in builtin_pack_names()]
    emit({"packs": [p.name for p in packs]}, "\n".join(f"{p.name}: {p.title}" for p in packs))


@policy_app.command("explain")
def policy_explain(
    target: Optional[str] = typer.Argument(None, help="an offering spec (YAML) or pack names; default: the "
                                           "deployed token's rules read from the chain"),
    token: Optional[str] = TokenOpt,
) -> None:
    """Print rules in plain words: of a spec or packs (offline), or of a deployed token (from the chain)."""
    from ..inputs.policy import compile_policies, explain

    if target and target.endswith((".yaml", ".yml")):
        from ..inputs.spec import load_spec

        config = load_spec(target).rule_config
    elif target:
        config = compile_policies([p.strip() for p in target.split(",")])
    else:
        from ..services.rules import read_rules

        config = read_rules(operator().token(token))
    lines = explain(config)
    emit({"rules": lines}, "\n".join(f"- {line}" for line in lines))


# --------------------------------------------------------------------------------------------- cash flows
def _holders(op, symbol: str) -> list[str]:
    """Every wallet that ever received the token (from the event index); record-date filtering is done by
    the distribution service against the snapshot."""
    index = _indexed(op)
    _, address = op.record.token(symbol)
    return sorted(index.recipients(address))


def _distributor(op):
    from ..contracts.distributor import Distributor

    if not op.record.distributor:
        raise ConfigError("this offering has no distributor")
    return Distributor(op.tx, op.record.distributor, op.account)


@withholding_app.command("set")
def withholding_set(country: str = typer.Argument(..., help="ISO 3166 code (HK, HKG or 344) or 'unknown'"),
                    rate_bps: int = typer.Argument(..., min=0, max=10_000, help="basis points: 1000 = 10%")) -> None:
    """Set the rate for investors of one country. It applies to payments made from now on, in distributions
    created while some country had a rate (set rates before the first distribution)."""
    from ..primitives.countries import country_label, parse_tax_country

    numeric = parse_tax_country(country, "country")
    receipt = _distributor(operator()).set_withholding_rate(numeric, rate_bps)
    label = "unknown country" if numeric == 0 else country_label(numeric)
    emit({"country": numeric, "rate_bps": rate_bps, "tx": receipt.tx_hash},
         f"[green]withholding[/] {label}: {rate_bps / 100:g}% {tx_line(receipt)}")


@withholding_app.command("show")
def withholding_show() -> None:
    """Every rate ever set on the offering's distributor, as it stands now, and the tax account."""
    from ..primitives.countries import country_label

    op = operator()
    distributor = _distributor(op)
    rates = {c: distributor.withholding_rate(c) for c in distributor.withholding_countries(op.record.block)}
    tax_account = distributor.tax_account()
    emit({"tax_account": tax_account, "rates_bps": {str(c): r for c, r in rates.items()}},
         f"tax account {tax_account}" + "".join(
             f"\n  {'unknown country' if c == 0 else country_label(c)}: {r / 100:g}%" for c, r in rates.items())
         + ("" if rates else "\n  no rates set: distributions pay gross"))


def _spec(op):
    from ..inputs.spec import load_spec

    if not op.record.spec_path or not Path(op.record.spec_path).exists():
        raise ConfigError(f"the offering's spec {op.record.spec_path!r} is not readable from here")
    return load_spec(op.record.spec_path)


@app.command()
def distribute(
    amount: str = typer.Argument(..., help="total to distribute, in payment-token units (e.g. 250000.00)"),
    token: Optional[str] = TokenOpt,
    payment: Optional[str] = typer.Option(None, help="payment token symbol (default: the offering's first)"),
    claim_days: int = typer.Option(90, min=1, help="days holders may claim before unclaimed funds return"),
    push: bool = typer.Option(True, help="push payment to every holder in batches (else holders claim)"),
) -> None:
    """Fund a distribution by record date (a snapshot now) and pay every holder; resumable; reconciled."""
    from ..primitives.units import to_units
    from ..services.distributions import fund_and_create
    from ..services.servicing import pay_holders
    from ..store.journal import Journal

    op = operator()
    symbol, _ = op.record.token(token)
    t, usd, distributor = op.token(symbol), op.payment_token(payment), _distributor(op)
    units = to_units(amount, usd.decimals(), "amount")
    created = fund_and_create(distributor, t, usd, op.chain.block_timestamp() + claim_days * 86_400, amount=units)
    did = created.distribution_id
    emit({}, f"[green]distribution {did}[/] funded with {amount} {usd.symbol()} {tx_line(created.create_receipt)}")
    if not push:
        emit({"distribution_id": did}, "holders may now claim")
        return
    journal = Journal(op.state / "journals" / f"{op.record.slug}-distribution-{did}.jsonl")
    with progress_bar("paying holders") as bar:
        task = bar.add_task("push", total=None)
        paid = pay_holders(distributor, t, created, _holders(op, symbol), journal,
                           progress=lambda done, total: bar.update(task, completed=done, total=total))
    pushed, result = paid.pushed, paid.reconciliation
    emit({"distribution_id": did, "pushed": pushed.pushed, "already_paid": pushed.already_paid,
          "exact": result.exact, "problems": result.problems},
         f"paid {pushed.pushed} holders in {pushed.batches} batches; reconciliation "
         + ("[green]exact[/]" if result.exact else f"[red]problems[/]: {'; '.join(result.problems)}"))


@waterfall_app.command("init")
def waterfall_init() -> None:
    """Deploy the waterfall from the spec once the tranches are issued (outstanding = supply x face value)."""
    from ..services.servicing import set_up_waterfall
    from ..store.state import save_record

    op = operator()
    if "waterfall" in op.record.modules:
        raise ConfigError(f"the offering already has a waterfall at {op.record.modules['waterfall']}")
    tokens = [op.token(s) for s in op.record.tokens]
    waterfall = set_up_waterfall(_spec(op), tokens, _distributor(op), op.payment_token(), op.account,
                                 fee_account=op.account.address)
    op.record.modules["waterfall"] = waterfall.address
    save_record(op.record, op.state)
    emit({"waterfall": waterfall.address}, f"[green]waterfall[/] at {waterfall.address}")


@waterfall_app.command("run")
def waterfall_run(collections: str = typer.Argument(..., help="the period's collections, in payment-token units")):
    """Split one period's collections (fees, interest, principal, residual) and pay each tranche's holders."""
    from ..contracts.waterfall import Waterfall
    from ..primitives.units import to_units
    from ..services.servicing import pay_period
    from ..store.journal import Journal

    op = operator()
    address = op.record.modules.get("waterfall")
    if not address:
        raise ConfigError("no waterfall yet: run `rwa waterfall init` after issuing the tranches")
    usd = op.payment_token()
    tokens = {s: op.token(s) for s in op.record.tokens}
    holders = {s: _holders(op, s) for s in tokens}
    units = to_units(collections, usd.decimals(), "collections")
    report = pay_period(Waterfall(op.tx, address, op.account), _distributor(op), tokens, usd, units, holders,
                        op.account, journal=Journal(op.state / "journals" / f"{op.record.slug}-waterfall.jsonl"))
    names = {0: "fees", 1: "interest", 2: "principal", 3: "residual"}
    lines = [f"period {report.period}: {collections} collected"]
    lines += [f"  {names[s.step]:>9} tranche {s.tranche if s.tranche != 255 else '-'}: due {s.due} paid {s.paid} "
              f"arrears {s.arrears}" for s in report.steps]
    lines += [f"  {t.symbol}: {t.amount} to {t.holders_paid} holders, distribution {t.distribution_id}, "
              f"{'exact' if t.exact else 'MISMATCH'}" for t in report.tranches]
    emit({"period": report.period, "steps": [vars(s) for s in report.steps],
          "tranches": [vars(t) for t in report.tranches]}, "\n".join(lines))


@redeem_app.command("init")
def redeem_init(face_value: str = typer.Option(..., help="principal per whole token, in payment-token units"),
                token: Optional[str] = TokenOpt) -> None:
    """Deploy the token's redemption module and give it the agent role it needs to burn."""
    from ..contracts.redemption import Redemption
    from ..primitives.units import to_units
    from ..store.state import save_record

    op = operator()
    symbol, address = op.record.token(token)
    usd = op.payment_token()
    redemption = Redemption.deploy_initialized(
        op.tx, op.account, agent=op.account.address, token=address, principal_token=usd.address,
        distributor=op.record.distributor, treasury=op.account.address,
        face_value_per_token=to_units(face_value, usd.decimals(), "face_value"), start=op.chain.block_timestamp())
    op.token(symbol).grant_role("AGENT_ROLE", redemption.address)
    op.record.modules[f"redemption:{symbol}"] = redemption.address
    save_record(op.record, op.state)
    emit({"redemption": redemption.address}, f"[green]redemption[/] for {symbol} at {redemption.address}")


def _redemption(op, token: Optional[str]):
    from ..contracts.redemption import Redemption

    symbol, _ = op.record.token(token)
    address = op.record.modules.get(f"redemption:{symbol}")
    if not address:
        raise ConfigError(f"no redemption module for {symbol}: run `rwa redeem init --face-value ...` first")
    return symbol, Redemption(op.tx, address, op.account)


@redeem_app.command("fund")
def redeem_fund(amount: str, token: Optional[str] = TokenOpt) -> None:
    """Add principal to the redemption pool (the issuer's payment tokens)."""
    from ..primitives.units import to_units

    op = operator()
    _, redemption = _redemption(op, token)
    usd = op.payment_token()
    units = to_units(amount, usd.decimals(), "amount")
    if usd.balance_of(op.account.address) < units:
        raise ConfigError(f"{op.account.address} holds less than {amount} {usd.symbol()}")
    usd.approve(redemption.address, units)
    receipt = redemption.fund_principal(units)
    emit({"tx": receipt.tx_hash}, f"[green]funded[/] {amount} of principal {tx_line(receipt)}")


@redeem_app.command("all")
def redeem_all(token: Optional[str] = TokenOpt, batch_size: int = typer.Option(50, min=1, max=200)) -> None:
    """At maturity: redeem every holder's whole balance for principal, in batches (ineligible holders skipped)."""
    op = operator()
    symbol, redemption = _redemption(op, token)
    t = op.token(symbol)
    holders = [h for h in _holders(op, symbol) if t.balance_of(h) > 0]
    redeemed = 0
    with progress_bar("redeeming") as bar:
        task = bar.add_task("redeem", total=len(holders))
        for start in range(0, len(holders), batch_size):
            receipt = redemption.redeem_batch(holders[start:start + batch_size])
            redeemed += len(redemption.redeemed_holders(receipt))
            bar.update(task, completed=min(start + batch_size, len(holders)))
    emit({"redeemed": redeemed, "holders": len(holders)},
         f"[green]redeemed[/] {redeemed} of {len(holders)} holders; supply now {t.fmt(t.total_supply())}")


# --------------------------------------------------------------------------------------------- reports
AtOpt = typer.Option(None, "--at", help="a block number or an ISO date (end of that UTC day)")
FormatOpt = typer.Option("markdown", "--format", "-f", help="csv, json or markdown")
OutOpt = typer.Option(None, "--out", help="write the report to this file instead of printing it")


def _indexed(op):
    """The offering's event index, brought up to date (incremental, reorg-safe) with a progress bar."""
    from ..store.index import EventIndex

    index = EventIndex.for_chain(op.state, op.tx)
    r = op.record
    addresses = [*r.tokens.values(), r.registry] + ([r.distributor] if r.distributor else [])
    with progress_bar("indexing events") as bar:
        task = bar.add_task("sync", total=None)
        index.sync(addresses, from_block=r.block, progress=lambda done, target: bar.update(task, completed=done,
                                                                                           total=target))
    return index


def _output(rows: list, fmt: str, out: Optional[Path]) -> None:
    from ..reporting.reports import render

    if fmt not in ("csv", "json", "markdown", "md"):
        raise ConfigError(f"--format must be csv, json or markdown, not {fmt!r}")
    text = render(rows, fmt)
    if out:
        out.write_text(text)
        emit({"rows": len(rows), "file": str(out)}, f"[green]wrote[/] {len(rows)} rows to {out}")
    else:
        print(text)


def _at(value: Optional[str]):
    return int(value) if value and value.isdigit() else value


def _token_report(report, token: Optional[str], at: Optional[str], fmt: str, out: Optional[Path]) -> None:
    op = operator()
    symbol, address = op.record.token(token)
    _output(report(_indexed(op), address, op.record.decimals.get(symbol, 18), at=_at(at),
                   registry=op.record.registry), fmt, out)


@report_app.command("captable")
def report_captable(token: Optional[str] = TokenOpt, at: Optional[str] = AtOpt, fmt: str = FormatOpt,
                    out: Optional[Path] = OutOpt) -> None:
    """Holders with their country, category, balance and share (now, or at a block or date)."""
    from ..reporting.reports import captable

    _token_report(captable, token, at, fmt, out)


@report_app.command("jurisdictions")
def report_jurisdictions(token: Optional[str] = TokenOpt, at: Optional[str] = AtOpt, fmt: str = FormatOpt,
                         out: Optional[Path] = OutOpt) -> None:
    """Investors, wallets and holdings per country."""
    from ..reporting.reports import jurisdictions

    _token_report(jurisdictions, token, at, fmt, out)


@report_app.command("distribution")
def report_distribution(distribution_id: int, fmt: str = FormatOpt, out: Optional[Path] = OutOpt,
                        payment_decimals: int = typer.Option(6, help="decimals of the payment token")) -> None:
    """Per-holder gross, tax, net, escrowed and released amounts of one distribution, with totals."""
    from ..reporting.reports import distribution_report

    op = operator()
    if not op.record.distributor:
        raise ConfigError("this offering has no distributor")
    _output(distribution_report(_indexed(op), op.record.distributor, distribution_id, payment_decimals,
                                registry=op.record.registry), fmt, out)


@report_app.command("audit")
def report_audit(address: Optional[str] = typer.Option(None, help="only this contract"),
                 fmt: str = FormatOpt, out: Optional[Path] = OutOpt) -> None:
    """Every event of the offering in chain order, one readable line each; agents' rule overrides in `note`."""
    from ..reporting.reports import audit_trail, override_notes

    op = operator()
    decimals = {addr: op.record.decimals.get(sym, 18) for sym, addr in op.record.tokens.items()}
    notes = override_notes(override_journal(op).entries())
    _output(audit_trail(_indexed(op), address, decimals=decimals, notes=notes), fmt, out)


# --------------------------------------------------------------------------------------------- demo
@app.command()
def demo() -> None:
    """Run a complete demo issuance on a fresh local chain."""
    from .demo import run_demo

    run_demo(console)


def run() -> None:
    """Entry point: one readable line and a non-zero exit on failure; a traceback only with --debug."""
    debug = "--debug" in sys.argv
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)  # typer.Exit(n) inside a command
    except RwaError as exc:
        if debug:
            traceback.print_exc()
        err_console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2 if isinstance(exc, ConfigError) else 1)
    except KeyboardInterrupt:
        err_console.print("[red]interrupted[/]: rerun the same command to resume where it stopped")
        sys.exit(130)
    except Exception as exc:  # usage errors (Typer's click exceptions) and anything unexpected
        if hasattr(exc, "exit_code") and hasattr(exc, "show"):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Exit" and hasattr(exc, "exit_code"):
            sys.exit(exc.exit_code)
        if debug:
            traceback.print_exc()
        err_console.print(f"[red]error:[/] {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                          highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    run()
