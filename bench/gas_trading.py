#!/usr/bin/env python3
"""Gas benchmark for secondary trading: DvP settlement (single and a batch of 50), collateral pledges (the
holder's own call and a lender submitting the holder's EIP-712 signed pledge).
Every operation is its own transaction on a private anvil (hardfork pinned by rwa_token.chain.node), the token with
the full rule set of bench/gas.py (country gating, categories, investor caps, max balance, lockup check).

Setting: a platform settling for clients who already trade (buyers already hold the security, sellers
already hold the stablecoin, each seller's nonces consecutive, unlimited approvals), the steady state of a
venue. With RWA_BENCH_HOOK=1 the collateral manager is also the token's compliance hook (a margin-enabled
token: about +8k per settlement).

    python bench/gas_trading.py          # a table with targets
    python bench/gas_trading.py --json   # one JSON object: operation -> gasUsed
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import BenchBase, full_rules, run_suite  # noqa: E402

from rwa_token.contracts.collateral import CollateralManager  # noqa: E402
from rwa_token.contracts.settlement import DvPSettlement  # noqa: E402
from rwa_token.contracts.stablecoin import MockStablecoin  # noqa: E402
from rwa_token.primitives.constants import SECONDS_PER_DAY  # noqa: E402
from rwa_token.services.offering import deploy_core  # noqa: E402
from rwa_token.services.trading import SignedTrade, Trade, sign_trade  # noqa: E402

DAY = SECONDS_PER_DAY
BATCH = 50
PARTIES = 10  # sellers and buyers in the batch
HOOK = os.environ.get("RWA_BENCH_HOOK", "0") == "1"  # 1: the collateral manager is the token's hook
TARGETS: dict[str, tuple[int, str]] = {
    "dvp_settle": (120_000, "two signatures, compliance check, both legs, no fee"),
    "dvp_settle_with_fee": (None, "the same with a 10 bps platform fee (a third transfer)"),
    "dvp_settle_batch50_per_trade": (100_000, "50 trades / 10 sellers / 10 buyers, signatures, fee"),
    "collateral_pledge": (60_000, "first pledge of a holder, the holder's own call"),
    "collateral_pledge_signed": (None, "first pledge of a holder, its signed consent submitted by the lender "
                                       "(signature check and the holder's first nonce)"),
}


class TradingBench(BenchBase):
    seed = 0x7ADE

    def run(self) -> None:
        registry, token = deploy_core(self.tx, self.admin, "Bench ABS", "BABS", 6, 10**15)
        full_rules(token)
        usd = MockStablecoin.deploy(self.tx, self.admin, "Bench USD", "BUSD", 6)
        fees = self.account()
        dvp = DvPSettlement.deploy_new(self.tx, self.admin, self.admin.address, fees.address)
        usd.mint(fees.address, 1)  # the fee account is an existing account of the platform

        manager = CollateralManager.deploy_for(self.tx, self.admin, token, wire=HOOK)
        manager.grant_role("LENDER_ROLE", self.admin.address)

        sellers = [self.investor(registry) for _ in range(PARTIES)]
        buyers = [self.investor(registry) for _ in range(PARTIES)]
        for s in sellers:
            token.mint(s.address, "10000")
            usd.mint(s.address, 10**6)
            token.approve(dvp.address, 2**256 - 1, sender=s)
        for b in buyers:
            token.mint(b.address, "1")
            usd.mint(b.address, 10**15)
            usd.approve(dvp.address, 2**256 - 1, sender=b)
        self.chain.increase_time(2 * DAY)  # lots unlocked; the lockup check still runs

        self.results["collateral_pledge"] = manager.pledge(self.admin.address, 1_000 * 10**6,
                                                           sender=sellers[0]).gas_used
        signed = manager.sign_pledge(sellers[1], self.admin.address, 1_000 * 10**6)
        self.results["collateral_pledge_signed"] = manager.pledge_with_signature(signed).gas_used

        expiry = self.chain.block_timestamp() + DAY
        chain_id = self.chain.chain_id
        nonces = {s.address: 0 for s in sellers}

        def signed(seller, buyer, fee_bps: int = 10) -> SignedTrade:
            nonce = nonces[seller.address]
            nonces[seller.address] += 1
            t = Trade(seller.address, buyer.address, token.address, 10 * 10**6, usd.address, 1_000 * 10**6,
                      nonce, expiry, fee_bps)
            return SignedTrade(t, sign_trade(t, seller, chain_id, dvp.address),
                               sign_trade(t, buyer, chain_id, dvp.address))

        # warm-up trade so the single measurement is the steady state (seller's nonce word in use)
        first = signed(sellers[1], buyers[1])
        dvp.settle(first.trade, first.seller_signature, first.buyer_signature)
        one = signed(sellers[1], buyers[2], fee_bps=0)
        self.results["dvp_settle"] = dvp.settle(one.trade, one.seller_signature, one.buyer_signature).gas_used
        fee = signed(sellers[1], buyers[3])
        self.results["dvp_settle_with_fee"] = dvp.settle(fee.trade, fee.seller_signature,
                                                         fee.buyer_signature).gas_used

        for i in range(PARTIES):  # every seller's nonce word already in use, as in the single case
            w = signed(sellers[i], buyers[(i + 3) % PARTIES])
            dvp.settle(w.trade, w.seller_signature, w.buyer_signature)
        batch = [signed(sellers[i % PARTIES], buyers[(i * 7 + 1) % PARTIES]) for i in range(BATCH)]
        receipt = dvp.settle_batch(batch, gas=25_000_000)
        settled, failed = dvp.batch_outcome(receipt)
        if len(settled) != BATCH:
            raise SystemExit(f"batch settled {len(settled)} of {BATCH} trades: {list(failed.items())[:1]}")
        self.results["dvp_settle_batch50_per_trade"] = receipt.gas_used // BATCH


def main(argv: list[str]) -> int:
    run_suite(TradingBench, TARGETS, argv)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
