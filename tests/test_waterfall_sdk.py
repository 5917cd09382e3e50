"""The off-chain waterfall calculator against the Waterfall contract, and the redemption wrapper, on anvil.

Every WaterfallStep event of a run must equal the calculator's step, field for field, over random tranche terms,
collections that fall short (arrears) and both principal modes; the state the chain keeps after each period must
equal the calculator's next state.
"""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rwa_token.contracts.distributor import Distributor
from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
from rwa_token.contracts.redemption import Redemption
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.contracts.token import SecurityToken
from rwa_token.contracts.waterfall import PrincipalMode, TrancheTerms, Waterfall
from rwa_token.services import cashflow_calc

EXAMPLES = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.fixture
def setting(offering, tx, accounts):
    """A distributor (the payment-token policy) allowing a stablecoin, and a token for redemption."""
    admin = accounts[0]
    factory = OfferingFactory(tx, infrastructure(tx, admin).factory, admin)
    plan = OfferingPlan(admin=admin.address, tokens=[TokenPlan("Toll Senior Note", "TSN", 6, 0)],
                        registry=offering.registry.address, treasury=admin.address, tax_account=admin.address,
                        with_distributor=True)
    deployed = factory.deploy_offering(plan, os.urandom(32))
    distributor = Distributor(tx, deployed.distributor, admin)
    usd = MockStablecoin.deploy(tx, admin, "US Dollar Coin", "USDC", 6)
    distributor.send("allowPaymentToken", usd.address, b"USD".ljust(8, b"\0"), False)
    token = SecurityToken(tx, deployed.tokens[0], admin)
    token.set_country_rule("HK", allowed=True, required_categories="professional|institutional")
    return admin, distributor, usd, token


TERMS = st.tuples(st.integers(0, 2_000), st.integers(0, 10**10), st.integers(0, 10**9))


def test_the_calculator_reproduces_every_waterfall_step_and_the_arrears_it_leaves(setting, tx, chain, offering):
    """Random terms (up to three debt tranches), fees, collections from nothing to plenty, sequential and pro
    rata: each period's events equal the off-chain steps and the stored tranches equal the predicted state."""
    admin, distributor, usd, _ = setting
    accounts = [offering.new_account().address for _ in range(5)]
    from rwa_token.contracts.factory import infrastructure

    infrastructure(tx, admin)  # the factory every example clones from, deployed once outside the snapshots

    @EXAMPLES
    @given(terms=st.lists(TERMS, min_size=1, max_size=3), fee=st.integers(0, 10**8),
           mode=st.sampled_from(list(PrincipalMode)),
           collections=st.lists(st.integers(0, 3 * 10**9), min_size=1, max_size=4))
    def check(terms, fee, mode, collections):
        snap = chain.snapshot()
        try:
            tranches = [TrancheTerms(accounts[i], rate, outstanding, scheduled)
                        for i, (rate, outstanding, scheduled) in enumerate(terms)]
            tranches.append(TrancheTerms(accounts[len(terms)]))
            waterfall = Waterfall.deploy_initialized(tx, admin, agent=admin.address, collection_token=usd.address,
                                                     policy=distributor.address, fee_account=accounts[4],
                                                     fee_per_period=fee, mode=mode, tranches=tranches)
            usd.mint(admin.address, sum(collections) + 1)
            usd.approve(waterfall.address, sum(collections))
            state = cashflow_calc.state_of(waterfall)
            for amount in collections:
                expected = cashflow_calc.run_period(state, amount)
                period, receipt = waterfall.run(amount)
                assert period == expected.period
                assert tuple(Waterfall.steps(receipt)) == expected.steps
                assert expected.distributed == amount
                state = cashflow_calc.state_of(waterfall)
                assert state == expected.next_state
            assert usd.balance_of(waterfall.address) == 0
        finally:
            chain.revert(snap)
            tx._nonces.clear()

    check()


def test_a_shortfall_becomes_arrears_that_are_paid_first_next_period(setting, tx, offering):
    """Collections of 70 against a fee of 10, senior interest 50 and mezzanine interest 40: the mezzanine is
    short 30 of interest and both tranches miss their principal; next period those arrears are due first."""
    admin, distributor, usd, _ = setting
    fees, senior, mezz, junior = (offering.new_account().address for _ in range(4))
    state = cashflow_calc.WaterfallState(10 * 10**6, 0, (
        cashflow_calc.Tranche(senior, 500, 1_000 * 10**6, 100 * 10**6, 0, 0),
        cashflow_calc.Tranche(mezz, 800, 500 * 10**6, 50 * 10**6, 0, 0),
        cashflow_calc.Tranche(junior, 0, 0, 0, 0, 0)), PrincipalMode.SEQUENTIAL)
    first, second = cashflow_calc.run_periods(state, [70 * 10**6, 400 * 10**6])
    assert first.payouts == (50 * 10**6, 10 * 10**6, 0)
    assert first.next_state.tranches[1].interest_arrears == 30 * 10**6
    assert [t.principal_arrears for t in first.next_state.tranches[:2]] == [100 * 10**6, 50 * 10**6]
    interest = [s for s in second.steps if s.step == 1]
    assert interest[1].due == 40 * 10**6 + 30 * 10**6 and interest[1].arrears == 0

    waterfall = Waterfall.deploy_initialized(
        tx, admin, agent=admin.address, collection_token=usd.address, policy=distributor.address, fee_account=fees,
        fee_per_period=10 * 10**6, mode=PrincipalMode.SEQUENTIAL,
        tranches=[TrancheTerms(senior, 500, 1_000 * 10**6, 100 * 10**6), TrancheTerms(mezz, 800, 500 * 10**6,
                                                                                      50 * 10**6),
                  TrancheTerms(junior)])
    usd.mint(admin.address, 470 * 10**6)
    usd.approve(waterfall.address, 470 * 10**6)
    for expected in (first, second):
        _, receipt = waterfall.run(expected.collections)
        assert tuple(Waterfall.steps(receipt)) == expected.steps
    assert usd.balance_of(junior) == second.payouts[2]


def test_redemption_burns_the_tokens_and_pays_exactly_the_quoted_principal(setting, tx, chain, offering):
    """At maturity a holder redeems part of a balance: the tokens are burned, the principal paid equals
    `quote`, floor(amount * face value / 10**decimals), and the pool shrinks by the same amount."""
    admin, distributor, usd, token = setting
    holder = offering.investor("HK", "professional")
    token.mint(holder.address, 1_000 * 10**6)
    redemption = Redemption.deploy_initialized(tx, admin, agent=admin.address, token=token.address,
                                               principal_token=usd.address, distributor=distributor.address,
                                               treasury=admin.address, face_value_per_token=1_000_003,
                                               start=chain.block_timestamp())
    token.grant_role("AGENT_ROLE", redemption.address)
    usd.mint(admin.address, 2_000 * 10**6)
    usd.approve(redemption.address, 2_000 * 10**6)
    redemption.fund_principal(2_000 * 10**6)
    amount = 333_333_333
    quoted = redemption.quote(amount)
    assert quoted == amount * 1_000_003 // 10**6
    redemption.redeem(amount, sender=holder)
    assert token.balance_of(holder.address) == 1_000 * 10**6 - amount
    assert usd.balance_of(holder.address) == quoted
    assert redemption.principal_available() == 2_000 * 10**6 - quoted


def test_pro_rata_principal_gives_the_rounding_unit_to_the_most_senior_tranche_still_short(setting, tx, offering):
    """101 units for principal due 100 (senior) and 200 (mezzanine): floor shares 33 and 67, the leftover unit
    goes to the senior; the calculator and the chain agree, and both record arrears of 66 and 133."""
    admin, distributor, usd, _ = setting
    fees, senior, mezz, junior = (offering.new_account().address for _ in range(4))
    waterfall = Waterfall.deploy_initialized(
        tx, admin, agent=admin.address, collection_token=usd.address, policy=distributor.address, fee_account=fees,
        fee_per_period=0, mode=PrincipalMode.PRO_RATA,
        tranches=[TrancheTerms(senior, 0, 1_000, 100), TrancheTerms(mezz, 0, 1_000, 200), TrancheTerms(junior)])
    expected = cashflow_calc.run_period(cashflow_calc.state_of(waterfall), 101)
    principal = [s for s in expected.steps if s.step == 2]
    assert [(s.paid, s.arrears) for s in principal] == [(34, 66), (67, 133)]
    usd.mint(admin.address, 101)
    usd.approve(waterfall.address, 101)
    _, receipt = waterfall.run(101)
    assert tuple(Waterfall.steps(receipt)) == expected.steps
    assert cashflow_calc.state_of(waterfall) == expected.next_state
    assert (usd.balance_of(senior), usd.balance_of(mezz), usd.balance_of(junior)) == (34, 67, 0)


def test_batch_redemption_skips_an_ineligible_holder_and_pays_the_others_exactly(setting, tx, chain, offering):
    """At maturity the agent redeems every holder's whole balance: a frozen holder keeps their tokens (event
    RedemptionSkipped with the reason), the others are burned to zero and paid their quote."""
    admin, distributor, usd, token = setting
    holders = [offering.investor("HK", "professional") for _ in range(3)]
    for i, holder in enumerate(holders):
        token.mint(holder.address, (i + 1) * 123_456_789)
    redemption = Redemption.deploy_initialized(tx, admin, agent=admin.address, token=token.address,
                                               principal_token=usd.address, distributor=distributor.address,
                                               treasury=admin.address, face_value_per_token=999_999,
                                               start=chain.block_timestamp())
    token.grant_role("AGENT_ROLE", redemption.address)
    usd.mint(admin.address, 10**9)
    usd.approve(redemption.address, 10**9)
    redemption.fund_principal(10**9)
    token.set_frozen(holders[1].address, True)
    quotes = [redemption.quote(token.balance_of(h.address)) for h in holders]
    receipt = redemption.redeem_batch([h.address for h in holders])
    skipped = receipt.events("RedemptionSkipped")
    assert [e["args"]["holder"] for e in skipped] == [holders[1].address] and skipped[0]["args"]["reasonCode"] != 0
    for i in (0, 2):
        assert token.balance_of(holders[i].address) == 0
        assert usd.balance_of(holders[i].address) == quotes[i]
    assert token.balance_of(holders[1].address) == 2 * 123_456_789
    assert redemption.principal_available() == 10**9 - quotes[0] - quotes[2]
