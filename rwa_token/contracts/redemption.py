"""Redemption: principal at maturity (tokens burned for principal) and amortisation instalments.

The contract needs the security token's AGENT_ROLE (it burns) and uses the offering's Distributor for the
payment-token policy and for instalments, which are paid as ordinary distributions.
"""
from __future__ import annotations

from typing import Sequence

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt, Transactor
from ..primitives.errors import RwaError
from ..primitives.units import ZERO_ADDRESS, address
from .base import AccessControlled, Amount
from .factory import MODULE_REDEMPTION, deploy_module


class Redemption(AccessControlled):
    """Redemption of one security token: principal at maturity (`redeem`, `redeem_batch` burn tokens for principal
    at the face value) and amortisation instalments (`amortise`). Fund it with `fund_principal`.

    Amounts are `int` base units or decimal strings: of the security token for `redeem`/`quote`, of the payment
    (principal) token for `fund_principal`/`withdraw_principal`."""

    CONTRACT = "Redemption"

    @classmethod
    def deploy_initialized(cls, tx: Transactor, admin: LocalAccount, *, agent: str, token: str,
                           principal_token: str, distributor: str, treasury: str, face_value_per_token: int,
                           start: int, salt: bytes | None = None) -> "Redemption":
        """A clone from the chain's factory, initialised for `token` in the same transaction; grant it the
        token's AGENT_ROLE before anyone redeems."""
        init = cls(tx, ZERO_ADDRESS).encode(
            "initialize", admin.address, address(agent, "agent"), address(token, "token"),
            address(principal_token, "principal_token"), address(distributor, "distributor"),
            address(treasury, "treasury"), face_value_per_token, start)
        return cls(tx, deploy_module(tx, admin, MODULE_REDEMPTION, init, salt), admin)

    def fund_principal(self, amount: Amount, sender: LocalAccount | None = None) -> Receipt:
        """Add `amount` of the payment token to the principal pool (approve the redemption contract first)."""
        return self.send("fundPrincipal", self.units_of(self.payment_token(), amount), sender=sender)

    def redeem(self, amount: Amount, sender: LocalAccount | None = None) -> Receipt:
        """Burn `amount` of the sender's tokens for principal at the current face value."""
        return self.send("redeem", self.units_of(self.token(), amount), sender=sender)

    def redeem_batch(self, holders: Sequence[str], sender: LocalAccount | None = None) -> Receipt:
        """Redeem each holder's balance less its frozen and pledged parts (event RedemptionHeldBack); holders who may
        not be paid now are skipped (event RedemptionSkipped)."""
        return self.send("redeemBatch", [address(h, "holder") for h in holders], sender=sender)

    @staticmethod
    def redeemed_holders(receipt: Receipt) -> list[str]:
        """The holders a `redeem` or `redeem_batch` receipt redeemed (skipped holders are not among them)."""
        return [e["args"]["holder"] for e in receipt.events("Redeemed")]

    def pay_owed(self, holder: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("payOwed", address(holder, "holder"), sender=sender)

    def pay_owed_to(self, holder: str, to: str, sender: LocalAccount | None = None) -> Receipt:
        """Pay principal owed to `holder` to `to`, another registered wallet of the same investor."""
        return self.send("payOwedTo", address(holder, "holder"), address(to, "to"), sender=sender)

    def sweep_owed(self, holder: str, sender: LocalAccount | None = None) -> Receipt:
        """After the long stop: principal still owed to `holder` goes to the treasury."""
        return self.send("sweepOwed", address(holder, "holder"), sender=sender)

    def long_stop(self) -> int:
        return self.call("longStop")

    def set_long_stop(self, days: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setLongStop", days, sender=sender)

    def amortise(self, principal_per_token: int, claim_expiry: int,
                 sender: LocalAccount | None = None) -> tuple[int, int, Receipt]:
        """Pay down `principal_per_token` as a Distributor distribution; returns (distribution id, amount)."""
        receipt = self.send("amortise", principal_per_token, claim_expiry, sender=sender)
        events = receipt.events("Amortised")
        if not events:
            raise RwaError("no Amortised event in the receipt")
        args = events[0]["args"]
        return int(args["distributionId"]), int(args["amount"]), receipt

    def withdraw_principal(self, amount: Amount, sender: LocalAccount | None = None) -> Receipt:
        return self.send("withdrawPrincipal", self.units_of(self.payment_token(), amount), sender=sender)

    def set_redemption_start(self, start: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setRedemptionStart", start, sender=sender)

    def face_value_per_token(self) -> int:
        return self.call("faceValuePerToken")

    def principal_available(self) -> int:
        return self.call("principalAvailable")

    def quote(self, amount: Amount) -> int:
        """Principal (payment-token base units) that redeeming `amount` of the token pays now."""
        return self.call("quote", self.units_of(self.token(), amount))

    def owed_to(self, holder: str) -> int:
        return self.call("owedTo", address(holder, "holder"))

    def token(self) -> str:
        return self.call("token")

    def payment_token(self) -> str:
        return self.call("paymentToken")

    def redemption_start(self) -> int:
        return self.call("redemptionStart")
