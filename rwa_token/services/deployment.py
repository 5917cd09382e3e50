"""Deploying an offering from its spec: payment tokens, then one factory transaction for the registry, every
tranche token with its compiled rules, filing document and terms, and the distributor.

Deployment is idempotent: addresses follow from the deployer and the offering's name (the factory salt), so
rerunning after a crash finds what is already on chain instead of deploying twice.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ..chain.tx import Transactor
from ..contracts.distributor import Distributor
from ..contracts.factory import DeployedOffering, OfferingFactory, OfferingPlan, TokenPlan, infrastructure
from ..contracts.registry import InvestorRegistry
from ..contracts.stablecoin import MockStablecoin
from ..contracts.token import SecurityToken
from ..inputs.policy import RuleConfig
from ..inputs.spec import OfferingSpec
from ..primitives.constants import LOCAL_CHAIN_IDS
from ..primitives.countries import country_alpha2
from ..primitives.errors import ConfigError
from ..primitives.units import ZERO_ADDRESS, format_units, to_units
from ..store.state import (DeploymentRecord, StaleRecord, load_record, record_path, save_record, set_aside, slug,
                           write_json)
from .offering import (COLLATERAL_PREFIX, DVP, PROCEEDS, REDEMPTION_PREFIX, Offering, check_record_live,
                       deploy_distributor, deploy_registry)
from .plan import Plan, fund_keys, offering_plan

if TYPE_CHECKING:
    from .context import Operator

Say = Callable[[str], None]


def offering_salt(name: str) -> bytes:
    return keccak(text=f"rwa-token offering:{slug(name)}")


def rule_setup(token: SecurityToken, rules: RuleConfig, decimals: int) -> list[bytes]:
    """The calls that write a compiled rule set into a token's rule engine."""
    countries = sorted(rules.countries.values(), key=lambda r: r.country)
    # A new token starts outside allowlist mode: only switching it on is a call.
    calls = [token.encode_allowlist_mode(True)] if rules.allowlist_mode else []
    if countries:
        calls.append(token.encode_country_rules(countries))
    max_balance = to_units(rules.max_balance, decimals, "rules.max_balance") if rules.max_balance else 0
    calls.append(token.encode_limits(rules.max_investors, to_units(rules.min_balance, decimals, "rules.min_balance"),
                                     max_balance))
    if rules.lockup_seconds:
        calls.append(token.encode_default_lockup(rules.lockup_seconds))
    if rules.require_filing_document:
        calls.append(token.encode_require_filing_document(True))
    return calls


def token_setup(token: SecurityToken, spec: OfferingSpec, index: int) -> list[bytes]:
    t = spec.tokens[index]
    calls = rule_setup(token, spec.rule_config, t.decimals)
    if spec.filing:
        calls.append(token.encode_document("filing", spec.filing.document_uri,
                                           bytes.fromhex(spec.filing.document_hash[2:])))
        calls.append(token.encode_document_reference("filing", spec.filing.reference))
    calls.append(token.encode_terms(
        f"{t.symbol}",
        spec.asset.type,
        spec.asset.description.strip()[:200],
        country_alpha2(spec.asset.jurisdiction),
        spec.filing.reference if spec.filing else "",
    ))
    return calls


def payment_token_addresses(tx: Transactor, spec: OfferingSpec, sender: LocalAccount, say: Say) -> dict[str, str]:
    """Addresses of the payment tokens; mocks are deployed for those without one, on local chains only."""
    result = {}
    for i, p in enumerate(spec.payment_tokens):
        if p.address:
            result[p.symbol] = p.address
            continue
        if tx.chain.chain_id not in LOCAL_CHAIN_IDS:
            raise ConfigError(f"payment_tokens[{i}].address is required on chain {tx.chain.chain_id} "
                              "(mock stablecoins are only deployed on local chains)")
        mock = MockStablecoin.deploy(tx, sender, f"{p.symbol} (local mock)", p.symbol, p.decimals)
        say(f"deployed mock payment token {p.symbol} ({p.currency}) at {mock.address}")
        result[p.symbol] = mock.address
    return result


@dataclass
class _DeploySteps:
    """What a deployment has already put on chain before its record exists (mock payment tokens, registry,
    distributor), saved after each step so that a rerun after a crash reuses it instead of deploying it again.
    `first_block` is kept with them: a resumed deployment still started where its first run did."""

    path: Path
    chain_id: int
    deployer: str
    done_steps: dict
    first_block: int

    @classmethod
    def load(cls, name: str, state: os.PathLike | None, tx: Transactor, deployer: str) -> "_DeploySteps":
        path = record_path(name, state).with_suffix(".progress.json")
        saved: dict = {}
        if path.exists():
            saved = json.loads(path.read_text())
            if saved.get("chain_id") != tx.chain.chain_id or saved.get("deployer") != deployer:
                saved = {}
        # Only what still exists counts (a local chain may have been restarted without its state).
        steps = {k: v for k, v in saved.get("steps", {}).items()
                 if all(tx.code(a) for a in (v.values() if isinstance(v, dict) else [v]))}
        # Every transaction of the deployment is mined after the current block.
        head = tx.chain.block_number()
        first = saved.get("first_block", 0) if steps else 0
        return cls(path, tx.chain.chain_id, deployer, steps, first if 0 < first <= head + 1 else head + 1)

    def reuse(self, step: str, make: Callable[[], Any]) -> Any:
        if step not in self.done_steps:
            self.done_steps[step] = make()
            write_json(self.path, {"chain_id": self.chain_id, "deployer": self.deployer,
                                   "first_block": self.first_block, "steps": self.done_steps})
        return self.done_steps[step]

    def done(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class DeployResult:
    record: DeploymentRecord
    gas_used: int
    resumed: bool
    replaced: Path | None = None  # where a stale record of the offering was moved (replace_stale_record)


def deploy_offering(tx: Transactor, spec: OfferingSpec, sender: LocalAccount, state: os.PathLike | None = None,
                    say: Say = lambda _: None, replace_stale_record: bool = False) -> DeployResult:
    """Deploy the offering, or find it deployed. A record of it whose contracts are not on this chain is refused
    (StaleRecord) unless `replace_stale_record`, which moves it to deployments/replaced/ and says so."""
    existing, replaced = _already_deployed(tx, spec, state, replace_stale_record, say)
    if existing is not None:
        offering = Offering(existing, tx, sender)
        # The spec's missing modules are part of the deployment (also when a crash interrupted it after the core);
        # a change to what is already deployed is `rwa apply`'s, after confirmation.
        modules = _missing_modules(offering, spec, state)
        if modules.changes:
            deploy_modules(offering, modules, state, say)
        plan = offering_plan(offering, spec, state)
        count = len(plan.changes) + len(plan.pending)
        if count:
            say(f"offering {spec.name!r} is already deployed (registry {existing.registry}), but its settings on "
                f"chain differ from the spec's in {count} place(s): `rwa plan {spec.source}` shows them, "
                f"`rwa apply {spec.source}` sends them")
        else:
            say(f"offering {spec.name!r} is already deployed (registry {existing.registry}) and matches the spec; "
                "nothing to do")
        return DeployResult(existing, 0, True)
    tx.chain.prefer_evm(spec.evm)
    evm = tx.chain.evm
    say(f"contracts built for {evm} ({'detected from the node' if tx.chain.evm_detected else 'as set'})")
    infra = infrastructure(tx, sender)
    factory = OfferingFactory(tx, infra.factory, sender)
    salt = offering_salt(spec.name)
    if tx.code(factory.predict(sender.address, salt, 0)):
        raise ConfigError(f"an offering named {spec.name!r} was already deployed by {sender.address} on this chain "
                          "but its record is missing from the state folder: restore the record or rename the offering")
    steps = _DeploySteps.load(spec.name, state, tx, sender.address)
    payments = steps.reuse("payment_tokens", lambda: payment_token_addresses(tx, spec, sender, say))
    registry = InvestorRegistry(tx, steps.reuse("registry", lambda: deploy_registry(tx, sender).address), sender)
    say(f"investor registry at {registry.address} (shared by the offering's tokens)")
    treasury = spec.issuer.treasury or sender.address
    # The distributor is configured before the tokens exist; their addresses are already fixed by the salt.
    predicted = [factory.predict(sender.address, salt, i) for i in range(len(spec.tokens))]
    withholding = spec.withholding
    tax_account = (withholding.tax_account if withholding else None) or treasury
    distributor = Distributor(tx, steps.reuse(
        "distributor", lambda: deploy_distributor(tx, sender, predicted[0], treasury, tax_account).address), sender)
    say(f"distributor at {distributor.address} (shared by the offering's tokens)")
    _configure_distributor(distributor, spec, predicted, treasury, tax_account, payments, say)
    # An ABI-only wrapper (no contract behind it yet): it encodes the setup calls the factory runs on each token.
    blank = SecurityToken(tx, ZERO_ADDRESS)
    plan = OfferingPlan(
        admin=sender.address,
        registry=registry.address,
        distributor=distributor.address,
        tokens=[TokenPlan(t.name, t.symbol, t.decimals, to_units(t.cap, t.decimals, f"tokens[{i}].cap"),
                          token_setup(blank, spec, i)) for i, t in enumerate(spec.tokens)],
    )
    deployed = factory.deploy_offering(plan, salt)
    say(f"deployed {len(deployed.tokens)} token(s) with their rules in one transaction "
        f"(gas {deployed.receipt.gas_used:,})")
    record = _deployment_record(tx, spec, infra.factory, deployed, distributor.address, payments, salt,
                                steps.first_block)
    path = save_record(record, state)
    steps.done()
    say(f"deployment record saved to {path}")
    offering = Offering(record, tx, sender)
    deploy_modules(offering, offering_plan(offering, spec, state, modules_only=True), state, say)
    return DeployResult(record, deployed.receipt.gas_used, False, replaced)


def deploy_modules(offering: Offering, plan: Plan, state: os.PathLike | None, say: Say) -> None:
    """Deploy and wire the spec's modules (`plan` of the modules only). Each is recorded as soon as it is deployed,
    so a rerun of `rwa deploy` after a crash wires it instead of deploying another; one waiting for a precondition
    (the waterfall, for issued tranches) is left to `rwa apply`, and said so."""
    for change in plan.changes:
        change.send(False)
        say(f"{change.what}: done")
    for key, address in offering.record.modules.items():
        say(f"module {key} at {address}")
    for change in plan.pending:
        say(f"module {change.subject} not deployed yet: {change.pending}")


def deploy_preview(tx: Transactor, spec: OfferingSpec, sender: LocalAccount,
                   state: os.PathLike | None = None) -> list[str]:
    """What `rwa deploy` would do, each step as a line "would ...", sending nothing: for an offering already
    deployed, the modules it would deploy or wire and how many other places differ (for `rwa apply`)."""
    existing, _ = _already_deployed(tx, spec, state, False, lambda _: None)
    if existing is not None:
        offering = Offering(existing, tx, sender)
        modules = _missing_modules(offering, spec, state)
        plan = offering_plan(offering, spec, state)
        lines = [f"would {c.what}" for c in modules.changes]
        lines += [f"would leave waiting: {c.subject}: {c.pending}" for c in modules.pending]
        others = len(plan.changes) + len(plan.pending) - len(modules.changes) - len(modules.pending)
        return lines + [f"offering {spec.name!r} is already deployed (registry {existing.registry}); "
                        + (f"{others} other place(s) differ from the spec: `rwa plan {spec.source}`, then "
                           f"`rwa apply {spec.source}`" if others else "nothing else differs from the spec")]
    local = tx.chain.chain_id in LOCAL_CHAIN_IDS
    lines = []
    for i, p in enumerate(spec.payment_tokens):
        if not p.address and not local:
            raise ConfigError(f"payment_tokens[{i}].address is required on chain {tx.chain.chain_id} "
                              "(mock stablecoins are only deployed on local chains)")
        if not p.address:
            lines.append(f"would deploy mock payment token {p.symbol} ({p.currency})")
    rates = len(spec.withholding.rates_bps) if spec.withholding else 0
    lines += [f"would deploy the investor registry and the distributor ({len(spec.payment_tokens)} payment token(s)"
              f", withholding for {rates} countr{'y' if rates == 1 else 'ies'})",
              f"would deploy {', '.join(t.symbol for t in spec.tokens)} with their rules in one factory transaction",
              *(f"would deploy module {key}" for key in _module_keys(spec))]
    if spec.modules.waterfall:
        lines.append("would leave the waterfall to `rwa apply` once every tranche is issued")
    return lines


def _missing_modules(offering: Offering, spec: OfferingSpec, state: os.PathLike | None) -> Plan:
    """The spec's modules the record lacks (deploying one wires it too)."""
    plan = offering_plan(offering, spec, state, modules_only=True)
    missing = [c for c in plan.changes if c.subject not in offering.record.modules]
    return Plan(missing, [c for c in plan.pending if c.subject not in offering.record.modules])


def _module_keys(spec: OfferingSpec) -> list[str]:
    m = spec.modules
    return ([DVP] if m.dvp else []) + [COLLATERAL_PREFIX + s for s in m.collateral] + (
        [PROCEEDS] if m.proceeds else []) + [REDEMPTION_PREFIX + s for s in m.redemption] + fund_keys(spec)


def _already_deployed(tx: Transactor, spec: OfferingSpec, state: os.PathLike | None, replace_stale: bool,
                      say: Say) -> tuple[DeploymentRecord | None, Path | None]:
    """(The offering's record if it is recorded and every contract it names is live on this chain, else None;
    where a stale record was moved, if it was). A record is never replaced silently: one for another chain is
    refused, and so is a stale one unless `replace_stale`. A deployment interrupted before its record was written
    resumes from its progress file (_DeploySteps), which this does not read."""
    path = record_path(spec.name, state)
    if not path.exists():
        return None, None
    record = load_record(spec.name, state)
    if record.chain_id != tx.chain.chain_id:
        raise ConfigError(f"offering {spec.name!r} is already recorded in {path} on chain {record.chain_id} "
                          f"({record.rpc_url}), not on chain {tx.chain.chain_id} at {tx.chain.url}: pass that "
                          "chain's --rpc-url, or deploy here with another --state folder")
    try:
        check_record_live(tx.chain, record, state)
    except StaleRecord as stale:
        if not replace_stale:
            raise stale.with_hint(" (`rwa deploy --replace-stale-record` moves it aside for you)") from None
        kept = set_aside(path)
        what, address = stale.missing[0]
        say(f"replaced the stale record of {spec.name!r} (its {what} {address} has no code on chain "
            f"{stale.chain_id} at {stale.url}); the old record is kept at {kept}")
        return None, kept
    return record, None


def _configure_distributor(distributor: Distributor, spec: OfferingSpec, tokens: list[str], treasury: str,
                           tax_account: str, payments: dict[str, str], say: Say) -> None:
    """Exclude the treasury from each token's distributions, set the spec's withholding rates and allow its
    payment tokens. Each setting is sent only if the distributor does not have it yet, so a rerun after a crash
    sends none twice."""
    for token in tokens:
        if distributor.excluded_wallets(token) != [treasury]:
            distributor.set_excluded_wallets(token, [treasury])
    # Before any distribution exists: a distribution withholds only if a rate was set when it was created.
    rates = spec.withholding.rates_bps if spec.withholding else {}
    for country, bps in rates.items():
        if distributor.withholding_rate(country) != bps:
            distributor.set_withholding_rate(country, bps)
    if rates:
        say(f"withholding tax set for {len(rates)} countr{'y' if len(rates) == 1 else 'ies'}, paid to {tax_account}")
    for p in spec.payment_tokens:
        if (distributor.is_payment_token_allowed(payments[p.symbol])
                and distributor.payment_token_currency(payments[p.symbol]) == p.currency):
            continue
        distributor.allow_payment_token(payments[p.symbol], p.currency, p.approved)


def _deployment_record(tx: Transactor, spec: OfferingSpec, factory: str, deployed: DeployedOffering, distributor: str,
                       payments: dict[str, str], salt: bytes, first_block: int) -> DeploymentRecord:
    """What `rwa deploy` records of the offering it deployed (a fresh investor salt included)."""
    return DeploymentRecord(
        name=spec.name, chain_id=tx.chain.chain_id, rpc_url=tx.chain.url, block=deployed.receipt.block_number,
        factory=factory, registry=deployed.registry, distributor=distributor,
        tokens={t.symbol: a for t, a in zip(spec.tokens, deployed.tokens)}, payment_tokens=payments,
        salt="0x" + salt.hex(), investor_salt="0x" + os.urandom(16).hex(),
        decimals={t.symbol: t.decimals for t in spec.tokens} | {p.symbol: p.decimals for p in spec.payment_tokens},
        spec_path=spec.source, first_block=first_block,
    )


def offering_status(op: "Operator", token: str | None = None) -> dict:
    """The offering's addresses, the token's supply, investor count and pause flag."""
    t = op.token(token)
    supply = t.total_supply()
    # A plain decimal in token units (as commands take amounts) and the base units beside it.
    return {"offering": op.record.name, "chain_id": op.chain.chain_id, "token": t.address, "symbol": t.symbol(),
            "total_supply": format_units(supply, t.decimals).replace(",", ""), "total_supply_units": supply,
            "investors": t.investor_count(), "paused": t.paused(),
            "registry": op.record.registry, "distributor": op.record.distributor, "modules": dict(op.record.modules),
            "first_block": op.record.first_block or op.record.block}
