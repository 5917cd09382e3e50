"""Shared fixtures: one anvil per test session; every test runs inside an EVM snapshot that is reverted after it."""
from __future__ import annotations

import pytest

from rwa_token.chain import Chain
from rwa_token.tx import Transactor

collect_ignore = ["brownie"]  # Brownie's own tests run in its venv (make brownie-test)


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
    snap = chain.snapshot()
    yield
    chain.revert(snap)
    txr = request.getfixturevalue("tx") if "tx" in request.fixturenames else None
    if txr is not None:
        txr._nonces.clear()  # reverted blocks took their nonces with them
