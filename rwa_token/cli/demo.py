"""`rwa demo`: a complete issuance on a fresh local chain, narrated.

The deal is examples/highway-toll-abs.yaml (a mainland highway toll-revenue ABS offered offshore through a
Hong Kong VATP, senior and junior tranches, USD stablecoin coupons) and examples/investors.csv (about 200
investors from CN, HK, SG, US, GB and more); then a tokenized money-market fund dealing daily at NAV,
examples/hk-money-market-fund.yaml with examples/fund-investors.csv (dev accounts of the local chain). Both are
shipped with the package as rwa_token/data/examples/ (`examples/` in
a checkout is a link to it). The example wallets' keys are public by construction (tools/make_investors.py), so
the demo can sign for investors on its private chain.
"""
from __future__ import annotations

import tempfile
import time
from collections import Counter
from pathlib import Path

from eth_account import Account
from eth_utils import keccak
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..chain.node import Chain
from ..chain.tx import Transactor
from ..contracts.stablecoin import MockStablecoin
from ..inputs.investors_csv import load_investors_csv
from ..inputs.policy import explain
from ..inputs.spec import load_spec
from ..primitives.countries import country_alpha2
from ..primitives.errors import ConfigError, TransferRestricted
from ..reporting.reports import jurisdictions
from ..services.context import Operator
from ..services.deployment import deploy_offering
from ..services.holders import offering_index
from ..services.onboarding import import_investor_file
from ..services.funds import claim, close_cycle, redeem, set_nav, subscribe
from ..services.servicing import init_waterfall, run_waterfall

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"  # package data; `examples/` in a checkout
SEED_TEXT = b"rwa-token example investors"  # tools/make_investors.py
DAY = 86_400


def example_keys(count: int = 400) -> dict[str, Account]:
    accounts = (Account.from_key(keccak(SEED_TEXT + i.to_bytes(4, "big"))) for i in range(count))
    return {a.address: a for a in accounts}


def run_demo(console: Console) -> None:
    started = time.monotonic()
    spec_path, csv_path = EXAMPLES / "highway-toll-abs.yaml", EXAMPLES / "investors.csv"
    if not spec_path.exists():
        raise ConfigError(f"the demo needs the example deal in {EXAMPLES}, which this installation of rwa-token "
                          "lacks: reinstall the package")
    spec = load_spec(spec_path)
    with Chain.local() as chain, tempfile.TemporaryDirectory() as state:
        demo = _Demo(console, chain)
        op = demo.deploy(spec, Path(state))
        registry, investors = demo.onboard(op, csv_path)
        senior, junior = (op.token(symbol) for symbol in list(op.record.tokens)[:2])
        holders = demo.issue(registry, investors, senior, junior)
        demo.trade(registry, investors, holders, senior)
        demo.waterfall(op)
        demo.cap_table(op, senior)
        demo.fund_dealing(Path(state) / "fund")
        console.print(f"[green]Demo complete[/] in {time.monotonic() - started:.1f}s: investors per the token's own "
                      f"count: {senior.investor_count()}")


class _Demo:
    """The demo's scenes, in order; each calls the services the `rwa` commands call, and narrates."""

    def __init__(self, console: Console, chain: Chain):
        self.console, self.chain, self.n = console, chain, 0

    def step(self, text: str) -> None:
        self.n += 1
        self.console.print(f"[bold cyan]{self.n}.[/] {text}")

    def note(self, text: str) -> None:
        self.console.print(f"   {text}")

    def deploy(self, spec, state: Path) -> Operator:
        chain = self.chain
        issuer = chain.dev_accounts(1)[0]
        self.step(f"Local anvil at {chain.url} (chain {chain.chain_id}, hardfork {chain.anvil.hardfork})")
        self.step(f"Offering: {spec.name} - {spec.asset.type}, filed with {spec.filing.regulator} "
                  f"({spec.filing.reference}); rules from {', '.join(spec.rules.policies)}")
        for line in explain(spec.rule_config)[1:7]:
            self.note(f"[dim]- {escape(line)}[/]")  # the rule's "[pack: source]" is text, not markup
        result = deploy_offering(Transactor(chain), spec, issuer, state, say=self.note)
        senior_symbol, junior_symbol = list(result.record.tokens)[:2]
        self.step(f"Deployed by the factory in one transaction ({result.gas_used:,} gas): registry, {senior_symbol} "
                  f"(senior) and {junior_symbol} (junior) with their rules and the CSRC filing document, and the "
                  "distributor")
        return Operator(chain, issuer, result.record, state)

    def onboard(self, op: Operator, csv_path: Path):
        investors = load_investors_csv(csv_path)
        report = import_investor_file(op, investors)
        self.step(f"Onboarded {report.registered} investors (+{report.linked} second wallets) from {csv_path.name} "
                  f"in {report.batches} batch transactions ({report.gas_used // max(report.registered, 1):,} gas "
                  f"per investor), {len(report.refused)} rows refused:")
        for reason, n in Counter(r.reason.split(" on ")[0] for r in report.refused).most_common():
            self.note(f"[yellow]{n} x[/] {reason}")
        return op.registry, investors

    def issue(self, registry, investors, senior, junior) -> list:
        """Primary issuance: every registered first wallet subscribes; the rule engine decides who may hold."""
        rows = [r for group in investors.by_investor().values() for r in group[:1] if registry.contains(r.wallet)]
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
        self.step(f"Minted {senior.symbol()} to {len(holders)} eligible investors "
                  f"({senior.fmt(senior.total_supply())} tokens); the rule engine refused {sum(refused.values())}:")
        for reason, n in refused.most_common():
            self.note(f"[yellow]{n} x[/] {reason}")
        return holders

    def trade(self, registry, investors, holders: list, senior) -> None:
        """A secondary sale refused in the lockup, then checked against a blocked buyer, then settled."""
        a, b = holders[0], holders[1]
        seller = example_keys()[a.wallet]
        self.chain.set_balance(seller.address, 10**20)
        try:
            senior.transfer(b.wallet, "100", sender=seller)
        except TransferRestricted as exc:
            self.step(f"A secondary trade during the Reg S distribution compliance period is refused: "
                      f"[red]{type(exc).__name__}[/] [{exc.code}] {exc.reason}")
        self.chain.increase_time(41 * DAY)
        cn = next(r for r in investors.rows if country_alpha2(r.country) == "CN" and registry.contains(r.wallet))
        verdict = senior.can_transfer(a.wallet, cn.wallet, 100 * 10**6)
        self.step(f"41 days later: a sale to a mainland-China resident is checked first: [red]refused[/] "
                  f"[{verdict.code}] {verdict.message}")
        receipt = senior.transfer(b.wallet, "100", sender=seller)
        self.step(f"...and a sale to an eligible {country_alpha2(b.country)} investor settles "
                  f"({receipt.gas_used:,} gas)")

    def waterfall(self, op: Operator) -> None:
        """A quarter's toll collections through the waterfall (fees, senior interest, residual to the junior
        tranche), each tranche's share paid to its holders by record date and reconciled: the services `rwa
        waterfall init` and `rwa waterfall run` call."""
        init_waterfall(op)
        collections = 2_000_000 * 10**6  # USDC 2,000,000 collected this quarter
        MockStablecoin(op.tx, op.record.payment_tokens["USDC"], op.account).mint(op.account.address, collections)
        period = run_waterfall(op, collections)
        self.step(f"Quarter {period.period}: USDC {collections / 10**6:,.0f} of toll collections through the "
                  f"waterfall ({period.waterfall_gas:,} gas):")
        names = {0: "fees", 1: "interest", 2: "principal", 3: "residual"}
        symbols = list(op.record.tokens)
        for s_ in period.steps:
            who = "fee account" if s_.tranche == 255 else symbols[s_.tranche]
            self.note(f"{names[s_.step]:>9} -> {who:<8} due {s_.due / 10**6:>14,.2f}  paid {s_.paid / 10**6:>14,.2f}"
                      f"  arrears {s_.arrears / 10**6:,.2f}")
        for t in period.tranches:
            if t.distribution_id:
                self.note(f"{t.symbol}: USDC {t.amount / 10**6:,.2f} paid to {t.holders_paid} holders by record "
                          f"date, reconciled to the last unit: {'[green]exact[/]' if t.exact else '[red]MISMATCH[/]'}")

    def cap_table(self, op: Operator, senior) -> None:
        index = offering_index(op)
        rows = jurisdictions(index, senior.address, senior.decimals, registry=op.record.registry)
        table = Table(title=f"Cap table of {senior.symbol()} by jurisdiction (from the event index, "
                            f"{index.event_count():,} events)")
        columns = ("country", "investors", "wallets", "balance", "share_pct")
        for column in columns:
            table.add_column(column, justify="left" if column == "country" else "right")
        for row in rows:
            table.add_row(*(str(row[c]) for c in columns))
        self.console.print(table)

    def fund_dealing(self, state: Path) -> None:
        """A money-market fund's first two dealing days: subscriptions at the next NAV (one refused by the rules),
        the close and fulfilment, claims, then redemptions held to the fund's 10% gate with the rest carried."""
        spec = load_spec(EXAMPLES / "hk-money-market-fund.yaml")
        issuer, *investors = self.chain.dev_accounts(7)
        result = deploy_offering(Transactor(self.chain), spec, issuer, state, say=lambda _: None)
        op = Operator(self.chain, issuer, result.record, state)
        import_investor_file(op, load_investors_csv(EXAMPLES / "fund-investors.csv"))
        self.step(f"A second offering: {spec.name}, dealing daily at NAV (cut-off {spec.fund.cutoff:%H:%M} UTC) "
                  f"through one ERC-7540 vault per entry asset ({', '.join(spec.fund.entry_assets)}); fees "
                  f"{spec.fund.subscription_fee_bps} bps, gate {spec.fund.gate_bps / 100:g}% of the fund per cycle")
        usdc = MockStablecoin(op.tx, op.record.payment_tokens["USDC"], issuer)
        orders = dict(zip((i.address for i in investors[1:6]), ("25000", "120000", "60000", "10000", "5000")))
        accepted = []
        for investor in investors[1:6]:
            usdc.mint(investor.address, orders[investor.address])
            try:
                preview, _ = subscribe(Operator(self.chain, investor, op.record, state), orders[investor.address])
                accepted.append(investor)
                self.note(f"{investor.address[:10]} subscribes {orders[investor.address]} USDC in cycle "
                          f"{preview.cycle}")
            except TransferRestricted as exc:
                self.note(f"{investor.address[:10]} [red]refused[/] [{exc.code}] {exc.reason}")
        self.chain.increase_time(DAY)
        set_nav(op, "1.0001")
        closed = close_cycle(op)
        self.step(f"Cycle {closed.cycle} closed at NAV 1.0001 (valued after the cut-off): {closed.deposits} "
                  f"subscriptions fulfilled in {closed.batches} batch, USDC {closed.swept / 10**6:,.2f} to the "
                  f"custodian, fees {closed.fees / 10**6:,.2f}")
        token = op.token(spec.fund.token)
        for investor in accepted:
            claim(Operator(self.chain, investor, op.record, state))
        self.note(f"claimed: {token.fmt(token.total_supply())} {token.symbol()} minted through the token's rules "
                  f"to {token.investor_count()} investors")
        for investor in accepted[:2]:
            redeem(Operator(self.chain, investor, op.record, state), token.fmt(token.balance_of(investor.address)))
        usdc.mint(issuer.address, "50000")  # the manager's cash for redemptions (the custodian holds the rest)
        self.chain.increase_time(DAY)
        set_nav(op, "1.0002")
        closed = close_cycle(op)
        self.step(f"Cycle {closed.cycle}: redemptions of {token.fmt(closed.redeem_requested)} shares against a "
                  f"{spec.fund.gate_bps / 100:g}% gate: {token.fmt(closed.redeem_allowed)} redeemed at NAV 1.0002 "
                  f"(USDC {closed.funded / 10**6:,.2f} funded by the manager), the rest carried to cycle "
                  f"{closed.cycle + 1}; {token.investor_count()} investor(s) hold units, per the token's own count")
