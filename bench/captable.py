#!/usr/bin/env python3
"""Micro-benchmark of the event index's apply path and its reports (not a test; not what a user sees).

100,000 synthetic ERC-20 Transfer events (mints, then transfers between 2,000 registered wallets), already decoded,
are fed through `EventIndex.apply_events`, the same apply path `sync` uses, in chunks of 5,000 events, each one
transaction as a sync chunk would be: no log fetching and no decoding. The figure a user sees, a cap table from
100,000 Transfer events that a real token emitted on a chain, fetched and decoded, is `bench/scale_index.py`'s.

Timed: populating the index; the cap table from the derived balances table (the current state); the cap
table at the last block recomputed from the events (the historical path, the slow one, and the headline
figure); the jurisdictions report.

    python bench/captable.py            # a small table
    python bench/captable.py --json     # {"captable_100k_events_seconds": x}
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_utils import to_checksum_address  # noqa: E402

from rwa_token.reporting import reports  # noqa: E402
from rwa_token.store.index import ZERO_ADDRESS, EventIndex  # noqa: E402

TARGET_SECONDS = 20.0
EVENTS = 100_000
WALLETS = 2_000
EVENTS_PER_BLOCK = 10
CHUNK = 5_000
DECIMALS = 6
TOKEN = to_checksum_address("0x" + "7e" * 20)
REGISTRY = to_checksum_address("0x" + "4e" * 20)
COUNTRIES = (344, 344, 344, 702, 826, 392)  # HK-heavy, as for a Hong Kong VATP listing


def synthetic_events(count: int, wallets: int, seed: int = 7) -> tuple[list[dict], list[dict]]:
    """Registrations for every wallet, then `count` Transfers that never overdraw a wallet."""
    rng = random.Random(seed)
    addresses = [to_checksum_address(f"0x{n + 1:040x}") for n in range(wallets)]
    registrations = [
        {"event": "InvestorRegistered", "address": REGISTRY, "block_number": 1, "log_index": i,
         "tx_hash": f"0x{i:064x}",
         "args": {"wallet": a, "investorId": rng.getrandbits(256).to_bytes(32, "big"),
                  "country": rng.choice(COUNTRIES), "categories": 2, "kycExpiry": 2_000_000_000}}
        for i, a in enumerate(addresses)
    ]
    balances = dict.fromkeys(addresses, 0)
    transfers = []
    for n in range(count):
        block, log_index = 2 + n // EVENTS_PER_BLOCK, n % EVENTS_PER_BLOCK
        if n < wallets:  # first, mint to every wallet
            sender, receiver, value = ZERO_ADDRESS, addresses[n], rng.randrange(1, 10**6) * 10**DECIMALS
        else:
            sender, receiver = rng.sample(addresses, 2)
            value = rng.randrange(0, balances[sender] // 10 + 1)
        if sender != ZERO_ADDRESS:
            balances[sender] -= value
        balances[receiver] += value
        transfers.append({"event": "Transfer", "address": TOKEN, "block_number": block, "log_index": log_index,
                          "tx_hash": f"0x{n:064x}", "args": {"from": sender, "to": receiver, "value": value}})
    return registrations, transfers


def run() -> dict[str, float]:
    registrations, transfers = synthetic_events(EVENTS, WALLETS)
    last_block = transfers[-1]["block_number"]
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        index = EventIndex(Path(folder) / "bench.sqlite")
        start = time.perf_counter()
        index.apply_events(registrations, cursor=1)
        for i in range(0, len(transfers), CHUNK):
            chunk = transfers[i:i + CHUNK]
            index.apply_events(chunk, cursor=chunk[-1]["block_number"])
        results["populate_100k_events_seconds"] = time.perf_counter() - start

        start = time.perf_counter()
        current = reports.captable(index, TOKEN, DECIMALS)
        results["captable_current_seconds"] = time.perf_counter() - start

        start = time.perf_counter()
        historical = reports.captable(index, TOKEN, DECIMALS, at_block=last_block)
        results["captable_100k_events_seconds"] = time.perf_counter() - start

        start = time.perf_counter()
        reports.jurisdictions(index, TOKEN, DECIMALS, at_block=last_block)
        results["jurisdictions_100k_events_seconds"] = time.perf_counter() - start
        index.close()
    if current != historical:
        raise SystemExit("benchmark self-check failed: derived balances differ from balances replayed from events")
    results["holders"] = float(len(current))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    options = parser.parse_args()
    results = run()
    if options.json:
        print(json.dumps({"captable_100k_events_seconds": round(results["captable_100k_events_seconds"], 3)}))
        return
    print(f"{'measure':<42} {'seconds':>9} {'target':>8}")
    for name in ("populate_100k_events_seconds", "captable_current_seconds", "captable_100k_events_seconds",
                 "jurisdictions_100k_events_seconds"):
        target = f"{TARGET_SECONDS:.0f}" if name == "captable_100k_events_seconds" else "-"
        print(f"{name:<42} {results[name]:>9.3f} {target:>8}")
    print(f"{int(results['holders'])} holders, {EVENTS:,} Transfer events, {WALLETS:,} registrations")


if __name__ == "__main__":
    main()
