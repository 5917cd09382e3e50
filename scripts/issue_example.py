"""The whole example issuance in one run (for `brownie run scripts/issue_example.py`, whose development
chain lives only as long as the run): deploy, onboard, mint to a few eligible investors, pay a coupon."""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))  # sibling imports under `brownie run` too

import os
import tempfile

import deploy_offering
import onboard_investors
import pay_coupon
from _connect import connect, one_line_errors

from rwa_token.services.context import Operator


@one_line_errors
def main():
    os.environ.setdefault("RWA_STATE_DIR", tempfile.mkdtemp(prefix="rwa-state-"))
    chain = connect()
    os.environ["RWA_RPC_URL"] = chain.url  # the other scripts join this chain
    record = deploy_offering.main()
    report = onboard_investors.main(offering=record.name)
    token = Operator.open(chain.url, record.name).token()
    minted = 0
    for wallet in Operator.open(chain.url, record.name).registry.registered_wallets(record.block):
        if minted == 10:
            break
        if token.can_mint(wallet, "100").ok:
            token.mint(wallet, "100")
            minted += 1
    print(f"minted 100 tokens to {minted} eligible investors out of {report.registered} registered")
    return pay_coupon.main("4500", record.name)


if __name__ == "__main__":
    main()
