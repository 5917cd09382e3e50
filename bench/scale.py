#!/usr/bin/env python3
"""Scale benchmark (not a test): the Python side against its floor, each figure a ratio to a minimal loop doing the
same work in the same run. The transaction rows are `bench/scale_tx.py` (a distribution to 5,000 holders, single
transfers, an import of 10,000 investors); the index rows are `bench/scale_index.py` (the cap table from 100,000
Transfer events, cold and warm, and the indexer's memory), on SQLite and PostgreSQL.

    python bench/scale.py              # both tables (several minutes)
    python bench/scale.py --json       # {"tx": [...], "index": [...]}
    python bench/scale.py --only tx    # or --only index
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale_index  # noqa: E402
import scale_tx  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("tx", "index"))
    parser.add_argument("--stores", default="sqlite,postgresql", help="index stores to measure")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results: dict[str, list[dict]] = {}
    if args.only in (None, "tx"):
        results["tx"] = scale_tx.rows()
    if args.only in (None, "index"):
        results["index"] = scale_index.rows(stores=tuple(s for s in args.stores.split(",") if s))
    if args.json:
        print(json.dumps(results))
    else:
        if "tx" in results:
            print("Transactions (anvil, automine): the SDK against a raw web3.py loop sending the same transactions\n")
            print(scale_tx.table(results["tx"]) + "\n")
        if "index" in results:
            print("Event index: the SDK's cap table against a bare web3.py log loop over the same logs\n")
            print(scale_index.table(results["index"]))
    missed = [r for r in results.get("tx", []) if not r["ok"]] + \
        [r for r in results.get("index", []) if r["status"] != "ok"]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
