"""Distributor: record-date distributions (coupons, dividends, amortisation) in an allowed payment token."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Sequence

from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ..chain.tx import Receipt, TxCall, decode_log
from ..primitives import artifacts
from ..primitives.constants import MAX_BPS
from ..primitives.errors import ConfigError, RwaError
from ..primitives.units import address
from .base import AccessControlled, Amount, Country

# The events that book a distribution's money, each indexed by distribution id first.
LEDGER_EVENTS = ("Paid", "Withheld", "WithheldReleased", "DistributionReclaimed")


@cache
def _payment_topics() -> frozenset[str]:
    """topic0 of the Paid and Withheld events (a holder paid or escrowed), as the node writes it."""
    return frozenset("0x" + keccak(text=artifacts.signature(e)).hex() for e in artifacts.abi("Distributor")
                     if e["type"] == "event" and e["name"] in ("Paid", "Withheld"))


@dataclass(frozen=True)
class Totals:
    """Where every unit of a distribution went: funded == paid_net + tax + withheld (all three states) + unpaid.

    `unpaid` is what no holder received or had escrowed: unclaimed shares plus the rounding remainder (after
    reclaim, what went back to the treasury). The split between the two needs the holder list (`reconcile`)."""

    funded: int
    paid_net: int
    tax_paid: int
    withheld_outstanding: int
    withheld_released: int
    withheld_returned: int
    unpaid: int
    reclaimed: bool

    @property
    def accounted(self) -> int:
        return (self.paid_net + self.tax_paid + self.withheld_outstanding + self.withheld_released
                + self.withheld_returned + self.unpaid)


@dataclass(frozen=True)
class PaymentTokenConfig:
    """A payment token on the distributor's payment-token policy."""

    currency: str  # "USD"; "" when never allowed
    allowed: bool
    rmb_approved: bool  # allowed as an RMB-pegged token with the approval on file


def currency_code(currency: str) -> bytes:
    """The policy's bytes8 form of a currency code ("USD" -> b"USD\\0\\0\\0\\0\\0")."""
    try:
        code = currency.encode("ascii")
    except UnicodeEncodeError:
        raise ConfigError(f"currency code {currency!r} is not ASCII") from None
    if len(code) > 8:
        raise ConfigError(f"currency code {currency!r} is longer than 8 characters")
    return code.ljust(8, b"\0")


def currency_text(code: bytes) -> str:
    """A bytes8 currency code as text ("USD"), for messages that name currencies rather than hex."""
    return bytes(code).rstrip(b"\0").decode("ascii", "replace")


@dataclass(frozen=True)
class DistributionInfo:
    token: str
    payment_token: str
    snapshot_id: int
    amount: int
    eligible_supply: int
    claim_expiry: int
    claimed_gross: int
    reclaimed: bool
    return_withheld_at_expiry: bool
    withholding: bool  # created while some country had a withholding rate: its payments are taxed


@dataclass(frozen=True)
class Claimable:
    """The contract's answer for one holder: share, tax, net, reason code (0 = would be paid) and paid bit."""

    gross: int
    tax: int
    net: int
    reason_code: int
    paid: bool


class Distributor(AccessControlled):
    """Coupons and dividends by record date, for every token of an issuer: `create` funds a distribution (approve
    the payment token first) split pro rata over the token's snapshot; holders `claim`, the paying agent
    `push_batch`es; withholding tax by investor country (`set_withholding_rate("SG", 1000)`, country as "SG",
    "SGP" or 702, rate in basis points); `totals` reconciles where every unit went.

    Amounts of payment token are `int` base units or decimal strings in whole units of the payment token."""

    CONTRACT = "Distributor"

    def create(self, token: str, payment_token: str, amount: Amount, claim_expiry: int, snapshot_id: int = 0,
               sender: LocalAccount | None = None) -> tuple[int, Receipt]:
        """Fund a distribution of `amount` of the payment token (approve the distributor first); holders of
        `token` share it by their balances at the record date (a new snapshot unless `snapshot_id`). Returns the
        distribution id and the receipt."""
        payment_token = address(payment_token, "payment_token")
        receipt = self.send("createDistribution", address(token, "token"), payment_token,
                            self.units_of(payment_token, amount), claim_expiry, snapshot_id, sender=sender)
        return self._created(receipt), receipt

    def create_per_token(self, token: str, payment_token: str, amount_per_token: int, claim_expiry: int,
                         snapshot_id: int = 0, sender: LocalAccount | None = None) -> tuple[int, Receipt]:
        receipt = self.send("createDistributionPerToken", address(token, "token"),
                            address(payment_token, "payment_token"), amount_per_token, claim_expiry, snapshot_id,
                            sender=sender)
        return self._created(receipt), receipt

    @staticmethod
    def _created(receipt: Receipt) -> int:
        return int(Distributor._creation(receipt)["distributionId"])

    @staticmethod
    def funded_amount(receipt: Receipt) -> int:
        """What a creation receipt pulled from the payer (the DistributionCreated amount)."""
        return int(Distributor._creation(receipt)["amount"])

    @staticmethod
    def _creation(receipt: Receipt) -> dict:
        events = receipt.events("DistributionCreated")
        if not events:
            raise RwaError("no DistributionCreated event in the receipt")
        return events[0]["args"]

    @staticmethod
    def payments_in(receipt: Receipt, distribution_id: int) -> int:
        """Holders of distribution `distribution_id` a push (or claim) receipt paid or escrowed: its Paid and
        Withheld logs, told by their first two topics (signature, distribution id) without decoding the rest."""
        signatures = _payment_topics()
        wanted = "0x" + distribution_id.to_bytes(32, "big").hex()
        return sum(1 for log in receipt.logs
                   if len(log["topics"]) > 1 and log["topics"][0].lower() in signatures
                   and log["topics"][1].lower() == wanted)

    def ledger_events(self, distribution_id: int, from_block: int = 0, to_block: int | None = None) -> list[dict]:
        """The payment events of one distribution (Paid, Withheld, WithheldReleased, DistributionReclaimed), oldest
        first, filtered by the node.

        All four events index the distribution id first, so one `eth_getLogs` with (any of the four signatures, this
        id) returns exactly this distribution's ledger instead of every event the distributor ever emitted."""
        signatures = []
        for entry in self._abi:
            if entry["type"] == "event" and entry["name"] in LEDGER_EVENTS:
                signatures.append("0x" + keccak(text=artifacts.signature(entry)).hex())
        topics = [signatures, "0x" + distribution_id.to_bytes(32, "big").hex()]
        last = self.tx.chain.block_number() if to_block is None else to_block
        logs = self.tx.get_logs(self.address, from_block, last, topics)
        decoded = [e for e in (decode_log(log) for log in logs) if e is not None]
        return sorted(decoded, key=lambda e: (e["block_number"], e["log_index"]))

    def claim(self, distribution_id: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("claim", distribution_id, sender=sender)

    def push_batch(self, distribution_id: int, holders: Sequence[str], sender: LocalAccount | None = None) -> Receipt:
        return self.send("pushBatch", distribution_id, [address(h, "holder") for h in holders], sender=sender)

    def push_batch_call(self, distribution_id: int, holders: Sequence[str]) -> TxCall:
        """`push_batch` as a call for `Transactor.send_many` (batches sent back to back). `holders` are taken as
        checksummed already (the distribution service checks every holder once, when it reads them)."""
        return TxCall(self.address, self.encode("pushBatch", distribution_id, list(holders)))

    def release_withheld(self, distribution_id: int, holder: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("releaseWithheld", distribution_id, address(holder, "holder"), sender=sender)

    def reclaim_expired(self, distribution_id: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("reclaimExpired", distribution_id, sender=sender)

    def claim_to(self, distribution_id: int, holder: str, to: str, sender: LocalAccount | None = None) -> Receipt:
        """Pay `holder`'s share to `to`, another registered wallet of the same investor (holder or paying agent)."""
        return self.send("claimTo", distribution_id, address(holder, "holder"), address(to, "to"), sender=sender)

    def release_withheld_to(self, distribution_id: int, holder: str, to: str,
                            sender: LocalAccount | None = None) -> Receipt:
        """Release `holder`'s escrow to `to`, another registered wallet of the same investor."""
        return self.send("releaseWithheldTo", distribution_id, address(holder, "holder"), address(to, "to"),
                         sender=sender)

    def sweep_withheld(self, distribution_id: int, sender: LocalAccount | None = None) -> Receipt:
        """After the long stop past the claim expiry: outstanding escrow (and unpaid shares) to the treasury."""
        return self.send("sweepWithheld", distribution_id, sender=sender)

    def long_stop(self) -> int:
        """Seconds after a claim expiry from which escrow may be swept to the treasury."""
        return self.call("longStop")

    def set_long_stop(self, days: int, sender: LocalAccount | None = None) -> Receipt:
        """The long-stop period in days (at least 365; 0 = the default of five years)."""
        return self.send("setLongStop", days, sender=sender)

    def set_excluded_wallets(self, token: str, wallets: Sequence[str], sender: LocalAccount | None = None) -> Receipt:
        return self.send("setExcludedWallets", address(token, "token"), [address(w, "wallet") for w in wallets],
                         sender=sender)

    def set_withholding_rate(self, country: Country, bps: int, sender: LocalAccount | None = None,
                             dry_run: bool = False) -> Receipt | None:
        """Withhold `bps` basis points (0..10,000) of payments to investors of `country` ("SG", "SGP" or 702;
        "unknown" or 0 for wallets the registry has no country for)."""
        if isinstance(bps, bool) or not isinstance(bps, int) or not 0 <= bps <= MAX_BPS:
            raise ConfigError(f"withholding rate {bps!r} must be whole basis points from 0 to {MAX_BPS}")
        return self.send("setWithholdingRate", self.tax_country(country), bps, sender=sender, dry_run=dry_run)

    def set_tax_account(self, account: str, sender: LocalAccount | None = None,
                        dry_run: bool = False) -> Receipt | None:
        """Where withheld tax is paid from now on (admin)."""
        return self.send("setTaxAccount", address(account, "tax_account"), sender=sender, dry_run=dry_run)

    def totals(self, distribution_id: int) -> Totals:
        return Totals(*self.call("distributionTotals", distribution_id))

    def info(self, distribution_id: int) -> DistributionInfo:
        return DistributionInfo(*self.call("distribution", distribution_id))

    def is_paid(self, distribution_id: int, holder: str) -> bool:
        return self.call("isPaid", distribution_id, address(holder, "holder"))

    def is_paid_many(self, distribution_id: int, holders: Sequence[str]) -> list[bool]:
        """`is_paid` of many holders, in batched calls (one HTTP request per 500 holders)."""
        return self.call_many("isPaid", [[distribution_id, h] for h in holders])

    def count(self) -> int:
        return self.call("distributionCount")

    # --- views and settings the distribution service pre-checks with ---
    def claimable(self, distribution_id: int, holder: str) -> Claimable:
        """What paying `holder` now would do, by the contract's own arithmetic (tax at today's rate)."""
        return Claimable(*self.call("claimable", distribution_id, address(holder, "holder")))

    def withheld_of(self, distribution_id: int, holder: str) -> int:
        return self.call("withheldOf", distribution_id, address(holder, "holder"))

    def excluded_wallets(self, token: str) -> list[str]:
        """The token's excluded wallets now (each distribution froze the list it was created with)."""
        return list(self.call("excludedWallets", address(token, "token")))

    def is_token_registered(self, token: str) -> bool:
        return self.call("isTokenRegistered", address(token, "token"))

    def is_payment_token_allowed(self, payment_token: str) -> bool:
        return self.call("isPaymentTokenAllowed", address(payment_token, "payment_token"))

    def payment_token_currency(self, payment_token: str) -> str:
        """The currency code recorded for `payment_token` ("" if never allowed)."""
        raw = self.call("paymentTokenCurrency", address(payment_token, "payment_token"))
        return bytes(raw).rstrip(b"\0").decode("ascii")

    def withholding_rate(self, country: Country) -> int:
        return self.call("withholdingRate", self.tax_country(country))

    def withholding_rate_many(self, countries: Sequence[Country]) -> list[int]:
        codes = [self.tax_country(c) for c in countries]
        return [int(r) for r in self.call_many("withholdingRate", [[c] for c in codes])]

    def withholding_countries(self, from_block: int = 0) -> list[int]:
        """Every country (ISO numeric; 0 = unknown) a withholding rate was ever set for, from the events."""
        return sorted({int(e["args"]["country"]) for e in self.events("WithholdingRateSet", from_block)})

    def tax_account(self) -> str:
        return self.call("taxAccount")

    def allow_payment_token(self, payment_token: str, currency: str, approved_rmb: bool = False,
                            sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        """Allow a payment token, tagged with its currency code (e.g. "USD"; at most 8 ASCII characters)."""
        return self.send("allowPaymentToken", address(payment_token, "payment_token"), currency_code(currency),
                         approved_rmb, sender=sender, dry_run=dry_run)

    def disallow_payment_token(self, payment_token: str, sender: LocalAccount | None = None,
                               dry_run: bool = False) -> Receipt | None:
        """Stop `payment_token` for new distributions (those already funded in it still pay out)."""
        return self.send("disallowPaymentToken", address(payment_token, "payment_token"), sender=sender,
                         dry_run=dry_run)

    def payment_token_config(self, payment_token: str) -> PaymentTokenConfig:
        """The policy's record of `payment_token`: currency code ("" if never allowed), allowed, RMB approval."""
        currency, allowed, rmb_approved = self.call("paymentTokenConfig", address(payment_token, "payment_token"))
        return PaymentTokenConfig(currency_text(currency), bool(allowed), bool(rmb_approved))

    def is_rmb_pegged(self, currency: str) -> bool:
        """Whether the policy treats `currency` as RMB-pegged (needs a recorded approval): the contract's own list."""
        return bool(self.call("isRmbPegged", currency_code(currency)))

    def is_currency_refused(self, currency: str) -> bool:
        return bool(self.call("isCurrencyRefused", currency_code(currency)))

    def set_return_withheld_at_expiry(self, returned: bool, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setReturnWithheldAtExpiry", bool(returned), sender=sender)
