"""The offering's records through the CLI: `withholding show`, `report audit`, `report distribution` and
`report captable --distribution`, complete from the offering's first block, named and in token units."""
from __future__ import annotations

import json

import pytest
from cli_run import issue, last as last_json, rwa, withholding_spec

from rwa_token.reporting.reports import iso_time

TAX_ACCOUNT = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"


@pytest.fixture
def withholding_deal(chain, state, tmp_path, capsys, monkeypatch):
    """The example deal with withholding rates in its spec (set on the distributor before the factory call), its
    investors imported and both tranches minted to a few of them; returns (operator, minted wallets)."""
    spec = withholding_spec(tmp_path, "Hengshan Toll ABS records", TAX_ACCOUNT)
    code, _, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "deploy", str(spec))
    assert code == 0, err
    return issue(capsys, monkeypatch, chain)


def distribute(capsys, monkeypatch, amount: str = "1000") -> dict:
    code, out, err = rwa(capsys, monkeypatch, "--json", "distribute", amount, "--payment", "USDC")
    assert code == 0, err
    return last_json(out)


def test_withholding_show_lists_the_rates_the_spec_set_and_the_tax_withheld(withholding_deal, capsys, monkeypatch):
    op, _ = withholding_deal
    assert op.record.first_block < op.record.block  # the rates were set before the factory call
    code, out, err = rwa(capsys, monkeypatch, "--json", "withholding", "show")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["rates_bps"] == {"0": 3000, "344": 1000, "702": 1500} and shown["tax_account"] == TAX_ACCOUNT
    assert {r["country"]: r["rate_pct"] for r in shown["rates"]} == {"unknown": "30", "HK": "10", "SG": "15"}
    assert shown["withheld"] == []
    distribute(capsys, monkeypatch)
    shown = json.loads(rwa(capsys, monkeypatch, "--json", "withholding", "show")[1])
    totals = op.distributor().totals(op.distributor().count())
    assert totals.tax_paid > 0
    assert sum(w["amount_units"] for w in shown["withheld"]) == totals.tax_paid
    assert {w["payment_token"] for w in shown["withheld"]} == {"USDC"}
    code, out, _ = rwa(capsys, monkeypatch, "withholding", "show")
    assert code == 0 and "Hong Kong (HK): 10%" in out and "withheld so far from" in out


def test_audit_names_every_contract_from_the_first_block_in_token_units(withholding_deal, capsys, monkeypatch):
    op, minted = withholding_deal
    distribute(capsys, monkeypatch)
    code, out, err = rwa(capsys, monkeypatch, "--json", "report", "audit")
    assert code == 0, err
    report = json.loads(out)
    assert report["report"] == "audit"
    rows = report["rows"]
    assert [(int(r["block"]), int(r["log_index"])) for r in rows] == sorted((int(r["block"]), int(r["log_index"]))
                                                                            for r in rows)
    setup = [r for r in rows if r["event"] == "WithholdingRateSet"]
    assert {r["contract"] for r in setup} == {"distributor"}
    assert all(int(r["block"]) < op.record.block for r in setup)  # before the factory call: indexed all the same
    assert {d for r in setup for d in r["details"].split(", ") if d.startswith("country=")} == {
        "country=HK", "country=SG", "country=unknown"}
    assert all(r["actor"] == op.account.address for r in setup)
    grants = [r for r in rows if r["event"] == "RoleGranted"]
    assert grants and all("role=0x" not in r["details"] for r in grants)
    assert any("role=DISTRIBUTION_AGENT_ROLE" in r["details"] for r in grants)
    assert any("reference=CSRC-ABST-2026-0042" in r["details"] for r in rows if r["event"] == "DocumentReferenceSet")
    allowed = [r for r in rows if r["event"] == "PaymentTokenAllowed"]
    assert allowed and "currency=USD" in allowed[0]["details"]
    paid = [r for r in rows if r["event"] in ("Paid", "Withheld")]
    assert paid and {r["asset"] for r in paid} == {"USDC"}
    assert all(int(r["amount_units"]) == int(r["amount"].replace(".", "").lstrip("0") or 0)
               * 10 ** (6 - len(r["amount"].partition(".")[2])) for r in paid)
    mints = [r for r in rows if r["event"] == "Transfer" and r["contract"] == "token HSTOLLA"]
    assert mints and mints[0]["amount"] == "100" and mints[0]["amount_units"] == 100000000
    assert mints[0]["asset"] == "HSTOLLA" and mints[0]["wallet"] in minted and mints[0]["counterparty"] == ""
    modules = {" ".join(k.split(":")) for k in op.record.modules}
    assert modules and modules <= {r["contract"] for r in rows}  # DvP, collateral, proceeds: each named
    for r in rows:
        if r["contract"] == "proceeds" and r["event"] == "PurposeRegistered":
            assert r["asset"] and "purpose=0x" not in r["details"] and isinstance(r["amount_units"], int)
    registered = [r for r in rows if r["event"] == "InvestorRegistered"]
    assert registered and all(r["contract"] == "registry" for r in registered)
    assert any(r["investor_id"] for r in registered)  # the issuer's own ids, from the investor directory
    code, out, _ = rwa(capsys, monkeypatch, "report", "audit", "--address", op.record.distributor, "--format", "csv")
    header, *lines = out.strip().splitlines()
    assert code == 0 and header.startswith("block,time,log_index,tx_hash,contract,address,event,actor,wallet")
    assert lines and all(",distributor," in line for line in lines)


def test_a_module_deployed_later_is_indexed_from_its_own_deployment(withholding_deal, capsys, monkeypatch):
    """The index has already passed the block the waterfall is deployed in by the time it is recorded; it is
    back-filled, so its set-up events are in the audit trail."""
    assert rwa(capsys, monkeypatch, "report", "audit", "--format", "csv")[0] == 0  # index synced past here
    code, _, err = rwa(capsys, monkeypatch, "waterfall", "init")
    assert code == 0, err
    rows = json.loads(rwa(capsys, monkeypatch, "--json", "report", "audit")[1])["rows"]
    assert any(r["contract"] == "waterfall" and r["event"] == "RoleGranted" for r in rows)


@pytest.mark.parametrize("args", [
    ["report", "audit", "--address", "0x000000000000000000000000000000000000dEaD"],
    ["report", "distribution", "7"],
    ["report", "captable", "--distribution", "7"],
])
def test_an_unknown_address_or_distribution_is_bad_input(withholding_deal, capsys, monkeypatch, args):
    distribute(capsys, monkeypatch)
    code, out, err = rwa(capsys, monkeypatch, *args)
    assert code == 2 and "Traceback" not in err and out == ""
    code, out, _ = rwa(capsys, monkeypatch, "--json", *args)
    assert code == 2 and json.loads(out)["exit"] == 2


def test_distribution_report_terms_add_up_to_the_funded_amount(withholding_deal, capsys, monkeypatch):
    op, minted = withholding_deal
    distribute(capsys, monkeypatch, "1234.567891")
    code, out, err = rwa(capsys, monkeypatch, "--json", "report", "distribution", "1")
    assert code == 0, err
    data = json.loads(out)
    summary, holders = data["distribution"], data["holders"]
    assert summary["exact"] is True and summary["adds_up"] is True and summary["problems"] == []
    assert summary["funded_units"] == 1_234_567_891 and summary["funded"] == "1234.567891"
    terms = ("paid", "tax", "escrowed", "released", "returned", "unclaimed", "remainder")
    assert sum(summary[f"{t}_units"] for t in terms) == summary["funded_units"]
    assert summary["tax_units"] > 0 and summary["payment_token"] == "USDC" and summary["payment_decimals"] == 6
    distributor = op.distributor()
    info = distributor.info(1)
    assert summary["snapshot_id"] == info.snapshot_id and summary["token"] == "HSTOLLA"
    snapshots = op.token().events("Snapshot", op.record.block)
    [snap] = [e for e in snapshots if e["args"]["id"] == info.snapshot_id]
    assert summary["record_block"] == snap["block_number"]
    assert summary["record_time"] == iso_time(op.chain.w3.eth.get_block(snap["block_number"])["timestamp"])
    assert {h["holder"] for h in holders} == {w for w in minted[:6]}
    assert sum(int(h["gross_units"]) for h in holders) + summary["remainder_units"] + summary["unclaimed_units"] \
        == summary["funded_units"]
    assert all(int(h["gross_units"]) == int(h["tax_units"]) + int(h["net_units"]) + int(h["escrowed_units"])
               + int(h["released_units"]) + int(h["returned_units"]) for h in holders)
    code, out, _ = rwa(capsys, monkeypatch, "report", "distribution", "1")
    assert code == 0 and "funded 1234.567891 = paid " in out and "does not reconcile" not in out
    code, out, _ = rwa(capsys, monkeypatch, "report", "distribution", "1", "--format", "csv")
    assert code == 0 and out.startswith("holder,investor_id,country,balance,balance_units,expected")


def test_captable_at_a_distribution_is_the_record_date_even_after_later_transfers(withholding_deal, capsys,
                                                                                   monkeypatch):
    op, minted = withholding_deal
    distribute(capsys, monkeypatch)
    snapshot = op.distributor().info(1).snapshot_id
    assert rwa(capsys, monkeypatch, "mint", minted[0], "50")[0] == 0  # after the record date
    token = op.token()
    code, out, err = rwa(capsys, monkeypatch, "--json", "report", "captable", "--distribution", "1")
    assert code == 0, err
    rows = json.loads(out)["rows"]
    assert {r["wallet"]: int(r["balance_units"]) for r in rows} == {
        w: token.balance_at(w, snapshot) for w in minted[:6]}
    assert all("investor_id" in r for r in rows)
    now = {r["wallet"]: r["balance"] for r in json.loads(rwa(capsys, monkeypatch, "--json", "report",
                                                            "captable")[1])["rows"]}
    assert now[minted[0]] == "150"
    code, _, err = rwa(capsys, monkeypatch, "report", "captable", "--distribution", "1", "--at", "3")
    assert code == 2 and "not both" in err
    code, _, err = rwa(capsys, monkeypatch, "report", "captable", "--distribution", "1", "--token", "HSTOLLJ")
    assert code == 2 and "pays holders of HSTOLLA" in err


def test_withholding_set_dry_run_sends_nothing_and_bad_input_exits_2(withholding_deal, capsys, monkeypatch):
    op, _ = withholding_deal
    block = op.chain.block_number()
    code, out, err = rwa(capsys, monkeypatch, "--json", "withholding", "set", "HK", "1250", "--dry-run")
    assert code == 0, err
    assert json.loads(out) == {"dry_run": True, "country": 344, "rate_bps": 1250}
    assert op.chain.block_number() == block and op.distributor().withholding_rate(344) == 1000
    code, out, _ = rwa(capsys, monkeypatch, "--json", "withholding", "set", "Atlantis", "100", "--dry-run")
    assert code == 2 and "Atlantis" in json.loads(out)["error"]
    assert rwa(capsys, monkeypatch, "withholding", "set", "HK", "10001")[0] == 2
    code, out, err = rwa(capsys, monkeypatch, "--json", "withholding", "set", "HK", "1250")
    assert code == 0, err
    assert json.loads(out)["tx"] and op.distributor().withholding_rate(344) == 1250
    shown = json.loads(rwa(capsys, monkeypatch, "--json", "withholding", "show")[1])
    assert shown["rates_bps"]["344"] == 1250


def test_withholding_show_is_right_for_a_record_written_before_the_first_block_was_kept(withholding_deal, state,
                                                                                         capsys, monkeypatch):
    """Such a record's index starts at the factory call, after the spec's rates were set: the rates are still
    found (from the distributor's whole history on the node)."""
    [path] = [p for p in (state / "deployments").glob("*.json") if not p.name.endswith(".progress.json")]
    record = json.loads(path.read_text())
    record["first_block"] = 0
    path.write_text(json.dumps(record))
    for index in state.glob("index-*.sqlite*"):
        index.unlink()
    code, out, err = rwa(capsys, monkeypatch, "--json", "withholding", "show")
    assert code == 0, err
    assert json.loads(out)["rates_bps"] == {"0": 3000, "344": 1000, "702": 1500}
