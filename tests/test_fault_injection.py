"""Fault injection: the chain dies in the middle of a bulk import; after a restart the import resumes and
finishes with nothing lost and nothing done twice."""
from __future__ import annotations

import time

import pytest

from rwa_token.chain.node import Chain, LocalAnvil, rpc_request
from rwa_token.chain.tx import Transactor
from rwa_token.inputs.investors_csv import parse_investors_csv
from rwa_token.primitives import errors
from rwa_token.services.offering import deploy_core
from rwa_token.services.onboarding import import_investors
from rwa_token.store.journal import Journal

pytestmark = pytest.mark.slow


def _file(n: int):
    from eth_account import Account

    rows = ["wallet,investor_id,country,category,kyc_expiry,name_ref"]
    for i in range(n):
        wallet = Account.from_key((0xFA117 << 200 | i + 1).to_bytes(32, "big")).address
        rows.append(f"{wallet},INV-{i},HK,professional,2031-01-01,")
    return parse_investors_csv("\n".join(rows) + "\n")


class KillingJournal(Journal):
    """A journal whose node dies (SIGTERM: anvil writes its state file, as a node that is restarted would keep its
    chain) once the third transaction recorded as sent is mined: batches go out back to back, so the run dies with
    transactions mined but not yet confirmed in the journal. (Stopped while still mining, anvil may write the
    block's state without its logs.)"""

    def __init__(self, path, node):
        super().__init__(path)
        self.node, self.sent = node, 0

    def append(self, **entry):
        super().append(**entry)
        if entry.get("status") == "sent":
            self.sent += 1
            if self.sent == 3:
                deadline = time.monotonic() + 10
                while not rpc_request(self.node.url, "eth_getTransactionReceipt", [entry["tx"]]).get("result"):
                    assert time.monotonic() < deadline, "the third batch was never mined"
                    time.sleep(0.005)
                self.node.stop()


def test_chain_killed_mid_import_then_resumed_registers_everyone_exactly_once(tmp_path):
    state = tmp_path / "anvil-state.json"
    anvil = LocalAnvil(state_path=state).start()
    port = anvil.port
    chain = Chain(anvil.url, anvil=anvil)
    tx = Transactor(chain)
    admin = chain.dev_accounts(1)[0]
    registry, _ = deploy_core(tx, admin, "Fault", "FLT", 6, 0)
    file = _file(120)
    journal = KillingJournal(tmp_path / "import.jsonl", anvil)
    with pytest.raises((errors.ChainError, errors.TransactionError)):
        import_investors(tx, registry, file, "salt", journal, batch_size=10)
    assert len(journal.in_flight()) == 3
    registered_before = 30  # three batches of ten reached the node before it died

    restarted = LocalAnvil(port=port, state_path=state).start()
    try:
        chain2 = Chain(restarted.url, anvil=restarted)
        tx2 = Transactor(chain2)
        from rwa_token.contracts.registry import InvestorRegistry

        registry2 = InvestorRegistry(tx2, registry.address, admin)
        report = import_investors(tx2, registry2, file, "salt", Journal(journal.path), batch_size=10)
        assert report.resumed_transactions == 3 and report.already_done + report.registered == 120
        assert report.already_done >= registered_before  # what was mined before the crash is not sent again
        assert all(tx2.call_many(registry2.address, registry2.function("contains"), [[r.wallet] for r in file.rows]))
        registrations = registry2.events("InvestorRegistered")
        assert len(registrations) == 120  # exactly once each
    finally:
        restarted.stop()


def test_chain_killed_mid_coupon_push_then_resumed_pays_everyone_exactly_once(tmp_path):
    from rwa_token.contracts.distributor import Distributor
    from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
    from rwa_token.contracts.registry import InvestorRegistry, Registration
    from rwa_token.contracts.stablecoin import MockStablecoin
    from rwa_token.contracts.token import SecurityToken
    from rwa_token.primitives.units import investor_id
    from rwa_token.services.distributions import fund_and_create, push_all, reconcile
    from rwa_token.services.offering import deploy_registry

    state = tmp_path / "anvil-state.json"
    anvil = LocalAnvil(state_path=state).start()
    port = anvil.port
    tx = Transactor(Chain(anvil.url, anvil=anvil))
    admin = tx.chain.dev_accounts(1)[0]
    registry = deploy_registry(tx, admin)
    factory = OfferingFactory(tx, infrastructure(tx, admin).factory, admin)
    deployed = factory.deploy_offering(OfferingPlan(
        admin=admin.address, registry=registry.address, tokens=[TokenPlan("Coupon", "CPN", 6, 0)],
        treasury=admin.address, tax_account=admin.address, with_distributor=True), b"\x07" * 32)
    token = SecurityToken(tx, deployed.tokens[0], admin)
    distributor = Distributor(tx, deployed.distributor, admin)
    distributor.set_excluded_wallets(token.address, [])
    usd = MockStablecoin.deploy(tx, admin, "USD", "USD", 6)
    distributor.allow_payment_token(usd.address, "USD")
    wallets = [r.wallet for r in _file(60).rows]
    registry.register_batch([Registration.of(w, investor_id(w, "s"), "HK", "professional", "2031-01-01")
                             for w in wallets])
    token.batch_mint(wallets, [10**6 * (i + 1) for i in range(len(wallets))])
    usd.mint(admin.address, 10**12)
    created = fund_and_create(distributor, token, usd, tx.chain.block_timestamp() + 30 * 86_400,
                              amount=123_456_789_011)
    journal = KillingJournal(tmp_path / "push.jsonl", anvil)
    with pytest.raises((errors.ChainError, errors.TransactionError)):
        push_all(distributor, created.distribution_id, wallets, batch_size=10, journal=journal)
    assert len(journal.in_flight()) == 3
    journal = Journal(journal.path)

    restarted = LocalAnvil(port=port, state_path=state).start()
    try:
        tx2 = Transactor(Chain(restarted.url, anvil=restarted))
        distributor2 = Distributor(tx2, distributor.address, admin)
        report = push_all(distributor2, created.distribution_id, wallets, batch_size=10, journal=journal)
        assert report.already_paid > 0 and report.already_paid + report.pushed == len(wallets)
        paid = distributor2.events("Paid")
        assert sorted(e["args"]["holder"] for e in paid) == sorted(wallets)  # each exactly once
        assert reconcile(distributor2, created.distribution_id, wallets).exact
    finally:
        restarted.stop()


def test_a_dropped_transaction_from_a_crashed_run_is_recorded_and_its_work_redone(offering, tmp_path):
    """The previous run broadcast a batch, crashed, and the node later dropped it: the rerun finds the hash
    unknown, records it as dropped, and registers those wallets (the chain says they are not done)."""
    from rwa_token.services.onboarding import import_investors

    file = _file(12)
    journal = Journal(tmp_path / "import.jsonl")
    journal.append(status="sent", kind="register", lines=[2, 3], tx="0x" + "ab" * 32)
    report = import_investors(offering.tx, offering.registry, file, "salt", journal, batch_size=5)
    assert report.resumed_transactions == 1 and report.registered == 12
    assert any(e.get("status") == "dropped" for e in journal.entries())
    assert journal.in_flight() == []


def test_an_rpc_that_never_answers_times_out_with_one_clear_error():
    """A node that accepts the connection and then hangs must not hang the SDK."""
    import socket

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    try:
        started = time.monotonic()
        with pytest.raises(errors.ChainError, match="cannot reach the chain"):
            rpc_request(url, "eth_chainId", [], timeout=0.5)
        assert time.monotonic() - started < 5
    finally:
        server.close()
