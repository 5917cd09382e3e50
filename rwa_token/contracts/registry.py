"""InvestorRegistry: wallet -> investor (salted-hash id, country, categories, KYC expiry, frozen flag)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt, TxCall
from ..primitives.categories import describe_categories, parse_categories
from ..primitives.countries import parse_country
from ..primitives.eip712 import ATTESTATION_DOMAIN, ATTESTATION_FIELDS
from ..primitives.errors import ConfigError
from ..primitives.units import address, timestamp
from .base import Country, Owned

Progress = Callable[[int, int], None]


def _country(value: Country) -> int:
    return parse_country(value)


def _id(value: bytes | str) -> bytes:
    if isinstance(value, (bytes, bytearray)) and len(value) == 32:
        return bytes(value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 66:
        return bytes.fromhex(value[2:])
    raise ConfigError(f"investor id must be 32 bytes (see rwa_token.primitives.units.investor_id), got {value!r}")


@dataclass(frozen=True)
class Investor:
    wallet: str
    key: int  # low 128 bits of the investor id: equal for all wallets of one investor
    country: int
    categories: int
    kyc_expiry: int
    frozen: bool
    multi_wallet: bool
    registered: bool

    @property
    def category_names(self) -> str:
        return describe_categories(self.categories)


@dataclass(frozen=True)
class Registration:
    """One wallet to register, validated."""

    wallet: str
    investor_id: bytes
    country: int
    categories: int
    kyc_expiry: int

    @classmethod
    def of(cls, wallet: str, investor_id: bytes | str, country: str | int, categories: str | int,
           kyc_expiry: str | int) -> "Registration":
        return cls(address(wallet, "wallet"), _id(investor_id), _country(country), parse_categories(categories),
                   timestamp(kyc_expiry, "kyc_expiry"))


@dataclass(frozen=True)
class Terms:
    """New country, categories and KYC expiry for one registered wallet (an update or a KYC renewal)."""

    wallet: str
    country: int
    categories: int
    kyc_expiry: int

    @classmethod
    def of(cls, wallet: str, country: str | int, categories: str | int, kyc_expiry: str | int) -> "Terms":
        return cls(address(wallet, "wallet"), _country(country), parse_categories(categories),
                   timestamp(kyc_expiry, "kyc_expiry"))


ATTESTATION_TYPES = {"Attestation": ATTESTATION_FIELDS}


class InvestorRegistry(Owned):
    """The investor registry: one packed record per wallet (investor id, country, categories, KYC expiry), several
    wallets per investor, shared by every token of an offering.

    `register(wallet, investor_id, country, categories, kyc_expiry)` takes a country as "HK", "HKG" or 344,
    categories as "professional|institutional" or a bitmask and an expiry as "2030-01-01" or unix seconds;
    `register_batch` onboards many; `investor(wallet)` reads a record back as an `Investor`. A KYC provider may
    `sign_attestation` for anyone to submit with `register_with_attestation`."""

    CONTRACT = "InvestorRegistry"

    # --- reads ---
    def investor(self, wallet: str, block: int | str = "latest") -> Investor:
        v = self.call("investorOf", address(wallet, "wallet"), block=block)
        key, country, categories, expiry, frozen, multi, registered = v
        return Investor(address(wallet), int(key), country, categories, expiry, frozen, multi, registered)

    def investor_many(self, wallets: Sequence[str]) -> list[Investor]:
        """`investor` of many wallets, in batched calls (one HTTP request per 500 wallets)."""
        checked = [address(w, "wallet") for w in wallets]
        return [Investor(w, int(key), country, categories, expiry, frozen, multi, registered)
                for w, (key, country, categories, expiry, frozen, multi, registered)
                in zip(checked, self.call_many("investorOf", [[w] for w in checked]))]

    def registered_wallets(self, from_block: int = 0) -> list[str]:
        """Wallets registered (as an investor's first wallet) since `from_block`, in order, from the events."""
        return [e["args"]["wallet"] for e in self.events("InvestorRegistered", from_block)]

    def is_verified(self, wallet: str) -> bool:
        return self.call("isVerified", address(wallet, "wallet"))

    def country_of(self, wallet: str) -> int:
        return self.call("investorCountry", address(wallet, "wallet"))

    def contains(self, wallet: str) -> bool:
        return self.call("contains", address(wallet, "wallet"))

    def wallet_count(self, investor_id: bytes | str) -> int:
        """Registered wallets of an investor id (0: the id is free; otherwise link new wallets with add_wallet)."""
        return self.call("walletCount", _id(investor_id))

    def wallet_count_many(self, investor_ids: Sequence[bytes | str]) -> list[int]:
        return self.call_many("walletCount", [[_id(i)] for i in investor_ids])

    # --- writes (REGISTRAR_ROLE) ---
    def register(self, wallet: str, investor_id: bytes | str, country: str | int, categories: str | int,
                 kyc_expiry: str | int, sender: LocalAccount | None = None) -> Receipt:
        r = Registration.of(wallet, investor_id, country, categories, kyc_expiry)
        return self.send("registerInvestor", r.wallet, r.investor_id, r.country, r.categories, r.kyc_expiry,
                         sender=sender)

    def register_batch(self, rows: Sequence[Registration], sender: LocalAccount | None = None,
                       dry_run: bool = False) -> Receipt | None:
        return self.send("batchRegisterInvestors", *self._batch_args(rows), sender=sender, dry_run=dry_run)

    def register_batch_call(self, rows: Sequence[Registration]) -> TxCall:
        """`register_batch` as a call for `Transactor.send_many` (batches sent back to back)."""
        return TxCall(self.address, self.encode("batchRegisterInvestors", *self._batch_args(rows)))

    @staticmethod
    def _batch_args(rows: Sequence[Registration]) -> tuple[list, ...]:
        if not rows:
            raise ConfigError("register_batch: no rows")
        seen: dict[bytes, str] = {}
        for r in rows:
            if r.investor_id in seen:
                raise ConfigError(f"investor id 0x{r.investor_id.hex()} is given for {seen[r.investor_id]} and "
                                  f"{r.wallet}: register one wallet per investor and link the others (add_wallet)")
            seen[r.investor_id] = r.wallet
        return ([r.wallet for r in rows], [r.investor_id for r in rows], [r.country for r in rows],
                [r.categories for r in rows], [r.kyc_expiry for r in rows])

    def update(self, wallet: str, country: str | int, categories: str | int, kyc_expiry: str | int,
               sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        """Replace one wallet's terms (only that wallet: `update_batch` the others of a multi-wallet investor)."""
        return self.send("updateInvestor", address(wallet, "wallet"), _country(country),
                         parse_categories(categories), timestamp(kyc_expiry, "kyc_expiry"), sender=sender,
                         dry_run=dry_run)

    def update_batch(self, rows: Sequence[Terms], sender: LocalAccount | None = None,
                     dry_run: bool = False) -> Receipt | None:
        """Replace the terms of many registered wallets in one transaction (all or none)."""
        if not rows:
            raise ConfigError("update_batch: no rows")
        return self.send("batchUpdateInvestors", [r.wallet for r in rows], [r.country for r in rows],
                         [r.categories for r in rows], [r.kyc_expiry for r in rows], sender=sender, dry_run=dry_run)

    def add_wallet(self, existing_wallet: str, new_wallet: str, sender: LocalAccount | None = None,
                   dry_run: bool = False) -> Receipt | None:
        return self.send("addWallet", address(existing_wallet, "existing_wallet"), address(new_wallet, "new_wallet"),
                         sender=sender, dry_run=dry_run)

    def remove_wallet(self, wallet: str, sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("removeWallet", address(wallet, "wallet"), sender=sender, dry_run=dry_run)

    def set_frozen(self, wallet: str, frozen: bool, sender: LocalAccount | None = None,
                   dry_run: bool = False) -> Receipt | None:
        """The registry's sanction flag: every token using the registry refuses the wallet."""
        return self.send("setInvestorFrozen", address(wallet, "wallet"), bool(frozen), sender=sender,
                         dry_run=dry_run)

    # --- EIP-712 attestations: a KYC provider signs, anyone submits ---
    def domain(self) -> dict:
        name, version = ATTESTATION_DOMAIN
        return {"name": name, "version": version, "chainId": self.tx.chain.chain_id,
                "verifyingContract": self.address}

    def sign_attestation(self, signer: LocalAccount, registration: Registration, nonce: int, deadline: int) -> dict:
        """What a KYC provider hands the investor: the attestation and its signature."""
        message = {"wallet": registration.wallet, "investorId": registration.investor_id,
                   "country": registration.country, "categories": registration.categories,
                   "kycExpiry": registration.kyc_expiry, "nonce": nonce, "deadline": deadline}
        signable = encode_typed_data(self.domain(), ATTESTATION_TYPES, message)
        signature = Account.sign_message(signable, signer.key).signature
        return {"attestation": message, "signature": bytes(signature)}

    def register_with_attestation(self, signed: dict, sender: LocalAccount | None = None) -> Receipt:
        a = signed["attestation"]
        struct = (a["wallet"], a["investorId"], a["country"], a["categories"], a["kycExpiry"], a["nonce"],
                  a["deadline"])
        return self.send("registerWithAttestation", struct, signed["signature"], sender=sender)
