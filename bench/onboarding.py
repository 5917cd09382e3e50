#!/usr/bin/env python3
"""Scale benchmark (not a test): import 10,000 investors from a CSV into a fresh offering on a local anvil,
through the same resumable, batched path as `rwa investors import` (target <= 120 s).

    python bench/onboarding.py [--investors N] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_account import Account  # noqa: E402

from rwa_token.chain.node import Chain  # noqa: E402
from rwa_token.chain.tx import Transactor  # noqa: E402
from rwa_token.inputs.investors_csv import parse_investors_csv  # noqa: E402
from rwa_token.services.offering import deploy_core  # noqa: E402
from rwa_token.services.onboarding import import_investors  # noqa: E402
from rwa_token.store.journal import Journal  # noqa: E402

COUNTRIES = [("HK", "professional"), ("SG", "accredited"), ("GB", "institutional"), ("JP", "professional"),
             ("AE", "professional"), ("DE", "institutional")]


def investors_csv(n: int) -> str:
    lines = ["wallet,investor_id,country,category,kyc_expiry,name_ref"]
    for i in range(n):
        wallet = Account.from_key((0x5CA1E << 200 | i + 1).to_bytes(32, "big")).address
        country, category = COUNTRIES[i % len(COUNTRIES)]
        lines.append(f"{wallet},INV-{i:06d},{country},{category},2030-12-31,")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--investors", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    file = parse_investors_csv(investors_csv(args.investors))
    with Chain.local() as chain, tempfile.TemporaryDirectory() as state:
        tx = Transactor(chain)
        admin = chain.dev_accounts(1)[0]
        registry, _ = deploy_core(tx, admin, "Scale", "SCL", 6, 0)
        started = time.monotonic()
        report = import_investors(tx, registry, file, "bench-salt", Journal(Path(state) / "j.jsonl"),
                                  batch_size=args.batch)
        seconds = time.monotonic() - started
    result = {f"import_{args.investors}_investors_seconds": round(seconds, 1),
              "gas_per_investor": report.gas_used // max(report.registered, 1), "batches": report.batches}
    if args.json:
        print(json.dumps(result))
    else:
        print(f"imported {report.registered:,} investors in {report.batches} transactions: {seconds:.1f} s "
              f"(target <= 120 s), {result['gas_per_investor']:,} gas per investor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
