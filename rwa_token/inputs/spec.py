"""The offering spec: one YAML file describing an issuance, parsed into dataclasses and checked before any
transaction is sent.

Everything an issuer can get wrong in the file is caught here, with the field's path in the message
(`offering.yaml: tokens[1].decimals: must be an integer 0..18, got "x"`): unknown keys (typos), malformed
values, and rules that span fields: a payment token in a currency a policy pack refuses, a filing made with
the wrong regulator for the asset's structure, a maturity before the first coupon. A mistake found on chain
costs gas and leaves a record; found here it costs nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eth_utils import is_checksum_address, to_checksum_address

from ..primitives.artifacts import EVM_TARGETS
from ..primitives.constants import MAX_BPS
from ..primitives.countries import country_alpha2, parse_country, parse_tax_country
from ..primitives.errors import ConfigError
from ..primitives.units import reference_bytes
from .policy import (
    REGULATORS,
    STRUCTURES,
    UINT96_MAX,
    Pack,
    RuleConfig,
    compile_packs,
    expect_bool,
    expect_decimal,
    expect_int,
    expect_list,
    expect_map,
    expect_str,
    load_pack,
    load_yaml,
    parse_currency,
    read_text,
)

ASSET_TYPES = ("receivables", "lease-receivables", "toll-revenue", "bond", "fund-units", "real-estate", "other")
# The structure an asset type is usually issued under; it decides which regulator takes the filing.
DEFAULT_STRUCTURE = {
    "receivables": "abs", "lease-receivables": "abs", "toll-revenue": "abs", "real-estate": "abs",
    "fund-units": "equity", "bond": "debt", "other": None,
}
TRANCHES = ("senior", "mezzanine", "junior", "none")
FREQUENCIES = {"monthly": 12, "quarterly": 4, "semiannual": 2, "annual": 1}
PRINCIPAL_MODES = ("sequential", "pro-rata")

_SYMBOL = re.compile(r"[A-Z0-9]{1,11}")
_HASH = re.compile(r"0x[0-9a-fA-F]{64}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


@dataclass
class Issuer:
    name: str
    wallet: str | None = None  # checksummed; the issuer's operating account when it signs itself
    treasury: str | None = None  # checksummed; where subscription proceeds are received


@dataclass
class Asset:
    type: str  # one of ASSET_TYPES
    description: str
    originator: str  # who generated the cash flows (e.g. the expressway operator)
    jurisdiction: int  # ISO 3166-1 numeric country of the underlying asset
    cash_flow_source: str
    structure: str | None  # "abs", "equity" or "debt"; defaults from the type


@dataclass
class Filing:
    regulator: str  # one of REGULATORS
    reference: str
    date: dt.date
    document_uri: str
    document_hash: str  # 0x + 64 lowercase hex: recorded on the token as the document named "filing"


@dataclass
class TokenSpec:
    name: str
    symbol: str
    decimals: int
    cap: Decimal  # in whole tokens
    tranche: str = "none"
    interest_rate_bps: int = 0
    face_value: Decimal | None = None  # per whole token, in payment-currency units


@dataclass
class Rules:
    policies: list[str]
    overrides: dict


@dataclass
class PaymentToken:
    symbol: str
    currency: str  # ISO 4217 code, or CNH
    decimals: int
    address: str | None = None  # None: a mock is deployed on local chains
    approved: bool = False  # the offering records the authority's approval of this payment token
    # The ERC-1643 document (its name on the token) an RMB-pegged token's approval rests on: `rwa apply` allows the
    # token only once that document is recorded, and links the two.
    approval_document: str | None = None


@dataclass
class CouponSchedule:
    frequency: str  # monthly|quarterly|semiannual|annual
    first_date: dt.date
    rate_bps: int

    @property
    def periods_per_year(self) -> int:
        return FREQUENCIES[self.frequency]


@dataclass
class Maturity:
    date: dt.date


@dataclass
class Waterfall:
    fees: Decimal  # paid before any tranche, per distribution, in payment-currency units
    principal_mode: str  # sequential (senior repaid first) or pro-rata


@dataclass
class Withholding:
    """Withholding tax on distributions: rate in basis points by ISO-3166 numeric country (0 = a wallet whose
    country the registry does not know), and the account that receives it (default: the issuer treasury)."""

    rates_bps: dict[int, int]
    tax_account: str | None = None


@dataclass
class ProceedsModule:
    """The use-of-proceeds vault: `purposes` (name -> cap in whole units of `asset`) as the filing lists them."""

    asset: str  # a payment token symbol of the spec
    purposes: dict[str, Decimal]
    treasurer: str | None = None  # TREASURER_ROLE (withdraws); default: the issuer treasury, else the deployer
    auditor: str | None = None  # AUDITOR_ROLE (may hold the vault during a review)


@dataclass
class RedemptionModule:
    face_value: Decimal  # principal per whole token, in payment-token units
    payment: str  # the payment token symbol principal is paid in
    start: dt.date | None = None  # redemptions open (UTC midnight); None: when it is deployed


@dataclass
class FundSpec:
    """A fund's dealing (ERC-7540): one FundVault per entry asset, dealing at NAV in cycles that cut off at
    `cutoff` (UTC) every day or every week on `weekday` (0 = Monday)."""

    token: str  # the share token's symbol
    entry_assets: list[str]  # payment token symbols investors subscribe in and are paid in
    frequency: str = "daily"  # daily | weekly
    cutoff: dt.time = dt.time(16, 0)
    weekday: int = 4  # weekly dealing: the cut-off's weekday (0 = Monday)
    nav_max_age_hours: int = 24  # a close refuses an older NAV
    subscription_fee_bps: int = 0
    redemption_fee_bps: int = 0
    gate_bps: int = 10_000  # share of the fund redeemable per cycle; the rest waits for the next
    min_subscription: Decimal = Decimal(0)  # per investor and cycle, in entry-asset units
    initial_nav: dict[str, Decimal] = field(default_factory=dict)  # entry asset -> NAV per share published at deploy
    treasury: str | None = None  # receives subscription cash; default: the issuer treasury, else the deployer
    fee_recipient: str | None = None  # default: the treasury

    def next_cutoff(self, after: int) -> int:
        """The first dealing cut-off of the schedule later than unix time `after` (UTC)."""
        moment = dt.datetime.fromtimestamp(after, dt.timezone.utc)
        candidate = dt.datetime.combine(moment.date(), self.cutoff, dt.timezone.utc)
        while candidate.timestamp() <= after or (self.frequency == "weekly" and candidate.weekday() != self.weekday):
            candidate += dt.timedelta(days=1)
        return int(candidate.timestamp())


FUND_FREQUENCIES = ("daily", "weekly")
MAX_FUND_FEE_BPS = 1000  # FundVault.MAX_FEE_BPS


@dataclass
class Modules:
    """The offering's optional modules, deployed and wired by `rwa deploy` and `rwa apply`."""

    dvp: bool = False  # a DvPSettlement for secondary trades
    dvp_fee_recipient: str | None = None  # where trades' platform fees go (none: trades carry no fee)
    collateral: dict[str, list[str]] = field(default_factory=dict)  # token symbol -> lenders (LENDER_ROLE)
    proceeds: ProceedsModule | None = None
    redemption: dict[str, RedemptionModule] = field(default_factory=dict)  # token symbol -> terms
    waterfall: bool = False  # the `waterfall:` section's contract, once the tranches are issued

    def __bool__(self) -> bool:
        return bool(self.dvp or self.collateral or self.proceeds or self.redemption or self.waterfall)


@dataclass
class OfferingSpec:
    """A validated offering. `rule_config` is the compiled policy packs plus overrides."""

    name: str
    issuer: Issuer
    asset: Asset
    filing: Filing | None
    tokens: list[TokenSpec]
    rules: Rules
    payment_tokens: list[PaymentToken]
    coupon_schedule: CouponSchedule | None
    maturity: Maturity | None
    waterfall: Waterfall | None
    rule_config: RuleConfig
    source: str = ""
    withholding: Withholding | None = None
    warnings: list[str] = field(default_factory=list)
    evm: str | None = None  # the contract build for the target chain; None: detected from the node
    modules: Modules = field(default_factory=Modules)
    fund: FundSpec | None = None

    def token(self, symbol: str) -> TokenSpec:
        for token in self.tokens:
            if token.symbol == symbol:
                return token
        raise ConfigError(f"no token with symbol {symbol!r} in this offering ({', '.join(t.symbol for t in self.tokens)})")


_TOP_KEYS = ("name", "issuer", "asset", "filing", "tokens", "rules", "payment_tokens", "coupon_schedule",
             "maturity", "waterfall", "withholding", "evm", "modules", "fund")


def load_spec(path: str | Path) -> OfferingSpec:
    """Read and validate an offering file; every error starts with the file name and the field's path."""
    return parse_spec(read_text(path, "offering spec"), Path(path).name, source=str(path))


def parse_spec(text: str, name: str = "offering.yaml", source: str = "") -> OfferingSpec:
    """Validate offering YAML given as text (`name` prefixes error messages)."""
    doc = load_yaml(text, name)
    return spec_from_dict(doc, name, source=source or name)


def spec_from_dict(doc: Any, name: str = "offering.yaml", source: str = "") -> OfferingSpec:
    """Validate an already-parsed offering mapping (from YAML or built in code)."""
    try:
        return _build(doc, source or name)
    except ConfigError as exc:
        raise ConfigError(f"{name}: {exc}") from None


def _build(doc: Any, source: str) -> OfferingSpec:
    if not isinstance(doc, dict):
        raise ConfigError("the offering must be a mapping with issuer, asset, tokens and rules (got "
                          f"{'an empty file' if doc is None else type(doc).__name__})")
    expect_map(doc, "", _TOP_KEYS, required=("issuer", "asset", "tokens"))
    title = expect_str(doc["name"], "name") if doc.get("name") is not None else ""
    issuer = _issuer(doc["issuer"])
    asset = _asset(doc["asset"])
    filing = _filing(doc["filing"]) if doc.get("filing") is not None else None
    tokens = _tokens(doc["tokens"])
    payment_tokens = _payment_tokens(doc.get("payment_tokens"))
    rules = _rules(doc.get("rules"))
    coupons = _coupons(doc["coupon_schedule"]) if doc.get("coupon_schedule") is not None else None
    maturity = _maturity(doc["maturity"]) if doc.get("maturity") is not None else None
    waterfall = _waterfall(doc["waterfall"]) if doc.get("waterfall") is not None else None
    config = _compile_rules(rules, payment_tokens)
    withholding = _withholding(doc["withholding"]) if doc.get("withholding") is not None else None
    spec = OfferingSpec(title or tokens[0].name, issuer, asset, filing, tokens, rules, payment_tokens, coupons,
                        maturity, waterfall, config, source, withholding=withholding, evm=_evm(doc.get("evm")))
    _cross_check(spec)
    if doc.get("modules") is not None:
        spec.modules = _modules(doc["modules"], spec)
    if doc.get("fund") is not None:
        spec.fund = _fund(doc["fund"], spec)
    return spec


# --- sections -------------------------------------------------------------------------------------------
def _evm(value: Any) -> str | None:
    """`evm:` the contract build for the target chain (prague, or shanghai for chains without the cancun
    opcodes); `auto` or absent: detected from the node when deploying."""
    if value is None:
        return None
    text = expect_str(value, "evm")
    if text not in ("auto", *EVM_TARGETS):
        raise ConfigError(f"evm: one of auto, {', '.join(EVM_TARGETS)}, got \"{text}\"")
    return None if text == "auto" else text


def _address(value: Any, path: str) -> str:
    text = expect_str(value, path)
    if not _ADDRESS.fullmatch(text):
        raise ConfigError(f"{path}: must be an address (0x + 40 hex digits), got \"{text}\"")
    body = text[2:]
    if body != body.lower() and body != body.upper() and not is_checksum_address(text):
        raise ConfigError(f"{path}: {text} has a bad checksum (a typo?); the checksummed form of this address "
                          f"is {to_checksum_address(text.lower())}")
    return to_checksum_address(text.lower())


def _date(value: Any, path: str) -> dt.date:
    text = expect_str(value, path)
    if not _DATE.fullmatch(text):
        raise ConfigError(f"{path}: must be an ISO date like \"2026-03-31\", got \"{text}\"")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{path}: {text} is not a calendar date") from None


def _choice(value: Any, path: str, choices: tuple[str, ...] | list[str]) -> str:
    text = expect_str(value, path)
    if text not in choices:
        raise ConfigError(f"{path}: must be one of {', '.join(choices)}, got \"{text}\"")
    return text


def _issuer(value: Any) -> Issuer:
    expect_map(value, "issuer", ("name", "wallet", "treasury"), required=("name",))
    return Issuer(
        name=expect_str(value["name"], "issuer.name"),
        wallet=_address(value["wallet"], "issuer.wallet") if value.get("wallet") is not None else None,
        treasury=_address(value["treasury"], "issuer.treasury") if value.get("treasury") is not None else None,
    )


def _asset(value: Any) -> Asset:
    keys = ("type", "description", "originator", "jurisdiction", "cash_flow_source", "structure")
    expect_map(value, "asset", keys, required=("type", "description", "originator", "jurisdiction", "cash_flow_source"))
    kind = _choice(value["type"], "asset.type", ASSET_TYPES)
    structure = (_choice(value["structure"], "asset.structure", STRUCTURES) if value.get("structure") is not None
                 else DEFAULT_STRUCTURE[kind])
    return Asset(
        type=kind,
        description=expect_str(value["description"], "asset.description"),
        originator=expect_str(value["originator"], "asset.originator"),
        jurisdiction=parse_country(value["jurisdiction"], field="asset.jurisdiction"),
        cash_flow_source=expect_str(value["cash_flow_source"], "asset.cash_flow_source"),
        structure=structure,
    )


def _filing(value: Any) -> Filing:
    keys = ("regulator", "reference", "date", "document_uri", "document_hash")
    expect_map(value, "filing", keys, required=keys)
    document_hash = expect_str(value["document_hash"], "filing.document_hash", pattern=_HASH,
                               hint="must be 0x followed by 64 hex digits (the document's keccak-256 or sha-256)")
    reference = expect_str(value["reference"], "filing.reference")
    try:
        reference_bytes(reference)  # recorded on chain with the filing document
    except ConfigError as exc:
        raise ConfigError(f"filing.reference: {exc}") from None
    return Filing(
        regulator=_choice(value["regulator"], "filing.regulator", REGULATORS),
        reference=reference,
        date=_date(value["date"], "filing.date"),
        document_uri=expect_str(value["document_uri"], "filing.document_uri", pattern=_URI,
                                hint="must be a URI such as https://... or ipfs://..."),
        document_hash=document_hash.lower(),
    )


def _tokens(value: Any) -> list[TokenSpec]:
    tokens: list[TokenSpec] = []
    seen_symbols: dict[str, int] = {}
    seen_tranches: dict[str, int] = {}
    for i, item in enumerate(expect_list(value, "tokens", min_items=1)):
        path = f"tokens[{i}]"
        keys = ("name", "symbol", "decimals", "cap", "tranche", "interest_rate_bps", "face_value")
        expect_map(item, path, keys, required=("name", "symbol", "decimals", "cap"))
        symbol = expect_str(item["symbol"], f"{path}.symbol", pattern=_SYMBOL,
                            hint="must be 1 to 11 capital letters or digits")
        if symbol in seen_symbols:
            raise ConfigError(f"{path}.symbol: {symbol} is already used by tokens[{seen_symbols[symbol]}]")
        seen_symbols[symbol] = i
        decimals = expect_int(item["decimals"], f"{path}.decimals", 0, 18)
        tranche = _choice(item["tranche"], f"{path}.tranche", TRANCHES) if item.get("tranche") is not None else "none"
        if tranche != "none" and tranche in seen_tranches:
            raise ConfigError(f"{path}.tranche: {tranche} is already used by tokens[{seen_tranches[tranche]}]")
        seen_tranches[tranche] = i
        tokens.append(TokenSpec(
            name=expect_str(item["name"], f"{path}.name"),
            symbol=symbol,
            decimals=decimals,
            cap=expect_decimal(item["cap"], f"{path}.cap", positive=True, places=decimals),
            tranche=tranche,
            interest_rate_bps=(expect_int(item["interest_rate_bps"], f"{path}.interest_rate_bps", 0, MAX_BPS)
                               if item.get("interest_rate_bps") is not None else 0),
            face_value=(expect_decimal(item["face_value"], f"{path}.face_value", positive=True)
                        if item.get("face_value") is not None else None),
        ))
    if len(tokens) > 1:
        for i, token in enumerate(tokens):
            if token.tranche == "none":
                raise ConfigError(f"tokens[{i}].tranche: an offering with several tokens needs a tranche for each "
                                  "(senior, mezzanine or junior)")
    return tokens


def _payment_tokens(value: Any) -> list[PaymentToken]:
    if value is None:
        return []
    result: list[PaymentToken] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(expect_list(value, "payment_tokens")):
        path = f"payment_tokens[{i}]"
        expect_map(item, path, ("symbol", "currency", "decimals", "address", "approved", "approval_document"),
                   required=("symbol", "currency", "decimals"))
        symbol = expect_str(item["symbol"], f"{path}.symbol", pattern=_SYMBOL,
                            hint="must be 1 to 11 capital letters or digits")
        if symbol in seen:
            raise ConfigError(f"{path}.symbol: {symbol} is already used by payment_tokens[{seen[symbol]}]")
        seen[symbol] = i
        result.append(PaymentToken(
            symbol=symbol,
            currency=parse_currency(item["currency"], f"{path}.currency"),
            decimals=expect_int(item["decimals"], f"{path}.decimals", 0, 18),
            address=_address(item["address"], f"{path}.address") if item.get("address") is not None else None,
            approved=expect_bool(item["approved"], f"{path}.approved") if item.get("approved") is not None else False,
            approval_document=(expect_str(item["approval_document"], f"{path}.approval_document")
                               if item.get("approval_document") is not None else None),
        ))
        if result[-1].approval_document and not result[-1].approved:
            raise ConfigError(f"{path}.approval_document: names the approval of a token that is not approved "
                              f"(set {path}.approved: true, or remove the document)")
    return result


def _rules(value: Any) -> Rules:
    if value is None:
        return Rules([], {})
    expect_map(value, "rules", ("policies", "overrides"))
    policies = []
    if value.get("policies") is not None:
        for i, ref in enumerate(expect_list(value["policies"], "rules.policies")):
            policies.append(expect_str(ref, f"rules.policies[{i}]"))
    overrides = value.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise ConfigError(f"rules.overrides: must be a mapping, got {type(overrides).__name__}")
    return Rules(policies, dict(overrides))


def _coupons(value: Any) -> CouponSchedule:
    expect_map(value, "coupon_schedule", ("frequency", "first_date", "rate_bps"),
               required=("frequency", "first_date", "rate_bps"))
    return CouponSchedule(
        frequency=_choice(value["frequency"], "coupon_schedule.frequency", tuple(FREQUENCIES)),
        first_date=_date(value["first_date"], "coupon_schedule.first_date"),
        rate_bps=expect_int(value["rate_bps"], "coupon_schedule.rate_bps", 0, MAX_BPS),
    )


def _maturity(value: Any) -> Maturity:
    expect_map(value, "maturity", ("date",), required=("date",))
    return Maturity(_date(value["date"], "maturity.date"))


def _waterfall(value: Any) -> Waterfall:
    expect_map(value, "waterfall", ("fees", "principal_mode"))
    return Waterfall(
        fees=expect_decimal(value["fees"], "waterfall.fees") if value.get("fees") is not None else Decimal(0),
        principal_mode=(_choice(value["principal_mode"], "waterfall.principal_mode", PRINCIPAL_MODES)
                        if value.get("principal_mode") is not None else "sequential"),
    )


def _withholding(value: Any) -> Withholding:
    expect_map(value, "withholding", ("rates_bps", "tax_account"), required=("rates_bps",))
    rates = value["rates_bps"]
    if not isinstance(rates, dict) or not rates:
        raise ConfigError("withholding.rates_bps: must map countries to basis points, e.g. {CN: 1000}")
    parsed: dict[int, int] = {}
    for key, bps in rates.items():
        path = f"withholding.rates_bps.{key}"
        country = parse_tax_country(key, path)
        if country in parsed:
            raise ConfigError(f"{path}: the same country appears twice")
        parsed[country] = expect_int(bps, path, 0, MAX_BPS)
    tax_account = value.get("tax_account")
    return Withholding(parsed, _address(tax_account, "withholding.tax_account") if tax_account is not None else None)


def _compile_rules(rules: Rules, payment_tokens: list[PaymentToken]) -> RuleConfig:
    packs: list[Pack] = []
    for i, ref in enumerate(rules.policies):
        try:
            pack = load_pack(ref)
        except ConfigError as exc:
            raise ConfigError(f"rules.policies[{i}]: {exc}") from None
        for j, earlier in enumerate(packs):
            if earlier.name == pack.name:
                raise ConfigError(f"rules.policies[{i}]: pack {pack.name} is already listed at rules.policies[{j}]")
        packs.append(pack)
    approved = [p.currency for p in payment_tokens if p.approved]
    try:
        return compile_packs(packs, rules.overrides, approved_currencies=approved, where="rules.overrides")
    except ConfigError as exc:
        text = str(exc)
        raise ConfigError(text if text.startswith("rules.") else f"rules.policies: {text}") from None


_PURPOSE = re.compile(r"[ -~]{1,32}")  # printable ASCII: stored on chain as a bytes32 name


def _modules(value: Any, spec: OfferingSpec) -> Modules:
    expect_map(value, "modules", ("dvp", "collateral", "proceeds", "redemption", "waterfall"))
    modules = Modules()
    dvp = value.get("dvp")
    if dvp is not None and dvp is not False:  # true, {} or {fee_recipient: ...}
        modules.dvp = True
        if dvp is not True:
            expect_map(dvp, "modules.dvp", ("fee_recipient",))
            if dvp.get("fee_recipient") is not None:
                modules.dvp_fee_recipient = _address(dvp["fee_recipient"], "modules.dvp.fee_recipient")
    if value.get("collateral") is not None:
        modules.collateral = _collateral(value["collateral"], spec)
    if value.get("proceeds") is not None:
        modules.proceeds = _proceeds(value["proceeds"], spec)
    if value.get("redemption") is not None:
        modules.redemption = _redemption(value["redemption"], spec)
    if value.get("waterfall") is not None:
        modules.waterfall = expect_bool(value["waterfall"], "modules.waterfall")
        if modules.waterfall:
            _check_waterfall_module(spec)
    return modules


def _per_token(value: Any, path: str, spec: OfferingSpec) -> dict[str, Any]:
    """A per-token module section: `true` (every token), a list of symbols, or a map symbol -> settings."""
    symbols = [t.symbol for t in spec.tokens]
    if value is True:
        return {s: None for s in symbols}
    if value is False:
        return {}
    if isinstance(value, dict):
        items = list(value.items())
    else:
        items = [(item, None) for item in expect_list(value, path)]
    result: dict[str, Any] = {}
    for key, settings in items:
        symbol = expect_str(key, path)
        if symbol not in symbols:
            raise ConfigError(f"{path}: {symbol} is not a token of this offering (it has {', '.join(symbols)})")
        if symbol in result:
            raise ConfigError(f"{path}: {symbol} is listed twice")
        result[symbol] = settings
    return result


def _collateral(value: Any, spec: OfferingSpec) -> dict[str, list[str]]:
    result = {}
    for symbol, settings in _per_token(value, "modules.collateral", spec).items():
        lenders: list[str] = []
        if settings is not None:
            path = f"modules.collateral.{symbol}"
            expect_map(settings, path, ("lenders",))
            for i, lender in enumerate(expect_list(settings.get("lenders") or [], f"{path}.lenders")):
                lenders.append(_address(lender, f"{path}.lenders[{i}]"))
        result[symbol] = lenders
    return result


def _payment_symbol(value: Any, path: str, spec: OfferingSpec) -> str:
    symbol = expect_str(value, path)
    known = [p.symbol for p in spec.payment_tokens]
    if symbol not in known:
        raise ConfigError(f"{path}: {symbol} is not a payment token of this offering "
                          f"({', '.join(known) or 'payment_tokens is empty'})")
    return symbol


def _proceeds(value: Any, spec: OfferingSpec) -> ProceedsModule:
    expect_map(value, "modules.proceeds", ("asset", "purposes", "treasurer", "auditor"), required=("asset", "purposes"))
    asset = _payment_symbol(value["asset"], "modules.proceeds.asset", spec)
    decimals = next(p.decimals for p in spec.payment_tokens if p.symbol == asset)
    purposes = value["purposes"]
    if not isinstance(purposes, dict) or not purposes:
        raise ConfigError("modules.proceeds.purposes: must map each purpose of the filing to its cap, e.g. "
                          "{toll-road-upgrade: \"40000000\"}")
    if len(purposes) > 64:
        raise ConfigError(f"modules.proceeds.purposes: at most 64 purposes (the vault's limit), got {len(purposes)}")
    caps: dict[str, Decimal] = {}
    for key, cap in purposes.items():
        path = f"modules.proceeds.purposes.{key}"
        name = expect_str(key, "modules.proceeds.purposes", pattern=_PURPOSE,
                          hint="a purpose name is 1 to 32 printable ASCII characters")
        caps[name] = expect_decimal(cap, path, positive=True, places=decimals)
        if caps[name].scaleb(decimals) > 2**128 - 1:
            raise ConfigError(f"{path}: {cap} {asset} exceeds what the vault can store (2^128 - 1 base units)")
    return ProceedsModule(
        asset, caps,
        treasurer=(_address(value["treasurer"], "modules.proceeds.treasurer")
                   if value.get("treasurer") is not None else None),
        auditor=_address(value["auditor"], "modules.proceeds.auditor") if value.get("auditor") is not None else None)


def _redemption(value: Any, spec: OfferingSpec) -> dict[str, RedemptionModule]:
    result = {}
    for symbol, settings in _per_token(value, "modules.redemption", spec).items():
        path = f"modules.redemption.{symbol}"
        settings = expect_map(settings if settings is not None else {}, path, ("face_value", "payment", "start"))
        if not spec.payment_tokens:
            raise ConfigError(f"{path}: principal is paid in a payment token, and payment_tokens is empty")
        payment = (_payment_symbol(settings["payment"], f"{path}.payment", spec) if settings.get("payment") is not None
                   else spec.payment_tokens[0].symbol)
        decimals = next(p.decimals for p in spec.payment_tokens if p.symbol == payment)
        index = next(i for i, t in enumerate(spec.tokens) if t.symbol == symbol)
        if settings.get("face_value") is not None:
            face = expect_decimal(settings["face_value"], f"{path}.face_value", positive=True, places=decimals)
        elif spec.tokens[index].face_value is not None:
            face = spec.tokens[index].face_value
            if -face.normalize().as_tuple().exponent > decimals:
                raise ConfigError(f"tokens[{index}].face_value: {face} has more decimal places than {payment} "
                                  f"({decimals}) can pay")
        else:
            raise ConfigError(f"{path}.face_value: required (or set tokens[{index}].face_value)")
        if settings.get("start") is not None:
            start = _date(settings["start"], f"{path}.start")
        else:
            start = spec.maturity.date if spec.maturity else None
        result[symbol] = RedemptionModule(face, payment, start)
    return result


_CUTOFF = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_FUND_KEYS = ("token", "entry_assets", "dealing", "nav_max_age_hours", "fees", "min_subscription", "gate_percent",
              "initial_nav", "treasury", "fee_recipient")


def _fund(value: Any, spec: OfferingSpec) -> FundSpec:
    expect_map(value, "fund", _FUND_KEYS)
    symbols = [t.symbol for t in spec.tokens]
    if value.get("token") is not None:
        token = expect_str(value["token"], "fund.token")
        if token not in symbols:
            raise ConfigError(f"fund.token: {token} is not a token of this offering (it has {', '.join(symbols)})")
    elif len(symbols) == 1:
        token = symbols[0]
    else:
        raise ConfigError(f"fund.token: required when the offering has several tokens ({', '.join(symbols)})")
    if not spec.payment_tokens:
        raise ConfigError("fund.entry_assets: investors subscribe in a payment token, and payment_tokens is empty")
    assets = [_payment_symbol(a, f"fund.entry_assets[{i}]", spec)
              for i, a in enumerate(expect_list(value.get("entry_assets") or [spec.payment_tokens[0].symbol],
                                                "fund.entry_assets", min_items=1))]
    if len(set(assets)) != len(assets):
        raise ConfigError("fund.entry_assets: an asset is listed twice")
    fund = FundSpec(token, assets)
    _fund_dealing(value.get("dealing"), fund)
    if value.get("nav_max_age_hours") is not None:
        fund.nav_max_age_hours = expect_int(value["nav_max_age_hours"], "fund.nav_max_age_hours", 1, 24 * 31)
    if value.get("fees") is not None:
        fees = expect_map(value["fees"], "fund.fees", ("subscription_bps", "redemption_bps"))
        for kind in ("subscription_bps", "redemption_bps"):
            if fees.get(kind) is not None:
                setattr(fund, f"{kind.split('_')[0]}_fee_bps",
                        expect_int(fees[kind], f"fund.fees.{kind}", 0, MAX_FUND_FEE_BPS))
    places = min(p.decimals for p in spec.payment_tokens if p.symbol in assets)
    if value.get("min_subscription") is not None:
        fund.min_subscription = expect_decimal(value["min_subscription"], "fund.min_subscription", places=places)
    if value.get("gate_percent") is not None:
        gate = expect_decimal(value["gate_percent"], "fund.gate_percent", positive=True, places=2)
        if gate > 100:
            raise ConfigError(f"fund.gate_percent: at most 100 (a share of the fund per cycle), got {gate}")
        fund.gate_bps = int(gate * 100)
    if value.get("initial_nav") is not None:
        fund.initial_nav = _initial_nav(value["initial_nav"], spec, assets)
    for key in ("treasury", "fee_recipient"):
        if value.get(key) is not None:
            setattr(fund, key, _address(value[key], f"fund.{key}"))
    return fund


def _initial_nav(value: Any, spec: OfferingSpec, assets: list[str]) -> dict[str, Decimal]:
    """`initial_nav`: one NAV per share for every entry asset ("1.00"), or a map asset -> NAV in that asset's units
    ({USDC: "1.00", HKDR: "7.80"})."""
    given = value if isinstance(value, dict) else {a: value for a in assets}
    navs = {}
    for asset, nav in given.items():
        if asset not in assets:
            raise ConfigError(f"fund.initial_nav.{asset}: not an entry asset of the fund ({', '.join(assets)})")
        decimals = next(p.decimals for p in spec.payment_tokens if p.symbol == asset)
        navs[asset] = expect_decimal(nav, f"fund.initial_nav.{asset}", positive=True, places=decimals)
    return navs


def _fund_dealing(value: Any, fund: FundSpec) -> None:
    if value is None:
        return
    expect_map(value, "fund.dealing", ("frequency", "cutoff", "weekday"))
    if value.get("frequency") is not None:
        fund.frequency = _choice(value["frequency"], "fund.dealing.frequency", FUND_FREQUENCIES)
    if value.get("cutoff") is not None:
        text = expect_str(value["cutoff"], "fund.dealing.cutoff", pattern=_CUTOFF,
                          hint="a UTC time of day like \"16:00\"")
        fund.cutoff = dt.time.fromisoformat(text)
    if value.get("weekday") is not None:
        if fund.frequency != "weekly":
            raise ConfigError("fund.dealing.weekday: only for weekly dealing (frequency: weekly)")
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        fund.weekday = days.index(_choice(str(value["weekday"]).lower(), "fund.dealing.weekday", days))


def _check_waterfall_module(spec: OfferingSpec) -> None:
    """What `rwa waterfall init` needs of the spec, refused when the spec is read."""
    if spec.waterfall is None:
        raise ConfigError("modules.waterfall: needs the waterfall section (fees, principal_mode)")
    if spec.coupon_schedule is None:
        raise ConfigError("modules.waterfall: needs coupon_schedule (it fixes the waterfall's period)")
    for i, t in enumerate(spec.tokens[:-1]):
        if t.face_value is None:
            raise ConfigError(f"modules.waterfall: tokens[{i}].face_value is required for a debt tranche")


# --- rules that span sections ---------------------------------------------------------------------------
def _cross_check(spec: OfferingSpec) -> None:
    config = spec.rule_config
    for i, payment in enumerate(spec.payment_tokens):
        if payment.currency in config.refused_currencies and not payment.approved:
            packs = ", ".join(config.refusing_packs(payment.currency)) or "a policy pack"
            raise ConfigError(
                f"payment_tokens[{i}].currency: {payment.currency} payment tokens are refused by {packs} unless "
                f"approved; set payment_tokens[{i}].approved: true only if the approval is on record")

    if config.require_filing_document and spec.filing is None:
        packs = ", ".join(t.split(":", 1)[0] for t in config.sources.get("filing_document", []))
        raise ConfigError(f"filing: required by {packs}: no token may be minted before the filing document is "
                          "recorded, so the offering must describe the filing (regulator, reference, date, "
                          "document_uri, document_hash)")
    if config.filing_routes:
        _check_regulator(spec)

    min_decimals = min(t.decimals for t in spec.tokens)
    max_decimals = max(t.decimals for t in spec.tokens)
    for key, amount in (("min_balance", config.min_balance), ("max_balance", config.max_balance)):
        if amount is None:
            continue
        if -amount.normalize().as_tuple().exponent > min_decimals:
            raise ConfigError(f"rules.overrides.{key}: {amount} has more decimal places than a token with "
                              f"{min_decimals} decimals can hold")
        if amount.scaleb(max_decimals) > UINT96_MAX:
            raise ConfigError(f"rules.overrides.{key}: {amount} tokens with {max_decimals} decimals exceed what the "
                              "rule engine can store (2^96 - 1 base units)")

    if spec.coupon_schedule is not None and not spec.payment_tokens:
        raise ConfigError("payment_tokens: coupons are scheduled, so at least one payment token is needed to pay them")
    if spec.waterfall is not None and len(spec.tokens) < 2:
        raise ConfigError("waterfall: a waterfall needs at least two tranche tokens")
    if spec.waterfall is not None and spec.coupon_schedule is not None:
        # The waterfall pays a debt tranche's interest per period in whole basis points (the annual rate divided by
        # the coupon frequency): refuse here, at plan and deploy time, a rate it would refuse at `waterfall init`.
        frequency = spec.coupon_schedule.frequency
        for i, t in enumerate(spec.tokens[:-1]):
            if t.interest_rate_bps % FREQUENCIES[frequency]:
                per = FREQUENCIES[frequency]
                raise ConfigError(
                    f"tokens[{i}].interest_rate_bps: {t.interest_rate_bps} bps a year is not a whole number of bps "
                    f"per {frequency} period: the waterfall needs a multiple of {per} (e.g. "
                    f"{t.interest_rate_bps - t.interest_rate_bps % per} or "
                    f"{t.interest_rate_bps - t.interest_rate_bps % per + per})")

    first = spec.coupon_schedule.first_date if spec.coupon_schedule else None
    if spec.maturity is not None:
        if first is not None and spec.maturity.date <= first:
            raise ConfigError(f"maturity.date: {spec.maturity.date} must be after coupon_schedule.first_date {first}")
        if spec.filing is not None and spec.maturity.date <= spec.filing.date:
            raise ConfigError(f"maturity.date: {spec.maturity.date} must be after filing.date {spec.filing.date}")
    if first is not None and spec.filing is not None and first < spec.filing.date:
        raise ConfigError(f"coupon_schedule.first_date: {first} is before filing.date {spec.filing.date}; "
                          "no coupon can fall before the offering is filed")

    if "cn-offshore-abs" in config.packs and spec.asset.jurisdiction != 156:
        spec.warnings.append(f"asset.jurisdiction is {country_alpha2(spec.asset.jurisdiction)}, but cn-offshore-abs "
                             "is meant for mainland-China (CN) assets")


def _check_regulator(spec: OfferingSpec) -> None:
    config, asset = spec.rule_config, spec.asset
    routed_by = sorted({t.split(":", 1)[0] for k, tags in config.sources.items() if k.startswith("route:")
                        for t in tags})
    packs = ", ".join(routed_by) or "a policy pack"
    if asset.structure is None:
        raise ConfigError(f"asset.structure: required for asset.type other because {packs} routes filings by "
                          f"structure ({', '.join(sorted(config.filing_routes))})")
    regulators = config.filing_routes.get(asset.structure)
    if regulators is None:
        return
    if spec.filing is None:
        raise ConfigError(f"filing: required by {packs}: a{'n' if asset.structure[0] in 'aeiou' else ''} "
                          f"{asset.structure} structure is filed with {' or '.join(sorted(regulators))}")
    if spec.filing.regulator not in regulators:
        derived = "" if asset.structure != DEFAULT_STRUCTURE.get(asset.type) else f" (asset.type {asset.type})"
        raise ConfigError(
            f"filing.regulator: {packs} routes a{'n' if asset.structure[0] in 'aeiou' else ''} {asset.structure} "
            f"structure{derived} to {' or '.join(sorted(regulators))}, got {spec.filing.regulator}")
