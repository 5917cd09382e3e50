"""What every gas benchmark shares: funded accounts, registered investors, the full rule set, the table."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from eth_account import Account  # noqa: E402

from rwa_token.chain.node import Chain  # noqa: E402
from rwa_token.chain.tx import Transactor  # noqa: E402
from rwa_token.primitives.constants import SECONDS_PER_DAY  # noqa: E402
from rwa_token.primitives.units import investor_id  # noqa: E402

DAY = SECONDS_PER_DAY


class BenchBase:
    """A benchmark on one chain. `seed` keeps each benchmark's accounts distinct."""

    seed = 0xBE7C

    def __init__(self, chain: Chain):
        self.chain = chain
        self.tx = Transactor(chain)
        self.admin = chain.dev_accounts(1)[0]
        self.results: dict[str, int] = {}
        self._n = 0

    def account(self):
        self._n += 1
        acct = Account.from_key(((self.seed << 200) + self._n).to_bytes(32, "big"))
        self.chain.set_balance(acct.address, 10**20)
        return acct

    def investor(self, registry, country: str = "HK", category: str = "professional"):
        acct = self.account()
        expiry = self.chain.block_timestamp() + 365 * DAY
        registry.register(acct.address, investor_id(acct.address, "bench"), country, category, expiry)
        return acct


def full_rules(token) -> None:
    """The rule set every token benchmark runs with: country gating, categories, caps, max balance, lockup."""
    token.set_country_rule("HK", allowed=True, required_categories="professional|institutional", max_investors=50_000)
    token.set_country_rule("SG", allowed=True, required_categories="accredited|institutional")
    token.set_country_rule("CN", blocked=True)
    token.set_country_rule("US", blocked=True)
    token.set_limits(max_investors=100_000, min_balance=0, max_balance="1000000")
    token.set_default_lockup(DAY)


def table(results: dict[str, int], targets: dict[str, tuple[int | None, str]]) -> str:
    lines = ["| operation | gas used | target | status | reference / setting |", "|---|---:|---:|---|---|"]
    for key, used in results.items():
        target, note = targets.get(key, (None, "-"))
        status = "-" if target is None else ("ok" if used <= target else "OVER")
        lines.append(f"| `{key}` | {used:,} | {f'{target:,}' if target else '-'} | {status} | {note} |")
    return "\n".join(lines)


def run_suite(bench_class, targets: dict[str, tuple[int | None, str]], argv: list[str]) -> dict[str, int]:
    """Run one benchmark suite on a fresh anvil; print its table (or JSON with --json); return the results."""
    import json

    # --hardfork shanghai: a chain without the cancun opcodes; the SDK then detects it and deploys the shanghai build.
    options = {"hardfork": argv[argv.index("--hardfork") + 1]} if "--hardfork" in argv else {}
    with Chain.local(**options) as chain:
        bench = bench_class(chain)
        bench.run()
        hardfork = chain.anvil.hardfork
        evm = chain.evm
    ordered = {k: bench.results[k] for k in targets if k in bench.results}
    ordered.update({k: v for k, v in bench.results.items() if k not in ordered})
    if "--json" in argv:
        print(json.dumps(ordered))
    else:
        print(f"anvil, hardfork {hardfork}, contracts built for {evm}, each operation its own transaction\n")
        print(table(ordered, targets))
    return ordered
