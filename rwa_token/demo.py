"""`rwa demo`: a complete issuance on a fresh local chain, narrated.

The deal is examples/highway-toll-abs.yaml (a mainland highway toll-revenue ABS offered offshore through a
Hong Kong VATP, senior and junior tranches, USD stablecoin coupons) and examples/investors.csv (about 200
investors from CN, HK, SG, US, GB and more). The example wallets' keys are public by construction
(examples/make_investors.py), so the demo can sign for investors on its private chain.
"""
from __future__ import annotations

import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from eth_account import Account
from eth_utils import keccak
from rich.console import Console
from rich.table import Table

from .chain import Chain
from .contracts.distributor import Distributor
from .contracts.stablecoin import MockStablecoin
from .contracts.token import SecurityToken
from .countries import country_alpha2
from .deployment import deploy_offering
from .errors import ConfigError, TransferRestricted
from .investors_csv import load_investors_csv
from .journal import Journal
from .onboarding import import_investors
from .policy import explain
from .spec import load_spec
from .tx import Transactor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
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

        from .contracts.registry import InvestorRegistry

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
        minted, refused = defaultdict(int), Counter()
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
            minted[country_alpha2(row.country)] += 1
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

        # Quarterly coupon on the senior tranche, paid in the USD stablecoin by record date.
        usd = MockStablecoin(tx, record.payment_tokens["USDC"], issuer)
        distributor = Distributor(tx, record.distributor, issuer)
        outstanding = senior.total_supply()
        rate = spec.tokens[0].interest_rate_bps
        coupon = outstanding * 100 * rate // 10_000 // 4  # face USD 100 per token, quarterly
        usd.mint(issuer.address, coupon)
        usd.approve(distributor.address, coupon)
        dist_id, created = distributor.create(senior.address, usd.address, coupon,
                                              chain.block_timestamp() + 90 * DAY)
        wallets = [r.wallet for r in holders]
        gas = 0
        for start in range(0, len(wallets), 100):
            gas += distributor.push_batch(dist_id, wallets[start:start + 100]).gas_used
        totals = distributor.totals(dist_id)
        step(f"Coupon {rate / 100:.2f}% p.a. on {senior.fmt(outstanding)} {senior_symbol} (face USD 100): "
             f"USDC {coupon / 10**6:,.2f} funded (create: {created.gas_used:,} gas), pushed to {len(wallets)} holders "
             f"({gas // len(wallets):,} gas each)")
        console.print(f"   reconciliation: funded {totals.funded / 10**6:,.6f} = paid {totals.paid_net / 10**6:,.6f} "
                      f"+ tax {totals.tax_paid / 10**6:,.6f} + withheld {totals.withheld_outstanding / 10**6:,.6f} "
                      f"+ unclaimed {totals.unclaimed / 10**6:,.6f} + remainder {totals.remainder / 10**6:,.6f}"
                      f" -> {'[green]exact[/]' if totals.accounted == totals.funded else '[red]MISMATCH[/]'}")

        table = Table(title=f"Cap table of {senior_symbol} by jurisdiction")
        for column in ("country", "investors", "tokens", "share"):
            table.add_column(column, justify="right" if column != "country" else "left")
        by_country: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for row in holders:
            bal = senior.balance_of(row.wallet)
            if bal:
                by_country[country_alpha2(row.country)][0] += 1
                by_country[country_alpha2(row.country)][1] += bal
        total = senior.total_supply()
        for country, (count, bal) in sorted(by_country.items(), key=lambda kv: -kv[1][1]):
            table.add_row(country, str(count), senior.fmt(bal), f"{100 * bal / total:.2f}%")
        console.print(table)
        console.print(f"[green]Demo complete[/] in {time.monotonic() - started:.1f}s: investors per the token's own "
                      f"count: {senior.investor_count()}")


class _Steps:
    def __init__(self, console: Console):
        self.console, self.n = console, 0

    def __call__(self, text: str) -> None:
        self.n += 1
        self.console.print(f"[bold cyan]{self.n}.[/] {text}")
