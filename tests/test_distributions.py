"""The distribution service against a real Distributor on anvil: funding refusals, record-date holders,
resumable batched pushes, the off-chain predictor and the unit-exact reconciliation.

Property tests run a few hypothesis examples each, every example inside its own EVM snapshot, with holder sets,
balances, frozen holders, post-record-date transfers and amounts chosen to make rounding bite.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rwa_token.contracts.distributor import Distributor
from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.contracts.token import SecurityToken
from rwa_token.primitives.errors import ConfigError
from rwa_token.services import distributions
from rwa_token.store.journal import Journal

DAY = 86_400
HK, SG = 344, 702
EXAMPLES = settings(max_examples=10, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@dataclass
class Desk:
    """A paying agent's desk: a coupon token sharing the offering's registry, its distributor, a stablecoin."""

    chain: object
    tx: object
    admin: object
    token: SecurityToken
    distributor: Distributor
    usd: MockStablecoin
    treasury: object
    holders: list

    def mint(self, balances: list[int]) -> None:
        for holder, units in zip(self.holders, balances):
            if units:
                self.token.mint(holder.address, units)

    def create(self, amount: int, expiry_days: int = 30) -> int:
        self.usd.mint(self.admin.address, amount)
        created = distributions.fund_and_create(self.distributor, self.token, self.usd,
                                                self.chain.block_timestamp() + expiry_days * DAY, amount=amount)
        return created.distribution_id

    @property
    def wallets(self) -> list[str]:
        return [h.address for h in self.holders]

    def isolated(self):
        """Snapshot/revert around one hypothesis example, nonce cache included."""
        desk = self

        class Isolated:
            def __enter__(self):
                self.snap = desk.chain.snapshot()

            def __exit__(self, *exc):
                desk.chain.revert(self.snap)
                desk.tx._nonces.clear()

        return Isolated()


@pytest.fixture
def desk(offering, tx, chain, accounts) -> Desk:
    admin = accounts[0]
    factory = OfferingFactory(tx, infrastructure(tx, admin).factory, admin)
    treasury = offering.investor("HK", "institutional")
    plan = OfferingPlan(admin=admin.address, tokens=[TokenPlan("Toll Coupon Note", "TCN", 6, 0)],
                        registry=offering.registry.address, treasury=treasury.address, tax_account=admin.address,
                        with_distributor=True)
    deployed = factory.deploy_offering(plan, os.urandom(32))
    token = SecurityToken(tx, deployed.tokens[0], admin)
    distributor = Distributor(tx, deployed.distributor, admin)
    token.set_country_rule("HK", allowed=True, required_categories="professional|institutional")
    token.set_country_rule("SG", allowed=True, required_categories="accredited|institutional")
    distributor.set_excluded_wallets(token.address, [treasury.address])
    distributor.set_withholding_rate(HK, 1_000)  # 10 % withheld at source
    distributor.set_withholding_rate(SG, 1_500)  # 15 %
    usd = MockStablecoin.deploy(tx, admin, "US Dollar Coin", "USDC", 6)
    distributor.allow_payment_token(usd.address, "USD")
    holders = [offering.investor("HK", "professional"), offering.investor("SG", "accredited"),
               offering.investor("HK", "institutional"), offering.investor("SG", "institutional"),
               offering.investor("HK", "professional")]
    token.mint(treasury.address, 10**6)  # excluded: owns part of the supply, owed nothing
    return Desk(chain, tx, admin, token, distributor, usd, treasury, holders)


BALANCES = st.lists(st.integers(min_value=0, max_value=10**12), min_size=5, max_size=5).filter(any)
# Amounts that leave a remainder: primes, tiny amounts below the holder count, and near the uint96 ceiling.
AMOUNTS = st.one_of(st.sampled_from([1, 2, 3, 7, 999_999_937, 10**9 + 7, 2**96 - 1]),
                    st.integers(min_value=1, max_value=10**15))


def _paid_events(desk: Desk, distribution_id: int) -> dict[str, list[dict]]:
    seen: dict[str, list[dict]] = {}
    for event in distributions.distribution_events(desk.distributor, distribution_id):
        if event["event"] in ("Paid", "Withheld"):
            seen.setdefault(event["args"]["holder"], []).append(event)
    return seen


def test_every_unit_funded_is_paid_withheld_taxed_unclaimed_or_remainder(desk):
    """paid + withheld + tax + unclaimed + remainder == funded, exactly, per holder and in total, for random
    balances, random frozen holders, a partial push, transfers after the record date and an optional reclaim."""

    flags = st.lists(st.booleans(), min_size=5, max_size=5)

    @EXAMPLES
    @given(balances=BALANCES, amount=AMOUNTS, frozen=flags, claimed=flags, pushed=flags, release=st.booleans(),
           reclaim=st.booleans(), return_withheld=st.booleans())
    def check(balances, amount, frozen, claimed, pushed, release, reclaim, return_withheld):
        with desk.isolated():
            desk.mint(balances)
            if return_withheld:
                desk.distributor.set_return_withheld_at_expiry(True)
            distribution_id = desk.create(amount, expiry_days=1)
            # Transfers after the record date move tokens but must not move entitlements.
            seller = next(h for h, b in zip(desk.holders, balances) if b > 1) if any(b > 1 for b in balances) else None
            if seller is not None:
                buyer = desk.holders[1] if seller == desk.holders[0] else desk.holders[0]
                desk.token.transfer(buyer.address, desk.token.balance_of(seller.address) // 2, sender=seller)
            for holder, freeze in zip(desk.holders, frozen):
                if freeze:
                    desk.token.set_frozen(holder.address, True)
            for holder, claims in zip(desk.holders, claimed):
                if claims and desk.distributor.claimable(distribution_id, holder.address).gross:
                    desk.distributor.claim(distribution_id, sender=holder)  # escrowed if frozen
            chosen = [w for w, p in zip(desk.wallets, pushed) if p]
            distributions.push_all(desk.distributor, distribution_id, chosen, batch_size=2)
            if release:
                for holder, freeze in zip(desk.holders, frozen):
                    if freeze:
                        desk.token.set_frozen(holder.address, False)
                        if desk.distributor.withheld_of(distribution_id, holder.address):
                            desk.distributor.release_withheld(distribution_id, holder.address)
            if reclaim:
                desk.chain.increase_time(2 * DAY)
                desk.distributor.reclaim_expired(distribution_id)

            result = distributions.reconcile(desk.distributor, distribution_id, desk.wallets)
            assert result.problems == []
            assert result.exact
            assert result.accounted == amount == result.chain.accounted
            assert result.paid_net + result.tax + result.withheld_outstanding + result.withheld_released \
                + result.withheld_returned + result.unclaimed + result.remainder == amount
            assert 0 <= result.remainder < max(1, len(result.lines)) + 1
            for line in result.lines.values():
                assert line.gross in (0, line.expected)
                assert line.unclaimed + line.gross == line.expected

    check()


def test_the_off_chain_prediction_equals_what_was_paid_to_each_holder(desk):
    """Gross, tax, net and escrowed amounts predicted from chain data match the Paid/Withheld events unit for
    unit, including frozen holders (escrowed, with the reason code) and holders taxed at different rates."""

    @EXAMPLES
    @given(balances=BALANCES, amount=AMOUNTS, frozen=st.lists(st.booleans(), min_size=5, max_size=5))
    def check(balances, amount, frozen):
        with desk.isolated():
            desk.mint(balances)
            distribution_id = desk.create(amount)
            for holder, freeze in zip(desk.holders, frozen):
                if freeze:
                    desk.token.set_frozen(holder.address, True)
            forecast = distributions.predict(desk.distributor, distribution_id,
                                             desk.wallets + [desk.treasury.address])
            assert forecast.rows[desk.treasury.address].status == "excluded"
            for wallet in desk.wallets:  # the contract's own view agrees with the off-chain arithmetic
                row, view = forecast.rows[wallet], desk.distributor.claimable(distribution_id, wallet)
                if row.status != "nothing":
                    assert (view.gross, view.tax, view.net, view.reason_code) == (row.gross, row.tax, row.net,
                                                                                  row.reason_code)
            distributions.push_all(desk.distributor, distribution_id, desk.wallets)
            events = _paid_events(desk, distribution_id)
            for wallet in desk.wallets:
                row = forecast.rows[wallet]
                if row.status == "nothing":
                    assert wallet not in events
                    continue
                (event,) = events[wallet]
                args = event["args"]
                assert (args["gross"], args["tax"]) == (row.gross, row.tax)
                if row.status == "pay":
                    assert event["event"] == "Paid" and args["net"] == row.net and row.withheld == 0
                else:
                    assert event["event"] == "Withheld" and args["escrowed"] == row.withheld == row.net
                    assert args["reasonCode"] == row.reason_code != 0
            assert sum(e[0]["args"]["gross"] for e in events.values()) == forecast.total_gross <= amount

    check()


def test_transfers_after_the_record_date_do_not_change_who_is_paid(desk):
    """A holder who sells everything after the record date is still paid in full; the buyer, who held nothing at
    the record date, is owed nothing and is not sent a payment."""

    @EXAMPLES
    @given(balances=BALANCES, amount=AMOUNTS)
    def check(balances, amount):
        with desk.isolated():
            desk.mint(balances)
            distribution_id = desk.create(amount)
            snapshot_id = desk.distributor.info(distribution_id).snapshot_id
            before = distributions.holders_at(desk.token, snapshot_id, desk.wallets)
            buyer = desk.holders[4]
            for holder in desk.holders[:4]:
                held = desk.token.balance_of(holder.address)
                if held:
                    desk.token.transfer(buyer.address, held, sender=holder)
            assert distributions.holders_at(desk.token, snapshot_id, desk.wallets) == before
            forecast = distributions.predict(desk.distributor, distribution_id, desk.wallets)
            distributions.push_all(desk.distributor, distribution_id, desk.wallets)
            events = _paid_events(desk, distribution_id)
            due = {w for w, row in forecast.rows.items() if row.gross > 0}
            assert set(events) == due <= set(before)
            if balances[4] == 0:
                assert buyer.address not in events

    check()


def test_push_all_resumes_after_a_crash_without_paying_anyone_twice(desk, tmp_path):
    """The process dies right after the node accepted the second batch (batches go out back to back, so neither
    receipt was seen). The rerun settles both transactions from the journal, pre-checks the paid bits and sends only
    what is left."""
    desk.mint([10**6, 2 * 10**6, 3 * 10**6, 4 * 10**6, 5 * 10**6])
    distribution_id = desk.create(10**9 + 7)

    class CrashingJournal(Journal):
        sent = 0

        def append(self, **entry):
            super().append(**entry)
            if entry.get("status") == "sent":
                CrashingJournal.sent += 1
                if CrashingJournal.sent == 2:
                    raise KeyboardInterrupt("power cut")

    path = tmp_path / "push.jsonl"
    with pytest.raises(KeyboardInterrupt):
        distributions.push_all(desk.distributor, distribution_id, desk.wallets, batch_size=2,
                               journal=CrashingJournal(path))
    assert len(Journal(path).in_flight()) == 2

    progress: list[tuple[int, int]] = []
    report = distributions.push_all(desk.distributor, distribution_id, desk.wallets, batch_size=2,
                                    journal=Journal(path), progress=lambda d, t: progress.append((d, t)))
    assert report.resumed_transactions == 2
    assert report.already_paid == 4 and report.batches == 1 and report.pushed == 1
    assert progress[0] == (4, 5) and progress[-1] == (5, 5)
    assert Journal(path).in_flight() == []
    events = _paid_events(desk, distribution_id)
    assert sorted(len(v) for v in events.values()) == [1] * 5

    again = distributions.push_all(desk.distributor, distribution_id, desk.wallets, journal=Journal(path))
    assert again.batches == 0 and again.already_paid == 5
    assert distributions.reconcile(desk.distributor, distribution_id, desk.wallets).exact


def test_push_all_sends_nothing_for_holders_whose_share_rounds_to_zero(desk):
    """A two-unit distribution over many holders: only the holder whose share is at least one unit is pushed;
    the rest would be skipped by the contract anyway, so no gas is spent on them."""
    desk.mint([10**6, 1, 1, 1, 0])
    distribution_id = desk.create(2)
    report = distributions.push_all(desk.distributor, distribution_id, desk.wallets)
    assert (report.pushed, report.nothing_due) == (1, 4)
    result = distributions.reconcile(desk.distributor, distribution_id, desk.wallets)
    assert result.exact and result.remainder == 1 and result.paid_net + result.tax == 1


def test_push_all_sends_holders_in_holder_number_order(desk):
    """Holders listed in any order are pushed in the order the token numbered them (first receipt), so that one
    batch reads and writes each 256-holder paid word once; the token reports the numbers through `holderAt`."""
    for holder in reversed(desk.holders):
        desk.token.mint(holder.address, 10**6)
    numbers = {h.address: desk.token.holder_at(h.address).number for h in desk.holders}
    assert sorted(numbers.values()) == list(numbers.values())[::-1]
    distribution_id = desk.create(10**6)
    report = distributions.push_all(desk.distributor, distribution_id, desk.wallets)
    paid_order = [e["args"]["holder"] for e in report.receipts[0].events("Paid")]
    assert paid_order == sorted(desk.wallets, key=numbers.get) and len(paid_order) == 5
    assert distributions.reconcile(desk.distributor, distribution_id, desk.wallets).exact


def test_fund_and_create_refuses_before_sending_when_the_payer_lacks_funds(desk):
    """Short balance: a ConfigError naming the shortfall, and not one transaction sent."""
    desk.mint([10**6, 0, 0, 0, 0])
    desk.usd.mint(desk.admin.address, 999)
    block = desk.chain.block_number()
    with pytest.raises(ConfigError, match="needs 1000: fund the payer with 1 more"):
        distributions.fund_and_create(desk.distributor, desk.token, desk.usd, desk.chain.block_timestamp() + DAY,
                                      amount=1000)
    assert desk.chain.block_number() == block and desk.distributor.count() == 0


def test_fund_and_create_refuses_a_short_allowance_unless_asked_to_approve(desk):
    """approve=False with a short allowance refuses before sending; approve=True tops it up and creates."""
    desk.mint([10**6, 0, 0, 0, 0])
    desk.usd.mint(desk.admin.address, 5000)
    desk.usd.approve(desk.distributor.address, 10)
    block = desk.chain.block_number()
    expiry = desk.chain.block_timestamp() + DAY
    with pytest.raises(ConfigError, match="allows the distributor 10 units"):
        distributions.fund_and_create(desk.distributor, desk.token, desk.usd, expiry, amount=5000, approve=False)
    assert desk.chain.block_number() == block
    created = distributions.fund_and_create(desk.distributor, desk.token, desk.usd, expiry, amount=5000)
    assert created.approve_receipt is not None and created.amount == 5000
    assert desk.usd.balance_of(desk.distributor.address) == 5000


def test_fund_and_create_per_token_pre_checks_the_amount_the_contract_will_pull(desk):
    """Per-token coupons: the pre-check computes floor(eligible supply * rate / 10**decimals), the same amount
    the contract pulls, so an exactly funded payer succeeds and one unit less is refused."""
    desk.mint([1_234_567, 7_654_321, 0, 0, 1])
    per_token = 12_345  # 0.012345 USD per token
    needed = distributions.required_amount(desk.distributor, desk.token, per_token)
    assert needed == (1_234_567 + 7_654_321 + 1) * per_token // 10**6
    desk.usd.mint(desk.admin.address, needed - 1)
    expiry = desk.chain.block_timestamp() + DAY
    with pytest.raises(ConfigError, match="fund the payer with 1 more"):
        distributions.fund_and_create(desk.distributor, desk.token, desk.usd, expiry, amount_per_token=per_token)
    desk.usd.mint(desk.admin.address, 1)
    created = distributions.fund_and_create(desk.distributor, desk.token, desk.usd, expiry,
                                            amount_per_token=per_token)
    assert created.amount == needed


def test_fund_and_create_refuses_an_unregistered_token_or_a_disallowed_payment_token(desk, tx, accounts):
    """Configuration mistakes are named before any transaction: the fix is an admin call, not a retry."""
    other = MockStablecoin.deploy(tx, accounts[0], "Other", "OTH", 6)
    expiry = desk.chain.block_timestamp() + DAY
    with pytest.raises(ConfigError, match="not allowed by the distributor"):
        distributions.fund_and_create(desk.distributor, desk.token, other, expiry, amount=1)
    with pytest.raises(ConfigError, match="exactly one of"):
        distributions.fund_and_create(desk.distributor, desk.token, desk.usd, expiry)
    with pytest.raises(ConfigError, match="not in the future"):
        distributions.fund_and_create(desk.distributor, desk.token, desk.usd, 1, amount=1)


def test_reconciliation_reports_an_incomplete_holder_list_instead_of_claiming_exactness(desk):
    """Without every record-date holder the unclaimed/remainder split cannot be exact, and the result says so."""
    desk.mint([10**6, 10**6, 10**6, 0, 0])
    distribution_id = desk.create(10**6 + 1)
    result = distributions.reconcile(desk.distributor, distribution_id, desk.wallets[:2])
    assert not result.exact
    assert any("covers" in p for p in result.problems)
    complete = distributions.reconcile(desk.distributor, distribution_id, desk.wallets)
    assert complete.exact
    assert (complete.unclaimed, complete.remainder) == (3 * ((10**6 + 1) // 3), 2)


def test_escrow_outstanding_at_expiry_returns_to_the_treasury_and_is_reconciled_to_its_holder(desk):
    """With return-withheld-at-expiry, a frozen holder's escrow goes back at reclaim together with the unclaimed
    share of a holder never paid and the rounding remainder; the reconciliation books each to its line."""
    desk.mint([10**6, 2 * 10**6, 3 * 10**6, 0, 0])
    desk.distributor.set_return_withheld_at_expiry(True)
    amount = 10**9 + 7
    distribution_id = desk.create(amount, expiry_days=1)
    frozen, never_paid = desk.holders[1], desk.holders[2]
    desk.token.set_frozen(frozen.address, True)
    distributions.push_all(desk.distributor, distribution_id, desk.wallets[:2])
    escrowed = desk.distributor.withheld_of(distribution_id, frozen.address)
    assert escrowed > 0
    treasury_before = desk.usd.balance_of(desk.treasury.address)
    desk.chain.increase_time(2 * DAY)
    desk.distributor.reclaim_expired(distribution_id)

    result = distributions.reconcile(desk.distributor, distribution_id, desk.wallets)
    assert result.exact, result.problems
    assert result.lines[frozen.address].status == "returned"
    assert result.lines[frozen.address].returned == escrowed == result.withheld_returned
    assert result.lines[never_paid.address].unclaimed == amount * 3 // 6
    assert desk.usd.balance_of(desk.treasury.address) - treasury_before == result.reclaimed_to_treasury \
        == result.unclaimed + result.remainder + escrowed
    assert desk.usd.balance_of(desk.distributor.address) == 0


def test_overlapping_distributions_are_predicted_pushed_and_reconciled_independently(desk):
    """Two open distributions on the same record holders (different amounts): each one's events, prediction and
    reconciliation are its own, and a push of one never pays the other."""
    desk.mint([10**6, 2 * 10**6, 0, 5, 0])
    first = desk.create(999_999_937)
    second = desk.create(7)
    forecast = distributions.predict(desk.distributor, second, desk.wallets)
    distributions.push_all(desk.distributor, first, desk.wallets)
    assert {e["args"]["distributionId"] for e in distributions.distribution_events(desk.distributor, first)} == {first}
    assert distributions.distribution_events(desk.distributor, second) == []
    assert distributions.reconcile(desk.distributor, second, desk.wallets).paid_net == 0
    distributions.push_all(desk.distributor, second, desk.wallets)
    paid = _paid_events(desk, second)
    assert {w: e[0]["args"]["gross"] for w, e in paid.items()} == {
        w: row.gross for w, row in forecast.rows.items() if row.status == "pay"}
    for distribution_id in (first, second):
        result = distributions.reconcile(desk.distributor, distribution_id, desk.wallets)
        assert result.exact, result.problems
        assert result.unclaimed == 0 and result.remainder == result.chain.unpaid
