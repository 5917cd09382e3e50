"""FundVault: dealing in a tokenized fund's shares at NAV (ERC-7540 requests, ERC-7575 entry point).

Investors request subscriptions (cash in) and redemptions (shares burnt) during a dealing cycle; the fund agent
closes the cycle at a NAV valued after its cut-off; requests are fulfilled at that NAV and investors claim
shares or cash. The vault needs the share token's AGENT_ROLE (it mints on claim and burns on request).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Sequence

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt, Transactor
from ..primitives.units import address
from .base import AccessControlled


class Decimals(NamedTuple):
    """A fund's two units: its entry asset's decimals and its share token's."""

    asset: int
    share: int


@dataclass(frozen=True)
class Nav:
    per_share: int  # asset base units per whole share (10**share_decimals share units)
    as_of: int  # valuation time, unix seconds
    used: bool  # a cycle dealt at it (it can no longer be corrected)


@dataclass(frozen=True)
class Dealing:
    cycle: int  # the open cycle, where new requests go
    cutoff: int  # its cut-off, unix seconds
    max_nav_age: int  # seconds a NAV stays usable for a close


@dataclass(frozen=True)
class DealingTerms:
    subscription_fee_bps: int
    redemption_fee_bps: int
    gate_bps: int  # share of the fund redeemable per cycle
    min_subscription: int  # asset base units


@dataclass(frozen=True)
class Cycle:
    redeem_shares: int  # redemptions requested in the cycle (carried ones included)
    nav: int  # 0 until closed
    redeem_allowed: int  # shares the gate let out
    unfulfilled: int  # redemptions still to fulfil
    subscription_fee_bps: int  # the fees in force at the close (what its requests pay whenever fulfilled)
    redemption_fee_bps: int


@dataclass(frozen=True)
class Position:
    pending_assets: int
    deposit_cycle: int
    pending_shares: int
    redeem_cycle: int
    claimable_shares: int  # fulfilled subscriptions not yet claimed (not counting a closed, unpushed cycle)
    claimable_assets: int  # fulfilled redemptions not yet claimed


class FundVault(AccessControlled):
    """One fund's dealing against one entry asset. Amounts are base units: assets of the entry asset, shares of
    the share token; NAV is asset base units per whole share."""

    CONTRACT = "FundVault"

    @classmethod
    def deploy_for(cls, tx: Transactor, admin: LocalAccount, *, agent: str, share: str, asset: str, policy: str,
                   treasury: str, fee_recipient: str, first_cutoff: int) -> "FundVault":
        """A vault for `share` against `asset` (deployed whole, not cloned: see the contract); grant it the share
        token's AGENT_ROLE before anyone deals."""
        return cls.deploy(tx, admin, admin.address, address(agent, "agent"), address(share, "share"),
                          address(asset, "asset"), address(policy, "policy"), address(treasury, "treasury"),
                          address(fee_recipient, "fee_recipient"), first_cutoff)

    # --- investors ---
    def request_deposit(self, assets: int, controller: str, owner: str, sender: LocalAccount | None = None,
                        dry_run: bool = False) -> Receipt | None:
        return self.send("requestDeposit", assets, address(controller, "controller"), address(owner, "owner"),
                         sender=sender, dry_run=dry_run)

    def request_redeem(self, shares: int, controller: str, owner: str, sender: LocalAccount | None = None,
                       dry_run: bool = False) -> Receipt | None:
        return self.send("requestRedeem", shares, address(controller, "controller"), address(owner, "owner"),
                         sender=sender, dry_run=dry_run)

    def cancel_deposit(self, controller: str, sender: LocalAccount | None = None,
                       dry_run: bool = False) -> Receipt | None:
        return self.send("cancelDepositRequest", address(controller, "controller"), sender=sender, dry_run=dry_run)

    def cancel_redeem(self, controller: str, sender: LocalAccount | None = None,
                      dry_run: bool = False) -> Receipt | None:
        return self.send("cancelRedeemRequest", address(controller, "controller"), sender=sender, dry_run=dry_run)

    def claim_shares(self, assets: int, receiver: str, controller: str, sender: LocalAccount | None = None,
                     dry_run: bool = False) -> Receipt | None:
        """ERC-7540 `deposit(assets, receiver, controller)`: mint the shares `assets` bought."""
        return self.send("deposit", assets, address(receiver, "receiver"), address(controller, "controller"),
                         sender=sender, dry_run=dry_run)

    def claim_cash(self, shares: int, receiver: str, controller: str, sender: LocalAccount | None = None,
                   dry_run: bool = False) -> Receipt | None:
        """ERC-7540 `redeem(shares, receiver, controller)`: pay the cash `shares` fetched."""
        return self.send("redeem", shares, address(receiver, "receiver"), address(controller, "controller"),
                         sender=sender, dry_run=dry_run)

    def claim_for_investor(self, controller: str, to: str, sender: LocalAccount | None = None,
                           dry_run: bool = False) -> Receipt | None:
        """The fund agent claims everything `controller` can claim now (units and cash) to `to`, another wallet of the
        same investor: a lost wallet's claims follow the investor after its recovery."""
        return self.send("claimForInvestor", address(controller, "controller"), address(to, "to"), sender=sender,
                         dry_run=dry_run)

    def set_operator(self, operator: str, approved: bool, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setOperator", address(operator, "operator"), approved, sender=sender)

    # --- the fund's agents ---
    def publish_nav(self, per_share: int, as_of: int, sender: LocalAccount | None = None,
                    dry_run: bool = False) -> Receipt | None:
        return self.send("publishNav", per_share, as_of, sender=sender, dry_run=dry_run)

    def correct_nav(self, per_share: int, sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("correctNav", per_share, sender=sender, dry_run=dry_run)

    def close_cycle(self, next_cutoff: int, sender: LocalAccount | None = None,
                    dry_run: bool = False) -> Receipt | None:
        return self.send("closeCycle", next_cutoff, sender=sender, dry_run=dry_run)

    def fulfil(self, controllers: Sequence[str], sender: LocalAccount | None = None, gas: int | None = None,
               dry_run: bool = False) -> Receipt | None:
        return self.send("fulfil", [address(c, "controller") for c in controllers], sender=sender, gas=gas,
                         dry_run=dry_run)

    def encode_fulfil(self, controllers: Sequence[str]) -> bytes:
        return self.encode("fulfil", [address(c, "controller") for c in controllers])

    def set_cutoff(self, cutoff: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setCutoff", cutoff, sender=sender)

    def fund_redemptions(self, amount: int, sender: LocalAccount | None = None,
                         dry_run: bool = False) -> Receipt | None:
        return self.send("fundRedemptions", amount, sender=sender, dry_run=dry_run)

    def withdraw_cash(self, amount: int, sender: LocalAccount | None = None, dry_run: bool = False) -> Receipt | None:
        return self.send("withdrawCash", amount, sender=sender, dry_run=dry_run)

    def withdraw_fees(self, sender: LocalAccount | None = None) -> Receipt:
        return self.send("withdrawFees", sender=sender)

    def set_dealing_terms(self, terms: DealingTerms, max_nav_age: int, sender: LocalAccount | None = None,
                          dry_run: bool = False) -> Receipt | None:
        return self.send("setDealingTerms", terms.subscription_fee_bps, terms.redemption_fee_bps, terms.gate_bps,
                         terms.min_subscription, max_nav_age, sender=sender, dry_run=dry_run)

    def encode_dealing_terms(self, terms: DealingTerms, max_nav_age: int) -> bytes:
        return self.encode("setDealingTerms", terms.subscription_fee_bps, terms.redemption_fee_bps, terms.gate_bps,
                           terms.min_subscription, max_nav_age)

    def set_accounts(self, treasury: str, fee_recipient: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setAccounts", address(treasury, "treasury"), address(fee_recipient, "fee_recipient"),
                         sender=sender)

    # --- reads ---
    def share(self) -> str:
        return self.call("share")

    def asset(self) -> str:
        return self.call("asset")

    def nav(self) -> Nav:
        return Nav(*self.call("nav"))

    def dealing(self) -> Dealing:
        return Dealing(*self.call("dealing"))

    def dealing_terms(self) -> DealingTerms:
        return DealingTerms(*self.call("dealingTerms"))

    def accounts(self) -> tuple[str, str, str]:
        """(payment-token policy, treasury, fee recipient)."""
        return tuple(self.call("accounts"))

    def cycle(self, number: int) -> Cycle:
        return Cycle(*self.call("cycleInfo", number))

    def cash(self) -> tuple[int, int]:
        """(cash available for redemptions or the treasury, accrued fees), asset base units."""
        return tuple(self.call("cash"))

    def position(self, controller: str) -> Position:
        return Position(*self.call("position", address(controller, "controller")))

    def positions(self, controllers: Sequence[str]) -> list[Position]:
        return [Position(*p) for p in self.call_many("position", [[address(c, "controller")] for c in controllers])]

    def max_deposit(self, controller: str) -> int:
        """Assets claimable as shares now (including a closed cycle not yet pushed)."""
        return self.call("maxDeposit", address(controller, "controller"))

    def max_mint(self, controller: str) -> int:
        return self.call("maxMint", address(controller, "controller"))

    def max_redeem(self, controller: str) -> int:
        """Shares claimable as cash now (including a closed cycle not yet pushed)."""
        return self.call("maxRedeem", address(controller, "controller"))

    def max_withdraw(self, controller: str) -> int:
        return self.call("maxWithdraw", address(controller, "controller"))

    def pending_deposit(self, controller: str) -> int:
        return self.call("pendingDepositRequest", 0, address(controller, "controller"))

    def pending_redeem(self, controller: str) -> int:
        return self.call("pendingRedeemRequest", 0, address(controller, "controller"))

    def is_operator(self, controller: str, operator: str) -> bool:
        return self.call("isOperator", address(controller, "controller"), address(operator, "operator"))

    def supports_interface(self, interface_id: bytes) -> bool:
        return self.call("supportsInterface", interface_id)

