#!/usr/bin/env python3
"""Event-index scale benchmark (not a test): a cap table from a local anvil holding 100,000 Transfer events emitted
by a real SecurityToken, on each index store (SQLite, and PostgreSQL on a throwaway local server).

    python bench/scale_index.py [--events 100000] [--holders 5000] [--stores sqlite,postgresql] [--json]

The chain (not timed): a token and its registry, `--holders` investors registered in batches, one `batchMint` per
250 holders (the first 20 get enough to send), then `batchTransfer`s of 250 transfers each from those 20 until the
token has emitted `--events` Transfer events. Rows, per store:

- cap table, first run: a new index synced from block 0 over the token and the registry (`EventIndex.sync`, default
  settings) then `reports.captable`, against the floor: a bare web3.py loop in the same run that fetches the same
  logs (`w3.eth.get_logs` over the same contracts, 2,000 blocks a request) and decodes each with web3's contract
  events (`process_log`), summing balances in a dict. Target: at most 0.6 of the floor.
- same, index already built: a new process's view of it -- open the index, sync (nothing new), the cap table.
  Target: at most 1 s.
- index memory: the peak resident memory (VmHWM) of a process that builds the index from scratch, once up to the block
  where the chain holds 10,000 events and once over all of them (each in a fresh process, so each peak is its own);
  the ratio is the second over the first (flat: about 1). Target: at most 200 MiB.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_account import Account  # noqa: E402
from web3 import HTTPProvider, Web3  # noqa: E402

from rwa_token.chain.node import Chain  # noqa: E402
from rwa_token.chain.tx import Transactor  # noqa: E402
from rwa_token.inputs.investors_csv import parse_investors_csv  # noqa: E402
from rwa_token.primitives import artifacts  # noqa: E402
from rwa_token.primitives.units import ZERO_ADDRESS  # noqa: E402
from rwa_token.reporting import reports  # noqa: E402
from rwa_token.services.offering import deploy_core  # noqa: E402
from rwa_token.services.onboarding import import_investors  # noqa: E402
from rwa_token.store.index import EventIndex  # noqa: E402
from rwa_token.store.journal import Journal  # noqa: E402

BATCH = 250
SENDERS = 20
DECIMALS = 6
FLOOR_RANGE = 2_000
TARGETS = {"cold": ("<=", 0.6), "warm": ("<=", 1.0), "memory": ("<=", 200.0)}


@dataclass
class Setup:
    token: str
    registry: str
    head: int
    events: int  # Transfer events emitted
    block_at_10k: int  # the block where the chain holds 10,000 of the index's events


def _wallets(n: int) -> list[Any]:
    return [Account.from_key((0x1DE0 << 200 | i + 1).to_bytes(32, "big")) for i in range(n)]


def build(chain: Chain, events: int, holders: int) -> Setup:
    """The chain the rows read: every event emitted by the real token and registry."""
    tx = Transactor(chain)
    admin = chain.dev_accounts(1)[0]
    registry, token = deploy_core(tx, admin, "Index Scale", "IDX", DECIMALS, 0)
    wallets = _wallets(holders)
    lines = ["wallet,investor_id,country,category,kyc_expiry,name_ref"]
    countries = [("HK", "professional"), ("SG", "accredited"), ("GB", "institutional"), ("JP", "professional")]
    for i, w in enumerate(wallets):
        country, category = countries[i % len(countries)]
        lines.append(f"{w.address},IDX-{i:06d},{country},{category},2040-12-31,")
    with tempfile.TemporaryDirectory() as folder:
        import_investors(tx, registry, parse_investors_csv("\n".join(lines) + "\n"), "bench-salt",
                         Journal(Path(folder) / "import.jsonl"), batch_size=200)
    emitted = 0
    for start in range(0, holders, BATCH):
        part = wallets[start:start + BATCH]
        token.batch_mint([w.address for w in part], ["1000000" if start + i < SENDERS else "1"
                                                     for i, w in enumerate(part)])
        emitted += len(part)
    for sender in wallets[:SENDERS]:
        chain.set_balance(sender.address, 10**21)
    receivers = [w.address for w in wallets[SENDERS:]]
    n = 0
    while emitted < events:
        count = min(BATCH, events - emitted)
        chosen = [receivers[(n * BATCH + k) % len(receivers)] for k in range(count)]
        token.batch_transfer(chosen, ["0.000001"] * count, sender=wallets[n % SENDERS])
        emitted += count
        n += 1
    head = chain.block_number()
    seen, block_at_10k = 0, head
    w3 = Web3(HTTPProvider(chain.url))
    for number in range(0, head + 1, 1):  # the block where the index's events reach 10,000
        if seen >= 10_000:
            block_at_10k = number - 1
            break
        seen += len(w3.eth.get_logs({"fromBlock": number, "toBlock": number,
                                     "address": [token.address, registry.address]}))
    return Setup(token.address, registry.address, head, emitted, block_at_10k)


def floor_loop(url: str, setup: Setup) -> tuple[dict[str, int], float]:
    """The bare web3.py loop: fetch the same logs, decode each with web3's contract events, sum balances."""
    started = time.perf_counter()
    w3 = Web3(HTTPProvider(url))
    token = w3.eth.contract(setup.token, abi=artifacts.abi("SecurityToken"))
    registry = w3.eth.contract(setup.registry, abi=artifacts.abi("InvestorRegistry"))
    transfer, registered = token.events.Transfer(), registry.events.InvestorRegistered()
    transfer_topic, registered_topic = transfer.topic, registered.topic
    balances: dict[str, int] = {}
    records: dict[str, int] = {}
    for start in range(0, setup.head + 1, FLOOR_RANGE):
        logs = w3.eth.get_logs({"fromBlock": start, "toBlock": min(setup.head, start + FLOOR_RANGE - 1),
                                "address": [setup.token, setup.registry]})
        for log in logs:
            topic = log["topics"][0].to_0x_hex()
            if topic == transfer_topic and log["address"] == setup.token:
                args = transfer.process_log(log)["args"]
                if args["from"] != ZERO_ADDRESS:
                    balances[args["from"]] = balances.get(args["from"], 0) - args["value"]
                if args["to"] != ZERO_ADDRESS:
                    balances[args["to"]] = balances.get(args["to"], 0) + args["value"]
            elif topic == registered_topic:
                args = registered.process_log(log)["args"]
                records[args["wallet"]] = args["country"]
    return {w: b for w, b in balances.items() if b}, time.perf_counter() - started


def _location(store: str, folder: Path, pg_url: str | None, name: str) -> dict[str, Any]:
    if store == "sqlite":
        return {"location": str(folder / f"{name}.sqlite")}
    return {"location": pg_url, "schema": f"bench_{name}"}


def sdk_captable(url: str, setup: Setup, spot: dict[str, Any]) -> tuple[list[dict], float]:
    """What a user's `rwa report captable` does: open the index, bring it up to date, read the cap table."""
    started = time.perf_counter()
    index = EventIndex(spot["location"], Transactor(Chain.connect(url)),
                       **({"schema": spot["schema"]} if "schema" in spot else {}))
    index.sync([setup.token, setup.registry], from_block=0)
    rows = reports.captable(index, setup.token, DECIMALS)
    index.close()
    return rows, time.perf_counter() - started


_MEMORY_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from rwa_token.chain.node import Chain
from rwa_token.chain.tx import Transactor
from rwa_token.store.index import EventIndex
url, location, schema, to_block, *addresses = sys.argv[2:]
index = EventIndex(location, Transactor(Chain.connect(url)), **({"schema": schema} if schema else {}))
index.sync(addresses, from_block=0, to_block=int(to_block))
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would report the parent's peak.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"events": index.event_count(), "peak_mib": peak / 1024}))
"""


def peak_memory(url: str, setup: Setup, spot: dict[str, Any], to_block: int) -> dict[str, float]:
    root = str(Path(__file__).resolve().parent.parent)
    done = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, root, url, str(spot["location"]),
                           spot.get("schema", ""), str(to_block), setup.token, setup.registry],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _row(work: str, store: str, now: float, floor: float | None, kind: str, unit: str = "s",
         note: str = "") -> dict[str, Any]:
    op, target = TARGETS[kind]
    if kind == "warm":
        ratio, value = None, now
    else:
        ratio = round(now / floor, 3) if floor else None
        value = now if kind == "memory" else ratio
    ok = value is not None and (value <= target if op == "<=" else value >= target)
    return {"work": work, "store": store, "now": f"{now:.2f} {unit}" if unit == "s" else f"{now:.0f} {unit}",
            "floor": "-" if floor is None else (f"{floor:.2f} s" if unit == "s" else f"{floor:.0f} {unit}"),
            "ratio": ratio, "target": f"{op} {target:g}{'' if kind == 'cold' else ' ' + unit}",
            "status": "ok" if ok else "OVER", "note": note}


def rows(events: int = 100_000, holders: int = 5_000, stores: tuple[str, ...] = ("sqlite", "postgresql"),
         chain: Chain | None = None) -> list[dict]:
    """The benchmark's rows (work, store, now, floor, ratio, target, status, note), on a new local anvil unless
    `chain` is given."""
    from rwa_token.store.pg_local import LocalPostgres

    own_chain = chain is None
    chain = chain or Chain.local()
    pg = None
    try:
        setup = build(chain, events, holders)
        if "postgresql" in stores:
            pg = LocalPostgres().start()
        out: list[dict] = []
        label = f"{setup.events:,} transfer events"
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            for store in stores:
                spot = _location(store, folder, pg.url if pg else None, "cold")
                expected, floor = floor_loop(chain.url, setup)  # the floor, in the same run, next to each store
                captable, cold = sdk_captable(chain.url, setup, spot)
                got = {r["wallet"]: int(r["balance_units"]) for r in captable}
                if got != expected:
                    raise AssertionError(f"{store}: the SDK's cap table differs from the floor's")
                out.append(_row(f"cap table from a chain with {label}, first run (index built)", store, cold,
                                floor, "cold", note=f"{len(captable):,} holders"))
                _, warm = sdk_captable(chain.url, setup, spot)
                out.append(_row(f"same, index already built", store, warm, None, "warm"))
                small = peak_memory(chain.url, setup, _location(store, folder, pg.url if pg else None, "m10k"),
                                    setup.block_at_10k)
                large = peak_memory(chain.url, setup, _location(store, folder, pg.url if pg else None, "mall"),
                                    setup.head)
                out.append(_row(f"index memory, {small['events']:,} to {large['events']:,} events (peak RSS)", store,
                                large["peak_mib"], small["peak_mib"], "memory", unit="MiB"))
        return out
    finally:
        if pg is not None:
            pg.stop()
        if own_chain:
            chain.close()


def table(result: list[dict]) -> str:
    lines = ["| work | store | now | floor in the same run | ratio | target | status |",
             "|---|---|---:|---:|---:|---:|---|"]
    for r in result:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        lines.append(f"| {r['work']} | {r['store']} | {r['now']} | {r['floor']} | {ratio} | {r['target']} | "
                     f"{r['status']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--holders", type=int, default=5_000)
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = rows(args.events, args.holders, tuple(s for s in args.stores.split(",") if s))
    print(json.dumps(result) if args.json else table(result))
    return 0 if all(r["status"] == "ok" for r in result) else 1


if __name__ == "__main__":
    sys.exit(main())
