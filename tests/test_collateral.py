"""Collateral pledges for margin: only with the holder's consent (its own call or its signed pledge); locked
tokens stay put, the rest moves; on default the lender seizes what was pledged, to an eligible party only."""
from __future__ import annotations

import dataclasses

import pytest

from rwa_token.contracts.collateral import CollateralManager, SignedPledge, sign_pledge
from rwa_token.primitives.errors import AmountPledged, ConfigError, ContractCustomError, CountryBlocked, Unauthorized

UNIT = 10**6


@pytest.fixture
def margin(offering, tx):
    manager = CollateralManager.deploy_for(tx, offering.admin, offering.token)
    lender = offering.investor("HK", "institutional")  # the platform's own verified account
    manager.grant_role("LENDER_ROLE", lender.address, sender=offering.admin)
    return manager.using(lender), lender


def test_lender_cannot_lock_without_holder_consent(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    with pytest.raises(AttributeError):
        manager.function("lock")  # the consent-free lock of a lender is gone from the contract
    consent = manager.consent(holder.address, lender.address, 100 * UNIT)
    by_lender = sign_pledge(dataclasses.replace(consent, holder=lender.address), lender).signature
    forged = SignedPledge(consent, by_lender)
    with pytest.raises(ConfigError, match="not .*'s"):
        manager.pledge_with_signature(forged)  # refused before sending ...
    with pytest.raises(ContractCustomError) as err:  # ... and by the contract if sent anyway
        manager.send("pledgeWithSignature", holder.address, consent.amount, consent.deadline, by_lender)
    assert err.value.name == "InvalidSignature"
    assert manager.locked_of(holder.address) == 0


def test_holder_pledges_its_own_tokens(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    receipt = manager.pledge(lender.address, 600 * UNIT, sender=holder)
    assert receipt.events("CollateralLocked")[0]["args"]["holder"] == holder.address
    assert manager.pledge_of(holder.address) == (lender.address, 600 * UNIT)


def test_lender_submits_the_holders_signed_pledge(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    signed = manager.sign_pledge(holder, lender.address, 250 * UNIT)
    assert signed.signer() == holder.address
    manager.pledge_with_signature(signed)
    assert manager.pledge_of(holder.address) == (lender.address, 250 * UNIT)
    assert manager.nonce_of(holder.address) == 1


def test_a_signed_pledge_is_single_use(offering, margin):
    manager, lender = margin
    signed = manager.sign_pledge(offering.hk_pro, lender.address, 100 * UNIT)
    manager.pledge_with_signature(signed)
    with pytest.raises(ConfigError, match="nonce"):
        manager.pledge_with_signature(signed)
    with pytest.raises(ContractCustomError) as err:
        c = signed.consent
        manager.send("pledgeWithSignature", c.holder, c.amount, c.deadline, signed.signature)
    assert err.value.name == "InvalidSignature"
    assert manager.locked_of(offering.hk_pro.address) == 100 * UNIT


def test_a_signed_pledge_expires_at_its_deadline(offering, margin, chain):
    manager, lender = margin
    signed = manager.sign_pledge(offering.hk_pro, lender.address, 100 * UNIT, valid_for=60)
    chain.increase_time(61)
    with pytest.raises(ConfigError, match="expired"):
        manager.pledge_with_signature(signed)


def test_a_signed_pledge_is_only_for_the_lender_it_names(offering, margin):
    manager, lender = margin
    rival = offering.investor("HK", "institutional")
    manager.grant_role("LENDER_ROLE", rival.address, sender=offering.admin)
    signed = manager.sign_pledge(offering.hk_pro, lender.address, 100 * UNIT)
    with pytest.raises(ConfigError, match="only that lender"):
        manager.using(rival).pledge_with_signature(signed)


def test_the_holder_voids_a_signed_pledge_before_it_is_used(offering, margin):
    manager, lender = margin
    signed = manager.sign_pledge(offering.hk_pro, lender.address, 100 * UNIT)
    manager.invalidate_nonce(sender=offering.hk_pro)
    with pytest.raises(ConfigError, match="used or voided"):
        manager.pledge_with_signature(signed)


def test_a_signed_pledge_survives_its_json_file(offering, margin):
    manager, lender = margin
    signed = manager.sign_pledge(offering.hk_pro, lender.address, 100 * UNIT)
    assert SignedPledge.from_dict(signed.to_dict()) == signed
    with pytest.raises(ConfigError, match="not a signed pledge"):
        SignedPledge.from_dict({"pledge": {"holder": offering.hk_pro.address}})


def test_locked_collateral_cannot_move_but_the_unlocked_part_can(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    other = offering.investor("HK", "professional")
    manager.pledge(lender.address, 600 * UNIT, sender=holder)
    assert manager.locked_of(holder.address) == 600 * UNIT
    with pytest.raises(AmountPledged) as err:
        offering.token.transfer(other.address, 401 * UNIT, sender=holder)
    assert err.value.code == 26
    offering.token.transfer(other.address, 400 * UNIT, sender=holder)
    assert offering.token.balance_of(holder.address) == 600 * UNIT


def test_a_release_frees_the_tokens(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    other = offering.investor("HK", "professional")
    manager.pledge(lender.address, 1000 * UNIT, sender=holder)
    manager.release(holder.address, 1000 * UNIT)
    assert manager.locked_of(holder.address) == 0
    offering.token.transfer(other.address, 1000 * UNIT, sender=holder)


def test_a_pledge_cannot_exceed_the_balance(offering, margin):
    manager, lender = margin
    with pytest.raises(ContractCustomError) as err:
        manager.pledge(lender.address, 1001 * UNIT, sender=offering.hk_pro)
    assert err.value.name == "LockExceedsBalance"


def test_a_pledge_goes_only_to_a_lender(offering, margin):
    manager, _ = margin
    stranger = offering.investor("HK", "professional")
    with pytest.raises(ContractCustomError) as err:
        manager.pledge(stranger.address, 1 * UNIT, sender=offering.hk_pro)
    assert err.value.name == "NotALender"


def test_seize_moves_collateral_to_an_eligible_party_only(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    manager.pledge(lender.address, 500 * UNIT, sender=holder)
    cn = offering.investor("CN", "professional")
    with pytest.raises(CountryBlocked):
        manager.seize(holder.address, 300 * UNIT, cn.address)
    receipt = manager.seize(holder.address, 300 * UNIT, lender.address)
    assert receipt.events("CollateralSeized")
    assert offering.token.balance_of(lender.address) == 300 * UNIT
    assert offering.token.balance_of(holder.address) == 700 * UNIT
    assert manager.locked_of(holder.address) == 200 * UNIT


def test_seize_takes_only_what_was_pledged(offering, margin):
    manager, lender = margin
    holder = offering.hk_pro
    manager.pledge(lender.address, 100 * UNIT, sender=holder)
    with pytest.raises(ContractCustomError) as err:
        manager.seize(holder.address, 101 * UNIT, lender.address)
    assert err.value.name == "ExceedsPledge"
    assert offering.token.balance_of(holder.address) == 1000 * UNIT


def test_one_lender_cannot_touch_another_lenders_pledge(offering, margin):
    manager, lender = margin
    rival = offering.investor("HK", "institutional")
    manager.grant_role("LENDER_ROLE", rival.address, sender=offering.admin)
    manager.pledge(lender.address, 100 * UNIT, sender=offering.hk_pro)
    signed = manager.sign_pledge(offering.hk_pro, rival.address, 1)
    for call in (lambda m: m.pledge_with_signature(signed), lambda m: m.release(offering.hk_pro.address, 1),
                 lambda m: m.seize(offering.hk_pro.address, 1, rival.address)):
        with pytest.raises(ContractCustomError) as err:
            call(manager.using(rival))
        assert err.value.name == "PledgedToAnotherLender"


def test_every_lender_power_refuses_an_unauthorised_caller(offering, margin):
    manager, _ = margin
    stranger = offering.investor("HK", "professional")
    m = manager.using(stranger)
    signed = manager.sign_pledge(offering.hk_pro, stranger.address, 1)  # a real consent, but not to a lender
    with pytest.raises(Unauthorized):
        m.pledge_with_signature(signed)
    with pytest.raises(Unauthorized):
        m.release(offering.hk_pro.address, 1)
    with pytest.raises(Unauthorized):
        m.seize(offering.hk_pro.address, 1, stranger.address)
    with pytest.raises(Unauthorized):
        m.grant_role("LENDER_ROLE", stranger.address)


def test_recovery_of_a_pledged_wallet_is_refused_in_the_plan_before_anything_is_sent(offering, margin):
    from rwa_token.services.recovery import recover_wallet

    manager, lender = margin
    holder = offering.hk_pro
    manager.pledge(lender.address, 600 * UNIT, sender=holder)
    new = offering.second_wallet(holder)
    with pytest.raises(AmountPledged):
        recover_wallet(offering.registry, {"HTA": offering.token}, holder.address, new.address, dry_run=True)
    assert not offering.token.is_frozen(holder.address) and offering.token.balance_of(new.address) == 0
    manager.release(holder.address, 600 * UNIT)
    plan = recover_wallet(offering.registry, {"HTA": offering.token}, holder.address, new.address, dry_run=True)
    assert [s.kind for s in plan.done] == ["tokens"] and plan.done[0].tx is None
