"""Shared fixtures: one anvil per test session; every test runs inside an EVM snapshot that is reverted after it."""
from __future__ import annotations

import pytest

from rwa_token.chain.node import Chain
from rwa_token.chain.tx import Transactor

collect_ignore = ["foundry"]


@pytest.fixture(scope="session")
def chain():
    with Chain.local() as c:
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
        self.chain.rpc("anvil_setBalance", [account.address, hex(10**20)])

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
