"""Where a security's life crosses contracts, as an operator meets it from the `rwa` command and the SDK: a lost
wallet recovered with everything it was owed, the filing document under separation of duties, one investor id per
investor."""
from __future__ import annotations

import json

import pytest
from cli_run import EXAMPLES, issue, rwa

from rwa_token.contracts.registry import Registration
from rwa_token.primitives import errors
from rwa_token.primitives.units import investor_id
from rwa_token.services.onboarding import import_investors

DAY = 86_400


def _distribution(op, amount: int) -> int:
    distributor = _distributor_of(op)
    usdc = op.payment_token()
    usdc.approve(distributor.address, amount)
    expiry = op.chain.block_timestamp() + 30 * DAY
    distribution_id, _ = distributor.create(op.token().address, usdc.address, amount, expiry)
    return distribution_id


def _distributor_of(op):
    from rwa_token.contracts.distributor import Distributor

    return Distributor(op.tx, op.record.distributor, op.account)


def test_recover_moves_tokens_shares_and_escrow_to_the_new_wallet_and_retires_the_lost_one(
        deployed, chain, accounts, capsys, monkeypatch):
    op, minted = issue(capsys, monkeypatch, chain)
    lost, new = minted[0], accounts[7].address
    token, distributor = op.token(), _distributor_of(op)
    balance = token.balance_of(lost)
    op.registry.add_wallet(lost, new)
    escrowed_id = _distribution(op, 600 * 10**6)
    token.set_frozen(lost, True)  # a court order: the push escrows the lost wallet's share
    distributor.push_batch(escrowed_id, [lost])
    escrow = distributor.withheld_of(escrowed_id, lost)
    token.set_frozen(lost, False)
    open_id = _distribution(op, 600 * 10**6)  # never pushed: the lost wallet's share waits to be claimed
    share = distributor.claimable(open_id, lost).net
    assert escrow > 0 and share > 0

    code, out, err = rwa(capsys, monkeypatch, "--json", "recover", lost, new, "--dry-run")
    assert code == 0, err
    plan = json.loads(out.strip().splitlines()[-1])
    assert {s["kind"] for s in plan["done"]} == {"tokens", "escrow", "distribution"} and not plan["left"]
    assert token.balance_of(lost) == balance  # nothing sent

    code, out, err = rwa(capsys, monkeypatch, "--json", "recover", lost, new, "--yes")
    assert code == 0, err
    assert token.balance_of(new) == balance and token.balance_of(lost) == 0
    assert token.is_frozen(lost), "the lost wallet is retired in the same transaction"
    assert not token.can_mint(lost, "1").ok
    usdc = op.payment_token()
    assert usdc.balance_of(new) == escrow + share
    assert distributor.withheld_of(escrowed_id, lost) == 0 and distributor.is_paid(open_id, lost)
    # Run again (after a crash, say): nothing is done twice.
    code, out, _ = rwa(capsys, monkeypatch, "--json", "recover", lost, new, "--yes")
    again = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and again["done"] == [] and again["already_done"] == len(op.record.tokens)


def test_recover_leaves_entitlements_a_frozen_new_wallet_cannot_take_and_finishes_on_a_rerun(
        deployed, chain, accounts, capsys, monkeypatch):
    op, minted = issue(capsys, monkeypatch, chain)
    lost, new = minted[1], accounts[8].address
    op.registry.add_wallet(lost, new)
    distribution_id = _distribution(op, 600 * 10**6)
    op.token().set_frozen(lost, True)  # the freeze moves with the tokens to the new wallet
    code, out, err = rwa(capsys, monkeypatch, "--json", "recover", lost, new, "--yes")
    assert code == 0, err
    first = json.loads(out.strip().splitlines()[-1])
    assert [x["kind"] for x in first["left"]] == ["distribution"] and "RECEIVER_FROZEN" in first["left"][0]["reason"]
    assert rwa(capsys, monkeypatch, "unfreeze", new)[0] == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "recover", lost, new, "--yes")
    second = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and [s["kind"] for s in second["done"]] == ["distribution"] and not second["left"]
    assert _distributor_of(op).is_paid(distribution_id, lost)


def test_recover_to_a_wallet_of_another_investor_is_one_line_and_sends_nothing(
        deployed, chain, capsys, monkeypatch):
    op, minted = issue(capsys, monkeypatch, chain)
    code, _, err = rwa(capsys, monkeypatch, "recover", minted[0], minted[1], "--yes")
    assert code == 2 and "not a registered wallet of the same investor" in err and "Traceback" not in err
    assert not op.token().is_frozen(minted[0])


def test_filing_document_is_written_by_compliance_with_its_reference_and_listed_with_iso_dates(
        deployed, chain, accounts, capsys, monkeypatch):
    from rwa_token.services.context import Operator

    op = Operator.open(chain.url, None)
    token = op.token()
    agent = accounts[6]
    token.grant_role("AGENT_ROLE", agent.address)
    with pytest.raises(errors.Unauthorized) as refused:
        token.set_document("filing", "https://csrc.example/notice", "0x" + "11" * 32, sender=agent)
    assert refused.value.role == "COMPLIANCE_ROLE"
    code, out, err = rwa(capsys, monkeypatch, "--json", "docs", "add", "filing", "https://csrc.example/notice",
                         "--hash", "0x" + "11" * 32, "--reference", "CSRC-ABS-2026-0042")
    assert code == 0, err
    code, out, _ = rwa(capsys, monkeypatch, "--json", "docs", "list")
    filing = next(d for d in json.loads(out)["documents"] if d["name"] == "filing")
    assert filing["reference"] == "CSRC-ABS-2026-0042"
    assert filing["recorded"].endswith("Z") and filing["recorded"][4] == "-"  # 2026-11-30T...Z, not unix seconds
    code, out, _ = rwa(capsys, monkeypatch, "docs", "list")
    assert "filing [CSRC-ABS-2026-0042]" in out
    code, _, err = rwa(capsys, monkeypatch, "docs", "add", "filing", "x", "--hash", "0x" + "11" * 32,
                       "--reference", "R" * 33)
    assert code == 2 and "32 ASCII" in err


def test_a_second_plain_registration_of_one_investor_id_is_refused_before_sending(offering):
    wallet = offering.new_account()
    known = investor_id("INV-HK-PRO", "test-salt")
    registry = offering.registry
    registry.register(offering.new_account().address, known, "HK", "professional", "2030-01-01")
    assert registry.wallet_count(known) == 1
    with pytest.raises(errors.ContractCustomError) as refused:
        registry.register(wallet.address, known, "HK", "professional", "2030-01-01")
    assert refused.value.name == "InvestorIdInUse"
    rows = [Registration.of(offering.new_account().address, investor_id(f"INV-{i}", "s"), "HK", "professional",
                            "2030-01-01") for i in (1, 1)]
    with pytest.raises(errors.ConfigError, match="register one wallet per investor"):
        registry.register_batch(rows)


def test_import_refuses_a_new_wallet_for_an_investor_the_registry_already_holds(offering, tx, tmp_path):
    from rwa_token.inputs.investors_csv import parse_investors_csv
    from rwa_token.store.journal import Journal

    first, second = offering.new_account(), offering.new_account()
    header = "wallet,investor_id,country,category,kyc_expiry\n"
    file_a = parse_investors_csv(header + f"{first.address},INV-9,HK,professional,2030-01-01\n", "a.csv")
    file_b = parse_investors_csv(header + f"{second.address},INV-9,HK,professional,2030-01-01\n", "b.csv")
    done = import_investors(tx, offering.registry, file_a, "salt", Journal(tmp_path / "a.jsonl"))
    assert done.registered == 1
    report = import_investors(tx, offering.registry, file_b, "salt", Journal(tmp_path / "b.jsonl"))
    assert report.registered == 0 and len(report.refused) == 1
    assert "already has a registered wallet" in report.refused[0].reason
    assert not offering.registry.contains(second.address)


def test_docs_add_dry_run_checks_the_role_and_records_nothing(deployed, capsys, monkeypatch):
    before = json.loads(rwa(capsys, monkeypatch, "--json", "docs", "list")[1])["documents"]
    code, out, err = rwa(capsys, monkeypatch, "--json", "docs", "add", "filing", "https://csrc.example/notice",
                         "--hash", "0x" + "11" * 32, "--reference", "CSRC-ABS-2026-0042", "--dry-run")
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["dry_run"] is True
    code, out, _ = rwa(capsys, monkeypatch, "--json", "docs", "list")
    assert json.loads(out)["documents"] == before


def test_a_rule_refusal_anywhere_in_the_cli_exits_3_with_one_json_line(deployed, chain, accounts, capsys,
                                                                         monkeypatch):
    unregistered = accounts[9].address
    code, out, err = rwa(capsys, monkeypatch, "--json", "mint", unregistered, "1")
    assert code == 3 and "Traceback" not in err
    refusal = json.loads(out.strip().splitlines()[-1])
    assert refusal["refused"] is True and refusal["code"] == 4 and refusal["name"] == "RECEIVER_NOT_VERIFIED"
    code, _, err = rwa(capsys, monkeypatch, "mint", unregistered, "1")
    assert code == 3 and len(err.strip().splitlines()) == 1


def test_deploy_records_the_specs_filing_reference_with_the_filing_document(deployed, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "docs", "list")
    filing = next(d for d in json.loads(out)["documents"] if d["name"] == "filing")
    assert code == 0 and filing["reference"] == "CSRC-ABST-2026-0042"


def test_a_filing_reference_the_chain_cannot_hold_is_refused_when_the_spec_is_read(tmp_path):
    import yaml

    from rwa_token.inputs.spec import load_spec

    doc = yaml.safe_load((EXAMPLES / "highway-toll-abs.yaml").read_text())
    doc["filing"]["reference"] = "CSRC-" + "9" * 40
    path = tmp_path / "long-reference.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(errors.ConfigError, match="filing.reference"):
        load_spec(path)
