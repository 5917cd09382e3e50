"""`rwa demo`: a complete issuance on a fresh local chain, narrated.

The deal is examples/highway-toll-abs.yaml (a mainland highway toll-revenue ABS offered offshore through a
Hong Kong VATP, senior and junior tranches, USD stablecoin coupons) and examples/investors.csv (about 200
investors from CN, HK, SG, US, GB and more). The example wallets' keys are public by construction
(examples/make_investors.py), so the demo can sign for investors on its private chain.
"""
from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

from eth_account import Account
from eth_utils import keccak
from rich.console import Console
from rich.table import Table

from ..chain.node import Chain
from ..chain.tx import Transactor
from ..contracts.distributor import Distributor
from ..contracts.stablecoin import MockStablecoin
from ..contracts.token import SecurityToken
from ..inputs.investors_csv import load_investors_csv
from ..inputs.policy import explain
from ..inputs.spec import load_spec
from ..primitives.countries import country_alpha2
from ..primitives.errors import ConfigError, TransferRestricted
from ..reporting.reports import jurisdictions
from ..services.deployment import deploy_offering
from ..services.onboarding import import_investors
from ..services.servicing import pay_period, set_up_waterfall
from ..store.index import EventIndex
from ..store.journal import Journal

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED_TEXT = b"rwa-token example investors"  # examples/make_investors.py
DAY = 86_400


def example_keys(count: int = 400) -> dict[str, Account]:
    accounts = (Account.from_key(keccak(SEED_TEXT + i.to_bytes(4, "big"))) for i in range(count))
    return {a.address: a for a in accounts}


def run_demo(console: Console) -> None:
    started = time.monotonic()
    spec_path, csv_path = EXAMPLES / "highway-toll-abs.yaml", EXAMPLES / "investors.csv"
    if not spec_path.exists():
        raise ConfigError(f"the demo needs the example deal in {EXAMPLES} (run it from a source checkout)")
    step = _Steps(console)
    spec = load_spec(spec_path)
    with Chain.local() as chain, tempfile.TemporaryDirectory() as state:
        tx = Transactor(chain)
        issuer = chain.dev_accounts(1)[0]
        step(f"Local anvil at {chain.url} (chain {chain.chain_id}, hardfork {chain.anvil.hardfork})")

        step(f"Offering: {spec.name} - {spec.asset.type}, filed with {spec.filing.regulator} "
             f"({spec.filing.reference}); rules from {', '.join(spec.rules.policies)}")
        for line in explain(spec.rule_config)[1:7]:
            console.print(f"   [dim]- {line}[/]")

        result = deploy_offering(tx, spec, issuer, state, say=lambda m: console.print(f"   {m}"))
        record = result.record
        senior_symbol, junior_symbol = list(record.tokens)[:2]
        senior = SecurityToken(tx, record.tokens[senior_symbol], issuer)
        junior = SecurityToken(tx, record.tokens[junior_symbol], issuer)
        step(f"Deployed by the factory in one transaction ({result.gas_used:,} gas): registry, {senior_symbol} "
             f"(senior) and {junior_symbol} (junior) with their rules and the CSRC filing document, and the distributor")

        from ..contracts.registry import InvestorRegistry

        registry = InvestorRegistry(tx, record.registry, issuer)
        investors = load_investors_csv(csv_path)
        report = import_investors(tx, registry, investors, record.investor_salt,
                                  Journal(Path(state) / "import.jsonl"))
        step(f"Onboarded {report.registered} investors (+{report.linked} second wallets) from {csv_path.name} in "
             f"{report.batches} batch transactions ({report.gas_used // max(report.registered, 1):,} gas per "
             f"investor), {len(report.refused)} rows refused:")
        for reason, n in Counter(r.reason.split(" on ")[0] for r in report.refused).most_common():
            console.print(f"   [yellow]{n} x[/] {reason}")

        # Primary issuance: every registered first wallet subscribes; the rule engine decides who may hold.
        keys = example_keys()
        rows = [r for group in investors.by_investor().values() for r in group[:1]
                if registry.contains(r.wallet)]
        refused = Counter()
        holders: list = []
        for i, row in enumerate(rows):
            amount = 1_000 + 250 * (i % 8)  # senior face units per investor
            check = senior.can_mint(row.wallet, amount * 10**6)
            if not check.ok:
                refused[f"[{check.code}] {check.message}"] += 1
                continue
            senior.mint(row.wallet, amount * 10**6)
            if i % 3 == 0 and junior.can_mint(row.wallet, 500 * 10**6).ok:
                junior.mint(row.wallet, 500 * 10**6)
            holders.append(row)
        step(f"Minted {senior_symbol} to {len(holders)} eligible investors "
             f"({senior.fmt(senior.total_supply())} tokens); the rule engine refused {sum(refused.values())}:")
        for reason, n in refused.most_common():
            console.print(f"   [yellow]{n} x[/] {reason}")

        a, b = holders[0], holders[1]
        seller = keys[a.wallet]
        chain.rpc("anvil_setBalance", [seller.address, hex(10**20)])
        try:
            senior.transfer(b.wallet, "100", sender=seller)
        except TransferRestricted as exc:
            step(f"A secondary trade during the Reg S distribution compliance period is refused: "
                 f"[red]{type(exc).__name__}[/] [{exc.code}] {exc.reason}")
        chain.increase_time(41 * DAY)
        cn = next(r for r in investors.rows if country_alpha2(r.country) == "CN" and registry.contains(r.wallet))
        verdict = senior.can_transfer(a.wallet, cn.wallet, 100 * 10**6)
        step(f"41 days later: a sale to a mainland-China resident is checked first: [red]refused[/] "
             f"[{verdict.code}] {verdict.message}")
        receipt = senior.transfer(b.wallet, "100", sender=seller)
        step(f"...and a sale to an eligible {country_alpha2(b.country)} investor settles "
             f"({receipt.gas_used:,} gas)")

        # A quarter's toll collections through the waterfall: fees, senior interest, residual to the junior
        # tranche; each tranche's share is then paid to its holders by record date and reconciled.
        usd = MockStablecoin(tx, record.payment_tokens["USDC"], issuer)
        distributor = Distributor(tx, record.distributor, issuer)
        tokens = {senior_symbol: senior, junior_symbol: junior}
        waterfall = set_up_waterfall(spec, [senior, junior], distributor, usd, issuer, fee_account=issuer.address)
        collections = 2_000_000 * 10**6  # USDC 2,000,000 collected this quarter
        usd.mint(issuer.address, collections)
        holder_lists = {sym: [r.wallet for r in holders] for sym in tokens}
        period = pay_period(waterfall, distributor, tokens, usd, collections, holder_lists, issuer)
        step(f"Quarter {period.period}: USDC {collections / 10**6:,.0f} of toll collections through the waterfall "
             f"({period.waterfall_gas:,} gas):")
        names = {0: "fees", 1: "interest", 2: "principal", 3: "residual"}
        symbols = list(tokens)
        for s_ in period.steps:
            who = "fee account" if s_.tranche == 255 else symbols[s_.tranche]
            console.print(f"   {names[s_.step]:>9} -> {who:<8} due {s_.due / 10**6:>14,.2f}  paid {s_.paid / 10**6:>14,.2f}"
                          f"  arrears {s_.arrears / 10**6:,.2f}")
        for t in period.tranches:
            if t.distribution_id:
                console.print(f"   {t.symbol}: USDC {t.amount / 10**6:,.2f} paid to {t.holders_paid} holders by record "
                              f"date, reconciled to the last unit: {'[green]exact[/]' if t.exact else '[red]MISMATCH[/]'}")

        index = EventIndex.for_chain(state, tx)
        index.sync([*record.tokens.values(), record.registry, record.distributor], from_block=record.block)
        rows = jurisdictions(index, senior.address, senior.decimals, registry=record.registry)
        table = Table(title=f"Cap table of {senior_symbol} by jurisdiction (from the event index, "
                            f"{index.event_count():,} events)")
        for column in ("country", "investors", "wallets", "balance", "share_pct"):
            table.add_column(column, justify="left" if column == "country" else "right")
        for row in rows:
            table.add_row(*(str(row[c]) for c in ("country", "investors", "wallets", "balance", "share_pct")))
        console.print(table)
        console.print(f"[green]Demo complete[/] in {time.monotonic() - started:.1f}s: investors per the token's own "
                      f"count: {senior.investor_count()}")


class _Steps:
    def __init__(self, console: Console):
        self.console, self.n = console, 0

    def __call__(self, text: str) -> None:
        self.n += 1
        self.console.print(f"[bold cyan]{self.n}.[/] {text}")
