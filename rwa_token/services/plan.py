"""The offering spec as the desired state: every difference between a spec and a deployed offering, each with the
call that removes it and who must sign it (`offering_plan`), and sending them (`apply_plan`).

One plan serves `rwa plan` (shown, read-only), `rwa apply` (sent, after confirmation) and `rwa deploy` (the spec's
modules after the core, and a pointer to `apply` when anything else differs). It is recomputed from the chain each
time, so rerunning `apply` sends nothing: a module is recorded as soon as it is deployed, and its wiring (roles,
compliance hook, purposes) is compared like everything else.

What the spec does not manage is left alone: withholding only when the spec has a `withholding:` section (then a
country it does not list is set to 0), modules the spec does not list, and purposes it does not list (a registered
purpose cannot be removed: its cap stays)."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from datetime import timezone
from typing import TYPE_CHECKING, Any, Callable

from ..chain.tx import Receipt
from ..contracts.base import AccessControlled
from ..contracts.collateral import CollateralManager
from ..contracts.fund import DealingTerms, FundVault
from ..contracts.proceeds import ProceedsVault, purpose_name
from ..contracts.redemption import Redemption
from ..contracts.settlement import DvPSettlement
from ..contracts.stablecoin import MockStablecoin
from ..contracts.token import SecurityToken
from ..inputs.spec import FundSpec, OfferingSpec, PaymentToken
from ..primitives.constants import LOCAL_CHAIN_IDS
from ..primitives.countries import country_alpha2
from ..primitives.errors import ConfigError, RwaError
from ..primitives.units import ZERO_ADDRESS, format_units, to_units
from ..store.journal import Journal
from ..store.state import save_record
from .payments import allow_payment_token
from .offering import COLLATERAL_PREFIX, DVP, FUND_PREFIX, PROCEEDS, REDEMPTION_PREFIX, WATERFALL, Offering
from .rules import plan_rules
from .servicing import set_up_waterfall

if TYPE_CHECKING:
    from .context import Operator

COMPLIANCE = "compliance officer (COMPLIANCE_ROLE)"
ADMIN = "admin (DEFAULT_ADMIN_ROLE)"
DOCUMENT_WRITER = "compliance officer or admin"
Send = Callable[[bool], Any]  # send(dry_run): with True, simulate (a refusal raises) and send nothing


@dataclass(frozen=True)
class Change:
    """One difference between the spec and the chain, and the call that removes it."""

    area: str  # rules, supply cap, document, payment token, withholding, module
    subject: str  # what it is about: a token or payment token symbol, a country, a module's record key
    what: str  # "country KR (410): no rule -> allowed"
    signer: str  # who must sign it
    send: Send
    pending: str = ""  # why it cannot be sent yet (a precondition on chain); "" = ready

    def as_dict(self) -> dict:
        found = {"area": self.area, "subject": self.subject, "change": self.what, "signer": self.signer}
        return found | ({"pending": self.pending} if self.pending else {})


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)  # ready to send, in the order they are best sent
    pending: list[Change] = field(default_factory=list)  # in the spec, waiting for a precondition
    notes: list[str] = field(default_factory=list)  # differences `apply` leaves alone, and why

    def add(self, change: Change) -> None:
        (self.pending if change.pending else self.changes).append(change)


# ------------------------------------------------------------------------------------------------ the plan
def offering_plan(offering: Offering, spec: OfferingSpec, state: os.PathLike | None = None,
                  modules_only: bool = False, document: str | None = None) -> Plan:
    """Every difference between `spec` and the deployed `offering` (read-only). `modules_only`: only the spec's
    modules (what `rwa deploy` deploys after the core). `document`: the approval the changes are made under (an
    RMB-pegged payment token is allowed only under one)."""
    plan = Plan()
    tokens = _tokens(offering, spec, plan)
    if not modules_only:
        _documents(spec, tokens, plan)
        _supply_caps(spec, tokens, plan)
        for c in plan_rules(tokens, spec.rule_config):
            plan.add(Change("rules", c.token, c.what, COMPLIANCE, c.send))
        _payment_tokens(offering, spec, state, plan, document)
        _withholding(offering, spec, plan)
    _modules(offering, spec, state, plan)
    if spec.fund is not None and spec.fund.token in offering.record.tokens:
        for asset in spec.fund.entry_assets:
            _fund(offering, spec.fund, asset, state, plan, spec.issuer.treasury)
    return plan


def _tokens(offering: Offering, spec: OfferingSpec, plan: Plan) -> dict[str, SecurityToken]:
    """The tokens both the spec and the record name; the others are notes (a tranche is added by a new offering)."""
    recorded = offering.tokens
    for t in spec.tokens:
        if t.symbol not in recorded:
            plan.notes.append(f"token {t.symbol} is in the spec but not deployed: tokens are only added by "
                              "deploying a new offering")
    for symbol in recorded:
        if symbol not in {t.symbol for t in spec.tokens}:
            plan.notes.append(f"token {symbol} is deployed but not in the spec: it is left as it is")
    return {s: token for s, token in recorded.items() if s in {t.symbol for t in spec.tokens}}


def _documents(spec: OfferingSpec, tokens: dict[str, SecurityToken], plan: Plan) -> None:
    """The filing document (name "filing": URI, hash, the regulator's reference) on every token."""
    if spec.filing is None:
        return
    f = spec.filing
    for symbol, token in tokens.items():
        uri, digest, _ = token.document("filing")
        if (uri, "0x" + bytes(digest).hex()) != (f.document_uri, f.document_hash):
            was = f"{uri} ({'0x' + bytes(digest).hex()[:10]}...)" if uri else "none"
            plan.add(Change("document", symbol, f"filing document: {was} -> {f.document_uri} "
                            f"({f.document_hash[:12]}...)", DOCUMENT_WRITER,
                            lambda dry, t=token: t.set_document("filing", f.document_uri, f.document_hash,
                                                                dry_run=dry)))
        reference = token.document_reference("filing")
        if reference != f.reference:
            plan.add(Change("document", symbol, f"filing reference: {reference or 'none'} "
                            f"-> {f.reference}", DOCUMENT_WRITER,
                            lambda dry, t=token: t.set_document_reference("filing", f.reference, dry_run=dry)))


def _supply_caps(spec: OfferingSpec, tokens: dict[str, SecurityToken], plan: Plan) -> None:
    for i, t in enumerate(spec.tokens):
        token = tokens.get(t.symbol)
        if token is None:
            continue
        want, have = to_units(t.cap, t.decimals, f"tokens[{i}].cap"), token.supply_cap()
        if want == have:
            continue
        what = f"supply cap: {format_units(have, t.decimals)} -> {format_units(want, t.decimals)}"
        supply = token.total_supply()
        pending = (f"{format_units(supply, t.decimals)} {t.symbol} are already issued, more than the new cap"
                   if want < supply else "")
        plan.add(Change("supply cap", t.symbol, what, ADMIN,
                        lambda dry, tk=token, cap=want: tk.set_supply_cap(cap, dry_run=dry), pending))


def _payment_tokens(offering: Offering, spec: OfferingSpec, state: os.PathLike | None, plan: Plan,
                    document: str | None) -> None:
    """Each of the spec's payment tokens recorded and allowed on the distributor's payment-token policy in its
    currency; one the record lacks is added (a mock is deployed for one without an address, on local chains). An
    RMB-pegged one waits for its approval document (`approval_document`, or the apply's `document`)."""
    record, distributor = offering.record, offering.distributor
    if distributor is None:
        return
    for symbol in record.payment_tokens:
        if symbol not in {p.symbol for p in spec.payment_tokens}:
            plan.notes.append(f"payment token {symbol} is recorded but not in the spec: it is left as it is")
    for i, p in enumerate(spec.payment_tokens):
        recorded = record.payment_tokens.get(p.symbol)
        if recorded and p.address and recorded.lower() != p.address.lower():
            plan.notes.append(f"payment token {p.symbol}: the spec's address {p.address} is not the recorded "
                              f"{recorded}; a payment token's address is not changed (use another symbol)")
            continue
        address = recorded or p.address
        if not address and offering.tx.chain.chain_id not in LOCAL_CHAIN_IDS:
            plan.notes.append(f"payment token {p.symbol}: payment_tokens[{i}].address is required on chain "
                              f"{offering.tx.chain.chain_id} (mocks are deployed on local chains only)")
            continue
        rmb = distributor.is_rmb_pegged(p.currency)
        approval = (p.approval_document or document) if rmb else None
        if address:
            now = distributor.payment_token_config(address)
            if recorded and now.allowed and now.currency == p.currency and (now.rmb_approved or not rmb):
                linked = record.payment_documents.get(p.symbol)
                if rmb and not linked and approval:  # allowed as approved (at deploy): link it to its document
                    plan.add(Change("payment token", p.symbol, f"payment token {p.symbol}: link its {p.currency} "
                                    f"approval to document {approval}", ADMIN,
                                    lambda dry, pt=p, doc=approval: _allow_payment_token(offering, pt, doc, state,
                                                                                         dry)))
                elif rmb and not linked:
                    plan.notes.append(f"payment token {p.symbol} is allowed as an approved {p.currency} token with no "
                                      f"approval document linked: set payment_tokens[{i}].approval_document")
                continue
            was = f"allowed in {now.currency}" if now.allowed else "not allowed"
        else:
            was = "a local mock is deployed"
        under = f" under approval document {approval}" if approval else ""
        pending = (f"{p.currency} is RMB-pegged: allowed only under the authority's approval recorded on the token "
                   f"(set payment_tokens[{i}].approval_document, or pass --document NAME)" if rmb and not approval
                   else "")
        plan.add(Change("payment token", p.symbol, f"payment token {p.symbol}: {was} -> recorded and allowed in "
                        f"{p.currency}{under}", ADMIN,
                        lambda dry, pt=p, doc=approval: _allow_payment_token(offering, pt, doc, state, dry), pending))


def _allow_payment_token(offering: Offering, p: PaymentToken, document: str | None, state: os.PathLike | None,
                         dry: bool) -> Receipt | None:
    address = offering.record.payment_tokens.get(p.symbol) or p.address
    if address is None:  # a local mock, deployed (and recorded by the allowance) when it is sent
        if dry:
            _need_role(offering.distributor, "DEFAULT_ADMIN_ROLE", offering, "allow a payment token")
            return None
        address = MockStablecoin.deploy(offering.tx, offering.sender, f"{p.symbol} (local mock)", p.symbol,
                                        p.decimals).address
    return allow_payment_token(offering, p.symbol, address, p.currency, document=document, dry_run=dry,
                               state=state).receipt


def _withholding(offering: Offering, spec: OfferingSpec, plan: Plan) -> None:
    """The spec's withholding rates (any other country's rate set to 0) and tax account, when it has the section."""
    distributor, record = offering.distributor, offering.record
    if distributor is None:
        return
    since = record.first_block or record.block
    if spec.withholding is None:
        countries = distributor.withholding_countries(since)
        set_ = [c for c, bps in zip(countries, distributor.withholding_rate_many(countries)) if bps]
        if set_:
            plan.notes.append(f"withholding rates are set on chain for {', '.join(_country(c) for c in set_)} and "
                              "the spec has no withholding section: they are left as they are")
        return
    wanted = spec.withholding.rates_bps
    countries = sorted(set(wanted) | set(distributor.withholding_countries(since)))
    for country, have in zip(countries, distributor.withholding_rate_many(countries)):
        want = wanted.get(country, 0)
        if want != have:
            plan.add(Change("withholding", _country(country), f"withholding {_country(country)}: {have} bps -> "
                            f"{want} bps", ADMIN, lambda dry, c=country, bps=want: distributor.set_withholding_rate(
                                c, bps, dry_run=dry)))
    treasury = spec.issuer.treasury or (offering.sender.address if offering.sender else None)
    tax_account = spec.withholding.tax_account or treasury
    have_account = distributor.tax_account()
    if tax_account and have_account.lower() != tax_account.lower():
        plan.add(Change("withholding", "tax account", f"tax account: {have_account} -> {tax_account}",
                        ADMIN, lambda dry: distributor.set_tax_account(tax_account, dry_run=dry)))


def _country(code: int) -> str:
    return "unknown country" if code == 0 else f"{country_alpha2(code)} ({code})"


# ------------------------------------------------------------------------------------------------ modules
def _modules(offering: Offering, spec: OfferingSpec, state: os.PathLike | None, plan: Plan) -> None:
    m, record = spec.modules, offering.record
    wanted = ({DVP} if m.dvp else set()) | ({PROCEEDS} if m.proceeds else set()) | (
        {WATERFALL} if m.waterfall else set()) | {COLLATERAL_PREFIX + s for s in m.collateral} | {
        REDEMPTION_PREFIX + s for s in m.redemption} | set(fund_keys(spec))
    for key in record.modules:
        if key not in wanted:
            plan.notes.append(f"module {key} ({record.modules[key]}) is recorded but not in the spec's modules: it "
                              "is left as it is")
    if m.dvp:
        _dvp(offering, spec, state, plan)
    for symbol, lenders in m.collateral.items():
        if symbol in record.tokens:
            _collateral(offering, symbol, lenders, state, plan)
    if m.proceeds:
        _proceeds(offering, spec, state, plan)
    for symbol in m.redemption:
        if symbol in record.tokens:
            _redemption(offering, spec, symbol, state, plan)
    if m.waterfall:
        _waterfall(offering, spec, state, plan)


def _recorded(offering: Offering, key: str, address: str, state: os.PathLike | None) -> None:
    """Record a module the moment it is deployed, so a rerun wires it instead of deploying a second one."""
    offering.record.modules[key] = address
    save_record(offering.record, state)


def _dvp(offering: Offering, spec: OfferingSpec, state: os.PathLike | None, plan: Plan) -> None:
    fee = spec.modules.dvp_fee_recipient
    dvp = offering.dvp
    if dvp is None:
        def deploy(dry: bool) -> None:
            if dry:
                return None
            _recorded(offering, DVP, DvPSettlement.deploy_new(offering.tx, offering.sender, offering.sender.address,
                                                              fee).address, state)
        plan.add(Change("module", DVP, "deploy DvP settlement" + (f" (platform fees to {fee})" if fee else ""),
                        "anyone (the deployer becomes its admin)", deploy))
        return
    have = dvp.fee_recipient()
    if (fee or ZERO_ADDRESS).lower() != have.lower():
        plan.add(Change("module", DVP, f"DvP fee recipient: {have} -> {fee or ZERO_ADDRESS}", ADMIN,
                        lambda dry: dvp.set_fee_recipient(fee or ZERO_ADDRESS, dry_run=dry)))


def _collateral(offering: Offering, symbol: str, lenders: list[str], state: os.PathLike | None, plan: Plan) -> None:
    """A collateral manager per token: the token's compliance hook (every transfer checks the pledges) and an agent
    (seizure moves pledged tokens), with the spec's lenders."""
    key, token = COLLATERAL_PREFIX + symbol, offering.token(symbol)
    manager = offering.collateral(symbol)
    if manager is None:
        def deploy(dry: bool) -> None:
            if dry:
                _need_role(token, "COMPLIANCE_ROLE", offering, f"make a collateral manager {symbol}'s compliance hook")
                _need_role(token, "DEFAULT_ADMIN_ROLE", offering, f"grant a collateral manager AGENT_ROLE on {symbol}")
                return None
            made = CollateralManager.deploy_for(offering.tx, offering.sender, token, wire=False)
            _recorded(offering, key, made.address, state)
            for change in _collateral_wiring(token, symbol, made, lenders):
                change.send(False)
        plan.add(Change("module", key, f"deploy a collateral manager for {symbol}: its compliance hook and an "
                        f"agent{_lenders(lenders)}", f"{COMPLIANCE} and {ADMIN} on {symbol}", deploy))
        return
    for change in _collateral_wiring(token, symbol, manager, lenders):
        plan.add(change)


def _lenders(lenders: list[str]) -> str:
    return f", lenders {', '.join(lenders)}" if lenders else ""


def _collateral_wiring(token: SecurityToken, symbol: str, manager: CollateralManager,
                       lenders: list[str]) -> list[Change]:
    key, changes = COLLATERAL_PREFIX + symbol, []
    hook = token.compliance_hook()
    if hook.lower() != manager.address.lower():
        was = "none" if int(hook, 16) == 0 else hook
        changes.append(Change("module", key, f"{symbol} compliance hook: {was} -> collateral manager "
                              f"{manager.address}", COMPLIANCE,
                              lambda dry: token.set_compliance_hook(manager.address, dry_run=dry)))
    changes += _grants(token, "AGENT_ROLE", {manager.address: "the collateral manager"}, key, symbol)
    changes += _grants(manager, "LENDER_ROLE", {a: "lender" for a in lenders}, key, "collateral manager")
    return changes


def _grants(contract: AccessControlled, role: str, accounts: dict[str, str], key: str, on: str,
            fresh: bool = False) -> list[Change]:
    """Grants of `role` on `contract` ("on" names it) to each account (address -> who it is) that lacks it (every
    one, on a `fresh` contract)."""
    return [Change("module", key, f"grant {role} on {on} to {who} {a}", f"{ADMIN} on {on}",
                   lambda dry, a=a: contract.grant_role(role, a, dry_run=dry))
            for a, who in accounts.items() if fresh or not contract.has_role(role, a)]


def _proceeds(offering: Offering, spec: OfferingSpec, state: os.PathLike | None, plan: Plan) -> None:
    """The use-of-proceeds vault in the spec's asset, with the filing's purposes and caps, a treasurer and an
    optional auditor."""
    p = spec.modules.proceeds
    treasurer = p.treasurer or spec.issuer.treasury or (offering.sender.address if offering.sender else None)
    roles = [("TREASURER_ROLE", {treasurer: "treasurer"} if treasurer else {}),
             ("AUDITOR_ROLE", {p.auditor: "auditor"} if p.auditor else {})]
    vault = offering.proceeds
    caps = ", ".join(f"{name} {cap}" for name, cap in p.purposes.items())
    if vault is None:
        def deploy(dry: bool) -> None:
            asset = offering.record.payment_tokens.get(p.asset)
            if dry:
                return None
            if asset is None:
                raise ConfigError(f"modules.proceeds.asset: payment token {p.asset} is not recorded yet")
            made = ProceedsVault.deploy(offering.tx, offering.sender, asset, offering.sender.address)
            _recorded(offering, PROCEEDS, made.address, state)
            for change in _proceeds_wiring(made, p.purposes, roles, p.asset, notes=None):
                change.send(False)
        plan.add(Change("module", PROCEEDS, f"deploy the proceeds vault in {p.asset} with purposes {caps}",
                        "anyone (the deployer becomes its admin)", deploy))
        return
    asset_symbol = next((s for s, a in offering.record.payment_tokens.items() if a.lower() == vault.asset().lower()),
                        vault.asset())
    if asset_symbol != p.asset:
        plan.notes.append(f"the proceeds vault holds {asset_symbol}, the spec says {p.asset}: a vault's asset is "
                          "fixed (record another vault by hand)")
        return
    for change in _proceeds_wiring(vault, p.purposes, roles, p.asset, plan.notes):
        plan.add(change)


def _proceeds_wiring(vault: ProceedsVault, purposes: dict, roles: list[tuple[str, dict[str, str]]], asset: str,
                     notes: list[str] | None) -> list[Change]:
    """The vault's purposes, caps and roles as the spec has them; `notes` None: a vault just deployed (nothing to
    read back yet)."""
    fresh = notes is None
    decimals = vault.decimals_of(vault.asset())
    registered = {} if fresh else {purpose_name(pid): pid for pid in vault.purposes()}
    changes = []
    for name, cap in purposes.items():
        want = to_units(cap, decimals, f"modules.proceeds.purposes.{name}")
        if name not in registered:
            changes.append(Change("module", PROCEEDS, f"register purpose {name} with cap {cap} {asset}", ADMIN,
                                  lambda dry, n=name, c=want: vault.register_purpose(n, c, dry_run=dry)))
            continue
        have, withdrawn = vault.purpose_of(registered[name])
        if have != want:
            pending = (f"{format_units(withdrawn, decimals)} {asset} were already withdrawn for {name}, more than "
                       "the new cap" if want < withdrawn else "")
            changes.append(Change("module", PROCEEDS, f"purpose {name} cap: {format_units(have, decimals)} -> "
                                  f"{format_units(want, decimals)} {asset}", ADMIN,
                                  lambda dry, n=name, c=want: vault.set_purpose_cap(n, c, dry_run=dry), pending))
    for name in registered:
        if name not in purposes:
            notes.append(f"proceeds purpose {name} is registered but not in the spec: a purpose cannot be removed "
                         "(its cap stays)")
    for role, accounts in roles:
        changes += _grants(vault, role, accounts, PROCEEDS, "the proceeds vault", fresh)
    return changes


def _redemption(offering: Offering, spec: OfferingSpec, symbol: str, state: os.PathLike | None, plan: Plan) -> None:
    """The token's redemption module (principal per token, paid from a pool in a payment token, from its start
    date), an agent of the token so that it can burn what it redeems."""
    terms, key, token = spec.modules.redemption[symbol], REDEMPTION_PREFIX + symbol, offering.token(symbol)
    module = offering.redemption(symbol)
    if module is not None:
        for change in _grants(token, "AGENT_ROLE", {module.address: "the redemption module"}, key, symbol):
            plan.add(change)
        return
    start = terms.start

    def deploy(dry: bool) -> None:
        payment = offering.record.payment_tokens.get(terms.payment)
        if dry:
            _need_role(token, "DEFAULT_ADMIN_ROLE", offering, f"grant the redemption module AGENT_ROLE on {symbol}")
            return None
        if payment is None:
            raise ConfigError(f"modules.redemption.{symbol}.payment: payment token {terms.payment} is not recorded")
        when = (int(dt.datetime.combine(start, dt.time(), timezone.utc).timestamp()) if start
                else offering.tx.chain.block_timestamp())
        made = Redemption.deploy_initialized(
            offering.tx, offering.sender, agent=offering.sender.address, token=token.address,
            principal_token=payment, distributor=offering.record.distributor, treasury=offering.sender.address,
            face_value_per_token=to_units(terms.face_value, token.decimals_of(payment), "face_value"), start=when)
        _recorded(offering, key, made.address, state)
        token.grant_role("AGENT_ROLE", made.address)
    opens = f"from {start}" if start else "from now"
    plan.add(Change("module", key, f"deploy the redemption module of {symbol}: {terms.face_value} {terms.payment} a "
                    f"token, {opens}, an agent of {symbol}", f"{ADMIN} on {symbol}", deploy))


def _waterfall(offering: Offering, spec: OfferingSpec, state: os.PathLike | None, plan: Plan) -> None:
    """The tranche waterfall: each debt tranche's outstanding principal is its supply times its face value, so it is
    deployed once every tranche is issued."""
    if offering.waterfall is not None:
        return
    tokens = offering.tokens
    unissued = [s for s, t in tokens.items() if t.total_supply() == 0]
    pending = (f"waits for every tranche to be issued ({', '.join(unissued)} {'has' if len(unissued) == 1 else 'have'}"
               " no supply yet): its outstanding principal is read from the supply; `rwa apply` deploys it then"
               if unissued else "")

    def deploy(dry: bool) -> None:
        if dry:
            return None
        made = set_up_waterfall(spec, list(tokens.values()), offering.distributor, offering.payment_token(),
                                offering.sender, fee_account=offering.sender.address)
        _recorded(offering, WATERFALL, made.address, state)
    plan.add(Change("module", WATERFALL, f"deploy the waterfall ({spec.waterfall.principal_mode}, fees "
                    f"{spec.waterfall.fees} a period)", "anyone (the deployer becomes its admin and agent)", deploy,
                    pending))


def fund_keys(spec: OfferingSpec) -> list[str]:
    """The record keys of the spec's fund vaults, one per entry asset."""
    f = spec.fund
    return [f"{FUND_PREFIX}{f.token}:{asset}" for asset in f.entry_assets] if f else []


def _fund(offering: Offering, fund: FundSpec, asset: str, state: os.PathLike | None, plan: Plan,
          issuer_treasury: str | None) -> None:
    """The fund's dealing vault for entry `asset`: an agent of the share token (it mints on claims and burns on
    redemption requests), with the spec's fees, gate, minimum subscription and NAV staleness bound."""
    key, token = f"{FUND_PREFIX}{fund.token}:{asset}", offering.token(fund.token)
    vault = offering.record.modules.get(key)
    payment = offering.record.payment_tokens.get(asset)
    decimals = token.decimals_of(payment) if payment else None
    if vault is not None:
        made = FundVault(offering.tx, vault, offering.sender)
        for change in _grants(token, "AGENT_ROLE", {vault: "the fund vault"}, key, fund.token):
            plan.add(change)
        for change in _fund_terms(made, fund, asset, decimals, key):
            plan.add(change)
        return
    sender = offering.sender.address if offering.sender else ZERO_ADDRESS

    def deploy(dry: bool) -> None:
        if dry:
            _need_role(token, "DEFAULT_ADMIN_ROLE", offering, f"grant the {asset} fund vault AGENT_ROLE on {fund.token}")
            return None
        recorded = offering.record.payment_tokens.get(asset)  # recorded by now if this apply deployed it
        if recorded is None:
            raise ConfigError(f"fund.entry_assets: payment token {asset} is not recorded yet")
        treasury = fund.treasury or issuer_treasury or sender
        made = FundVault.deploy_for(
            offering.tx, offering.sender, agent=sender, share=token.address, asset=recorded,
            policy=offering.record.distributor, treasury=treasury, fee_recipient=fund.fee_recipient or treasury,
            first_cutoff=fund.next_cutoff(offering.tx.chain.block_timestamp()))
        _recorded(offering, key, made.address, state)
        token.grant_role("AGENT_ROLE", made.address)
        for change in _fund_terms(made, fund, asset, token.decimals_of(recorded), key, fresh=True):
            change.send(False)
    fees = f"fees {fund.subscription_fee_bps}/{fund.redemption_fee_bps} bps"
    plan.add(Change("module", key, f"deploy the {fund.token} fund vault in {asset} ({fund.frequency} dealing, cut-off "
                    f"{fund.cutoff:%H:%M} UTC, {fees}, gate {fund.gate_bps / 100:g}%), an agent of {fund.token}",
                    f"{ADMIN} on {fund.token}", deploy))


def _fund_terms(vault: FundVault, fund: FundSpec, asset: str, decimals: int | None, key: str,
                fresh: bool = False) -> list[Change]:
    """The vault's dealing terms as the spec has them (read back from the chain, a vault just deployed included),
    and the initial NAV on a vault just deployed."""
    if decimals is None:
        return []
    want = DealingTerms(fund.subscription_fee_bps, fund.redemption_fee_bps, fund.gate_bps,
                        to_units(fund.min_subscription, decimals, "fund.min_subscription"))
    age = fund.nav_max_age_hours * 3600
    changes = []
    if (vault.dealing_terms(), vault.dealing().max_nav_age) != (want, age):
        changes.append(Change("module", key, f"dealing terms: fees {want.subscription_fee_bps}/"
                              f"{want.redemption_fee_bps} bps, gate {want.gate_bps} bps, minimum subscription "
                              f"{fund.min_subscription}, NAV valid {fund.nav_max_age_hours} h", ADMIN,
                              lambda dry: vault.set_dealing_terms(want, age, dry_run=dry)))
    if fresh and asset in fund.initial_nav:
        nav = to_units(fund.initial_nav[asset], decimals, "fund.initial_nav")
        changes.append(Change("module", key, f"publish the initial NAV {fund.initial_nav[asset]} {asset}", "NAV agent",
                              lambda dry: vault.publish_nav(nav, vault.tx.chain.block_timestamp(), dry_run=dry)))
    return changes


def _need_role(contract: AccessControlled | None, role: str, offering: Offering, what: str) -> None:
    """In a dry run, where the call cannot be simulated (its contract is not deployed yet): the sender must hold the
    role the real call will need."""
    account = offering.sender.address if offering.sender else ZERO_ADDRESS
    if contract is not None and not contract.has_role(role, account):
        where = offering.record.contract_named(contract.address)
        raise RwaError(f"{account} lacks {role} on the {where}, needed to {what}")


# ------------------------------------------------------------------------------------------------ applying
@dataclass
class Applied:
    sent: int  # changes sent
    would_send: int  # in a dry run: the changes simulated
    tx: list[str]
    pending: list[Change]
    document: str | None = None
    deployed: dict[str, str] = field(default_factory=dict)  # modules deployed: record key -> address


def require_document(offering: Offering, name: str) -> str:
    """The token that records document `name` (ERC-1643); a ConfigError when no token of the offering does."""
    for symbol, token in offering.tokens.items():
        if name in token.documents():
            return symbol
    raise ConfigError(f"no token of offering {offering.name!r} records a document named {name!r}: record it first "
                      f"with `rwa docs add {name} URI --file ...`")


def apply_plan(offering: Offering, plan: Plan, state: os.PathLike | None = None, dry_run: bool = False,
               document: str | None = None, journal: Journal | None = None) -> Applied:
    """Send the plan's ready changes in order (each simulated first when `dry_run`, sending nothing). With
    `document`, the changes are tied to that recorded document, in `journal` (the audit shows under which
    document each change was made)."""
    if document is not None:
        require_document(offering, document)
    if dry_run:
        for change in plan.changes:
            change.send(True)
        return Applied(0, len(plan.changes), [], plan.pending, document)
    hashes: list[str] = []
    before = dict(offering.record.modules)
    for change in plan.changes:
        receipt = change.send(False)
        tx_hash = receipt.tx_hash if isinstance(receipt, Receipt) else None
        if tx_hash:
            hashes.append(tx_hash)
        if journal is not None:
            journal.append(kind="apply", area=change.area, subject=change.subject, change=change.what,
                           document=document, tx=tx_hash,
                           at=dt.datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    deployed = {k: a for k, a in offering.record.modules.items() if before.get(k) != a}
    return Applied(len(plan.changes), 0, hashes, plan.pending, document, deployed)


def spec_plan(op: "Operator", spec: OfferingSpec, document: str | None = None) -> Plan:
    """What `rwa plan` shows and `rwa apply` sends for the operator's offering; with `document`, refused first
    unless a token of the offering records that document."""
    if spec.name != op.offering.name:
        raise ConfigError(f"the spec describes offering {spec.name!r}, not the deployed {op.offering.name!r}: pass "
                          f"--offering with the spec's offering, or the other offering's spec")
    if document is not None:
        require_document(op.offering, document)
    return offering_plan(op.offering, spec, op.state, document=document)


def apply_spec(op: "Operator", plan: Plan, dry_run: bool = False, document: str | None = None) -> Applied:
    """`apply_plan` on the operator's offering, each change written to the offering's "apply" journal."""
    return apply_plan(op.offering, plan, op.state, dry_run, document, op.journal("apply"))
