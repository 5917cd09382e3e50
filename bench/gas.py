#!/usr/bin/env python3
"""Gas benchmark: every operation its own transaction on a local anvil (hardfork pinned), the token deployed
as users deploy it (EIP-1167 clones from the factory) with the full rule set active: country gating,
categories per country, investor cap, max balance, lockup check.

    python bench/gas.py          # a table with targets and reference figures
    python bench/gas.py --json   # one JSON object: operation -> gasUsed
    python bench/gas.py --hardfork shanghai   # the same on a shanghai chain, with the shanghai build
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import DAY, BenchBase, full_rules, table  # noqa: E402

from rwa_token.chain.node import Chain  # noqa: E402
from rwa_token.contracts.registry import Registration  # noqa: E402
from rwa_token.primitives.units import investor_id  # noqa: E402
from rwa_token.services.offering import deploy_core  # noqa: E402

# key: (target, reference)
TARGETS: dict[str, tuple[int | None, str]] = {
    "transfer_existing": (55_000, "ERC20 34,453 / T-REX 210,102"),
    "transfer_new_holder": (80_000, "ERC20 51,553 / T-REX 227,202"),
    "transfer_first_after_snapshot": (100_000, "-"),
    "mint_new_holder": (80_000, "T-REX 222,042"),
    # Raised from 55,000 / 27,000: the registry keeps a wallet count per investor id (one investor id, one
    # investor), a new storage slot per investor (+22,100).
    "register_investor": (75_000, "T-REX 835,464 (identity + claim + register)"),
    "register_investor_batch100_per_investor": (50_000, "T-REX 35,994 per identity in a batch, identities extra"),
    "forced_transfer": (60_000, "T-REX 205,433"),
    "freeze": (40_000, "T-REX 61,415"),
    # ERC-7943's absolute freeze (agent action, in the token itself).
    "set_frozen_tokens": (None, "-"),
    # ERC-2612 with the owner's and spender's eligibility read from the registry, through the administration
    # module (the delegatecall hop costs about 2,700).
    "permit": (None, "-"),
    "deploy_offering": (800_000, "T-REX 3,729,837 per suite + 22.4M infrastructure"),
    "deploy_registry_standalone": (None, "once per issuer or platform, shared by its offerings"),
}


class TokenBench(BenchBase):
    def register(self, registry, country="HK", category="professional"):
        acct = self.account()
        expiry = self.chain.block_timestamp() + 365 * DAY
        receipt = registry.register(acct.address, investor_id(acct.address, "bench"), country, category, expiry)
        return acct, receipt

    def run(self) -> None:
        self.run_token()

    def run_token(self) -> None:
        registry, token = deploy_core(self.tx, self.admin, "Bench ABS", "BABS", 6, 10**15)
        self.results["deploy_offering"] = self._deploy_offering_gas(registry.address)
        full_rules(token)

        a, receipt = self.register(registry)
        self.results["register_investor"] = receipt.gas_used
        b, _ = self.register(registry)
        c, _ = self.register(registry)
        d, _ = self.register(registry)
        self.results["mint_new_holder"] = token.mint(a.address, "1000").gas_used
        token.mint(b.address, "1000")
        token.mint(d.address, "1000")
        self.chain.increase_time(2 * DAY)  # lots unlocked, the lockup check still runs
        token.transfer(b.address, "1", sender=a)
        self.results["transfer_existing"] = token.transfer(b.address, "1", sender=a).gas_used
        self.results["transfer_new_holder"] = token.transfer(c.address, "1", sender=a).gas_used
        token.snapshot()
        self.results["transfer_first_after_snapshot"] = token.transfer(b.address, "1", sender=a).gas_used
        self.results["forced_transfer"] = token.forced_transfer(a.address, b.address, "1").gas_used
        self.results["freeze"] = token.set_frozen(d.address, True).gas_used
        self.results["set_frozen_tokens"] = token.set_frozen_tokens(b.address, "2").gas_used
        signed = token.sign_permit(a, c.address, "5", self.chain.block_timestamp() + DAY)
        self.results["permit"] = token.permit(signed).gas_used

        rows = []
        expiry = self.chain.block_timestamp() + 365 * DAY
        for _ in range(100):
            acct = self.account()
            rows.append(Registration.of(acct.address, investor_id(acct.address, "bench"), "SG", "accredited", expiry))
        receipt = registry.register_batch(rows)
        self.results["register_investor_batch100_per_investor"] = receipt.gas_used // 100

    def _deploy_offering_gas(self, registry: str) -> int:
        # An offering on an existing (shared) registry: one token with its rules, and a distributor.
        from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure

        factory = OfferingFactory(self.tx, infrastructure(self.tx, self.admin).factory, self.admin)
        from rwa_token.contracts.token import SecurityToken
        from rwa_token.inputs.policy import compile_policies
        from rwa_token.primitives.units import ZERO_ADDRESS
        from rwa_token.services.deployment import rule_setup

        rules = compile_policies(["cn-offshore-abs", "hk-vatp-professional", "us-reg-s", "sg-accredited"],
                                 {"max_investors": 5000})
        setup = rule_setup(SecurityToken(self.tx, ZERO_ADDRESS), rules, 6)
        plan = OfferingPlan(admin=self.admin.address, registry=registry,
                            tokens=[TokenPlan("Bench ABS", "BABS", 6, 10**15, setup)],
                            treasury=self.admin.address, tax_account=self.admin.address, with_distributor=True)
        return factory.deploy_offering(plan, os.urandom(32)).receipt.gas_used


def main(argv: list[str]) -> int:
    from gas_cashflow import TARGETS as CASHFLOW_TARGETS, CashflowBench
    from gas_fund import TARGETS as FUND_TARGETS, FundBench
    from gas_trading import TARGETS as TRADING_TARGETS, TradingBench

    targets = {**TARGETS, **CASHFLOW_TARGETS, **TRADING_TARGETS, **FUND_TARGETS}
    results: dict[str, int] = {}
    hardfork, evm = "?", "?"
    # --hardfork shanghai: a chain without the cancun opcodes; the SDK detects it and deploys the shanghai build.
    options = {"hardfork": argv[argv.index("--hardfork") + 1]} if "--hardfork" in argv else {}
    for bench_class in (TokenBench, CashflowBench, TradingBench, FundBench):
        with Chain.local(**options) as chain:  # a fresh chain per suite: no suite warms another's storage
            bench = bench_class(chain)
            bench.run()
            results.update(bench.results)
            hardfork, evm = chain.anvil.hardfork, chain.evm
    ordered = {k: results[k] for k in targets if k in results}
    if "--json" in argv:
        print(json.dumps(ordered))
    else:
        print(f"anvil, hardfork {hardfork}, contracts built for {evm}, each operation its own transaction\n")
        print(table(ordered, targets))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
