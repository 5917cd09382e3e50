"""SecurityToken: ERC-20 + ERC-3643 agent powers + ERC-1404/7943 + ERC-1643 documents, with its rule engine.

Amounts: an `int` is base units; a `str` or `Decimal` is a token amount scaled by the token's decimals
("1250.5"); more decimals than the token has is an error. Transfers and mints are checked with the token's
own rule view before anything is sent, so a refusal raises the `TransferRestricted` subclass for its code
without spending gas; the contract reverts with the same code if state changes in between.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, NamedTuple, Protocol, Sequence

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt
from ..primitives import eip712
from ..primitives.categories import parse_categories
from ..primitives.countries import parse_country
from ..primitives.errors import REASON_CODES, ConfigError, ContractRevert, restriction
from ..primitives.units import ZERO_ADDRESS, address, base_units, format_units, reference_bytes, timestamp
from .base import Amount, Country, Owned

# Journal entries of a forced transfer that overrode the token's receiver-side rules (read by the audit report).
OVERRIDE_KIND = "forced_transfer_override"
# The largest frozen amount a wallet can carry (96 bits, beyond any possible supply).
MAX_FROZEN = 2**96 - 1
_SUPPLY_CAP_EXCEEDED = next(code for code, entry in REASON_CODES.items() if entry["name"] == "SUPPLY_CAP_EXCEEDED")


class Recorder(Protocol):
    """Where an override is written down: `rwa_token.store.journal.Journal` (one JSON line per `append`)."""

    def append(self, **entry: Any) -> None: ...


class Check(NamedTuple):
    """A rule-engine verdict: code 0 means allowed."""

    code: int
    message: str

    @property
    def ok(self) -> bool:
        return self.code == 0


@dataclass(frozen=True)
class HolderAt:
    """What a paying agent reads about one wallet (`holderAt`): balance at the record date, holder number (the
    token numbers wallets in the order they first receive tokens; 0 = never held), eligibility code now (0 =
    may receive) and ISO-3166 numeric country (0 = unregistered)."""

    balance: int
    number: int
    code: int
    country: int


@dataclass(frozen=True)
class CountryRule:
    country: int
    allowed: bool
    blocked: bool
    required_categories: int
    max_investors: int
    investor_count: int


@dataclass(frozen=True)
class Limits:
    max_investors: int
    min_balance: int
    max_balance: int  # 0 = no maximum
    default_lockup: int


# The gas limit of a holder's transfer the rules have just accepted (`transfer`), instead of estimating it: the most a
# transfer uses is about 100k (both sides' first move since a snapshot, 99,335 in bench/README.md) plus a compliance
# hook's check; only the gas used is paid.
TRANSFER_GAS = 300_000


def _country(value: Country) -> int:
    return parse_country(value)


def document_name(name: str | bytes) -> bytes:
    """ERC-1643 document names are bytes32: short ASCII names, right-padded."""
    raw = name if isinstance(name, bytes) else name.encode()
    if len(raw) > 32:
        raise ConfigError(f"document name {name!r} is longer than 32 bytes")
    return raw.ljust(32, b"\0")


class SecurityToken(Owned):
    """One security token: ERC-20 with ERC-3643 agent powers, its built-in rule engine and documents.

    Open one with `SecurityToken(tx, address, sender)` or, for a deployed offering, `Offering.load(...).token()`.
    Amounts are `int` base units or decimal strings in whole tokens ("1250.5"); countries are "HK", "HKG" or 344.
    `can_transfer`/`can_mint` answer a `Check(code, message)` without sending; `transfer`, `mint` and the other
    moves check first and raise the `TransferRestricted` subclass for the code (e.g. `CountryBlocked`).
    Agent powers: `pause`, `set_frozen`, `freeze_partial`, `forced_transfer`, `recover`; rules:
    `set_country_rule`, `country_rule`, `set_limits`, `limits`, `set_default_lockup`, `set_trading_halt`;
    documents: `set_document`, `documents`; record dates: `snapshot`, `balance_at`, `holder_at`."""

    CONTRACT = "SecurityToken"

    # --- amounts ---
    @cached_property
    def decimals(self) -> int:
        return self.call("decimals")

    def units(self, amount: Amount, field: str = "amount") -> int:
        """`amount` in base units: an int passes through, "1250.5" is scaled by the token's decimals."""
        return base_units(amount, lambda: self.decimals, field)

    def fmt(self, units: int) -> str:
        return format_units(units, self.decimals)

    # --- ERC-20 reads ---
    def name(self) -> str:
        return self.call("name")

    def symbol(self) -> str:
        return self.call("symbol")

    def total_supply(self, block: int | str = "latest") -> int:
        return self.call("totalSupply", block=block)

    def balance_of(self, account: str, block: int | str = "latest") -> int:
        return self.call("balanceOf", address(account, "account"), block=block)

    def allowance(self, owner: str, spender: str) -> int:
        return self.call("allowance", address(owner, "owner"), address(spender, "spender"))

    # --- rule checks (views) ---
    def can_transfer(self, sender: str, receiver: str, amount: Amount) -> Check:
        return Check(*self.call("checkTransfer", address(sender, "from"), address(receiver, "to"),
                                self.units(amount)))

    def can_transfer_from(self, spender: str, sender: str, receiver: str, amount: Amount) -> Check:
        return Check(*self.call("checkTransferFrom", address(spender, "spender"), address(sender, "from"),
                                address(receiver, "to"), self.units(amount)))

    def can_mint(self, receiver: str, amount: Amount) -> Check:
        return Check(*self.call("checkMint", address(receiver, "to"), self.units(amount)))

    def receiver_check(self, sender_wallet: str, receiver: str, amount: Amount) -> Check:
        """The token's rules on the receiving side of moving `amount` from `sender_wallet` to `receiver`, with the
        sender's restrictions and the token-wide stops (pause, halt) set aside: what a forced transfer must still
        respect. Code 0 means the receiver may take the tokens; otherwise the refusing code.

        The rule engine reports the first rule that fails and checks the sender before the receiver, so when
        `checkTransfer` refuses for a reason that is not the receiver's (a frozen sender, usually the very reason
        to force), it may not have judged the receiver at all. The receiver is then judged by the mint view,
        `checkMint(receiver, amount)`: the same receiver rules with no sender. That view is never more lenient (it
        cannot credit a sender that leaves the register under an investor cap, or a move between two wallets of
        one investor), so in those cases it may ask for an override the transfer would not need, never the
        reverse. Which code belongs to which side comes from the code table (`data/reason_codes.json`)."""
        units = self.units(amount)
        full = self.can_transfer(sender_wallet, receiver, units)
        if full.ok or REASON_CODES[full.code]["side"] == "receiver":
            return full
        alone = self.can_mint(receiver, units)
        # Of the mint-only rules, the supply cap is checked after the receiver's (which therefore passed); every
        # other code of the mint view stands, including the filing gate, which is checked before any party.
        if alone.ok or alone.code == _SUPPLY_CAP_EXCEEDED:
            return Check(0, REASON_CODES[0]["message"])
        return alone

    def holder_status(self, account: str) -> Check:
        code = self.holder_at(account).code
        return Check(code, self.call("messageForTransferRestriction", code))

    def holder_at(self, account: str, snapshot_id: int = 0) -> "HolderAt":
        """Balance at `snapshot_id` (now if 0), holder number, eligibility code now and country, in one call."""
        return HolderAt(*self.call("holderAt", address(account, "account"), snapshot_id))

    def _require(self, check: Check) -> None:
        if not check.ok:
            raise restriction(check.code, check.message)

    # --- ERC-20 writes ---
    def transfer(self, to: str, amount: Amount, sender: LocalAccount | None = None,
                 dry_run: bool = False) -> Receipt | None:
        account = sender or self.sender
        units = self.units(amount)
        gas = None
        if account is not None:
            self._require(self.can_transfer(account.address, to, units))
            gas = TRANSFER_GAS  # the pre-check stands in for an estimate: one execution on the node, not two
        return self.send("transfer", address(to, "to"), units, sender=sender, gas=gas, dry_run=dry_run)

    def approve(self, spender: str, amount: Amount, sender: LocalAccount | None = None) -> Receipt:
        return self.send("approve", address(spender, "spender"), self.units(amount), sender=sender)

    def transfer_from(self, owner: str, to: str, amount: Amount, sender: LocalAccount | None = None) -> Receipt:
        account = sender or self.sender
        units = self.units(amount)
        if account is not None:
            self._require(self.can_transfer_from(account.address, owner, to, units))
        return self.send("transferFrom", address(owner, "from"), address(to, "to"), units, sender=sender)

    def batch_transfer(self, recipients: Sequence[str], amounts: Sequence[Amount],
                       sender: LocalAccount | None = None) -> Receipt:
        self._same_length(recipients, amounts)
        return self.send("batchTransfer", [address(r, "to") for r in recipients],
                         [self.units(a) for a in amounts], sender=sender)

    # --- agent powers (AGENT_ROLE) ---
    def mint(self, to: str, amount: Amount, sender: LocalAccount | None = None,
             dry_run: bool = False) -> Receipt | None:
        units = self.units(amount)
        self._require(self.can_mint(to, units))
        return self.send("mint", address(to, "to"), units, sender=sender, dry_run=dry_run)

    def batch_mint(self, recipients: Sequence[str], amounts: Sequence[Amount],
                   sender: LocalAccount | None = None) -> Receipt:
        self._same_length(recipients, amounts)
        return self.send("batchMint", [address(r, "to") for r in recipients], [self.units(a) for a in amounts],
                         sender=sender)

    def burn(self, account: str, amount: Amount, sender: LocalAccount | None = None,
             dry_run: bool = False) -> Receipt | None:
        return self.send("burn", address(account, "account"), self.units(amount), sender=sender, dry_run=dry_run)

    def pause(self, sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("pause", sender=sender, dry_run=dry_run)

    def unpause(self, sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("unpause", sender=sender, dry_run=dry_run)

    def paused(self) -> bool:
        return self.call("paused")

    def set_frozen(self, wallet: str, frozen: bool, sender: LocalAccount | None = None,
                   dry_run: bool = False) -> Receipt | None:
        return self.send("setAddressFrozen", address(wallet, "wallet"), bool(frozen), sender=sender, dry_run=dry_run)

    def is_frozen(self, wallet: str) -> bool:
        return self.call("isFrozen", address(wallet, "wallet"))

    def freeze_partial(self, wallet: str, amount: Amount, sender: LocalAccount | None = None,
                       dry_run: bool = False) -> Receipt | None:
        return self.send("freezePartialTokens", address(wallet, "wallet"), self.units(amount), sender=sender,
                         dry_run=dry_run)

    def unfreeze_partial(self, wallet: str, amount: Amount, sender: LocalAccount | None = None,
                         dry_run: bool = False) -> Receipt | None:
        return self.send("unfreezePartialTokens", address(wallet, "wallet"), self.units(amount), sender=sender,
                         dry_run=dry_run)

    def frozen_tokens(self, wallet: str) -> int:
        return self.call("getFrozenTokens", address(wallet, "wallet"))

    def set_frozen_tokens(self, wallet: str, amount: Amount, sender: LocalAccount | None = None) -> Receipt:
        """ERC-7943: sets the frozen amount (agent); unlike `freeze_partial` it may exceed the balance, so tokens
        the wallet receives later stay frozen up to it."""
        units = self.units(amount)
        if units > MAX_FROZEN:
            raise ConfigError(f"a frozen amount above {self.fmt(MAX_FROZEN)} cannot be held by the token")
        return self.send("setFrozenTokens", address(wallet, "wallet"), units, sender=sender)

    # --- ERC-7943 account checks ---
    def can_send(self, account: str) -> bool:
        """ERC-7943: `account` is registered with valid KYC, neither frozen on the token nor sanctioned."""
        return self.call("canSend", address(account, "account"))

    def can_receive(self, account: str) -> bool:
        """ERC-7943: as `can_send`, and admitted by the rule of its country (blocked, allow list, category)."""
        return self.call("canReceive", address(account, "account"))

    # --- ERC-3643 token information ---
    def set_name(self, name: str, sender: LocalAccount | None = None) -> Receipt:
        if not name.strip():
            raise ConfigError("a token name cannot be empty")
        return self.send("setName", name, sender=sender)

    def set_symbol(self, symbol: str, sender: LocalAccount | None = None) -> Receipt:
        if not symbol.strip():
            raise ConfigError("a token symbol cannot be empty")
        return self.send("setSymbol", symbol, sender=sender)

    def onchain_id(self) -> str:
        return self.call("onchainID")

    def set_onchain_id(self, identity: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setOnchainID", address(identity, "identity"), sender=sender)

    # --- ERC-2612 permits: the owner signs, anyone submits ---
    def nonce_of(self, owner: str) -> int:
        return self.call("nonces", address(owner, "owner"))

    def sign_permit(self, owner: LocalAccount, spender: str, amount: Amount, deadline: str | int) -> dict:
        """`owner`'s EIP-712 signature allowing `spender` to move `amount`, valid until `deadline` (unix time or
        ISO date); hand the result to `permit`."""
        message = {"owner": owner.address, "spender": address(spender, "spender"), "value": self.units(amount),
                   "nonce": self.nonce_of(owner.address), "deadline": timestamp(deadline, "deadline")}
        typed = eip712.typed_data("Permit", eip712.PERMIT_FIELDS, self.name(), eip712.PERMIT_VERSION,
                                  self.tx.chain.chain_id, self.address, message)
        signed = Account.sign_message(encode_typed_data(full_message=typed), owner.key)
        return {"permit": message, "v": signed.v, "r": signed.r.to_bytes(32, "big"), "s": signed.s.to_bytes(32, "big")}

    def permit(self, signed: dict, sender: LocalAccount | None = None) -> Receipt:
        p = signed["permit"]
        if p["deadline"] < self.tx.chain.block_timestamp():
            raise ConfigError(f"the permit expired at {p['deadline']}")
        return self.send("permit", p["owner"], p["spender"], p["value"], p["deadline"], signed["v"], signed["r"],
                         signed["s"], sender=sender)

    def forced_transfer(self, sender_wallet: str, to: str, amount: Amount, sender: LocalAccount | None = None,
                        override_reason: str | None = None, journal: Recorder | None = None,
                        dry_run: bool = False) -> Receipt | None:
        """Agent power: move `amount` from `sender_wallet` to `to` past the sender's restrictions (frozen wallet or
        tokens, lockup, pledge, pause). The contract only asks for a verified receiver (ERC-3643); this method also
        holds the receiver to the token's receiver-side rules (`receiver_check`: countries, categories, investor
        caps, holding limits) and refuses with the `TransferRestricted` subclass for the code, before sending,
        unless `override_reason` says why the agent goes ahead (a court order). An override is written to
        `journal` (required then; `rwa force-transfer` uses the offering's override journal, which `rwa report
        audit` shows beside the transaction) when the node accepts the transaction and again once it is mined.
        With `dry_run` everything is checked and the call simulated from the sender (a refusal raised as sending
        would raise it), nothing is sent or recorded, and None is returned."""
        sender_wallet, to, units = address(sender_wallet, "from"), address(to, "to"), self.units(amount)
        verdict = self.receiver_check(sender_wallet, to, units)
        reason = (override_reason or "").strip()
        if not verdict.ok and not reason:
            raise restriction(verdict.code, f"{verdict.message} (a forced transfer to this receiver needs a stated "
                                            "override reason)")
        if not verdict.ok and journal is None:
            raise ConfigError("an override of the token's rules must be recorded: pass journal= (a "
                              "rwa_token.store.journal.Journal, e.g. the offering's override journal)")
        account = sender or self.sender
        if dry_run:
            self.tx.call(self.address, self.function("forcedTransfer", 3), (sender_wallet, to, units),
                         sender=account.address if account else None)
            return None
        if verdict.ok:
            return self.send("forcedTransfer", sender_wallet, to, units, sender=sender)
        entry = {"kind": OVERRIDE_KIND, "token": self.address, "from": sender_wallet, "to": to, "amount": str(units),
                 "code": verdict.code, "rule": REASON_CODES[verdict.code]["name"], "message": verdict.message,
                 "reason": reason, "agent": account.address if account else None}
        sent: list[str] = []

        def record(tx_hash: str) -> None:
            sent.append(tx_hash)
            journal.append(status="sent", tx=tx_hash, **entry)

        try:
            with self.tx.broadcasting_to(record):
                receipt = self.send("forcedTransfer", sender_wallet, to, units, sender=sender)
        except ContractRevert:
            for tx_hash in sent:  # mined but reverted: nothing was overridden after all
                journal.append(status="failed", kind=OVERRIDE_KIND, tx=tx_hash)
            raise
        journal.append(status="confirmed", kind=OVERRIDE_KIND, tx=receipt.tx_hash, block=receipt.block_number)
        return receipt

    def recover(self, lost_wallet: str, new_wallet: str, sender: LocalAccount | None = None,
                dry_run: bool = False) -> Receipt | None:
        """Move everything of a lost wallet to another wallet of the same investor and freeze the lost wallet (one
        transaction; refused with code 26 while the wallet is pledged). Its distribution and redemption entitlements
        move with `rwa_token.services.recovery`."""
        return self.send("recoveryAddress", address(lost_wallet, "lost_wallet"), address(new_wallet, "new_wallet"),
                         ZERO_ADDRESS, sender=sender, dry_run=dry_run)

    # --- snapshots (record dates) ---
    def snapshot(self, sender: LocalAccount | None = None) -> int:
        receipt = self.send("snapshot", sender=sender)
        return int(receipt.events("Snapshot")[0]["args"]["id"])

    def current_snapshot(self) -> int:
        return self.call("currentSnapshotId")

    def balance_at(self, account: str, snapshot_id: int) -> int:
        return self.call("balanceOfAt", address(account, "account"), snapshot_id)

    def total_supply_at(self, snapshot_id: int) -> int:
        return self.call("totalSupplyAt", snapshot_id)

    def balance_of_many(self, wallets: Sequence[str]) -> list[int]:
        """`balance_of` of many wallets, in batched calls (one HTTP request per 500 wallets)."""
        return [int(v) for v in self.call_many("balanceOf", [[w] for w in wallets])]

    def balance_at_many(self, wallets: Sequence[str], snapshot_id: int) -> list[int]:
        """`balance_at` of many wallets, in batched calls (one HTTP request per 500 wallets)."""
        return [int(v) for v in self.call_many("balanceOfAt", [[w, snapshot_id] for w in wallets])]

    def holder_at_many(self, wallets: Sequence[str], snapshot_id: int = 0) -> list[HolderAt]:
        """`holder_at` of many wallets, in batched calls."""
        return [HolderAt(*(int(x) for x in v)) for v in self.call_many("holderAt", [[w, snapshot_id] for w in wallets])]

    def recipients(self, from_block: int = 0) -> set[str]:
        """Every wallet that received the token (minted or transferred to it) since `from_block`, from its Transfer
        events: the candidates a paying agent checks against a record date."""
        return {e["args"]["to"] for e in self.events("Transfer", from_block)} - {ZERO_ADDRESS}

    # --- documents (ERC-1643) and terms ---
    def set_document(self, name: str, uri: str, document_hash: bytes | str,
                     sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        digest = bytes.fromhex(document_hash[2:]) if isinstance(document_hash, str) else document_hash
        if len(digest) != 32:
            raise ConfigError(f"document hash for {name!r} must be 32 bytes (0x + 64 hex)")
        return self.send("setDocument", document_name(name), uri, digest, sender=sender, dry_run=dry_run)

    def document(self, name: str) -> tuple[str, bytes, int]:
        return self.call("getDocument", document_name(name))

    def set_document_reference(self, name: str, reference: str, sender: LocalAccount | None = None,
                               dry_run: bool = False) -> Receipt | None:
        """Record the regulator's reference of document `name` (e.g. the CSRC filing number of "filing"); at most
        32 ASCII characters. For "filing" the sender needs the admin or compliance role, never only the agent's."""
        return self.send("setDocumentReference", document_name(name), reference_bytes(reference), sender=sender,
                         dry_run=dry_run)

    def document_reference(self, name: str) -> str:
        """The regulator's reference recorded with document `name` ("" if none)."""
        return bytes(self.call("documentReference", document_name(name))).rstrip(b"\0").decode("ascii", "replace")

    def documents(self) -> list[str]:
        return [n.rstrip(b"\0").decode() for n in self.call("getAllDocuments")]

    # --- rule configuration (COMPLIANCE_ROLE) ---
    def set_country_rule(self, country: str | int, allowed: bool = False, blocked: bool = False,
                         required_categories: str | int = 0, max_investors: int = 0,
                         sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("setCountryRule", _country(country), allowed, blocked,
                         parse_categories(required_categories), max_investors, sender=sender, dry_run=dry_run)

    def country_rule(self, country: str | int) -> CountryRule:
        code = _country(country)
        return CountryRule(code, *self.call("countryRule", code))

    def country_rule_many(self, countries: Sequence[str | int]) -> list[CountryRule]:
        """`country_rule` of many countries, in batched calls."""
        codes = [_country(c) for c in countries]
        return [CountryRule(code, *answer) for code, answer in zip(codes, self.call_many("countryRule",
                                                                                          [[c] for c in codes]))]

    def set_allowlist_mode(self, enabled: bool, sender: LocalAccount | None = None,
                           dry_run: bool = False) -> Receipt | None:
        return self.send("setAllowlistMode", bool(enabled), sender=sender, dry_run=dry_run)

    def allowlist_mode(self) -> bool:
        """True: only countries with an explicit rule may hold the token."""
        return self.call("allowlistMode")

    def set_limits(self, max_investors: int = 0, min_balance: Amount = 0, max_balance: Amount = 0,
                   sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("setLimits", max_investors, self.units(min_balance, "min_balance"),
                         self.units(max_balance, "max_balance"), sender=sender, dry_run=dry_run)

    def limits(self) -> Limits:
        return Limits(*self.call("limits"))

    def set_default_lockup(self, seconds: int, sender: LocalAccount | None = None,
                           dry_run: bool = False) -> Receipt | None:
        return self.send("setDefaultLockup", int(seconds), sender=sender, dry_run=dry_run)

    def set_investor_lockup(self, wallet: str, until: str | int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setInvestorLockup", address(wallet, "wallet"), timestamp(until, "until"), sender=sender)

    def set_trading_halt(self, halted: bool, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setTradingHalt", bool(halted), sender=sender)

    def trading_halted(self) -> bool:
        return self.call("tradingHalted")

    def set_compliance_hook(self, hook: str, sender: LocalAccount | None = None,
                            dry_run: bool = False) -> Receipt | None:
        return self.send("setComplianceHook", address(hook, "hook"), sender=sender, dry_run=dry_run)

    def supply_cap(self) -> int:
        """The most that may ever be in circulation, in base units (0: no cap)."""
        return self.call("supplyCap")

    def set_supply_cap(self, cap: Amount, sender: LocalAccount | None = None,
                       dry_run: bool = False) -> Receipt | None:
        """A new supply cap (admin), in whole tokens as a decimal string or base units as an int."""
        return self.send("setSupplyCap", self.units(cap, "cap"), sender=sender, dry_run=dry_run)

    def compliance_hook(self) -> str:
        """The external hook consulted on every transfer (the zero address: none)."""
        return self.call("complianceHook")

    def set_require_filing_document(self, required: bool, sender: LocalAccount | None = None,
                                    dry_run: bool = False) -> Receipt | None:
        return self.send("setRequireFilingDocument", bool(required), sender=sender, dry_run=dry_run)

    def requires_filing_document(self) -> bool:
        """True: nothing may be minted until the "filing" document is recorded."""
        return self.call("requireFilingDocument")

    def investor_count(self) -> int:
        return self.call("investorCount")

    def country_investor_count(self, country: str | int) -> int:
        return self.call("countryInvestorCount", _country(country))

    # --- setup calls: calldata the factory runs on a fresh clone (`TokenPlan.setup`); amounts in base units ---
    def encode_allowlist_mode(self, enabled: bool) -> bytes:
        return self.encode("setAllowlistMode", bool(enabled))

    def encode_country_rules(self, rules: Sequence[Any]) -> bytes:
        """One call setting every rule in `rules`: objects with `country` (ISO numeric), `allowed`, `blocked`,
        `required_categories` (bitmask) and `max_investors`, e.g. `rwa_token.inputs.policy.CountryRule`."""
        return self.encode("batchSetCountryRules", [r.country for r in rules], [r.allowed for r in rules],
                           [r.blocked for r in rules], [r.required_categories for r in rules],
                           [r.max_investors for r in rules])

    def encode_limits(self, max_investors: int, min_balance: int, max_balance: int) -> bytes:
        return self.encode("setLimits", max_investors, min_balance, max_balance)

    def encode_default_lockup(self, seconds: int) -> bytes:
        return self.encode("setDefaultLockup", int(seconds))

    def encode_require_filing_document(self, required: bool) -> bytes:
        return self.encode("setRequireFilingDocument", bool(required))

    def encode_document(self, name: str, uri: str, document_hash: bytes) -> bytes:
        return self.encode("setDocument", document_name(name), uri, document_hash)

    def encode_document_reference(self, name: str, reference: str) -> bytes:
        return self.encode("setDocumentReference", document_name(name), reference_bytes(reference))

    def encode_terms(self, symbol: str, asset_type: str, description: str, jurisdiction: str,
                     filing_reference: str) -> bytes:
        """The token's terms: symbol, asset type, description, the asset's jurisdiction (ISO alpha-2) and the
        filing reference."""
        return self.encode("setTerms", (symbol, asset_type, description, jurisdiction, filing_reference))

    @staticmethod
    def _same_length(a: Sequence, b: Sequence) -> None:
        if len(a) != len(b):
            raise ConfigError(f"{len(a)} recipients but {len(b)} amounts")
        if not a:
            raise ConfigError("empty batch")
