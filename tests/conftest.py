"""Shared fixtures: one chain per test session; every test runs inside an EVM snapshot that is reverted after it.

The chain is a local anvil by default; `--engine ganache` starts Ganache 7.9 instead (the contracts' shanghai build)
and `--rpc-url URL` uses a node already running (its dev accounts are funded through the engine's adapter).
`-m ganache_lane` selects the tests of the Ganache lane (`make test-ganache`): `GANACHE_LANE` below.
"""
from __future__ import annotations

import os

import pytest

from rwa_token.chain.node import ENGINES, Chain
from rwa_token.chain.tx import Transactor

collect_ignore = ["foundry"]

# The Ganache lane: the README's quick starts, onboarding with refusals, refused transfers with their codes, a
# distribution reconciled to the unit, a waterfall period and the reports, on the other engine. About a minute.
GANACHE_LANE = [
    "tests/test_readme.py::test_readme_sdk_quick_start_runs_verbatim",
    "tests/test_engines.py::test_readme_cli_quick_start_runs_in_order",
    "tests/test_cli.py::test_deploy_import_mint_and_check_a_transfer",
    "tests/test_cli.py::test_distribute_pays_every_holder_and_reconciles",
    "tests/test_cli.py::test_waterfall_quarter_and_redemption_at_maturity",
    "tests/test_onboarding.py",
    "tests/test_token_rules.py",
    "tests/test_reports.py",
]
DEV_FUNDING = 10**24  # wei each dev account gets on an outside node


def pytest_addoption(parser):
    group = parser.getgroup("rwa", "rwa-token chain")
    group.addoption("--engine", choices=ENGINES, default=None,
                    help="the local chain the tests start: anvil (default, or $RWA_ENGINE) or ganache")
    group.addoption("--rpc-url", default=None, metavar="URL",
                    help="run against this node instead of starting one (its engine is read from the node)")


def pytest_configure(config):
    config.addinivalue_line("markers", "ganache_lane: the tests `make test-ganache` runs on Ganache")
    engine = config.getoption("--engine")
    if engine:  # Chain.local() in the tests (the README quick start, ...) starts the same engine
        os.environ["RWA_ENGINE"] = engine


def pytest_collection_modifyitems(config, items):
    for item in items:
        if any(item.nodeid == entry or item.nodeid.startswith((entry + "::", entry + "[")) for entry in GANACHE_LANE):
            item.add_marker(pytest.mark.ganache_lane)


def lane_entries_exist(root) -> list[str]:
    """The lane's entries that name no test (a renamed test would silently leave the lane)."""
    missing = []
    for entry in GANACHE_LANE:
        path, _, name = entry.partition("::")
        source = (root / path).read_text() if (root / path).exists() else ""
        if not source or (name and f"def {name.split('[')[0]}(" not in source):
            missing.append(entry)
    return missing


@pytest.fixture(scope="session")
def chain(request):
    url = request.config.getoption("--rpc-url")
    engine = request.config.getoption("--engine")
    if url:
        outside = Chain.connect(url)
        if engine and outside.engine != engine:
            pytest.exit(f"--engine {engine}, but the node at {url} is {outside.engine}", returncode=4)
        for account in outside.dev_accounts():
            outside.set_balance(account.address, DEV_FUNDING)
        yield outside
        return
    with Chain.local(engine=engine) as c:
        yield c


@pytest.fixture(scope="session")
def tx(chain):
    return Transactor(chain)


@pytest.fixture(scope="session")
def accounts(chain):
    return chain.dev_accounts()


@pytest.fixture(autouse=True)
def isolate(request):
    """Revert the chain after each test that touched it, so tests never see each other's state."""
    if "chain" not in request.fixturenames:
        yield
        return
    chain = request.getfixturevalue("chain")
    for shared in ("_offering_base",):  # session-wide deployments must exist before the snapshot
        if shared in request.fixturenames:
            request.getfixturevalue(shared)
    snap = chain.snapshot()
    yield
    chain.revert(snap)
    txr = request.getfixturevalue("tx") if "tx" in request.fixturenames else None
    if txr is not None:
        txr._nonces.clear()  # reverted blocks took their nonces with them


# --- a deployed offering: registry + token with a Hong Kong VATP rule set -----------------------------------
import itertools

from eth_account import Account

from rwa_token.primitives.units import investor_id

_keys = itertools.count(1)


class OfferingFixture:
    """Registry + token (6 decimals) for an offshore ABS sold through a HK VATP; accounts[0] holds every role."""

    cap = 1_000_000_000 * 10**6

    def __init__(self, chain, tx, admin, registry, token):
        self.chain, self.tx, self.admin, self.registry, self.token = chain, tx, admin, registry, token
        self.hk_pro = self.investor("HK", "professional")
        token.mint(self.hk_pro.address, "1000")

    def fund(self, account) -> None:
        self.chain.set_balance(account.address, 10**20)

    def new_account(self):
        return Account.from_key(((0xA11CE << 200) + next(_keys)).to_bytes(32, "big"))

    def investor(self, country: str, category: str, kyc_days: int = 365):
        account = self.new_account()
        self.fund(account)
        expiry = self.chain.block_timestamp() + kyc_days * 86_400
        self.registry.register(account.address, investor_id(account.address, "test-salt"), country, category, expiry)
        return account

    def second_wallet(self, first):
        account = self.new_account()
        self.fund(account)
        self.registry.add_wallet(first.address, account.address)
        return account


def deploy_test_offering(chain, tx, admin):
    from rwa_token.services.offering import deploy_core

    registry, token = deploy_core(tx, admin, name="Highway Toll ABS Senior", symbol="HTS", decimals=6,
                                  supply_cap=OfferingFixture.cap)
    token.set_country_rule("HK", allowed=True, required_categories="professional|institutional")
    token.set_country_rule("CN", blocked=True)
    token.set_country_rule("US", blocked=True)
    token.set_country_rule("SG", allowed=True, required_categories="accredited|institutional")
    return registry, token


@pytest.fixture(scope="session")
def _offering_base(chain, tx, accounts):
    return deploy_test_offering(chain, tx, accounts[0])


@pytest.fixture
def offering(chain, tx, accounts, _offering_base):
    registry, token = _offering_base
    return OfferingFixture(chain, tx, accounts[0], registry, token)


# ---------------------------------------------------------------------------------------------------------------
# The `rwa` command's tests: a state folder of their own, and the example deal deployed through the command
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def state(tmp_path, monkeypatch):
    """A fresh state folder for the command (RWA_STATE_DIR), and no key in the environment (dev account 0 signs)."""
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    return tmp_path / "state"


@pytest.fixture
def deployed(chain, state, capsys, monkeypatch):
    """`rwa deploy examples/highway-toll-abs.yaml` on the session chain; its --json result."""
    from pathlib import Path

    from cli_run import last, rwa

    example = Path(__file__).resolve().parent.parent / "examples" / "highway-toll-abs.yaml"
    code, out, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "--json", "deploy", str(example))
    assert code == 0, err
    return last(out)


# ---------------------------------------------------------------------------------------------------------------
# A real PostgreSQL server for the index's PostgreSQL store: started once per session in a temporary folder
# (`make test` installs the distribution's server when missing), stopped at the end. Never skipped.
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_url():
    from rwa_token.primitives.errors import ConfigError
    from rwa_token.store.pg_local import LocalPostgres

    try:
        server = LocalPostgres()
    except ConfigError as exc:
        pytest.fail(f"the PostgreSQL tests need a server: {exc}", pytrace=False)
    try:
        server.start()
    except ConfigError as exc:
        server.stop()
        pytest.fail(f"the PostgreSQL tests could not start a server: {exc}", pytrace=False)
    try:
        yield server.url
    finally:
        server.stop()
