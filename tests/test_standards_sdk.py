"""The SDK over the token's standard surfaces: ERC-7943 account checks and frozen amounts, ERC-2612 permits,
ERC-173 ownership and ERC-3643 agent management, as an integrator would call them through `SecurityToken`."""
from __future__ import annotations

import pytest

from rwa_token.primitives import errors

DAY = 86_400


def test_can_send_and_can_receive_follow_the_rule_engine(offering):
    token, hk = offering.token, offering.hk_pro
    cn = offering.investor("CN", "professional")
    assert token.can_send(hk.address) and token.can_receive(hk.address)
    # A blocked country may not receive; being registered, it could still send what it holds.
    assert not token.can_receive(cn.address) and token.can_send(cn.address)
    stranger = offering.new_account()
    assert not token.can_send(stranger.address) and not token.can_receive(stranger.address)
    token.set_frozen(hk.address, True)
    assert not token.can_send(hk.address) and not token.can_receive(hk.address)
    assert token.can_transfer(hk.address, offering.investor("HK", "professional").address, "1").code == 7


def test_set_frozen_tokens_may_exceed_the_balance_and_holds_later_credits(offering):
    token, hk = offering.token, offering.hk_pro
    receipt = token.set_frozen_tokens(hk.address, "1500")  # the wallet holds 1,000
    assert [e["args"]["amount"] for e in receipt.events("Frozen")] == [1500 * 10**6]
    assert token.frozen_tokens(hk.address) == 1500 * 10**6
    other = offering.investor("HK", "professional")
    with pytest.raises(errors.AmountFrozen) as refused:
        token.transfer(other.address, "1", sender=hk)
    assert refused.value.code == 18
    token.mint(hk.address, "600")
    # 1,600 held, 1,500 frozen: exactly 100 can move.
    token.transfer(other.address, "100", sender=hk)
    with pytest.raises(errors.ConfigError, match="cannot be held"):
        token.set_frozen_tokens(hk.address, 2**96)  # base units: one more than a wallet can carry


def test_a_frozen_amount_refused_on_chain_decodes_to_the_same_exception(offering, tx):
    """Sent without the SDK's check first: the contract's ERC-7943 error decodes to AmountFrozen, code 18."""
    token, hk = offering.token, offering.hk_pro
    other = offering.investor("HK", "professional")
    token.freeze_partial(hk.address, "900")
    with pytest.raises(errors.AmountFrozen) as refused:
        tx.call(token.address, token.function("transfer"), [other.address, 200 * 10**6], sender=hk.address)
    assert "200000000 asked, 100000000 unfrozen" in str(refused.value)


def test_permit_sets_an_allowance_the_spender_then_uses(offering, chain):
    token, hk = offering.token, offering.hk_pro
    spender = offering.investor("HK", "professional")
    signed = token.sign_permit(hk, spender.address, "250", chain.block_timestamp() + DAY)
    assert token.nonce_of(hk.address) == 0
    token.permit(signed, sender=spender)  # anyone may submit; here the spender does
    assert token.allowance(hk.address, spender.address) == 250 * 10**6
    assert token.nonce_of(hk.address) == 1
    token.transfer_from(hk.address, spender.address, "250", sender=spender)
    assert token.balance_of(spender.address) == 250 * 10**6
    with pytest.raises(errors.ContractCustomError) as replay:
        token.permit(signed, sender=spender)
    assert replay.value.name == "ERC2612InvalidSigner"  # the nonce moved on: the digest names another signer


def test_permit_is_refused_for_a_frozen_owner_and_after_its_deadline(offering, chain):
    token, hk = offering.token, offering.hk_pro
    spender = offering.investor("HK", "professional")
    signed = token.sign_permit(hk, spender.address, "10", chain.block_timestamp() + DAY)
    token.set_frozen(hk.address, True)
    with pytest.raises(errors.SenderFrozen):
        token.permit(signed)
    token.set_frozen(hk.address, False)
    chain.increase_time(2 * DAY)
    with pytest.raises(errors.ConfigError, match="expired"):
        token.permit(signed)


def test_ownership_carries_the_admin_role_and_agents_are_managed_erc3643_style(offering):
    token, admin = offering.token, offering.admin
    assert token.owner() == admin.address
    newcomer = offering.investor("HK", "professional")
    receipt = token.add_agent(newcomer.address)
    assert receipt.events("AgentAdded")[0]["args"]["_agent"] == newcomer.address
    assert token.is_agent(newcomer.address) and token.has_role("AGENT_ROLE", newcomer.address)
    token.remove_agent(newcomer.address)
    assert not token.is_agent(newcomer.address)
    successor = offering.new_account()
    offering.fund(successor)
    token.transfer_ownership(successor.address)
    assert token.owner() == successor.address
    assert token.has_role("DEFAULT_ADMIN_ROLE", successor.address)
    assert not token.has_role("DEFAULT_ADMIN_ROLE", admin.address)
    with pytest.raises(errors.Unauthorized):
        token.add_agent(newcomer.address)  # the former owner is no longer an admin
    token.transfer_ownership(admin.address, sender=successor)
    assert token.owner() == admin.address


def test_token_information_changes_are_announced(offering):
    token = offering.token
    receipt = token.set_name("Highway Toll ABS Senior 2031")
    assert receipt.events("UpdatedTokenInformation") and receipt.events("EIP712DomainChanged")
    assert token.name() == "Highway Toll ABS Senior 2031"
    with pytest.raises(errors.ConfigError):
        token.set_symbol(" ")
    identity = offering.new_account().address
    token.set_onchain_id(identity)
    assert token.onchain_id() == identity
