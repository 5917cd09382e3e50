"""The rule engine, as an issuer, a Hong Kong VATP and a regulator would specify it."""
from __future__ import annotations

import pytest

from rwa_token.primitives import errors
from rwa_token.primitives.categories import INSTITUTIONAL, PROFESSIONAL, RETAIL

DAY = 86_400


def test_cn_resident_cannot_receive_offshore_abs_token(offering):
    cn = offering.investor("CN", "professional")
    with pytest.raises(errors.CountryBlocked) as refused:
        offering.token.mint(cn.address, "100")
    assert refused.value.code == 11
    assert offering.token.can_transfer(offering.hk_pro.address, cn.address, "1").code == 11


def test_hk_retail_refused_unless_token_is_retail_approved(offering):
    retail = offering.investor("HK", "retail")
    assert offering.token.can_mint(retail.address, "10").code == 12
    offering.token.set_country_rule("HK", allowed=True, required_categories=PROFESSIONAL | INSTITUTIONAL | RETAIL)
    offering.token.mint(retail.address, "10")
    assert offering.token.balance_of(retail.address) == 10 * 10**6


def test_hk_professional_receives_and_transfers(offering):
    other = offering.investor("HK", "professional")
    offering.token.transfer(other.address, "250.5", sender=offering.hk_pro)
    assert offering.token.balance_of(other.address) == 250_500_000


def test_expired_kyc_is_refused_on_both_sides(offering, chain):
    short = offering.investor("SG", "accredited", kyc_days=1)
    offering.token.mint(short.address, "10")
    chain.increase_time(2 * DAY)
    assert offering.token.can_transfer(offering.hk_pro.address, short.address, "1").code == 6
    assert offering.token.can_transfer(short.address, offering.hk_pro.address, "1").code == 5


def test_unregistered_wallets_are_refused(offering, accounts):
    stranger = accounts[9].address
    assert offering.token.can_transfer(offering.hk_pro.address, stranger, "1").code == 4
    assert offering.token.can_transfer(stranger, offering.hk_pro.address, "1").code == 3
    with pytest.raises(errors.ReceiverNotVerified):
        offering.token.transfer(stranger, "1", sender=offering.hk_pro)


def test_allowlist_mode_refuses_countries_not_listed(offering):
    offering.token.set_allowlist_mode(True)
    jp = offering.investor("JP", "institutional")
    assert offering.token.can_mint(jp.address, "1").code == 10
    offering.token.set_country_rule("JP", allowed=True)
    assert offering.token.can_mint(jp.address, "1").ok


def test_investor_cap_counts_investors_not_wallets(offering):
    offering.token.set_limits(max_investors=2)
    base = offering.token.investor_count()
    assert base == 1  # the HK professional minted in the fixture
    first_wallet = offering.investor("SG", "accredited")
    second_wallet = offering.second_wallet(first_wallet)
    offering.token.mint(first_wallet.address, "10")
    offering.token.mint(second_wallet.address, "10")  # same investor: the cap is not touched
    assert offering.token.investor_count() == 2
    newcomer = offering.investor("SG", "accredited")
    with pytest.raises(errors.MaxInvestorsReached):
        offering.token.mint(newcomer.address, "1")
    # when an investor leaves entirely, the seat frees up
    offering.token.transfer(offering.hk_pro.address, "10", sender=first_wallet)
    assert offering.token.investor_count() == 2
    offering.token.transfer(offering.hk_pro.address, "10", sender=second_wallet)
    assert offering.token.investor_count() == 1
    offering.token.mint(newcomer.address, "1")


def test_country_investor_cap(offering):
    offering.token.set_country_rule("SG", allowed=True, required_categories="accredited|institutional",
                                    max_investors=1)
    a, b = offering.investor("SG", "accredited"), offering.investor("SG", "accredited")
    offering.token.mint(a.address, "1")
    assert offering.token.country_investor_count("SG") == 1
    assert offering.token.can_mint(b.address, "1").code == 14


def test_max_balance_applies_to_the_investor_across_wallets(offering):
    offering.token.set_limits(max_balance="100")
    a = offering.investor("SG", "accredited")
    a2 = offering.second_wallet(a)
    offering.token.mint(a.address, "60")
    assert offering.token.can_mint(a2.address, "41").code == 15
    offering.token.mint(a2.address, "40")


def test_minimum_holding_refuses_dust_positions(offering):
    offering.token.set_limits(min_balance="5")
    other = offering.investor("HK", "professional")
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "4").code == 16
    offering.token.transfer(other.address, "5", sender=offering.hk_pro)
    # the sender may exit entirely, but not leave dust behind
    balance = offering.token.balance_of(other.address)
    assert offering.token.can_transfer(other.address, offering.hk_pro.address, balance - 1).code == 16
    offering.token.transfer(offering.hk_pro.address, balance, sender=other)


def test_mint_lockup_holds_tokens_until_the_period_ends(offering, chain):
    offering.token.set_default_lockup(40 * DAY)  # Reg S distribution compliance period
    holder = offering.investor("GB", "professional")
    offering.token.mint(holder.address, "10")
    assert offering.token.can_transfer(holder.address, offering.hk_pro.address, "1").code == 19
    chain.increase_time(41 * DAY)
    offering.token.transfer(offering.hk_pro.address, "1", sender=holder)


def test_investor_lockup_until_a_date(offering, chain):
    offering.token.set_investor_lockup(offering.hk_pro.address, chain.block_timestamp() + 10 * DAY)
    other = offering.investor("HK", "professional")
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "1").code == 19
    chain.increase_time(11 * DAY)
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "1").ok


def test_trading_halt_stops_transfers_but_not_the_agent(offering):
    other = offering.investor("HK", "professional")
    offering.token.set_trading_halt(True)
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "1").code == 2
    offering.token.mint(other.address, "1")  # agent actions continue during a halt
    offering.token.set_trading_halt(False)
    offering.token.transfer(other.address, "1", sender=offering.hk_pro)


def test_pause_stops_transfers(offering):
    other = offering.investor("HK", "professional")
    offering.token.pause()
    assert offering.token.paused()
    with pytest.raises(errors.TokenPaused):
        offering.token.transfer(other.address, "1", sender=offering.hk_pro)
    offering.token.unpause()
    offering.token.transfer(other.address, "1", sender=offering.hk_pro)


def test_frozen_wallets_can_neither_send_nor_receive(offering):
    other = offering.investor("HK", "professional")
    offering.token.set_frozen(offering.hk_pro.address, True)
    assert offering.token.is_frozen(offering.hk_pro.address)
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "1").code == 7
    assert offering.token.can_transfer(other.address, offering.hk_pro.address, "1").code in (8, 17)


def test_partial_freeze_limits_the_transferable_amount(offering):
    other = offering.investor("HK", "professional")
    balance = offering.token.balance_of(offering.hk_pro.address)
    offering.token.freeze_partial(offering.hk_pro.address, balance - 10)
    assert offering.token.frozen_tokens(offering.hk_pro.address) == balance - 10
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, 11).code == 18
    offering.token.transfer(other.address, 10, sender=offering.hk_pro)
    offering.token.unfreeze_partial(offering.hk_pro.address, balance - 10)
    assert offering.token.frozen_tokens(offering.hk_pro.address) == 0


def test_registry_sanction_blocks_both_directions(offering):
    other = offering.investor("HK", "professional")
    offering.registry.set_frozen(other.address, True)
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "1").code == 25
    offering.registry.set_frozen(other.address, False)
    offering.token.transfer(other.address, "1", sender=offering.hk_pro)
    offering.registry.set_frozen(other.address, True)
    assert offering.token.can_transfer(other.address, offering.hk_pro.address, "1").code == 24


def test_transfer_from_checks_the_spender(offering, accounts):
    other = offering.investor("HK", "professional")
    spender = offering.investor("HK", "professional")
    offering.token.approve(spender.address, "5", sender=offering.hk_pro)
    offering.token.set_frozen(spender.address, True)
    check = offering.token.can_transfer_from(spender.address, offering.hk_pro.address, other.address, "5")
    assert check.code == 9
    offering.token.set_frozen(spender.address, False)
    offering.token.transfer_from(offering.hk_pro.address, other.address, "5", sender=spender)
    assert offering.token.balance_of(other.address) == 5 * 10**6


def test_insufficient_balance_and_invalid_receiver(offering):
    other = offering.investor("HK", "professional")
    balance = offering.token.balance_of(offering.hk_pro.address)
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, balance + 1).code == 17
    assert offering.token.can_transfer(offering.hk_pro.address, offering.token.address, 1).code == 21


def test_supply_cap_and_filing_document_gate_mints(offering):
    other = offering.investor("HK", "professional")
    cap_left = offering.cap - offering.token.total_supply()
    assert offering.token.can_mint(other.address, cap_left + 1).code == 23
    offering.token.set_require_filing_document(True)
    assert offering.token.can_mint(other.address, 1).code == 22
    offering.token.set_document("filing", "ipfs://csrc-filing-notice", "0x" + "ab" * 32)
    assert offering.token.can_mint(other.address, 1).ok


def test_external_hook_can_refuse(offering, tx):
    from rwa_token.contracts.base import ContractWrapper

    class Hook(ContractWrapper):
        CONTRACT = "MockComplianceHook"

    hook = Hook.deploy(tx, offering.admin)
    offering.token.set_compliance_hook(hook.address)
    other = offering.investor("HK", "professional")
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "1").ok
    hook.send("setDenied", other.address, True)
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "1").code == 20
    hook.send("setDenied", other.address, False)
    hook.send("setShouldRevert", True)  # a broken hook refuses rather than letting everything through
    assert offering.token.can_transfer(offering.hk_pro.address, other.address, "1").code == 20


def test_erc1404_and_erc7943_views_agree(offering):
    cn = offering.investor("CN", "professional")
    code = offering.token.call("detectTransferRestriction", offering.hk_pro.address, cn.address, 1)
    assert code == 11
    assert "blocked" in offering.token.call("messageForTransferRestriction", code)
    assert offering.token.call("canTransfer", offering.hk_pro.address, cn.address, 1) is False
    assert offering.token.call("canSend", offering.hk_pro.address) is True
    assert offering.token.call("canReceive", cn.address) is False  # a blocked country: ERC-7943's canReceive
    assert offering.token.call("compliance") == offering.token.address
    assert offering.token.call("identityRegistry") == offering.registry.address


def test_contract_reverts_with_the_same_code_as_the_view(offering, tx):
    cn = offering.investor("CN", "professional")
    data = tx.encode_call(offering.token.function("transfer"), [cn.address, 1])
    with pytest.raises(errors.CountryBlocked):  # sent without the SDK's pre-check
        tx.send(offering.hk_pro, offering.token.address, data, gas=300_000)


def test_every_reason_code_has_a_named_exception_and_message(offering):
    from rwa_token.primitives.errors import REASON_CODES, RESTRICTION_CLASSES

    for code, entry in REASON_CODES.items():
        assert offering.token.call("messageForTransferRestriction", code) == entry["message"]
        if code:
            assert RESTRICTION_CLASSES[code].__name__ == entry["exception"]
