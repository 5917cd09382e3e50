"""The offering's payment tokens: which ERC-20s coupons and redemptions may be paid in, on the distributor's
payment-token policy (contracts/cashflow/PaymentTokenPolicy.sol), and in the deployment record.

An RMB-pegged token (CNY, CNH: the policy's `isRmbPegged`) may be allowed only with the authority's approval on
file: `allow_payment_token(..., document=NAME)` refuses unless ERC-1643 document NAME is recorded on the token,
then allows it as approved and links the symbol to that document in the record (`payment_documents`), so the
approval is traceable to its document rather than a bare boolean. `rwa payment`, `rwa apply` and scripts call
these functions with an `Operator` or an `Offering`."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from ..chain.tx import Receipt
from ..contracts.distributor import Distributor
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..inputs.policy import parse_currency
from ..primitives.errors import ConfigError
from ..primitives.units import address as checked_address
from ..store.state import save_record
from .context import Operator
from .offering import Offering

_SYMBOL_HINT = "1 to 11 capital letters or digits, as in the offering spec"


@dataclass(frozen=True)
class PaymentTokenLine:
    """One payment token as `rwa payment list` shows it."""

    symbol: str
    address: str
    currency: str  # "" when the distributor's policy has never allowed it
    decimals: int
    allowed: bool  # usable for new distributions now
    rmb_pegged: bool
    rmb_approved: bool
    document: str | None  # the approval document an RMB-pegged token is linked to

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class PaymentChange:
    """What `allow_payment_token` / `disallow_payment_token` did (or, with dry_run, would do)."""

    symbol: str
    address: str
    currency: str
    decimals: int
    rmb_pegged: bool
    document: str | None
    receipt: Receipt | None
    status: str  # "sent"; "dry_run" (simulated, nothing sent); "unchanged" (already so on chain, nothing to send)

    def as_dict(self) -> dict:
        data = {k: v for k, v in asdict(self).items() if k != "receipt"}
        if self.receipt is not None:
            data["tx"] = self.receipt.tx_hash
        return data


def _offering(target: Operator | Offering) -> tuple[Offering, Path | None]:
    if isinstance(target, Operator):
        return target.offering, target.state
    return target, None


def _distributor(offering: Offering) -> Distributor:
    found = offering.distributor
    if found is None:
        raise ConfigError(f"offering {offering.name!r} has no distributor, so it has no payment-token policy")
    return found


def _symbol(symbol: str, offering: Offering) -> str:
    text = symbol.strip()
    if not text or len(text) > 11 or not text.isalnum() or not text.isascii() or text != text.upper():
        raise ConfigError(f"payment token symbol {symbol!r}: {_SYMBOL_HINT}")
    if text.upper() in (s.upper() for s in offering.record.tokens):
        raise ConfigError(f"{text} is a security token of offering {offering.name!r}, not a payment token symbol")
    return text


def _known(offering: Offering, symbol: str) -> tuple[str, str]:
    """(symbol as recorded, address) of a payment token of the offering, any case."""
    found = {s.upper(): (s, a) for s, a in offering.record.payment_tokens.items()}.get(symbol.upper())
    if found is None:
        have = ", ".join(offering.record.payment_tokens) or "none"
        raise ConfigError(f"offering {offering.name!r} has no payment token {symbol!r} (it has {have}): add one with "
                          f"`rwa payment add SYMBOL --address 0x... --currency USD`")
    return found


def _erc20_decimals(offering: Offering, token: str, symbol: str) -> int:
    """The token's decimals, read from the chain: refuses an address that is not an ERC-20 (no code, no decimals)."""
    code = offering.tx.chain.rpc("eth_getCode", [token, "latest"]).get("result")
    if code in (None, "", "0x", "0x0"):
        raise ConfigError(f"{symbol}: {token} has no contract code on chain {offering.tx.chain.chain_id}")
    try:
        decimals = int(ERC20(offering.tx, token).decimals())
    except Exception as exc:  # a revert, or an answer that does not decode as uint8: either way not an ERC-20
        raise ConfigError(f"{symbol}: {token} does not answer ERC-20 decimals() ({exc})") from None
    if not 0 <= decimals <= 36:
        raise ConfigError(f"{symbol}: {token} reports {decimals} decimals; a payment token needs 0 to 36")
    return decimals


def _check_document(offering: Offering, name: str, token: str | None) -> None:
    security: SecurityToken = offering.token(token)
    recorded = security.documents()
    if name not in recorded:
        symbol, _ = offering.record.token(token)
        have = ", ".join(recorded) or "none"
        raise ConfigError(f"document {name!r} is not recorded on {symbol} (it has: {have}): record the approval first "
                          f"with `rwa docs add {name} URI --file APPROVAL.pdf --reference REF`")


def allow_payment_token(target: Operator | Offering, symbol: str, address: str | None, currency: str, *,
                        document: str | None = None, token: str | None = None, dry_run: bool = False,
                        state: Path | None = None) -> PaymentChange:
    """Allow the ERC-20 at `address` as payment token `symbol` in `currency` on the distributor's policy and record
    it (`address` None: the one already recorded under `symbol`).

    An RMB-pegged currency needs `document`, the name of the approval recorded on the token (`token`, default the
    senior one); without it this refuses, pointing to `rwa payment approve`. Everything is checked before anything is
    sent; with `dry_run` the policy call is simulated and nothing is sent or recorded. Running it again for a token
    already allowed so sends nothing (and records what is missing)."""
    offering, folder = _offering(target)
    record = offering.record
    symbol = _symbol(symbol, offering)
    recorded = {s.upper(): a for s, a in record.payment_tokens.items()}.get(symbol.upper())
    if address is None:
        if recorded is None:
            raise ConfigError(f"offering {offering.name!r} has no payment token {symbol}: give the token's --address")
        symbol, address = _known(offering, symbol)
    address = checked_address(address, "address")
    if recorded is not None and recorded.lower() != address.lower():
        raise ConfigError(f"{symbol} is already payment token {recorded} of offering {offering.name!r}; choose "
                          f"another symbol for {address}")
    clash = [s for s, a in record.payment_tokens.items()
             if a.lower() == address.lower() and s.upper() != symbol.upper()]
    if clash:
        raise ConfigError(f"{address} is already payment token {clash[0]} of offering {offering.name!r}")
    currency = parse_currency(currency.strip().upper(), "currency")
    distributor = _distributor(offering)
    decimals = _erc20_decimals(offering, address, symbol)
    rmb = distributor.is_rmb_pegged(currency)
    if rmb and document is None:
        raise ConfigError(f"{symbol}: {currency} is RMB-pegged, allowed only with the authority's approval on file: "
                          f"record it (`rwa docs add NAME URI --file ...`), then `rwa payment approve {symbol} "
                          f"--document NAME`")
    if document is not None and not rmb:
        raise ConfigError(f"{symbol}: {currency} is not RMB-pegged and needs no approval document: use "
                          f"`rwa payment add {symbol} --address {address} --currency {currency}`")
    if document is not None:
        _check_document(offering, document, token)
    if distributor.is_currency_refused(currency):
        raise ConfigError(f"{symbol}: the offering's payment-token policy refuses {currency}")
    now = distributor.payment_token_config(address)
    receipt, status = None, "unchanged"
    if not (now.allowed and now.currency == currency and now.rmb_approved == rmb):
        receipt = distributor.allow_payment_token(address, currency, approved_rmb=rmb, dry_run=dry_run)
        status = "dry_run" if dry_run else "sent"
    if not dry_run:
        record.payment_tokens[symbol] = address
        record.decimals[symbol] = decimals
        if document is not None:
            record.payment_documents[symbol] = document
        save_record(record, state or folder)
    return PaymentChange(symbol, address, currency, decimals, rmb, document, receipt, status)


def disallow_payment_token(target: Operator | Offering, symbol: str, *, dry_run: bool = False) -> PaymentChange:
    """Stop payment token `symbol` for new distributions. It stays in the record (distributions funded in it still
    pay out and are reported by it); `allow_payment_token` allows it again."""
    offering, _ = _offering(target)
    symbol, address = _known(offering, symbol)
    distributor = _distributor(offering)
    now = distributor.payment_token_config(address)
    if not now.allowed:
        raise ConfigError(f"{symbol} is not allowed on the distributor's policy; nothing to remove")
    receipt = distributor.disallow_payment_token(address, dry_run=dry_run)
    return PaymentChange(symbol, address, now.currency, offering.record.decimals.get(symbol, 0),
                         now.rmb_approved, offering.record.payment_documents.get(symbol), receipt,
                         "dry_run" if dry_run else "sent")


def payment_token_lines(target: Operator | Offering) -> list[PaymentTokenLine]:
    """Every payment token of the offering, as the distributor's policy sees it now."""
    offering, _ = _offering(target)
    record = offering.record
    distributor = offering.distributor
    lines = []
    for symbol, token in record.payment_tokens.items():
        config = distributor.payment_token_config(token) if distributor else None
        currency = config.currency if config else ""
        decimals = record.decimals.get(symbol)
        if decimals is None:
            decimals = int(ERC20(offering.tx, token).decimals())
        lines.append(PaymentTokenLine(
            symbol, token, currency, decimals, bool(config and config.allowed),
            bool(currency and distributor.is_rmb_pegged(currency)), bool(config and config.rmb_approved),
            record.payment_documents.get(symbol)))
    return lines
