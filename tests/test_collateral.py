"""Collateral pledges for margin: locked tokens stay put, the rest moves, default seizure under compliance."""
from __future__ import annotations

import pytest

from rwa_token.contracts.collateral import CollateralManager
from rwa_token.errors import CollateralLocked, ContractCustomError, CountryBlocked, Unauthorized

UNIT = 10**6


@pytest.fixture
def margin(offering, tx):
    manager = CollateralManager.deploy_for(tx, offering.admin, offering.token)
    lender = offering.investor("HK", "institutional")  # the platform's own verified account
    manager.grant_role("LENDER_ROLE", lender.address, sender=offering.admin)
    return manager.using(lender), lender


def test_locked_collateral_cannot_move_but_the_unlocked_part_can(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    other = offering.investor("HK", "professional")
    manager.lock(holder.address, 600 * UNIT)
    assert manager.locked_of(holder.address) == 600 * UNIT
    assert manager.pledge_of(holder.address) == (lender.address, 600 * UNIT)
    with pytest.raises(CollateralLocked) as err:
        offering.token.transfer(other.address, 401 * UNIT, sender=holder)
    assert err.value.code == 26
    offering.token.transfer(other.address, 400 * UNIT, sender=holder)
    assert offering.token.balance_of(holder.address) == 600 * UNIT


def test_a_release_frees_the_tokens(offering, margin):
    manager, _ = margin
    holder = offering.hk_pro
    other = offering.investor("HK", "professional")
    manager.lock(holder.address, 1000 * UNIT)
    manager.release(holder.address, 1000 * UNIT)
    assert manager.locked_of(holder.address) == 0
    offering.token.transfer(other.address, 1000 * UNIT, sender=holder)


def test_a_lock_cannot_exceed_the_balance(offering, margin):
    manager, _ = margin
    with pytest.raises(ContractCustomError) as err:
        manager.lock(offering.hk_pro.address, 1001 * UNIT)
    assert err.value.name == "LockExceedsBalance"


def test_seize_moves_collateral_to_an_eligible_party_only(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    manager.lock(holder.address, 500 * UNIT)
    cn = offering.investor("CN", "professional")
    with pytest.raises(CountryBlocked):
        manager.seize(holder.address, 300 * UNIT, cn.address)
    receipt = manager.seize(holder.address, 300 * UNIT, lender.address)
    assert receipt.events("CollateralSeized")
    assert offering.token.balance_of(lender.address) == 300 * UNIT
    assert offering.token.balance_of(holder.address) == 700 * UNIT
    assert manager.locked_of(holder.address) == 200 * UNIT


def test_one_lender_cannot_touch_another_lenders_pledge(offering, margin):
    manager, _ = margin
    rival = offering.investor("HK", "institutional")
    manager.grant_role("LENDER_ROLE", rival.address, sender=offering.admin)
    manager.lock(offering.hk_pro.address, 100 * UNIT)
    for call in (lambda m: m.lock(offering.hk_pro.address, 1), lambda m: m.release(offering.hk_pro.address, 1),
                 lambda m: m.seize(offering.hk_pro.address, 1, rival.address)):
        with pytest.raises(ContractCustomError) as err:
            call(manager.using(rival))
        assert err.value.name == "PledgedToAnotherLender"


def test_every_lender_power_refuses_an_unauthorised_caller(offering, margin):
    manager, _ = margin
    stranger = offering.investor("HK", "professional")
    m = manager.using(stranger)
    with pytest.raises(Unauthorized):
        m.lock(offering.hk_pro.address, 1)
    with pytest.raises(Unauthorized):
        m.release(offering.hk_pro.address, 1)
    with pytest.raises(Unauthorized):
        m.seize(offering.hk_pro.address, 1, stranger.address)
    with pytest.raises(Unauthorized):
        m.grant_role("LENDER_ROLE", stranger.address)
