"""Secondary trading and use of proceeds, the domain side: EIP-712 trade orders (build, hash, sign, verify), trade
files that carry an order from `rwa trade new` through each party's signature to settlement, a pre-settlement
check that names every reason a trade would not settle, settlement and cancellation (single or batched, with dry
runs), approvals of the offering's modules, the offering's modules from its deployment record, and proceeds
deposits, withdrawals by purpose and the report against the offering's filing caps.

Contract access goes through the wrappers in `rwa_token.contracts.settlement`, `.collateral` and `.proceeds`.
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import astuple, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Sequence

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ..chain.tx import decode_revert
from ..contracts.collateral import CollateralManager
from ..contracts.proceeds import ProceedsVault, purpose_name
from ..contracts.settlement import DvPSettlement
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..primitives import eip712
from ..primitives.errors import REASON_CODES, ConfigError, restriction
from ..primitives.units import address as checked_address, decimal_text, timestamp, to_units
from ..store.state import write_json
from .context import Operator
from .dev import parse_duration
from .offering import COLLATERAL_PREFIX, DVP, PROCEEDS

TRADE_FIELDS = eip712.TRADE_FIELDS  # the one definition, which the contract's TRADE_TYPEHASH is checked against
DOMAIN_NAME, DOMAIN_VERSION = eip712.TRADE_DOMAIN
MAX_FEE_BPS = 500
_INSUFFICIENT_BALANCE = next(c for c, e in REASON_CODES.items() if e["exception"] == "InsufficientBalance")


@dataclass(frozen=True)
class Trade:
    """A matched trade as both parties sign it. Amounts are base units; expiry is unix seconds."""

    seller: str
    buyer: str
    security_token: str
    security_amount: int
    payment_token: str
    payment_amount: int
    nonce: int
    expiry: int
    fee_bps: int = 0

    def __post_init__(self) -> None:
        for name in ("seller", "buyer", "security_token", "payment_token"):
            object.__setattr__(self, name, checked_address(getattr(self, name), name))
        if self.seller == self.buyer:
            raise ConfigError("trade: seller and buyer must differ")
        if self.security_amount <= 0 or self.payment_amount < 0:
            raise ConfigError("trade: security amount must be positive and payment amount not negative")
        if not 0 <= self.fee_bps <= MAX_FEE_BPS:
            raise ConfigError(f"trade: fee_bps must be between 0 and {MAX_FEE_BPS}")

    def as_tuple(self) -> tuple:
        """The ABI tuple the contract takes."""
        return astuple(self)

    def message(self) -> dict[str, Any]:
        return dict(zip((f["name"] for f in TRADE_FIELDS), astuple(self)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Trade":
        """From a JSON-style dict in either the contract's camelCase or this class's snake_case."""
        keys = {f["name"]: f["name"] for f in TRADE_FIELDS}
        snake = {"securityToken": "security_token", "securityAmount": "security_amount",
                 "paymentToken": "payment_token", "paymentAmount": "payment_amount", "feeBps": "fee_bps"}
        out: dict[str, Any] = {}
        for key, value in data.items():
            name = snake.get(key, key) if key in keys or key in snake.values() else None
            if name is None:
                raise ConfigError(f"trade: unknown field {key!r}")
            out[name] = value
        missing = [key for key, name in snake.items() if name not in out and name != "fee_bps"]
        missing = [key for key in ("seller", "buyer", "nonce", "expiry") if key not in out] + missing
        if missing:
            raise ConfigError(f"trade: missing {', '.join(missing)}")
        for name in ("security_amount", "payment_amount", "nonce", "expiry", "fee_bps"):
            if name in out:
                out[name] = int(out[name])
        return cls(**out)

    def to_dict(self) -> dict[str, Any]:
        return self.message()


def typed_data(trade: Trade, chain_id: int, verifying_contract: str) -> dict[str, Any]:
    """The full EIP-712 structure for a trade on a given settlement contract."""
    return eip712.typed_data("Trade", TRADE_FIELDS, DOMAIN_NAME, DOMAIN_VERSION, chain_id,
                             checked_address(verifying_contract), trade.message())


def sign_trade(trade: Trade, account: LocalAccount, chain_id: int, verifying_contract: str) -> bytes:
    """The party's EIP-712 signature of `trade` (65 bytes r || s || v)."""
    signable = encode_typed_data(full_message=typed_data(trade, chain_id, verifying_contract))
    return bytes(account.sign_message(signable).signature)


def trade_digest(trade: Trade, chain_id: int, verifying_contract: str) -> bytes:
    """The digest the contract's `hashTrade` returns."""
    signable = encode_typed_data(full_message=typed_data(trade, chain_id, verifying_contract))
    return keccak(b"\x19" + signable.version + signable.header + signable.body)


def recover_signer(trade: Trade, signature: bytes, chain_id: int, verifying_contract: str) -> str:
    signable = encode_typed_data(full_message=typed_data(trade, chain_id, verifying_contract))
    return Account.recover_message(signable, signature=signature)


@dataclass
class SignedTrade:
    trade: Trade
    seller_signature: bytes = b""
    buyer_signature: bytes = b""


@dataclass
class TradeCheck:
    """Every reason found why a trade would not settle now; empty `problems` means it should settle."""

    trade_hash: str
    problems: list[str] = field(default_factory=list)
    compliance_code: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def compliance_name(self) -> str:
        return REASON_CODES.get(self.compliance_code, {}).get("name", "?") if self.compliance_code else ""

    def as_dict(self) -> dict[str, Any]:
        return {"trade_hash": self.trade_hash, "ok": self.ok, "problems": self.problems,
                "compliance_code": self.compliance_code, "compliance_name": self.compliance_name}


def _signature_problem(role: str, who: str, signature: bytes, trade: Trade, chain_id: int, dvp: str) -> str | None:
    if not signature:
        return f"{role} signature missing (the {role} runs `rwa trade sign` on the file)"
    try:
        signer = recover_signer(trade, signature, chain_id, dvp)
    except Exception:  # malformed bytes: not a signature at all
        return f"{role} signature invalid (not a 65-byte signature)"
    if signer.lower() != who.lower():
        return f"{role} signature invalid (signed by {signer}, not the {role} {who}, or for other terms)"
    return None


def check_trade(dvp, signed: SignedTrade, caller: str | None = None) -> TradeCheck:
    """Reads the chain (no transaction) and lists what would stop `signed` from settling via `dvp`, amounts in
    token units and the compliance refusal by its code and name. `caller` (who would send the settlement) needs no
    signature of its own."""
    t = signed.trade
    tx = dvp.tx
    chain_id = tx.chain.chain_id
    digest = dvp.hash_trade(t)
    result = TradeCheck(trade_hash="0x" + digest.hex())
    problems = result.problems
    now = tx.chain.block_timestamp()
    if now > t.expiry:
        problems.append(f"expired at {_iso(t.expiry)} (the chain's time is {_iso(now)})")
    for role, who, sig in (("seller", t.seller, signed.seller_signature), ("buyer", t.buyer, signed.buyer_signature)):
        if caller is None or caller.lower() != who.lower():
            problem = _signature_problem(role, who, sig, t, chain_id, dvp.address)
            if problem:
                problems.append(problem)
    if dvp.nonce_used(t.seller, t.nonce):
        problems.append(f"seller's nonce {t.nonce} already used on the DvP (the trade settled or was cancelled)")
    if dvp.cancelled_by_buyer(digest):
        problems.append("cancelled by the buyer")
    security, payment = ERC20(tx, t.security_token), ERC20(tx, t.payment_token)
    sec, pay = _Leg(security), _Leg(payment)
    held = security.balance_of(t.seller)
    if held < t.security_amount:
        problems.append(f"seller holds {sec.fmt(held)} of the {sec.fmt(t.security_amount)} to deliver")
    code, message = SecurityToken(tx, t.security_token).can_transfer_from(dvp.address, t.seller, t.buyer,
                                                                         t.security_amount)
    if code:
        result.compliance_code = code
        if not (code == _INSUFFICIENT_BALANCE and held < t.security_amount):  # said above, with the amounts
            problems.append(f"security leg refused by the token's rules [{code} {result.compliance_name}]: {message}")
    approved = security.allowance(t.seller, dvp.address)
    if approved < t.security_amount:
        problems.append(f"seller has approved {sec.fmt(approved)} of the {sec.fmt(t.security_amount)} for the DvP "
                        f"(the seller runs `rwa approve {sec.symbol} {sec.plain(t.security_amount)}`)")
    balance = payment.balance_of(t.buyer)
    if balance < t.payment_amount:
        problems.append(f"buyer holds {pay.fmt(balance)} of the {pay.fmt(t.payment_amount)} to pay")
    approved = payment.allowance(t.buyer, dvp.address)
    if approved < t.payment_amount:
        problems.append(f"buyer has approved {pay.fmt(approved)} of the {pay.fmt(t.payment_amount)} for the DvP "
                        f"(the buyer runs `rwa approve {pay.symbol} {pay.plain(t.payment_amount)}`)")
    if t.fee_bps and int(dvp.fee_recipient(), 16) == 0:
        problems.append(f"the trade carries a {t.fee_bps} bps fee but the DvP has no fee recipient")
    return result


class _Leg:
    """A leg's token for messages: amounts in its units with its symbol."""

    def __init__(self, token: ERC20):
        self.symbol, self.decimals = token.symbol(), token.decimals()

    def plain(self, units: int) -> str:
        return decimal_text(units, self.decimals)

    def fmt(self, units: int) -> str:
        return f"{self.plain(units)} {self.symbol}"


def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class BatchOutcome:
    settled: list[str]
    failed: dict[str, Exception]  # trade hash -> decoded revert


def settle_batch(dvp, trades: Sequence[SignedTrade], sender: LocalAccount | None = None,
                 chunk: int = 50) -> BatchOutcome:
    """Settles trades in batches of `chunk`; a bad trade is skipped on chain and reported here, decoded."""
    settled: list[str] = []
    failed: dict[str, Exception] = {}
    for start in range(0, len(trades), chunk):
        part = list(trades[start:start + chunk])
        done, refused = dvp.batch_outcome(dvp.settle_batch(part, sender=sender))
        settled += [_hex(trade_hash) for trade_hash in done]
        failed.update({_hex(trade_hash): decode_revert(reason) for trade_hash, reason in refused.items()})
    return BatchOutcome(settled, failed)


def _hex(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    return str(value)


# ------------------------------------------------------------------ use of proceeds

@dataclass(frozen=True)
class PurposeLine:
    purpose: str
    filed_cap: int | None  # what the filing says (None if the filing does not list it)
    onchain_cap: int  # 0 = not registered on chain
    withdrawn: int

    @property
    def remaining(self) -> int:
        return max(self.onchain_cap - self.withdrawn, 0)

    @property
    def status(self) -> str:
        if self.onchain_cap == 0:
            return "not registered"
        if self.filed_cap is None:
            return "not in filing"
        if self.onchain_cap != self.filed_cap:
            return "cap differs from filing"
        if self.withdrawn > self.filed_cap:
            return "over filed cap"
        return "ok"


@dataclass(frozen=True)
class ProceedsReport:
    deposited: int
    withdrawn: int
    balance: int
    lines: list[PurposeLine]
    withdrawals: list[dict]

    @property
    def ok(self) -> bool:
        return all(line.status == "ok" for line in self.lines)

    def as_dict(self, decimals: int | None = None) -> dict[str, Any]:
        """Amounts in base units; with the asset's `decimals`, each as a decimal string in token units beside its
        `<name>_units` integer (the CLI's JSON convention)."""
        def amounts(**named: int | None) -> dict[str, Any]:
            if decimals is None:
                return dict(named)
            out: dict[str, Any] = {}
            for name, units in named.items():
                out[name] = None if units is None else decimal_text(units, decimals)
                out[f"{name}_units"] = units
            return out

        return {
            **amounts(deposited=self.deposited, withdrawn=self.withdrawn, balance=self.balance), "ok": self.ok,
            "purposes": [{"purpose": l.purpose, **amounts(filed_cap=l.filed_cap, onchain_cap=l.onchain_cap,
                                                          withdrawn=l.withdrawn, remaining=l.remaining),
                          "status": l.status} for l in self.lines],
            "withdrawals": [w | amounts(amount=w["amount"]) for w in self.withdrawals],
        }


def deposit_proceeds(vault, asset, units: int, memo: str = "", dry_run: bool = False):
    """Deposit `units` (base units of the vault's asset) of subscription proceeds, approving the vault first if
    its allowance falls short. With `dry_run` nothing is sent: the balance is checked, and the deposit simulated
    when the allowance already covers it (else the approval is); None."""
    me = vault.sender.address
    held = asset.balance_of(me)
    if held < units:
        d = asset.decimals()
        raise ConfigError(f"{me} holds {decimal_text(held, d)} {asset.symbol()} of the {decimal_text(units, d)} to "
                          "deposit")
    short = asset.allowance(me, vault.address) < units
    if dry_run:
        return asset.approve(vault.address, units, dry_run=True) if short else vault.deposit(units, memo, dry_run=True)
    if short:
        asset.approve(vault.address, units)
    return vault.deposit(units, memo)


def withdraw_proceeds(vault, asset, purpose: str, units: int, to: str, memo: str, dry_run: bool = False):
    """Withdraw for a registered purpose within its cap; an unknown purpose, an amount past the cap or the vault's
    balance, or a vault on hold is refused by name before anything is sent. With `dry_run`, simulated (None)."""
    d, symbol = asset.decimals(), asset.symbol()
    registered = [purpose_name(p) for p in vault.purposes()]
    if purpose not in registered:
        raise ConfigError(f"purpose {purpose!r} is not registered on the proceeds vault (it has: "
                          f"{', '.join(registered) or 'none'})")
    if not memo.strip():
        raise ConfigError("a withdrawal needs a reference (--memo: the invoice or payment order)")
    cap, used = vault.purpose_of(purpose)
    if used + units > cap:
        raise ConfigError(f"{decimal_text(units, d)} {symbol} for {purpose!r} is past its cap: "
                          f"{decimal_text(cap - used, d)} of {decimal_text(cap, d)} {symbol} left")
    balance = vault.totals()[2]
    if units > balance:
        raise ConfigError(f"the vault holds {decimal_text(balance, d)} {symbol}, less than {decimal_text(units, d)}")
    if vault.on_hold():
        raise ConfigError("the proceeds vault is on hold (its auditor holds withdrawals)")
    return vault.withdraw(purpose, units, to, memo, dry_run=dry_run)


def proceeds_report(vault, filing: dict[str, int] | None = None) -> ProceedsReport:
    """Proceeds by purpose against the filing: `filing` maps purpose name -> cap in base units (from the
    offering's filing); purposes on chain but not in the filing, and filed purposes never registered, are
    flagged. Withdrawal events give the reference trail."""
    filing = dict(filing or {})
    deposited, withdrawn, balance = vault.totals()
    lines: list[PurposeLine] = []
    seen: set[str] = set()
    for pid in vault.purposes():
        name = purpose_name(pid)
        seen.add(name)
        cap, used = vault.purpose_of(pid)
        lines.append(PurposeLine(name, filing.get(name), cap, used))
    for name, cap in filing.items():
        if name not in seen:
            lines.append(PurposeLine(name, cap, 0, 0))
    withdrawals = [{"purpose": purpose_name(a["purpose"]), "to": a["to"], "amount": a["amount"], "memo": a["memo"],
                    "treasurer": a["treasurer"]} for a in vault.withdrawals()]
    return ProceedsReport(deposited, withdrawn, balance, lines, withdrawals)


# ------------------------------------------------------------------ the offering's modules

_MODULES = {  # kind -> (record key, what it is, its override option and environment variable)
    "dvp": (DVP, "DvP settlement contract", "--dvp", "RWA_DVP"),
    "collateral": (COLLATERAL_PREFIX, "collateral manager", "--manager", "RWA_COLLATERAL"),
    "proceeds": (PROCEEDS, "proceeds vault", "--vault", "RWA_PROCEEDS_VAULT"),
}


def module_address(op: Operator, kind: str, override: str | None = None, symbol: str | None = None) -> str:
    """The address of the offering's `kind` module ("dvp", "collateral" of token `symbol`, "proceeds"): `override`
    (an option or its environment variable) if given, else the deployment record's; one clear error otherwise."""
    key, what, option, env = _MODULES[kind]
    if override:
        return checked_address(override, option)
    if op.record is not None:
        if kind == "collateral":
            token_symbol, _ = op.record.token(symbol)
            key, what = f"{key}{token_symbol}", f"{what} for {token_symbol}"
        found = op.record.modules.get(key)
        if found:
            return found
        raise ConfigError(f"offering {op.record.name!r} has no {what}: declare it in the spec's `modules:` section and "
                          f"run `rwa apply SPEC`, or pass {option} ADDRESS (or set ${env})")
    raise ConfigError(f"no {what}: pass {option} ADDRESS (or set ${env}), or deploy an offering with one "
                      f"(`rwa deploy SPEC` with a `modules:` section)")


def settlement(op: Operator, override: str | None = None) -> DvPSettlement:
    return DvPSettlement(op.tx, module_address(op, "dvp", override), op.account)


def collateral_manager(op: Operator, override: str | None = None, symbol: str | None = None) -> CollateralManager:
    return CollateralManager(op.tx, module_address(op, "collateral", override, symbol), op.account)


def proceeds_vault(op: Operator, override: str | None = None) -> tuple[ProceedsVault, ERC20]:
    """The vault and its asset (the stablecoin it holds)."""
    vault = ProceedsVault(op.tx, module_address(op, "proceeds", override), op.account)
    return vault, ERC20(op.tx, vault.asset(), op.account)


def filing_caps(op: Operator, filing: Path | None, decimals: int) -> dict[str, int] | None:
    """The filing's cap per purpose in base units: from `filing` (JSON {purpose: cap}, caps as decimal amounts of
    the vault's asset) when given, else from the offering spec's `modules.proceeds.purposes` (the filing as the
    offering was deployed from it), else None (nothing to compare against)."""
    if filing is not None:
        try:
            filed = json.loads(filing.read_text())
            return {k: to_units(str(Decimal(str(v))), decimals, f"{filing.name}: {k}") for k, v in filed.items()}
        except (OSError, ValueError, AttributeError, ArithmeticError) as exc:
            raise ConfigError(f"{filing}: expected a JSON object of purpose -> cap ({exc})") from None
    if op.record is None or not op.record.spec_path or not Path(op.record.spec_path).exists():
        return None
    proceeds = op.spec().modules.proceeds
    if proceeds is None:
        return None
    return {name: to_units(str(cap), decimals, f"modules.proceeds.purposes.{name}")
            for name, cap in proceeds.purposes.items()}


# ------------------------------------------------------------------ trade files

TRADE_FILE_FORMAT = "rwa-trade/1"


@dataclass
class TradeFile:
    """A trade file as `rwa trade new` writes it and `sign`, `check`, `settle` and `cancel` read it.

    `trade` holds exactly what both parties sign (the contract's fields, amounts in base units); `terms` repeats
    it for people (symbols, decimal amounts, price, expiry in UTC) and is checked against `trade` when loaded, so
    an edited amount can never disagree silently with what is signed. `dvp` and `chain_id` fix the EIP-712 domain
    the signatures are for. Files of the earlier format ({"trade", "seller_signature", "buyer_signature"}) load
    with `dvp`, `chain_id` and `terms` empty."""

    signed: SignedTrade
    dvp: str | None = None
    chain_id: int | None = None
    terms: dict[str, Any] | None = None

    @property
    def trade(self) -> Trade:
        return self.signed.trade

    def to_dict(self) -> dict[str, Any]:
        t = self.trade
        trade = t.to_dict() | {"securityAmount": str(t.security_amount), "paymentAmount": str(t.payment_amount),
                               "nonce": str(t.nonce)}  # uint256 as strings: JSON readers that use doubles stay exact
        return {"format": TRADE_FILE_FORMAT, "chain_id": self.chain_id, "dvp": self.dvp, "trade": trade,
                "terms": self.terms, "seller_signature": _sig_hex(self.signed.seller_signature),
                "buyer_signature": _sig_hex(self.signed.buyer_signature)}

    @classmethod
    def from_dict(cls, data: Any, source: str = "trade file") -> "TradeFile":
        if not isinstance(data, dict) or not isinstance(data.get("trade"), dict):
            raise ConfigError(f"{source}: not a trade file (expected a JSON object with a \"trade\" object)")
        if data.get("format", TRADE_FILE_FORMAT) != TRADE_FILE_FORMAT:
            raise ConfigError(f"{source}: format {data['format']!r} is not {TRADE_FILE_FORMAT}")
        try:
            trade = Trade.from_dict(data["trade"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: bad trade ({exc})") from None
        signed = SignedTrade(trade, _sig_bytes(data.get("seller_signature"), source, "seller"),
                             _sig_bytes(data.get("buyer_signature"), source, "buyer"))
        dvp = data.get("dvp")
        found = cls(signed, checked_address(dvp, f"{source}: dvp") if dvp else None, data.get("chain_id"),
                    data.get("terms"))
        found._check_terms(source)
        return found

    def _check_terms(self, source: str) -> None:
        terms, t = self.terms, self.trade
        if not terms:
            return
        try:
            pairs = (("security_amount", "security_decimals", t.security_amount),
                     ("payment_amount", "payment_decimals", t.payment_amount))
            for name, decimals, units in pairs:
                if to_units(terms[name], int(terms[decimals]), name) != units:
                    raise ConfigError(f"{source}: terms.{name} {terms[name]} disagrees with the signed trade's "
                                      f"{decimal_text(units, int(terms[decimals]))}: the trade's fields are what is "
                                      "signed; write a new file with `rwa trade new`")
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: malformed terms ({exc})") from None


def _sig_hex(signature: bytes) -> str:
    return "0x" + signature.hex() if signature else ""


def _sig_bytes(value: Any, source: str, role: str) -> bytes:
    if not value:
        return b""
    try:
        return bytes.fromhex(value[2:] if value.startswith("0x") else value)
    except (AttributeError, ValueError):
        raise ConfigError(f"{source}: {role}_signature is not hex") from None


def load_trade_file(path: Path) -> TradeFile:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: not a readable JSON trade file ({exc})") from None
    return TradeFile.from_dict(data, str(path))


def save_trade_file(path: Path, trade_file: TradeFile) -> Path:
    """Write atomically: a crash never leaves a half-written file with a party's signature in it."""
    try:
        return write_json(Path(path), trade_file.to_dict())
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc}") from None


def trade_dvp(op: Operator, trade_file: TradeFile, override: str | None = None) -> DvPSettlement:
    """The DvP a trade file is for: the one it was written for, which an explicit `override` must match; else
    (a file of the earlier format) the override or the offering's."""
    if trade_file.chain_id is not None and trade_file.chain_id != op.chain.chain_id:
        raise ConfigError(f"the trade is for chain {trade_file.chain_id}, but the RPC endpoint is chain "
                          f"{op.chain.chain_id}")
    if trade_file.dvp is None:
        return settlement(op, override)
    if override and checked_address(override, "--dvp") != trade_file.dvp:
        raise ConfigError(f"the trade was written (and signed) for the DvP {trade_file.dvp}, not {override}")
    return DvPSettlement(op.tx, trade_file.dvp, op.account)


def parse_expiry(text: str, now: int) -> int:
    """A trade's expiry from a duration after the chain's time now ("1d", "12h", "+30m") or an ISO date/time."""
    try:
        return now + parse_duration(text)
    except ConfigError:
        at = timestamp(text, "expiry")
    if at <= now:
        raise ConfigError(f"expiry {text!r} is not after the chain's time now ({_iso(now)})")
    return at


def fresh_nonce(dvp: DvPSettlement, seller: str) -> int:
    """A nonce unused on `dvp` for `seller`. Random rather than the next free one: two trade files written before
    either settles must never share a nonce, since a seller's cancel (or a settlement) uses up every trade signed
    with it."""
    while True:
        nonce = secrets.randbits(64)
        if not dvp.nonce_used(seller, nonce):
            return nonce


def new_trade(op: Operator, dvp: DvPSettlement, seller: str, buyer: str, amount: str, *, token: str | None = None,
              payment: str | None = None, price: str | None = None, payment_amount: str | None = None,
              expiry: str = "1d", fee_bps: int = 0, nonce: int | None = None) -> TradeFile:
    """An unsigned trade of `amount` (token units) of security `token` (default the senior one) for `payment` (a
    payment token symbol of the offering, default the first) at `price` per token or for `payment_amount` in all,
    checked (parties, amounts at each token's decimals, fee, nonce) before anything is written."""
    security_symbol, security_address = op.offering.record.token(token)
    payment_token = op.payment_token(payment)
    payment_symbol = next(s for s, a in op.record.payment_tokens.items() if a == payment_token.address)
    distributor = op.offering.distributor
    if distributor is not None and not distributor.is_payment_token_allowed(payment_token.address):
        raise ConfigError(f"{payment_symbol} is not allowed on the offering's payment-token policy (removed, or never "
                          f"approved): see `rwa payment list`")
    if (price is None) == (payment_amount is None):
        raise ConfigError("give the price per token (--price) or the total payment (--payment-amount), not both")
    sec_decimals = op.token(security_symbol).decimals
    pay_decimals = payment_token.decimals()
    units = to_units(amount, sec_decimals, "--amount")
    try:
        total = payment_amount if payment_amount is not None else format(Decimal(amount) * Decimal(price), "f")
    except ArithmeticError:
        raise ConfigError(f"--price {price!r} is not a decimal number") from None
    pay_units = to_units(total, pay_decimals, "--payment-amount" if price is None else f"--amount x --price ({total})")
    if fee_bps and int(dvp.fee_recipient(), 16) == 0:
        raise ConfigError(f"a {fee_bps} bps fee needs a fee recipient on the DvP {dvp.address}, which has none")
    seller, buyer = checked_address(seller, "--seller"), checked_address(buyer, "--buyer")
    if nonce is None:
        nonce = fresh_nonce(dvp, seller)
    elif dvp.nonce_used(seller, nonce):
        raise ConfigError(f"nonce {nonce} of the seller {seller} is already used on the DvP")
    at = parse_expiry(expiry, op.chain.block_timestamp())
    trade = Trade(seller, buyer, security_address, units, payment_token.address, pay_units, nonce, at, fee_bps)
    terms = {"security": security_symbol, "security_amount": decimal_text(units, sec_decimals),
             "security_decimals": sec_decimals, "payment": payment_symbol,
             "payment_amount": decimal_text(pay_units, pay_decimals), "payment_decimals": pay_decimals,
             "price": format(Decimal(pay_units).scaleb(-pay_decimals) / Decimal(units).scaleb(-sec_decimals), "f"),
             "expiry": _iso(at), "fee_bps": fee_bps}
    return TradeFile(SignedTrade(trade), dvp.address, op.chain.chain_id, terms)


def sign_trade_file(trade_file: TradeFile, account: LocalAccount, dvp: DvPSettlement) -> str:
    """Sign as whichever party `account` is (the seller or the buyer); which one it signed as."""
    t = trade_file.trade
    if account.address == t.seller:
        role = "seller"
    elif account.address == t.buyer:
        role = "buyer"
    else:
        raise ConfigError(f"the signing key {account.address} is neither the seller {t.seller} nor the buyer "
                          f"{t.buyer}: set $RWA_PRIVATE_KEY (or --keystore) to a party's key")
    now = dvp.tx.chain.block_timestamp()
    if now > t.expiry:
        raise ConfigError(f"the trade expired at {_iso(t.expiry)}; write a new one with `rwa trade new`")
    signature = sign_trade(t, account, dvp.tx.chain.chain_id, dvp.address)
    setattr(trade_file.signed, f"{role}_signature", signature)
    trade_file.dvp, trade_file.chain_id = dvp.address, dvp.tx.chain.chain_id
    return role


def refuse_unless_ready(result: TradeCheck) -> None:
    """Raise unless the trade would settle: a rule refusal as its `TransferRestricted` (exit 3), anything else as a
    ConfigError naming every problem (exit 2); nothing is sent either way."""
    if result.ok:
        return
    text = f"trade {result.trade_hash} would not settle: " + "; ".join(result.problems)
    if result.compliance_code and result.compliance_code != _INSUFFICIENT_BALANCE:
        raise restriction(result.compliance_code, text)
    raise ConfigError(text)


def settle_trade(dvp: DvPSettlement, signed: SignedTrade, dry_run: bool = False):
    """Settle one trade once `check_trade` finds nothing against it; with `dry_run`, simulate only (None)."""
    refuse_unless_ready(check_trade(dvp, signed, caller=dvp.sender.address))
    return dvp.settle(signed.trade, signed.seller_signature, signed.buyer_signature, dry_run=dry_run)


@dataclass(frozen=True)
class BatchPlan:
    """The trades of a batch that pass `check_trade` (to send) and those that do not, with their problems."""

    ready: list[SignedTrade]
    refused: dict[str, list[str]]  # trade hash -> problems


def plan_batch(dvp: DvPSettlement, trades: Sequence[SignedTrade]) -> BatchPlan:
    checks = [check_trade(dvp, t, caller=dvp.sender.address) for t in trades]
    return BatchPlan([t for t, c in zip(trades, checks) if c.ok],
                     {c.trade_hash: c.problems for c in checks if not c.ok})


def cancel_trade(dvp: DvPSettlement, signed: SignedTrade, dry_run: bool = False) -> tuple[str, Any]:
    """Cancel as the signing key's party: the seller uses up the trade's nonce (every trade signed with it), the
    buyer cancels this exact trade. (role, receipt or None under `dry_run`)."""
    t, me = signed.trade, dvp.sender.address
    if me not in (t.seller, t.buyer):
        raise ConfigError(f"only a party cancels: the signing key {me} is neither the seller {t.seller} nor the "
                          f"buyer {t.buyer}")
    role = "seller" if me == t.seller else "buyer"
    if role == "seller" and dvp.nonce_used(t.seller, t.nonce):
        raise ConfigError(f"nothing to cancel: the seller's nonce {t.nonce} is already used (settled or cancelled)")
    if role == "buyer" and dvp.cancelled_by_buyer(dvp.hash_trade(t)):
        raise ConfigError("nothing to cancel: the buyer already cancelled this trade")
    return role, dvp.cancel(t, dry_run=dry_run)


# ------------------------------------------------------------------ approvals

@dataclass(frozen=True)
class Approval:
    token: str  # symbol
    spender: str  # "dvp", "collateral", "proceeds" or the address given
    spender_address: str
    units: int
    decimals: int
    receipt: Any  # None under dry_run

    def as_dict(self) -> dict[str, Any]:
        data = {"token": self.token, "spender": self.spender, "spender_address": self.spender_address,
                "amount": decimal_text(self.units, self.decimals), "amount_units": self.units,
                "dry_run": self.receipt is None}
        return data | ({"tx": self.receipt.tx_hash} if self.receipt is not None else {})


def approve_spender(op: Operator, token: str, amount: str, spender: str = "dvp",
                    overrides: dict[str, str | None] | None = None, dry_run: bool = False) -> Approval:
    """ERC-20 approval by the signing wallet of `amount` (token units) of `token`, a security or payment token
    symbol of the offering, for `spender`: the offering's "dvp", "collateral" (the token's manager), "proceeds"
    (each from the record unless `overrides` names its address), or an address."""
    overrides = overrides or {}
    record = op.offering.record
    securities = {s.upper(): (s, a) for s, a in record.tokens.items()}
    payments = {s.upper(): (s, a) for s, a in record.payment_tokens.items()}
    found = securities.get(token.upper()) or payments.get(token.upper())
    if found is None:
        raise ConfigError(f"{token!r} is not a token of offering {record.name!r} (securities: "
                          f"{', '.join(record.tokens)}; payment tokens: {', '.join(record.payment_tokens) or 'none'})")
    symbol, token_address = found
    kind = spender.lower()
    if kind == "collateral":
        if symbol.upper() not in securities:
            raise ConfigError(f"a collateral manager holds pledges of a security token, not {symbol}")
        spender_address = module_address(op, "collateral", overrides.get("collateral"), symbol)
    elif kind in ("dvp", "proceeds"):
        spender_address = module_address(op, kind, overrides.get(kind))
        if kind == "proceeds" and ProceedsVault(op.tx, spender_address).asset() != token_address:
            raise ConfigError(f"the proceeds vault takes its own asset, not {symbol}")
    else:
        spender_address, kind = checked_address(spender, "--spender"), checked_address(spender, "--spender")
    erc20 = ERC20(op.tx, token_address, op.account)
    decimals = erc20.decimals()
    units = to_units(amount, decimals, "amount")
    return Approval(symbol, kind, spender_address, units, decimals,
                    erc20.approve(spender_address, units, dry_run=dry_run))
