"""ProceedsVault: subscription proceeds paid out only to purposes registered from the filing, within caps."""
from __future__ import annotations

from eth_account.signers.local import LocalAccount

from ..tx import Receipt
from .base import AccessControlled


def _pid(purpose: str | bytes) -> bytes:
    from ..trading import purpose_id

    return bytes(purpose) if isinstance(purpose, (bytes, bytearray)) else purpose_id(purpose)


class ProceedsVault(AccessControlled):
    CONTRACT = "ProceedsVault"

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

    def register_purpose(self, purpose: str | bytes, cap: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("registerPurpose", _pid(purpose), cap, sender=sender)

    def set_purpose_cap(self, purpose: str | bytes, cap: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setPurposeCap", _pid(purpose), cap, sender=sender)

    def deposit(self, amount: int, reference: str = "", sender: LocalAccount | None = None) -> Receipt:
        return self.send("deposit", amount, reference, sender=sender)

    def withdraw(self, purpose: str | bytes, amount: int, to: str, reference: str,
                 sender: LocalAccount | None = None) -> Receipt:
        return self.send("withdraw", _pid(purpose), amount, to, reference, sender=sender)

    def set_hold(self, hold: bool, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setHold", hold, sender=sender)
