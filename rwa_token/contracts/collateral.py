"""CollateralManager: margin pledges on one security token, enforced as the token's compliance hook."""
from __future__ import annotations

from typing import NamedTuple

from eth_account.signers.local import LocalAccount

from ..tx import Receipt
from .base import AccessControlled


class Pledge(NamedTuple):
    lender: str  # zero address if no pledge
    amount: int


class CollateralManager(AccessControlled):
    CONTRACT = "CollateralManager"

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

    def lock(self, holder: str, amount: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("lock", holder, amount, sender=sender)

    def release(self, holder: str, amount: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("release", holder, amount, sender=sender)

    def seize(self, holder: str, amount: int, to: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("seize", holder, amount, to, sender=sender)
