"""Agent powers, snapshots, documents and terms: what a transfer agent and a regulator rely on."""
from __future__ import annotations

import pytest

from rwa_token import errors

DAY = 86_400


def test_forced_transfer_moves_tokens_past_sender_restrictions(offering):
    other = offering.investor("HK", "professional")
    offering.token.set_frozen(offering.hk_pro.address, True)
    offering.token.forced_transfer(offering.hk_pro.address, other.address, "100")
    assert offering.token.balance_of(other.address) == 100 * 10**6


def test_forced_transfer_still_requires_a_verified_receiver(offering, accounts):
    # Like ERC-3643, a forced transfer needs a verified receiver (registered, KYC valid, not sanctioned) but
    # overrides the token's country and category rules: a court order can move tokens anywhere KYC'd.
    with pytest.raises(errors.ReceiverNotVerified):
        offering.token.forced_transfer(offering.hk_pro.address, accounts[9].address, "1")


def test_forced_transfer_unfreezes_only_what_it_needs(offering):
    other = offering.investor("HK", "professional")
    balance = offering.token.balance_of(offering.hk_pro.address)
    offering.token.freeze_partial(offering.hk_pro.address, balance)
    offering.token.forced_transfer(offering.hk_pro.address, other.address, 100 * 10**6)
    assert offering.token.frozen_tokens(offering.hk_pro.address) == balance - 100 * 10**6


def test_forced_transfer_to_self_does_not_unfreeze_anything(offering):
    balance = offering.token.balance_of(offering.hk_pro.address)
    offering.token.freeze_partial(offering.hk_pro.address, balance)
    try:
        offering.token.forced_transfer(offering.hk_pro.address, offering.hk_pro.address, balance)
    except errors.ContractRevert:
        pass  # refusing the self-transfer outright is equally safe
    assert offering.token.frozen_tokens(offering.hk_pro.address) == balance
    assert offering.token.balance_of(offering.hk_pro.address) == balance


def test_recovery_moves_balance_frozen_amount_and_lockup_to_a_wallet_of_the_same_investor(offering, chain):
    lost = offering.hk_pro
    new = offering.second_wallet(lost)
    balance = offering.token.balance_of(lost.address)
    until = chain.block_timestamp() + 30 * DAY
    offering.token.freeze_partial(lost.address, 7)
    offering.token.set_investor_lockup(lost.address, until)
    investors_before = offering.token.investor_count()
    offering.token.recover(lost.address, new.address)
    assert offering.token.balance_of(lost.address) == 0
    assert offering.token.balance_of(new.address) == balance
    assert offering.token.frozen_tokens(new.address) == 7
    assert offering.token.call("lockupOf", new.address)[0] == until
    assert offering.token.investor_count() == investors_before


def test_recovery_to_another_investor_is_refused(offering):
    stranger = offering.investor("HK", "professional")
    with pytest.raises(errors.ContractCustomError) as refused:
        offering.token.recover(offering.hk_pro.address, stranger.address)
    assert refused.value.name == "RecoveryNotSameInvestor"


def test_recovery_works_when_two_tokens_share_the_registry(offering, tx):
    from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan
    from rwa_token.contracts.token import SecurityToken
    from rwa_token.offering import infrastructure

    factory = OfferingFactory(tx, infrastructure(tx, offering.admin).factory, offering.admin)
    plan = OfferingPlan(admin=offering.admin.address, registry=offering.registry.address,
                        tokens=[TokenPlan("Junior", "HTJ", 6, 0)])
    junior = SecurityToken(tx, factory.deploy_offering(plan, b"\x01" * 32).tokens[0], offering.admin)
    junior.set_country_rule("HK", allowed=True, required_categories="professional")
    junior.mint(offering.hk_pro.address, "5")
    new = offering.second_wallet(offering.hk_pro)
    offering.token.recover(offering.hk_pro.address, new.address)
    junior.recover(offering.hk_pro.address, new.address)
    assert junior.balance_of(new.address) == 5 * 10**6


def test_burn_and_batch_operations(offering):
    a, b = offering.investor("HK", "professional"), offering.investor("HK", "institutional")
    offering.token.batch_mint([a.address, b.address], ["10", "20"])
    offering.token.batch_transfer([a.address, b.address], ["1", "2"], sender=offering.hk_pro)
    assert offering.token.balance_of(b.address) == 22 * 10**6
    supply = offering.token.total_supply()
    offering.token.burn(b.address, "2")
    assert offering.token.total_supply() == supply - 2 * 10**6


def test_batch_freeze_and_partial_freeze(offering):
    a, b = offering.investor("HK", "professional"), offering.investor("HK", "professional")
    offering.token.batch_mint([a.address, b.address], ["10", "10"])
    offering.token.send("batchSetAddressFrozen", [a.address, b.address], [True, True])
    assert offering.token.is_frozen(a.address) and offering.token.is_frozen(b.address)
    offering.token.send("batchFreezePartialTokens", [a.address, b.address], [1, 2])
    assert offering.token.frozen_tokens(b.address) == 2
    with pytest.raises(errors.ContractCustomError) as too_much:
        offering.token.freeze_partial(a.address, 10 * 10**6)
    assert too_much.value.name == "FreezeExceedsBalance"


def test_snapshot_keeps_record_date_balances(offering):
    other = offering.investor("HK", "professional")
    before = offering.token.balance_of(offering.hk_pro.address)
    snap = offering.token.snapshot()
    offering.token.transfer(other.address, "100", sender=offering.hk_pro)
    offering.token.mint(other.address, "50")
    later = offering.token.snapshot()
    offering.token.transfer(offering.hk_pro.address, "10", sender=other)
    assert offering.token.balance_at(offering.hk_pro.address, snap) == before
    assert offering.token.balance_at(other.address, snap) == 0
    assert offering.token.balance_at(other.address, later) == 150 * 10**6
    assert offering.token.total_supply_at(snap) == before
    assert offering.token.total_supply_at(later) == before + 50 * 10**6


def test_snapshot_of_the_future_is_refused(offering):
    current = offering.token.current_snapshot()
    with pytest.raises(errors.ContractCustomError) as refused:
        offering.token.balance_at(offering.hk_pro.address, current + 1)
    assert refused.value.name == "NonexistentSnapshot"


def test_documents_are_recorded_with_hash_and_time(offering, chain):
    offering.token.set_document("filing", "https://example.org/csrc-notice.pdf", "0x" + "11" * 32)
    offering.token.set_document("circular", "ipfs://offering-circular", "0x" + "22" * 32)
    uri, digest, when = offering.token.document("filing")
    assert uri.endswith("csrc-notice.pdf") and digest == bytes.fromhex("11" * 32)
    assert when == chain.block_timestamp()
    assert sorted(offering.token.documents()) == ["circular", "filing"]
    offering.token.send("removeDocument", b"circular".ljust(32, b"\0"))
    assert offering.token.documents() == ["filing"]


def test_terms_are_on_chain(offering):
    terms = ("HK0000123456", "ABS", "highway toll receivables", "Hong Kong", "CSRC filing 2026-017")
    offering.token.send("setTerms", terms)
    assert offering.token.call("terms") == terms


def test_sdk_refuses_bad_amounts_before_sending(offering):
    with pytest.raises(errors.ConfigError, match="more than 6 decimal places"):
        offering.token.transfer(offering.hk_pro.address, "1.0000001", sender=offering.hk_pro)
    with pytest.raises(errors.ConfigError, match="negative"):
        offering.token.mint(offering.hk_pro.address, "-1")
    with pytest.raises(errors.ConfigError, match="bad checksum"):
        offering.token.mint("0x" + offering.hk_pro.address[2:].swapcase()[:-1] + "a", "1")
