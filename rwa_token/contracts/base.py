"""The shared wrapper machinery: ABI lookup by name, reads, writes, deployment, event queries."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence, TypeVar

from eth_account.signers.local import LocalAccount
from eth_utils import keccak

from ..chain.tx import Receipt, Transactor, decode_log
from ..primitives import artifacts
from ..primitives.countries import parse_country, parse_tax_country
from ..primitives.errors import RwaError
from ..primitives.units import address, base_units

W = TypeVar("W", bound="ContractWrapper")
Amount = int | str | Decimal
"""A token amount: an `int` is base units, a decimal string or `Decimal` is whole tokens ("1250.5")."""
Country = str | int
"""A country: ISO 3166 alpha-2 ("HK"), alpha-3 ("HKG") or numeric (344)."""


class ContractWrapper:
    """Base of every wrapper. Subclasses set CONTRACT (the artifact name) and add typed methods.

    Every wrapper takes the same input forms: addresses as hex (checksummed or all-lowercase), countries as
    `Country` ("HK", "HKG" or 344), amounts as `Amount` (int base units or decimal-string token amounts) and
    dates as ISO strings or unix seconds. Bad input raises `ConfigError` before anything is sent; a contract's
    refusal raises the named `ContractRevert` subclass from `rwa_token.primitives.errors`."""

    CONTRACT: str = ""

    def __init__(self, tx: Transactor, address: str, sender: LocalAccount | None = None):
        self.tx = tx
        self.address = address
        self.sender = sender
        self._abi = artifacts.abi(self.CONTRACT)
        self._functions: dict[str, list[dict]] = {}
        for entry in self._abi:
            if entry["type"] == "function":
                self._functions.setdefault(entry["name"], []).append(entry)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A wrapper without a docstring of its own would show its base's text in `help()`: give it a pointer."""
        super().__init_subclass__(**kwargs)
        if "__doc__" not in cls.__dict__ or cls.__dict__["__doc__"] is None:
            cls.__doc__ = f"Typed wrapper of the {cls.CONTRACT or cls.__name__} contract."

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.address})"

    # --- input forms shared by every wrapper ---
    @staticmethod
    def country(value: Country) -> int:
        """ISO 3166 numeric code of "HK", "HKG" or 344 (a `ConfigError` names an unknown country)."""
        return parse_country(value)

    @staticmethod
    def tax_country(value: Country) -> int:
        """A country as `country` reads it, or "unknown"/0 -> 0: the withholding key for unregistered wallets."""
        if isinstance(value, int) and not isinstance(value, bool) and value == 0:
            return 0
        return parse_tax_country(value)

    def decimals_of(self, token: str) -> int:
        """Decimals of the ERC-20 at `token` (read once per wrapper)."""
        cache = self.__dict__.setdefault("_decimals", {})
        key = address(token, "token")
        if key not in cache:
            entry = next(e for e in artifacts.abi("MockStablecoin") if e.get("name") == "decimals")
            cache[key] = self.tx.call(key, entry, ())
        return cache[key]

    def units_of(self, token: str, amount: Amount, field: str = "amount") -> int:
        """`amount` in base units of the ERC-20 at `token`: ints pass through, decimal strings are scaled."""
        return base_units(amount, lambda: self.decimals_of(token), field)

    @classmethod
    def deploy(cls: type[W], tx: Transactor, sender: LocalAccount, *args: Any) -> W:
        receipt = tx.deploy(cls.CONTRACT, args, sender)
        return cls(tx, receipt.contract_address, sender)

    def using(self: W, sender: LocalAccount) -> W:
        """The same contract, sending as another account."""
        return type(self)(self.tx, self.address, sender)

    def function(self, name: str, nargs: int | None = None) -> dict:
        candidates = self._functions.get(name)
        if not candidates:
            raise AttributeError(f"{self.CONTRACT} has no function {name}")
        if nargs is not None:
            candidates = [c for c in candidates if len(c["inputs"]) == nargs] or candidates
        return candidates[0]

    def encode(self, name: str, *args: Any) -> bytes:
        """Calldata for `name(args)`, e.g. a setup call the factory runs on a fresh clone."""
        return self.tx.encode_call(self.function(name, len(args)), args)

    def call(self, name: str, *args: Any, block: int | str = "latest") -> Any:
        return self.tx.call(self.address, self.function(name, len(args)), args, block=block,
                            sender=self.sender.address if self.sender else None)

    def call_many(self, name: str, arg_lists: Sequence[Sequence[Any]]) -> list[Any]:
        """The view `name` for many argument lists, batched into few HTTP requests (bulk pre-checks)."""
        if not arg_lists:
            return []
        return self.tx.call_many(self.address, self.function(name, len(arg_lists[0])), arg_lists)

    def send(self, name: str, *args: Any, sender: LocalAccount | None = None, gas: int | None = None,
             dry_run: bool = False) -> Receipt | None:
        """Send `name(*args)`; with `dry_run`, simulate it from the sender instead (a refusal raises as sending
        would, as its named exception) and return None."""
        account = sender or self.sender
        if account is None:
            raise RwaError(f"{self.CONTRACT}.{name} sends a transaction: give a sender account")
        if dry_run:
            self.tx.call(self.address, self.function(name, len(args)), args, sender=account.address)
            return None
        return self.tx.send(account, self.address, self.encode(name, *args), gas=gas)

    def events(self, name: str | None = None, from_block: int = 0, to_block: int | None = None) -> list[dict]:
        """Decoded events this contract emitted (optionally one kind) between two blocks."""
        topics = None
        if name is not None:
            entry = next((e for e in self._abi if e["type"] == "event" and e["name"] == name), None)
            if entry is None:
                raise AttributeError(f"{self.CONTRACT} has no event {name}")
            topics = ["0x" + keccak(text=artifacts.signature(entry)).hex()]
        last = self.tx.chain.block_number() if to_block is None else to_block
        logs = self.tx.get_logs(self.address, from_block, last, topics)
        return [e for e in (decode_log(log) for log in logs) if e is not None]


def role_id(name: str) -> bytes:
    """The bytes32 id of an AccessControl role."""
    return b"\0" * 32 if name == "DEFAULT_ADMIN_ROLE" else keccak(text=name)


class AccessControlled(ContractWrapper):
    """Role management shared by every OpenZeppelin AccessControl contract."""

    def has_role(self, role: str, account: str) -> bool:
        return self.call("hasRole", role_id(role), account)

    def grant_role(self, role: str, account: str, sender: LocalAccount | None = None,
                   dry_run: bool = False) -> Receipt | None:
        return self.send("grantRole", role_id(role), account, sender=sender, dry_run=dry_run)

    def revoke_role(self, role: str, account: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("revokeRole", role_id(role), account, sender=sender)


class Owned(AccessControlled):
    """ERC-173 ownership over roles (token, registry): the owner holds the admin role by being the owner, and
    ERC-3643's agent management (`addAgent` grants the contract's agent role)."""

    def owner(self) -> str:
        return self.call("owner")

    def transfer_ownership(self, new_owner: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("transferOwnership", new_owner, sender=sender)

    def is_agent(self, account: str) -> bool:
        return self.call("isAgent", account)

    def add_agent(self, account: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("addAgent", account, sender=sender)

    def remove_agent(self, account: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("removeAgent", account, sender=sender)


Args = Sequence[Any]
