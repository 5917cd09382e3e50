#!/usr/bin/env python3
"""Gas of the cash-flow engine on the real token (full rule set), each operation its own transaction:
distributions (create for 10 and for 10,000 holders, claim, batched push), redemption, a 3-tranche waterfall.

"payee already holds the payment token" is the steady state of a second distribution to the same holders;
"new payee" is a holder's first distribution and first payment-token balance. The distributor is deployed
directly (one per issuer), not cloned. Paid records are one bit per holder in words shared by 256 consecutive
holder numbers, per distribution: the claim keys measure a claim in a distribution already being paid (its word
exists); the first payment of a 256-holder group in a distribution writes the word (+17,100 once per group,
`distribution_claim_first_in_group`).

    python bench/gas_cashflow.py [--json]
"""
from __future__ import annotations

import sys

from common import DAY, BenchBase, full_rules, run_suite

from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
from rwa_token.contracts.redemption import Redemption
from rwa_token.contracts.registry import Registration
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.contracts.token import SecurityToken
from rwa_token.contracts.waterfall import PrincipalMode, TrancheTerms, Waterfall
from rwa_token.primitives.units import investor_id
from rwa_token.services.offering import deploy_distributor, deploy_registry

TARGETS: dict[str, tuple[int | None, str]] = {
    "distribution_create_10": (130_000, "10 holders"),
    "distribution_create_10000": (130_000, "10,000 holders: equal to the 10-holder figure within 5%"),
    "distribution_claim": (70_000, "payee already holds the payment token"),
    "distribution_claim_new_payee": (90_000, "first payment-token balance of the payee"),
    "distribution_push_batch100_per_holder": (25_000, "payees already hold the payment token"),
    "distribution_push_batch100_new_payees_per_holder": (40_000, "first payment for every payee"),
    "distribution_create_excluding_treasury": (None, "10 holders, one excluded wallet holding tokens (its paid bit is set)"),
    "distribution_claim_first_in_group": (None, "the first payment of its 256-holder group in this distribution"),
    "redeem_per_holder": (80_000, "agent redeems 50 holders at maturity, per holder"),
    "redeem_single_holder": (None, "a holder redeems its own balance right after two record dates"),
    "waterfall_run_3_tranches": (250_000, "fees, senior and mezzanine interest and principal, residual"),
}


class CashflowBench(BenchBase):
    seed = 0xCA5F

    def offering(self, registry):
        factory = OfferingFactory(self.tx, infrastructure(self.tx, self.admin).factory, self.admin)
        salt = self._n.to_bytes(32, "big")
        distributor = deploy_distributor(self.tx, self.admin, factory.predict(self.admin.address, salt, 0))
        plan = OfferingPlan(admin=self.admin.address, registry=registry.address, distributor=distributor.address,
                            tokens=[TokenPlan("Bench ABS", "BABS", 6, 0)])
        deployed = factory.deploy_offering(plan, salt)
        token = SecurityToken(self.tx, deployed.tokens[0], self.admin)
        full_rules(token)
        distributor.set_excluded_wallets(token.address, [])
        return token, distributor

    def holders(self, registry, token, n: int) -> list:
        """n registered holders of 100 tokens each (keys kept only for the first 200: they claim)."""
        expiry = self.chain.block_timestamp() + 365 * DAY
        keyed = [self.account() for _ in range(min(n, 200))]
        wallets = [a.address for a in keyed]
        while len(wallets) < n:
            wallets.append(self.account_address())
        for start in range(0, n, 250):
            chunk = wallets[start:start + 250]
            registry.register_batch([Registration.of(w, investor_id(w, "bench"), "HK", "professional", expiry)
                                     for w in chunk])
            token.batch_mint(chunk, [100 * 10**6] * len(chunk))
        return keyed + wallets[len(keyed):]

    def account_address(self) -> str:
        self._n += 1
        from eth_account import Account

        return Account.from_key(((self.seed << 200) + self._n).to_bytes(32, "big")).address

    def run(self) -> None:
        registry = deploy_registry(self.tx, self.admin)
        usd = MockStablecoin.deploy(self.tx, self.admin, "Bench USD", "BUSD", 6)
        usd.mint(self.admin.address, 10**18)

        small_token, small = self.offering(registry)
        small.allow_payment_token(usd.address, "USD")
        small_holders = self.holders(registry, small_token, 10)
        big_token, big = self.offering(registry)
        big.allow_payment_token(usd.address, "USD")
        holders = self.holders(registry, big_token, 10_000)
        self.chain.increase_time(2 * DAY)
        expiry = self.chain.block_timestamp() + 90 * DAY
        for token, distributor in ((small_token, small), (big_token, big)):
            usd.approve(distributor.address, 10**17)
            distributor.create(token.address, usd.address, 10**6, expiry)  # steady state: the distributor holds USDC
        self.results["distribution_create_10"] = small.create(small_token.address, usd.address, 10**9, expiry)[1].gas_used
        small.set_excluded_wallets(small_token.address, [small_holders[0].address])  # the holder stands in for a treasury
        self.results["distribution_create_excluding_treasury"] = small.create(
            small_token.address, usd.address, 10**9, expiry)[1].gas_used
        first, receipt = big.create(big_token.address, usd.address, 10**12, expiry)
        self.results["distribution_create_10000"] = receipt.gas_used

        batch = [h.address if hasattr(h, "address") else h for h in holders[200:300]]
        self.results["distribution_push_batch100_new_payees_per_holder"] = big.push_batch(first, batch).gas_used // 100
        self.results["distribution_claim_new_payee"] = big.claim(first, sender=holders[0]).gas_used
        big.claim(first, sender=holders[1])
        second, _ = big.create(big_token.address, usd.address, 10**12, expiry)
        self.results["distribution_claim_first_in_group"] = big.claim(second, sender=holders[0]).gas_used
        self.results["distribution_claim"] = big.claim(second, sender=holders[1]).gas_used
        self.results["distribution_push_batch100_per_holder"] = big.push_batch(second, batch).gas_used // 100

        redemption = Redemption.deploy_initialized(
            self.tx, self.admin, agent=self.admin.address, token=big_token.address, principal_token=usd.address,
            distributor=big.address, treasury=self.admin.address, face_value_per_token=100 * 10**6,
            start=self.chain.block_timestamp())
        big_token.grant_role("AGENT_ROLE", redemption.address)
        usd.approve(redemption.address, 10**16)
        redemption.fund_principal(10**16)
        redeemer = holders[1]
        self.results["redeem_single_holder"] = redemption.redeem(100 * 10**6, sender=redeemer).gas_used
        batch = [h.address if hasattr(h, "address") else h for h in holders[300:350]]
        self.results["redeem_per_holder"] = redemption.redeem_batch(batch).gas_used // 50

        accounts = [self.account().address for _ in range(4)]
        tranches = [TrancheTerms(accounts[0], 120, 80_000_000 * 10**6, 1_000_000 * 10**6),
                    TrancheTerms(accounts[1], 200, 15_000_000 * 10**6, 0), TrancheTerms(accounts[2])]
        usd.mint(accounts[3], 1)
        waterfall = Waterfall.deploy_initialized(
            self.tx, self.admin, agent=self.admin.address, collection_token=usd.address, policy=big.address,
            fee_account=accounts[3], fee_per_period=25_000 * 10**6, mode=PrincipalMode.SEQUENTIAL,
            tranches=tranches)
        usd.approve(waterfall.address, 10**16)
        self.results["waterfall_run_3_tranches"] = waterfall.run(4_000_000 * 10**6)[1].gas_used


def main(argv: list[str]) -> int:
    run_suite(CashflowBench, TARGETS, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
