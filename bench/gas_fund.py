#!/usr/bin/env python3
"""Gas of fund dealing (FundVault, ERC-7540) on the real token with the full rule set, each operation its own
transaction, in the steady state of a fund that has dealt before: the vault already holds the entry asset, the
cycle's book already has requests, the investor's allowance to the vault is unlimited.

- `fund_request_deposit`: a returning investor's subscription (its pending slot was written in an earlier cycle):
  the payment-token policy check, the token's eligibility view (`canReceive`: registration, KYC, freezes,
  sanctions, country and category) and the asset's `transferFrom` into the vault. `fund_request_deposit_first` is an investor's first ever request
  (+17,100 for its pending slot going from zero).
- `fund_close_per_request_batch100`: one `fulfil` of 100 controllers' subscriptions after the close, per request:
  the claimable record written from zero, the pending slot and the cash; the close itself
  (`fund_close_cycle`) is one transaction whatever the number of requests.
- `fund_claim`: a returning holder claims its shares: the claimable record and the token's rule-checked mint to
  a wallet that already holds shares. `fund_claim_new_holder` mints to a first-time holder (holder count, lots).
- `fund_request_redeem`: a returning investor's redemption request: the token's rule-checked burn (`redeemFrom`:
  freezes, lockups, the compliance hook) and the book. `fund_claim_cash` pays a fulfilled redemption in cash.

    python bench/gas_fund.py [--json]
"""
from __future__ import annotations

import sys

from common import DAY, BenchBase, full_rules, run_suite

from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
from rwa_token.contracts.fund import FundVault
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.contracts.token import SecurityToken
from rwa_token.services.offering import deploy_distributor, deploy_registry

TARGETS: dict[str, tuple[int | None, str]] = {
    "fund_request_deposit": (80_000, "returning investor: policy, the token's canReceive, transferFrom into the vault"),
    "fund_request_deposit_first": (None, "an investor's first request (its pending slot from zero)"),
    "fund_close_cycle": (None, "one transaction per cycle: NAV checks, the gate, the cycle's close record"),
    "fund_close_per_request_batch100": (40_000, "fulfil 100 subscriptions after the close, per request"),
    "fund_claim": (70_000, "shares minted to a wallet that already holds shares"),
    "fund_claim_new_holder": (None, "shares minted to a first-time holder"),
    "fund_request_redeem": (80_000, "returning investor, the token's rule-checked burn"),
    "fund_claim_cash": (None, "cash for a fulfilled redemption, to a wallet already holding the asset"),
    "fund_deploy": (None, "one vault (deployed whole: its addresses are immutables)"),
}


class FundBench(BenchBase):
    seed = 0xF04D

    def run(self) -> None:
        registry = deploy_registry(self.tx, self.admin)
        factory = OfferingFactory(self.tx, infrastructure(self.tx, self.admin).factory, self.admin)
        salt = (1).to_bytes(32, "big")
        distributor = deploy_distributor(self.tx, self.admin, factory.predict(self.admin.address, salt, 0))
        plan = OfferingPlan(admin=self.admin.address, registry=registry.address, distributor=distributor.address,
                            tokens=[TokenPlan("Bench Fund", "BMMF", 6, 0)])
        token = SecurityToken(self.tx, factory.deploy_offering(plan, salt).tokens[0], self.admin)
        full_rules(token)
        token.set_default_lockup(0)  # shares redeemed the day they are claimed (the lockup would refuse that)
        usd = MockStablecoin.deploy(self.tx, self.admin, "Bench USD", "BUSD", 6)
        distributor.allow_payment_token(usd.address, "USD")
        deployed = self.tx.deploy("FundVault", (
            self.admin.address, self.admin.address, token.address, usd.address, distributor.address,
            self.admin.address, self.admin.address, self.chain.block_timestamp() + DAY), self.admin)
        self.results["fund_deploy"] = deployed.gas_used
        vault = FundVault(self.tx, deployed.contract_address, self.admin)
        token.grant_role("AGENT_ROLE", vault.address)
        usd.mint(self.admin.address, 10**18)
        usd.approve(vault.address, 2**256 - 1)

        investors = [self.investor(registry) for _ in range(103)]
        for who in investors:
            usd.mint(who.address, 10**12)
            usd.approve(vault.address, 2**256 - 1, sender=who)
        # Cycle 1: everyone subscribes once (first requests), so that every later request is a returning one.
        first = [vault.request_deposit(1_000 * 10**6, w.address, w.address, sender=w) for w in investors]
        self.trace = first[50].tx_hash
        self.results["fund_request_deposit_first"] = first[50].gas_used
        self.close(vault)
        self.results["fund_close_per_request_batch100"] = vault.fulfil([w.address for w in investors[:100]]).gas_used // 100
        vault.fulfil([w.address for w in investors[100:]])
        self.results["fund_claim_new_holder"] = vault.claim_shares(
            1_000 * 10**6, investors[0].address, investors[0].address, sender=investors[0]).gas_used
        for w in investors[1:]:
            vault.claim_shares(500 * 10**6, w.address, w.address, sender=w)

        # Cycle 2: returning investors, into a cycle that already has requests.
        vault.request_deposit(1_000 * 10**6, investors[4].address, investors[4].address, sender=investors[4])
        self.results["fund_request_deposit"] = vault.request_deposit(
            1_000 * 10**6, investors[1].address, investors[1].address, sender=investors[1]).gas_used
        vault.request_redeem(10**6, investors[3].address, investors[3].address, sender=investors[3])
        self.results["fund_request_redeem"] = vault.request_redeem(
            10 * 10**6, investors[2].address, investors[2].address, sender=investors[2]).gas_used
        self.results["fund_claim"] = vault.claim_shares(
            500 * 10**6, investors[1].address, investors[1].address, sender=investors[1]).gas_used
        self.results["fund_close_cycle"] = self.close(vault)
        vault.fund_redemptions(10**9)
        vault.fulfil([w.address for w in investors[1:4]])
        usd.mint(investors[2].address, 1)
        shares = vault.max_redeem(investors[2].address)
        self.results["fund_claim_cash"] = vault.claim_cash(
            shares, investors[2].address, investors[2].address, sender=investors[2]).gas_used

    def close(self, vault: FundVault) -> int:
        self.chain.increase_time(DAY)
        now = self.chain.block_timestamp()
        vault.publish_nav(1_000_100, now)
        return vault.close_cycle(now + DAY).gas_used


def main(argv: list[str]) -> int:
    run_suite(FundBench, TARGETS, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
