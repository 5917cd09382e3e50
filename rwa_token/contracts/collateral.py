"""CollateralManager: margin pledges on one security token, enforced as the token's compliance hook.

A pledge needs the holder's consent: the holder calls `pledge` itself, or signs an EIP-712 `Pledge`
(`sign_pledge`) that the lender it names submits with `pledge_with_signature`. A signed pledge is a small
JSON document (`SignedPledge.to_dict` / `from_dict`), so it can travel from the holder to the lender as a file.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt
from ..primitives.eip712 import PLEDGE_DOMAIN, PLEDGE_FIELDS, typed_data
from ..primitives.errors import ConfigError
from ..primitives.units import address as checked_address
from .base import AccessControlled, Amount

DOMAIN_NAME, DOMAIN_VERSION = PLEDGE_DOMAIN


class Pledge(NamedTuple):
    lender: str  # zero address if no pledge
    amount: int


@dataclass(frozen=True)
class PledgeConsent:
    """What a holder signs: pledge `amount` more (base units) to `lender`, with its nonce, until `deadline`
    (unix seconds), on the manager at `manager` on chain `chain_id`."""

    holder: str
    lender: str
    amount: int
    nonce: int
    deadline: int
    manager: str
    chain_id: int

    def __post_init__(self) -> None:
        for name in ("holder", "lender", "manager"):
            object.__setattr__(self, name, checked_address(getattr(self, name), name))
        if self.amount <= 0:
            raise ConfigError("pledge: amount must be positive")
        if self.nonce < 0 or self.deadline <= 0:
            raise ConfigError("pledge: nonce and deadline must be non-negative unix values")

    def typed_data(self) -> dict[str, Any]:
        """The full EIP-712 structure (domain: "RWA Collateral Manager", version "1", chain, manager)."""
        return typed_data("Pledge", PLEDGE_FIELDS, DOMAIN_NAME, DOMAIN_VERSION, self.chain_id, self.manager,
                          {"holder": self.holder, "lender": self.lender, "amount": self.amount, "nonce": self.nonce,
                           "deadline": self.deadline})


@dataclass(frozen=True)
class SignedPledge:
    consent: PledgeConsent
    signature: bytes

    def signer(self) -> str:
        """The address that signed (ECDSA); equals the holder for a valid externally owned holder."""
        signable = encode_typed_data(full_message=self.consent.typed_data())
        return Account.recover_message(signable, signature=self.signature)

    def to_dict(self) -> dict[str, Any]:
        c = self.consent
        return {"pledge": {"holder": c.holder, "lender": c.lender, "amount": str(c.amount), "nonce": c.nonce,
                           "deadline": c.deadline},
                "manager": c.manager, "chain_id": c.chain_id, "signature": "0x" + self.signature.hex()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "SignedPledge":
        try:
            p = data["pledge"]
            consent = PledgeConsent(p["holder"], p["lender"], int(p["amount"]), int(p["nonce"]),
                                    int(p["deadline"]), data["manager"], int(data["chain_id"]))
            raw = str(data["signature"])
            signature = bytes.fromhex(raw[2:] if raw.startswith("0x") else raw)
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"not a signed pledge ({type(exc).__name__}: {exc}): expected {{pledge: {{holder, "
                              "lender, amount, nonce, deadline}, manager, chain_id, signature}}") from None
        return cls(consent, signature)


def sign_pledge(consent: PledgeConsent, holder: LocalAccount) -> SignedPledge:
    """The holder's EIP-712 signature of `consent` (65 bytes r || s || v). Signing sends nothing."""
    if holder.address != consent.holder:
        raise ConfigError(f"the pledge is {consent.holder}'s to sign, not {holder.address}'s")
    signable = encode_typed_data(full_message=consent.typed_data())
    return SignedPledge(consent, bytes(holder.sign_message(signable).signature))


class CollateralManager(AccessControlled):
    """Margin collateral for one security token: a holder pledges tokens to a lender (`pledge`, or signs a consent
    the lender submits: `sign_pledge`, `pledge_with_signature`); pledged tokens stay put while the rest moves;
    the lender may `release` them or, on default, `seize` them to an eligible receiver.

    Amounts are `int` base units or decimal strings in whole tokens of the security token."""

    CONTRACT = "CollateralManager"

    def units(self, amount: Amount, field: str = "amount") -> int:
        return self.units_of(self.token(), amount, field)

    @classmethod
    def deploy_for(cls, tx, sender: LocalAccount, token, admin: str | None = None,
                   wire: bool = True) -> "CollateralManager":
        """Deploys a manager for `token` (a SecurityToken wrapper). With `wire`, `sender` must hold the
        token's COMPLIANCE_ROLE and DEFAULT_ADMIN_ROLE: the manager becomes the compliance hook and an agent."""
        manager = cls.deploy(tx, sender, token.address, admin or sender.address)
        if wire:
            token.set_compliance_hook(manager.address, sender=sender)
            token.grant_role("AGENT_ROLE", manager.address, sender=sender)
        return manager

    def token(self) -> str:
        return self.call("token")

    def locked_of(self, holder: str) -> int:
        return self.call("lockedOf", holder)

    def pledge_of(self, holder: str) -> Pledge:
        return Pledge(*self.call("pledgeOf", holder))

    def free_balance_of(self, holder: str) -> int:
        return self.call("freeBalanceOf", holder)

    def nonce_of(self, holder: str) -> int:
        """The holder's next pledge nonce (what its next signed pledge must carry)."""
        return self.call("nonces", checked_address(holder, "holder"))

    # --- consent ---
    def consent(self, holder: str, lender: str, amount: Amount, valid_for: int = 3_600) -> PledgeConsent:
        """A pledge for `holder` to sign: its current nonce, a deadline `valid_for` seconds from the chain's now."""
        if valid_for <= 0:
            raise ConfigError("valid_for must be a positive number of seconds")
        holder = checked_address(holder, "holder")
        return PledgeConsent(holder, lender, self.units(amount), self.nonce_of(holder),
                             self.tx.chain.block_timestamp() + valid_for, self.address, self.tx.chain.chain_id)

    def sign_pledge(self, holder: LocalAccount, lender: str, amount: Amount, valid_for: int = 3_600) -> SignedPledge:
        """`holder`'s signed consent to pledge `amount` more to `lender`, for the lender to submit within
        `valid_for` seconds. Reads the holder's nonce and the chain's time; sends nothing."""
        return sign_pledge(self.consent(holder.address, lender, amount, valid_for), holder)

    def _submit(self, name: str, *args: Any, sender: LocalAccount | None, dry_run: bool) -> Receipt | None:
        """Send, or with `dry_run` run the same call as an eth_call from the sender: a refusal is raised decoded
        just as sending would raise it, and None means it would go through."""
        if not dry_run:
            return self.send(name, *args, sender=sender)
        account = sender or self.sender
        self.tx.call(self.address, self.function(name, len(args)), args,
                     sender=account.address if account else None)
        return None

    def pledge(self, lender: str, amount: Amount, sender: LocalAccount | None = None,
               dry_run: bool = False) -> Receipt | None:
        """The holder (the sender) pledges `amount` more of its own tokens to `lender`. The contract's refusals
        (NotALender, LockExceedsBalance, PledgedToAnotherLender) come from the gas estimate, before sending."""
        return self._submit("pledge", checked_address(lender, "lender"), self.units(amount), sender=sender,
                            dry_run=dry_run)

    def check_signed(self, signed: SignedPledge, lender: str) -> None:
        """Why `lender` could not submit `signed` now, as a ConfigError that says what to do; the contract would
        only answer InvalidSignature for most of these. Balance and pledge refusals are the contract's."""
        c = signed.consent
        if (c.manager, c.chain_id) != (self.address, self.tx.chain.chain_id):
            raise ConfigError(f"the pledge was signed for manager {c.manager} on chain {c.chain_id}, not "
                              f"{self.address} on chain {self.tx.chain.chain_id}")
        if c.lender != lender:
            raise ConfigError(f"the pledge names lender {c.lender}: only that lender's key may submit it")
        now = self.tx.chain.block_timestamp()
        if now > c.deadline:
            raise ConfigError(f"the pledge expired at {c.deadline} (now {now}): ask the holder to sign again")
        nonce = self.nonce_of(c.holder)
        if c.nonce != nonce:
            raise ConfigError(f"the pledge carries nonce {c.nonce} but the holder's next nonce is {nonce} "
                              "(used or voided): ask the holder to sign again")
        code = self.tx.chain.rpc("eth_getCode", [c.holder, "latest"]).get("result") or "0x"
        if code in ("0x", "0x0"):  # a contract wallet signs by ERC-1271, which only the chain can check
            try:
                signer = signed.signer()
            except Exception:  # a malformed signature
                signer = None
            if signer != c.holder:
                raise ConfigError(f"the pledge's signature is not {c.holder}'s")

    def pledge_with_signature(self, signed: SignedPledge, sender: LocalAccount | None = None,
                              dry_run: bool = False) -> Receipt | None:
        """The lender (the sender) submits the holder's signed pledge."""
        account = sender or self.sender
        c = signed.consent
        if account is not None:
            self.check_signed(signed, account.address)
        return self._submit("pledgeWithSignature", c.holder, c.amount, c.deadline, signed.signature, sender=sender,
                            dry_run=dry_run)

    def invalidate_nonce(self, sender: LocalAccount | None = None) -> Receipt:
        """The holder (the sender) voids the pledge it signed last, if no lender has submitted it yet."""
        return self.send("invalidateNonce", sender=sender)

    # --- the lender's powers ---
    def release(self, holder: str, amount: Amount, sender: LocalAccount | None = None,
                dry_run: bool = False) -> Receipt | None:
        return self._submit("release", checked_address(holder, "holder"), self.units(amount), sender=sender,
                            dry_run=dry_run)

    def seize(self, holder: str, amount: Amount, to: str, sender: LocalAccount | None = None,
              dry_run: bool = False) -> Receipt | None:
        """On default, moves `amount` of `holder`'s pledge to `to`; the contract refuses a receiver the token's
        rules refuse (the `TransferRestricted` subclass for the code) and more than the pledge."""
        return self._submit("seize", checked_address(holder, "holder"), self.units(amount),
                            checked_address(to, "to"), sender=sender, dry_run=dry_run)
