"""ProceedsVault: subscription proceeds paid out only to purposes registered from the filing, within caps."""
from __future__ import annotations

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt
from ..primitives.errors import ConfigError
from ..primitives.units import address
from .base import AccessControlled, Amount


def purpose_id(name: str) -> bytes:
    """bytes32 purpose id from a short category name ("toll-road-capex"), right-padded like Solidity's bytes32("...")."""
    raw = name.encode()
    if not raw or len(raw) > 32:
        raise ConfigError(f"purpose {name!r}: 1 to 32 bytes of text")
    return raw.ljust(32, b"\0")


def purpose_name(value: bytes) -> str:
    raw = bytes(value).rstrip(b"\0")
    try:
        return raw.decode()
    except UnicodeDecodeError:
        return "0x" + bytes(value).hex()


def _pid(purpose: str | bytes) -> bytes:
    return bytes(purpose) if isinstance(purpose, (bytes, bytearray)) else purpose_id(purpose)


class ProceedsVault(AccessControlled):
    """The use-of-proceeds vault: subscription money (`deposit`) leaves only to purposes registered from the filing
    (`register_purpose`), each within its cap (`withdraw`); `totals` and `withdrawals` feed the proceeds report.

    Amounts are `int` base units or decimal strings in whole units of the vault's asset."""

    CONTRACT = "ProceedsVault"

    def units(self, amount: Amount, field: str = "amount") -> int:
        return self.units_of(self.asset(), amount, field)

    def asset(self) -> str:
        return self.call("asset")

    def purposes(self) -> list[bytes]:
        return [bytes(p) for p in self.call("purposes")]

    def purpose_of(self, purpose: str | bytes) -> tuple[int, int]:
        cap, withdrawn = self.call("purposeOf", _pid(purpose))
        return cap, withdrawn

    def totals(self) -> tuple[int, int, int]:
        deposited, withdrawn, balance = self.call("totals")
        return deposited, withdrawn, balance

    def on_hold(self) -> bool:
        return bool(self.call("onHold"))

    def register_purpose(self, purpose: str | bytes, cap: Amount, sender: LocalAccount | None = None,
                         dry_run: bool = False) -> Receipt | None:
        return self.send("registerPurpose", _pid(purpose), self.units(cap, "cap"), sender=sender, dry_run=dry_run)

    def set_purpose_cap(self, purpose: str | bytes, cap: Amount, sender: LocalAccount | None = None,
                        dry_run: bool = False) -> Receipt | None:
        return self.send("setPurposeCap", _pid(purpose), self.units(cap, "cap"), sender=sender, dry_run=dry_run)

    def deposit(self, amount: Amount, reference: str = "", sender: LocalAccount | None = None,
                dry_run: bool = False) -> Receipt | None:
        return self.send("deposit", self.units(amount), reference, sender=sender, dry_run=dry_run)

    def withdraw(self, purpose: str | bytes, amount: Amount, to: str, reference: str,
                 sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("withdraw", _pid(purpose), self.units(amount), address(to, "to"), reference, sender=sender,
                         dry_run=dry_run)

    def withdrawals(self, from_block: int = 0) -> list[dict]:
        """Every withdrawal since `from_block`, oldest first: the ProceedsWithdrawn arguments (purpose, to, amount,
        memo, treasurer)."""
        return [e["args"] for e in self.events("ProceedsWithdrawn", from_block)]

    def set_hold(self, hold: bool, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setHold", hold, sender=sender)
