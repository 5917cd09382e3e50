"""Secondary trading and use of proceeds, the domain side: EIP-712 trade orders (build, hash, sign, verify),
a pre-settlement check that explains every reason a trade would not settle, batch settlement with per-trade
outcomes, and the use-of-proceeds report against the offering's filing caps.

Contract access goes through the wrappers in `rwa_token.contracts.settlement`, `.collateral` and `.proceeds`.
"""
from __future__ import annotations

from dataclasses import astuple, dataclass, field
from typing import Any, Sequence

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ..chain.tx import decode_revert
from ..contracts.proceeds import purpose_name
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..primitives import eip712
from ..primitives.errors import ConfigError
from ..primitives.units import address as checked_address

TRADE_FIELDS = eip712.TRADE_FIELDS  # the one definition, which the contract's TRADE_TYPEHASH is checked against
DOMAIN_NAME, DOMAIN_VERSION = eip712.TRADE_DOMAIN
MAX_FEE_BPS = 500


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


def check_trade(dvp, signed: SignedTrade, caller: str | None = None) -> TradeCheck:
    """Reads the chain (no transaction) and lists what would stop `signed` from settling via `dvp`."""
    t = signed.trade
    tx = dvp.tx
    chain_id = tx.chain.chain_id
    digest = dvp.hash_trade(t)
    result = TradeCheck(trade_hash="0x" + digest.hex())
    now = tx.chain.block_timestamp()
    if now > t.expiry:
        result.problems.append(f"expired at {t.expiry} (now {now})")
    for role, who, sig in (("seller", t.seller, signed.seller_signature), ("buyer", t.buyer, signed.buyer_signature)):
        if caller is not None and caller.lower() == who.lower():
            continue
        try:
            ok = bool(sig) and recover_signer(t, sig, chain_id, dvp.address).lower() == who.lower()
        except Exception:
            ok = False
        if not ok:
            result.problems.append(f"{role} signature missing or invalid")
    if dvp.nonce_used(t.seller, t.nonce):
        result.problems.append(f"seller nonce {t.nonce} already used (settled or cancelled)")
    if dvp.cancelled_by_buyer(digest):
        result.problems.append("cancelled by the buyer")
    security = SecurityToken(tx, t.security_token)
    code, message = security.can_transfer_from(dvp.address, t.seller, t.buyer, t.security_amount)
    if code:
        result.compliance_code = code
        result.problems.append(f"security leg refused, code {code}: {message}")
    if security.allowance(t.seller, dvp.address) < t.security_amount:
        result.problems.append("seller has not approved the settlement contract for the security amount")
    payment = ERC20(tx, t.payment_token)
    if payment.balance_of(t.buyer) < t.payment_amount:
        result.problems.append("buyer's payment balance is too low")
    if payment.allowance(t.buyer, dvp.address) < t.payment_amount:
        result.problems.append("buyer has not approved the settlement contract for the payment amount")
    if t.fee_bps and int(dvp.fee_recipient(), 16) == 0:
        result.problems.append("trade carries a fee but the platform has no fee recipient")
    return result


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "deposited": self.deposited, "withdrawn": self.withdrawn, "balance": self.balance, "ok": self.ok,
            "purposes": [{"purpose": l.purpose, "filed_cap": l.filed_cap, "onchain_cap": l.onchain_cap,
                          "withdrawn": l.withdrawn, "remaining": l.remaining, "status": l.status}
                         for l in self.lines],
            "withdrawals": self.withdrawals,
        }


def deposit_proceeds(vault, asset, units: int, memo: str = ""):
    """Deposit `units` (base units of the vault's asset) of subscription proceeds, approving the vault first if
    its allowance falls short."""
    if asset.allowance(vault.sender.address, vault.address) < units:
        asset.approve(vault.address, units)
    return vault.deposit(units, memo)


def proceeds_report(vault, filing: dict[str, int] | None = None, with_events: bool = True) -> ProceedsReport:
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
    withdrawals = []
    if with_events:
        for a in vault.withdrawals():
            withdrawals.append({"purpose": purpose_name(a["purpose"]), "to": a["to"], "amount": a["amount"],
                                "memo": a["memo"], "treasurer": a["treasurer"]})
    return ProceedsReport(deposited, withdrawn, balance, lines, withdrawals)
