#!/usr/bin/env python3
"""Transaction-pipeline scale benchmark (not a test): the SDK against a minimal raw web3.py loop doing the same
transactions on the same node in the same run.

    python bench/scale_tx.py [--holders 5000] [--investors 10000] [--transfers 300] [--json]

Rows (each: SDK seconds, floor seconds, ratio; the target is a ratio):
- distribution pushed to N holders: `pay_holders` (record-date reads, paid bits, pushes in holder-number order,
  journaled, and the reconciliation) against a bare loop sending the same `pushBatch` transactions (same holders,
  same order, same batch size) one after another.
- one token.transfer: `SecurityToken.transfer` (its compliance pre-check, estimate, send, receipt) against raw
  web3.py signing, sending and waiting for the same transfer; compared as throughput (tx/s), target >= 0.9.
- import N investors: `import_investors` (the registry read for every row, journaled batches) against a web3.py loop
  sending the same `batchRegisterInvestors` batches.
Every run starts from the same chain state (a snapshot, reverted) and each side runs ROUNDS times, alternating which
goes first; the figures are the sums.

The floors are minimal: calldata encoded before the clock starts, the nonce read once and counted, the fee read once,
a fixed gas limit, then for each transaction sign with eth-account, `send_raw_transaction` and
`wait_for_transaction_receipt` polling every millisecond (anvil answers `eth_sendRawTransaction` before it has
mined the block, so the first poll usually finds nothing; web3.py's default pause of 0.1 s would flatter the SDK).
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_account import Account  # noqa: E402
from web3 import HTTPProvider, Web3  # noqa: E402

from rwa_token.chain.node import Chain  # noqa: E402
from rwa_token.chain.tx import Transactor  # noqa: E402
from rwa_token.contracts.distributor import Distributor  # noqa: E402
from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure  # noqa: E402
from rwa_token.contracts.registry import Registration  # noqa: E402
from rwa_token.contracts.stablecoin import MockStablecoin  # noqa: E402
from rwa_token.contracts.token import SecurityToken  # noqa: E402
from rwa_token.inputs.investors_csv import parse_investors_csv  # noqa: E402
from rwa_token.primitives.units import investor_id  # noqa: E402
from rwa_token.services.distributions import fund_and_create, read_record_date  # noqa: E402
from rwa_token.services.offering import deploy_core, deploy_registry  # noqa: E402
from rwa_token.services.onboarding import import_investors  # noqa: E402
from rwa_token.services.servicing import pay_holders  # noqa: E402
from rwa_token.store.journal import Journal  # noqa: E402

TARGETS = {"distribution": ("<=", 1.3), "transfer": (">=", 0.9), "import": ("<=", 1.2)}
PRIORITY = 1_000_000_000  # the tip the SDK signs with (chain/tx.py)
BATCH_GAS = 30_000_000  # the floors' fixed gas limit for a batch: ample (unused gas is not paid)
TRANSFER_GAS = 200_000
ROUNDS = 2  # each side runs this many times per row, alternating which goes first (`_paired`)
POLL = 0.001  # the floors poll for a receipt every millisecond (web3.py's default, 0.1 s, would flatter the SDK)


def _wallets(seed: int, n: int) -> list[str]:
    return [Account.from_key((seed << 200 | i + 1).to_bytes(32, "big")).address for i in range(n)]


class RawLoop:
    """The floor: sign with eth-account, send with web3.py, wait with web3.py; nothing else."""

    def __init__(self, chain: Chain, account):
        self.w3 = Web3(HTTPProvider(chain.url))
        self.account = account
        self.chain_id = chain.chain_id

    def prepare(self) -> None:
        """Outside the clock: the nonce and fee, read once."""
        self.nonce = self.w3.eth.get_transaction_count(self.account.address, "pending")
        self.max_fee = self.w3.eth.get_block("latest")["baseFeePerGas"] * 2 + PRIORITY

    def send(self, to: str, data: bytes, gas: int) -> dict:
        signed = self.account.sign_transaction({
            "chainId": self.chain_id, "nonce": self.nonce, "gas": gas, "maxFeePerGas": self.max_fee,
            "maxPriorityFeePerGas": PRIORITY, "to": to, "value": 0, "data": data})
        self.nonce += 1
        receipt = self.w3.eth.wait_for_transaction_receipt(self.w3.eth.send_raw_transaction(signed.raw_transaction),
                                                            poll_latency=POLL)
        if receipt["status"] != 1:
            raise RuntimeError(f"floor transaction {receipt['transactionHash'].hex()} failed")
        return receipt


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _paired(chain: Chain, tx: Transactor, floor: Callable[[], object], sdk: Callable[[], object],
            rounds: int = ROUNDS) -> tuple[float, float]:
    """(SDK seconds, floor seconds), each summed over `rounds`, every run from the same chain state (a snapshot,
    reverted after it: a node slows as its history grows) and the two sides alternating which goes first, so load
    that comes and goes on a shared machine weighs on both alike."""
    totals = {"sdk": 0.0, "floor": 0.0}
    snapshot = chain.snapshot()
    for round_ in range(rounds):
        order = [("floor", floor), ("sdk", sdk)] if round_ % 2 == 0 else [("sdk", sdk), ("floor", floor)]
        for side, work in order:
            tx._nonces.clear()
            totals[side] += _timed(work)
            chain.revert(snapshot)
            snapshot = chain.snapshot()  # a snapshot is used up by its revert (anvil, Ganache)
    tx._nonces.clear()
    return totals["sdk"], totals["floor"]


def _row(work: str, now: float, floor: float, kind: str, unit: str = "s") -> dict:
    op, target = TARGETS[kind]
    ratio = now / floor if op == "<=" else floor / now  # throughput ratio: SDK tx/s over floor tx/s
    return {"work": work, "now": round(now, 3), "floor": round(floor, 3), "ratio": round(ratio, 2),
            "target": f"{op} {target}", "ok": ratio <= target if op == "<=" else ratio >= target, "unit": unit}


def distribution_row(chain: Chain, holders: int, batch: int = 100) -> dict:
    tx = Transactor(chain)
    admin = chain.dev_accounts(1)[0]
    registry = deploy_registry(tx, admin)
    factory = OfferingFactory(tx, infrastructure(tx, admin).factory, admin)
    deployed = factory.deploy_offering(OfferingPlan(
        admin=admin.address, registry=registry.address, tokens=[TokenPlan("Coupon", "CPN", 6, 0)],
        treasury=admin.address, tax_account=admin.address, with_distributor=True), b"\x5c" * 32)
    token = SecurityToken(tx, deployed.tokens[0], admin)
    distributor = Distributor(tx, deployed.distributor, admin)
    distributor.set_excluded_wallets(token.address, [])
    usd = MockStablecoin.deploy(tx, admin, "USD", "USD", 6)
    distributor.allow_payment_token(usd.address, "USD")
    wallets = _wallets(0x5CA1E, holders)
    for start in range(0, holders, 200):
        chunk = wallets[start:start + 200]
        registry.register_batch([Registration.of(w, investor_id(w, "bench"), "HK", "professional", "2035-01-01")
                                 for w in chunk])
        token.batch_mint(chunk, [10**6 * (start + i + 1) for i in range(len(chunk))])
    usd.mint(admin.address, 10**15)
    created = fund_and_create(distributor, token, usd, chain.block_timestamp() + 30 * 86_400, amount=10**13 + 7)
    # The floor pushes what the SDK pushes: the record-date holders in holder-number order, in the same batches.
    answers = read_record_date(distributor, created.distribution_id, wallets).answers
    ordered = sorted((w for w, a in answers.items() if a.balance), key=lambda w: answers[w].number)
    calls = [distributor.push_batch_call(created.distribution_id, ordered[i:i + batch]).data
             for i in range(0, len(ordered), batch)]

    raw = RawLoop(chain, admin)

    def bare() -> None:
        raw.prepare()
        for data in calls:
            raw.send(distributor.address, data, BATCH_GAS)

    def sdk() -> None:
        with tempfile.TemporaryDirectory() as folder:
            paid = pay_holders(distributor, token, created, wallets, Journal(Path(folder) / "push.jsonl"))
        if paid.pushed.pushed != holders or not paid.reconciliation.exact:
            raise RuntimeError(f"the SDK run paid {paid.pushed.pushed} of {holders} holders, exact: "
                               f"{paid.reconciliation.exact}")

    now, floor = _paired(chain, tx, bare, sdk)
    return _row(f"distribution pushed to {holders:,} holders ({len(calls)} transactions)", now, floor,
                "distribution")


def transfer_row(chain: Chain, transfers: int) -> dict:
    tx = Transactor(chain)
    admin = chain.dev_accounts(1)[0]
    registry, token = deploy_core(tx, admin, "Transfer", "TRF", 6, 0)
    holder, other = (Account.from_key(((0x7F << 200) + i).to_bytes(32, "big")) for i in (1, 2))
    for account in (holder, other):
        chain.set_balance(account.address, 10**21)
        registry.register(account.address, investor_id(account.address, "bench"), "HK", "professional", "2035-01-01")
    token.mint(holder.address, 10**12)
    token.mint(other.address, 10**6)  # both hold: every transfer is the steady `transfer_existing` case
    raw = RawLoop(chain, holder)
    # The floor encodes as a web3.py user does, through web3's own contract object (outside the clock).
    data = raw.w3.eth.contract(address=token.address, abi=token._abi).functions.transfer(
        other.address, 1)._encode_transaction_data()

    mine = token.using(holder)

    def bare() -> None:
        raw.prepare()
        for _ in range(transfers):
            raw.send(token.address, data, TRANSFER_GAS)

    now, floor = _paired(chain, tx, bare, lambda: [mine.transfer(other.address, 1) for _ in range(transfers)])
    sent = transfers * ROUNDS
    return _row(f"one token.transfer ({sent} one at a time; tx/s: SDK {sent / now:,.0f}, raw {sent / floor:,.0f})",
                now, floor, "transfer")


def import_row(chain: Chain, investors: int, batch: int = 200) -> dict:
    tx = Transactor(chain)
    admin = chain.dev_accounts(1)[0]
    registry, _ = deploy_core(tx, admin, "Scale", "SCL", 6, 0)
    wallets = _wallets(0x1A907, investors)
    countries = [("HK", "professional"), ("SG", "accredited"), ("GB", "institutional"), ("JP", "professional")]
    text = "wallet,investor_id,country,category,kyc_expiry,name_ref\n" + "".join(
        f"{w},INV-{i:06d},{countries[i % 4][0]},{countries[i % 4][1]},2035-12-31,\n" for i, w in enumerate(wallets))
    file = parse_investors_csv(text)
    rows = [Registration(r.wallet, investor_id(r.investor_ref, "bench-salt"), r.country, r.categories,
                         r.kyc_expiry) for r in file.rows]
    calls = [registry.register_batch_call(rows[i:i + batch]).data for i in range(0, len(rows), batch)]

    raw = RawLoop(chain, admin)

    def bare() -> None:
        raw.prepare()
        for data in calls:
            raw.send(registry.address, data, BATCH_GAS)

    def sdk() -> None:
        with tempfile.TemporaryDirectory() as folder:
            report = import_investors(tx, registry, file, "bench-salt", Journal(Path(folder) / "import.jsonl"),
                                      batch_size=batch)
        if report.registered != investors:
            raise RuntimeError(f"the SDK run registered {report.registered} of {investors}")

    now, floor = _paired(chain, tx, bare, sdk)
    return _row(f"import {investors:,} investors ({len(calls)} transactions)", now, floor, "import")


def rows(chain: Chain | None = None, holders: int = 5_000, investors: int = 10_000,
         transfers: int = 300) -> list[dict]:
    """Each row: work, now (SDK seconds), floor (raw loop seconds, same run), ratio, target (and ok, unit). On
    `chain` if given, else each row on a fresh local anvil: a node slows as its history grows (anvil: a transfer
    took about 7 ms on a fresh chain and ten times as long after the other two rows), so a row run after
    another measures the node's history as much as the SDK. Within a row the floor and the SDK always start from
    the same state (`_paired`)."""
    work = [lambda c: distribution_row(c, holders), lambda c: transfer_row(c, transfers),
            lambda c: import_row(c, investors)]
    if chain is not None:
        return [row(chain) for row in work]
    results = []
    for row in work:
        with Chain.local() as fresh:
            results.append(row(fresh))
    return results


def table(results: list[dict]) -> str:
    lines = ["| work | now | floor in the same run | ratio | target | status |", "|---|---:|---:|---:|---|---|"]
    for r in results:
        lines.append(f"| {r['work']} | {r['now']:.2f} s | {r['floor']:.2f} s | {r['ratio']:.2f} | {r['target']} | "
                     f"{'ok' if r['ok'] else 'MISSED'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holders", type=int, default=5_000)
    parser.add_argument("--investors", type=int, default=10_000)
    parser.add_argument("--transfers", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = rows(None, args.holders, args.investors, args.transfers)
    if args.json:
        print(json.dumps(results))
    else:
        print("anvil (automine), SDK against a raw web3.py loop sending the same transactions in the same run\n")
        print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
