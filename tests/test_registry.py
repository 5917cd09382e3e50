"""The investor registry: onboarding, several wallets per investor, KYC attestations."""
from __future__ import annotations

import pytest

from rwa_token.contracts.registry import Registration
from rwa_token.primitives import errors
from rwa_token.primitives.units import investor_id

DAY = 86_400


def test_registration_records_country_category_and_expiry(offering, chain):
    account = offering.investor("SG", "accredited|institutional")
    info = offering.registry.investor(account.address)
    assert info.country == 702 and info.category_names == "accredited|institutional"
    assert info.registered and not info.frozen and not info.multi_wallet
    assert offering.registry.is_verified(account.address)


def test_investor_id_is_a_salted_hash_not_personal_data():
    assert investor_id("INV-1", "salt-a") != investor_id("INV-1", "salt-b")
    assert len(investor_id("INV-1", "salt-a")) == 32


def test_registering_a_wallet_twice_is_refused(offering, chain):
    with pytest.raises(errors.ContractCustomError) as refused:
        offering.registry.register(offering.hk_pro.address, investor_id("x", "s"), "HK", "professional",
                                   chain.block_timestamp() + DAY)
    assert refused.value.name == "AlreadyRegistered"


def test_second_wallet_shares_the_investor_key(offering):
    second = offering.second_wallet(offering.hk_pro)
    first, other = offering.registry.investor(offering.hk_pro.address), offering.registry.investor(second.address)
    assert first.key == other.key and first.multi_wallet and other.multi_wallet


def test_update_and_remove(offering, chain):
    account = offering.investor("HK", "retail")
    offering.registry.update(account.address, "HK", "professional", chain.block_timestamp() + 10 * DAY)
    assert offering.registry.investor(account.address).category_names == "professional"
    offering.registry.remove_wallet(account.address)
    assert not offering.registry.contains(account.address)


def test_batch_registration(offering, chain):
    rows = [Registration.of(offering.new_account().address, investor_id(str(i), "s"), "GB", "professional",
                            chain.block_timestamp() + DAY) for i in range(20)]
    offering.registry.register_batch(rows)
    assert all(offering.registry.is_verified(r.wallet) for r in rows)


def test_unknown_country_and_category_fail_before_sending(offering):
    with pytest.raises(errors.ConfigError, match="XX"):
        offering.registry.register(offering.new_account().address, investor_id("a", "s"), "XX", "retail", 2**33)
    with pytest.raises(errors.ConfigError, match="unknown investor category"):
        offering.registry.register(offering.new_account().address, investor_id("a", "s"), "HK", "vip", 2**33)


def _signed(offering, chain, signer, nonce=1, deadline_days=1, wallet=None):
    wallet = wallet or offering.new_account().address
    registration = Registration.of(wallet, investor_id(wallet, "kyc"), "HK", "professional",
                                   chain.block_timestamp() + 365 * DAY)
    return offering.registry.sign_attestation(signer, registration, nonce,
                                              chain.block_timestamp() + deadline_days * DAY)


def test_kyc_attestation_lets_anyone_submit_the_registration(offering, chain, accounts):
    offering.registry.grant_role("KYC_SIGNER_ROLE", accounts[5].address)
    signed = _signed(offering, chain, accounts[5])
    offering.registry.register_with_attestation(signed, sender=accounts[7])  # the investor pays, not the issuer
    assert offering.registry.is_verified(signed["attestation"]["wallet"])


def test_replayed_attestation_is_refused(offering, chain, accounts):
    offering.registry.grant_role("KYC_SIGNER_ROLE", accounts[5].address)
    signed = _signed(offering, chain, accounts[5], nonce=9)
    offering.registry.register_with_attestation(signed, sender=accounts[7])
    again = _signed(offering, chain, accounts[5], nonce=9)
    with pytest.raises(errors.ContractCustomError) as refused:
        offering.registry.register_with_attestation(again, sender=accounts[7])
    assert refused.value.name == "AttestationNonceUsed"


def test_attestation_from_an_untrusted_signer_is_refused(offering, chain, accounts):
    signed = _signed(offering, chain, accounts[6])
    with pytest.raises(errors.ContractCustomError) as refused:
        offering.registry.register_with_attestation(signed, sender=accounts[7])
    assert refused.value.name == "UntrustedSigner"


def test_expired_or_altered_attestation_is_refused(offering, chain, accounts):
    offering.registry.grant_role("KYC_SIGNER_ROLE", accounts[5].address)
    signed = _signed(offering, chain, accounts[5], nonce=3)
    chain.increase_time(2 * DAY)
    with pytest.raises(errors.ContractCustomError) as expired:
        offering.registry.register_with_attestation(signed, sender=accounts[7])
    assert expired.value.name == "AttestationExpired"
    fresh = _signed(offering, chain, accounts[5], nonce=4)
    fresh["attestation"]["categories"] = 1  # the investor tries to change what the provider attested
    with pytest.raises(errors.ContractCustomError) as altered:
        offering.registry.register_with_attestation(fresh, sender=accounts[7])
    assert altered.value.name == "UntrustedSigner"
