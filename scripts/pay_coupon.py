"""Pay a coupon on a deployed offering's first tranche: fund a record-date distribution in its first payment
token and push it to every holder in batches.

    python scripts/pay_coupon.py AMOUNT [offering name]     # AMOUNT in payment-token units, e.g. 2500.50
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))  # sibling imports under `brownie run` too

import sys

from _connect import connect, one_line_errors

from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.primitives.errors import ConfigError
from rwa_token.primitives.units import to_units
from rwa_token.services.context import LOCAL_CHAIN_IDS, Operator
from rwa_token.services.servicing import distribute


@one_line_errors
def main(amount: str = "1000", offering: str | None = None):
    chain = connect()
    op = Operator.open(chain.url, offering)
    usd = op.payment_token()
    units = to_units(amount, usd.decimals(), "amount")
    if usd.balance_of(op.account.address) < units:
        if chain.chain_id not in LOCAL_CHAIN_IDS:
            raise ConfigError(f"the paying agent {op.account.address} holds too little {usd.symbol()} to fund {amount}")
        MockStablecoin(op.tx, usd.address, op.account).mint(op.account.address, units)  # local mock only
    # The same flow as `rwa distribute`: fund by record date, push to every holder, reconcile.
    result = distribute(op, amount, claim_days=90)
    paid = result.paid
    print(f"paid {paid.pushed.pushed} holders; reconciliation {'exact' if paid.reconciliation.exact else 'NOT exact'}")
    distribution_id = result.created.distribution_id
    totals = op.distributor().totals(distribution_id)
    print(f"distribution {distribution_id}: funded {totals.funded}, paid {totals.paid_net}, withheld "
          f"{totals.withheld_outstanding}, tax {totals.tax_paid}, unpaid (rounding remainder once all are paid) {totals.unpaid}")
    return totals


if __name__ == "__main__":
    main(*sys.argv[1:3])
