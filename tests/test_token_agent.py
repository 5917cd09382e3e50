"""Agent powers, snapshots, documents and terms: what a transfer agent and a regulator rely on."""
from __future__ import annotations

import pytest

from rwa_token.primitives import errors

DAY = 86_400


def test_forced_transfer_moves_tokens_past_sender_restrictions(offering):
    other = offering.investor("HK", "professional")
    offering.token.set_frozen(offering.hk_pro.address, True)
    offering.token.forced_transfer(offering.hk_pro.address, other.address, "100")
    assert offering.token.balance_of(other.address) == 100 * 10**6


def test_forced_transfer_still_requires_a_verified_receiver(offering, accounts, tmp_path):
    # Like ERC-3643, the contract's forced transfer needs a verified receiver (registered, KYC valid, not
    # sanctioned); the SDK refuses an unverified one before sending, and no override reason changes the contract.
    from rwa_token.store.journal import Journal

    with pytest.raises(errors.ReceiverNotVerified):
        offering.token.forced_transfer(offering.hk_pro.address, accounts[9].address, "1")
    journal = Journal(tmp_path / "overrides.jsonl")
    with pytest.raises(errors.ReceiverNotVerified):
        offering.token.forced_transfer(offering.hk_pro.address, accounts[9].address, "1",
                                       override_reason="court order 2026/123", journal=journal)
    assert not list(journal.entries())  # refused by the gas estimate: nothing was sent, nothing overridden


def test_forced_transfer_to_a_blocked_country_is_refused_with_its_code(offering):
    cn = offering.investor("CN", "professional")
    with pytest.raises(errors.CountryBlocked) as refused:
        offering.token.forced_transfer(offering.hk_pro.address, cn.address, "1")
    assert refused.value.code == 11 and "override reason" in str(refused.value)
    assert offering.token.balance_of(cn.address) == 0


def test_forced_transfer_judges_the_receiver_even_when_the_sender_is_frozen(offering):
    # checkTransfer stops at the frozen sender (code 7); the receiver's refusal must not hide behind it.
    cn = offering.investor("CN", "professional")
    offering.token.set_frozen(offering.hk_pro.address, True)
    assert offering.token.can_transfer(offering.hk_pro.address, cn.address, "1").code == 7
    assert offering.token.receiver_check(offering.hk_pro.address, cn.address, "1").code == 11
    with pytest.raises(errors.CountryBlocked):
        offering.token.forced_transfer(offering.hk_pro.address, cn.address, "1")


def test_forced_transfer_holds_the_receiver_to_the_holding_limit(offering):
    other = offering.investor("HK", "professional")
    offering.token.set_limits(max_balance="500")
    offering.token.set_frozen(offering.hk_pro.address, True)
    with pytest.raises(errors.MaxBalanceExceeded):
        offering.token.forced_transfer(offering.hk_pro.address, other.address, "501")
    offering.token.forced_transfer(offering.hk_pro.address, other.address, "500")  # within the limit: no override
    assert offering.token.balance_of(other.address) == 500 * 10**6


def test_forced_transfer_sets_aside_only_sender_side_and_token_wide_refusals(offering, chain):
    other = offering.investor("HK", "professional")
    wallet = offering.hk_pro.address
    offering.token.freeze_partial(wallet, "10")
    offering.token.set_investor_lockup(wallet, chain.block_timestamp() + 30 * DAY)
    offering.token.pause()
    assert offering.token.receiver_check(wallet, other.address, "20").ok
    offering.token.forced_transfer(wallet, other.address, "20")
    assert offering.token.balance_of(other.address) == 20 * 10**6


def test_forced_transfer_goes_through_with_an_override_reason_on_record(offering, tmp_path):
    from rwa_token.store.journal import Journal

    cn = offering.investor("CN", "professional")
    journal = Journal(tmp_path / "overrides.jsonl")
    receipt = offering.token.forced_transfer(offering.hk_pro.address, cn.address, "1",
                                             override_reason="court order 2026/123", journal=journal)
    assert offering.token.balance_of(cn.address) == 10**6
    sent, confirmed = list(journal.entries())
    assert (sent["status"], sent["tx"], sent["code"], sent["rule"]) == ("sent", receipt.tx_hash, 11, "COUNTRY_BLOCKED")
    assert sent["reason"] == "court order 2026/123" and sent["agent"] == offering.admin.address
    assert (confirmed["status"], confirmed["block"]) == ("confirmed", receipt.block_number)


def test_an_override_must_be_recorded_and_give_a_reason(offering):
    cn = offering.investor("CN", "professional")
    with pytest.raises(errors.ConfigError, match="must be recorded"):
        offering.token.forced_transfer(offering.hk_pro.address, cn.address, "1", override_reason="court order")
    with pytest.raises(errors.CountryBlocked):
        offering.token.forced_transfer(offering.hk_pro.address, cn.address, "1", override_reason="   ")
    assert offering.token.balance_of(cn.address) == 0


def test_the_audit_trail_shows_the_override_reason_beside_the_transfer(offering, tx, tmp_path):
    from rwa_token.reporting.reports import audit_trail, override_notes
    from rwa_token.store.index import EventIndex
    from rwa_token.store.journal import Journal

    cn = offering.investor("CN", "professional")
    journal = Journal(tmp_path / "overrides.jsonl")
    receipt = offering.token.forced_transfer(offering.hk_pro.address, cn.address, "1",
                                             override_reason="court order 2026/123", journal=journal)
    index = EventIndex(tmp_path / "index.sqlite", tx)
    index.sync([offering.token.address])
    rows = audit_trail(index, notes=override_notes(journal.entries()))
    [row] = [r for r in rows if r["tx_hash"] == receipt.tx_hash and r["event"] == "Transfer"]
    assert "court order 2026/123" in row["note"] and "COUNTRY_BLOCKED" in row["note"]
    assert all(r["note"] == "" for r in rows if r["tx_hash"] != receipt.tx_hash)


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
    from rwa_token.contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
    from rwa_token.contracts.token import SecurityToken

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


# --- the `rwa force-transfer` command ---------------------------------------------------------------------------
def test_cli_force_transfer_refuses_a_blocked_receiver_unless_overridden_and_audits_the_reason(
        deployed, chain, capsys, monkeypatch):
    import json

    from cli_run import rwa
    from test_cli_trading import _parties

    from rwa_token.services.context import Operator

    op = Operator.open(chain.url, None)
    holder, cn = _parties(op, "HK", "CN")
    op.token().mint(holder.address, "100")
    code, out, _ = rwa(capsys, monkeypatch, "--json", "force-transfer", holder.address, cn.address, "10", "--yes")
    assert code == 3 and json.loads(out)["code"] == 11
    assert op.token().balance_of(cn.address) == 0
    code, _, err = rwa(capsys, monkeypatch, "force-transfer", holder.address, cn.address, "10", "--yes",
                       "--override-reason", "court order 2026/123", "--dry-run")
    assert code == 0 and op.token().balance_of(cn.address) == 0, err
    code, _, err = rwa(capsys, monkeypatch, "force-transfer", holder.address, cn.address, "10",
                       "--override-reason", "court order 2026/123")
    assert code == 2 and "--yes" in err  # an agent power asks first; no terminal here
    code, out, err = rwa(capsys, monkeypatch, "--json", "force-transfer", holder.address, cn.address, "10", "--yes",
                         "--override-reason", "court order 2026/123")
    assert code == 0, err
    tx_hash = json.loads(out)["tx"]
    assert op.token().balance_of(cn.address) == 10 * 10**6
    code, out, _ = rwa(capsys, monkeypatch, "report", "audit", "--format", "json")
    rows = [r for r in json.loads(out) if r["tx_hash"] == tx_hash]
    assert code == 0 and rows and all("court order 2026/123" in r["note"] for r in rows)
