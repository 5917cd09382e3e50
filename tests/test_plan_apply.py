"""The spec as the desired state: `rwa deploy` records where the offering starts and deploys the spec's modules;
`rwa plan` shows every difference between the spec and the chain, `rwa apply` sends only those."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rwa_token.store.state import load_record
from cli_run import last as last_json, rwa

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE = EXAMPLES / "highway-toll-abs.yaml"


@pytest.fixture
def deployed(chain, state, capsys, monkeypatch):
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    code, out, err = rwa(capsys, monkeypatch, "--json", "deploy", str(EXAMPLE))
    assert code == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_the_record_keeps_the_block_of_the_deployments_first_transaction(chain, state, capsys, monkeypatch):
    """The registry and distributor are deployed before the factory call: the record's first_block is at or before
    the registry's deployment, after every earlier block, so an index from there misses none of the offering."""
    start = chain.block_number()
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    code, out, err = rwa(capsys, monkeypatch, "--json", "deploy", str(EXAMPLE))
    assert code == 0, err
    record = json.loads((state / "deployments" / "hengshan-expressway-toll-revenue-abs-2026-1.json").read_text())
    registry_block = chain.w3.eth.get_transaction_receipt(_creation_tx(chain, record["registry"], start))["blockNumber"]
    assert start < record["first_block"] <= registry_block < record["block"]


def _creation_tx(chain, address: str, since: int) -> str:
    for n in range(since + 1, chain.block_number() + 1):
        for h in chain.w3.eth.get_block(n)["transactions"]:
            receipt = chain.w3.eth.get_transaction_receipt(h)
            if (receipt["contractAddress"] or "").lower() == address.lower():
                return h
    raise AssertionError(f"no creation of {address}")


def test_a_record_written_before_first_block_was_kept_still_loads(deployed, state, capsys, monkeypatch):
    path = next((state / "deployments").glob("*.json"))
    old = json.loads(path.read_text())
    del old["first_block"]
    path.write_text(json.dumps(old))
    code, out, err = rwa(capsys, monkeypatch, "--json", "status")
    assert code == 0, err
    assert load_record(old["name"], state).first_block == 0


AU = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25"  # a professional investor in Australia (examples/investors.csv)
LENDER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"
FEES = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DEV1_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # holds no role on the offering


def changed_spec(tmp_path: Path, **edits: str) -> Path:
    """The example deal with text replaced (old -> new pairs given as name=(old, new))."""
    text = EXAMPLE.read_text()
    for old, new in edits.values():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "changed.yaml"
    path.write_text(text)
    return path


def offering(chain, state):
    from rwa_token.services.offering import Offering

    return Offering.load(None, chain, state=state)


def test_deploy_deploys_wires_and_records_the_specs_modules(deployed, chain, state, capsys, monkeypatch):
    assert set(deployed["modules"]) == {"dvp", "collateral:HSTOLLA", "proceeds"}
    o = offering(chain, state)
    senior, manager, vault = o.token("HSTOLLA"), o.collateral("HSTOLLA"), o.proceeds
    assert senior.compliance_hook() == manager.address and senior.has_role("AGENT_ROLE", manager.address)
    assert o.token("HSTOLLJ").compliance_hook() == "0x" + "0" * 40  # only the senior notes take pledges
    assert vault.asset() == o.record.payment_tokens["USDC"]
    assert vault.purpose_of("loan-refinancing") == (50_000_000 * 10**6, 0)
    assert vault.has_role("TREASURER_ROLE", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")  # the issuer treasury
    assert int(o.dvp.fee_recipient(), 16) == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "plan", str(EXAMPLE))
    assert code == 0 and json.loads(out) == {"changes": [], "pending": [], "notes": []}
    code, out, _ = rwa(capsys, monkeypatch, "plan", str(EXAMPLE))
    assert code == 0 and "the offering matches the spec" in out


def test_a_deploy_interrupted_among_its_modules_is_finished_by_the_rerun(chain, state, capsys, monkeypatch):
    """A crash after the DvP is deployed and recorded: the rerun wires the rest and deploys no second DvP."""
    from rwa_token.contracts.collateral import CollateralManager

    real = CollateralManager.deploy_for
    monkeypatch.setenv("RWA_RPC_URL", chain.url)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(CollateralManager, "deploy_for", crash)
    assert rwa(capsys, monkeypatch, "deploy", str(EXAMPLE))[0] != 0
    record = json.loads(next((state / "deployments").glob("*.json")).read_text())
    assert set(record["modules"]) == {"dvp"}
    monkeypatch.setattr(CollateralManager, "deploy_for", real)
    code, out, err = rwa(capsys, monkeypatch, "--json", "deploy", str(EXAMPLE))
    result = last_json(out)
    assert code == 0 and result["resumed"], err
    assert set(result["modules"]) == {"dvp", "collateral:HSTOLLA", "proceeds"}
    assert result["modules"]["dvp"] == record["modules"]["dvp"]
    assert json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(EXAMPLE))[1])["changes"] == []


def test_plan_shows_every_difference_and_apply_sends_only_those(deployed, chain, state, tmp_path, capsys,
                                                               monkeypatch):
    spec = changed_spec(
        tmp_path,
        country=("allowlist: [HK,", "allowlist: [KR, HK,"),
        cap=('cap: "800000"', 'cap: "900000"'),
        purposes=('loan-refinancing: "50000000"', 'loan-refinancing: "45000000"\n      reserve: "1000000"'),
        dvp=("  dvp: {}", f'  dvp: {{fee_recipient: "{FEES}"}}'),
        collateral=("  collateral: [HSTOLLA]", f'  collateral: {{HSTOLLA: {{lenders: ["{LENDER}"]}}}}\n'
                                               "  redemption: [HSTOLLA]\n  waterfall: true"),
        withholding=("# withholding:\n#   rates_bps: {CN: 1000, unknown: 2000}",
                     "withholding:\n  rates_bps: {CN: 1000, unknown: 2000}"),
        filing=("csrc-filing.pdf", "csrc-filing-v2.pdf"),
        payment=("  - symbol: HKDR", "  - symbol: SGDX\n    currency: SGD\n    decimals: 6\n  - symbol: HKDR"),
    )
    code, out, err = rwa(capsys, monkeypatch, "--json", "plan", str(spec))
    assert code == 0, err
    plan = json.loads(out)
    changes = {(c["area"], c["subject"]): c for c in plan["changes"]}
    assert {"rules", "supply cap", "document", "payment token", "withholding", "module"} == {a for a, _ in changes}
    assert changes[("supply cap", "HSTOLLA")]["change"] == "supply cap: 800,000 -> 900,000"
    assert changes[("supply cap", "HSTOLLA")]["signer"].startswith("admin")
    assert changes[("rules", "HSTOLLJ")]["signer"].startswith("compliance officer")
    assert changes[("withholding", "CN (156)")]["change"] == "withholding CN (156): 0 bps -> 1000 bps"
    described = " | ".join(c["change"] for c in plan["changes"])
    for expected in ("purpose loan-refinancing cap: 50,000,000 -> 45,000,000 USDC",
                     "register purpose reserve with cap 1000000 USDC", f"grant LENDER_ROLE", FEES,
                     "deploy the redemption module of HSTOLLA: 100 USDC a token, from 2031-03-31",
                     "payment token SGDX", "csrc-filing-v2.pdf"):
        assert expected in described, expected
    assert [c["subject"] for c in plan["pending"]] == ["waterfall"]
    assert "waits for every tranche to be issued (HSTOLLA, HSTOLLJ have no supply yet)" in plan["pending"][0]["pending"]

    before = chain.block_number()
    code, out, _ = rwa(capsys, monkeypatch, "--json", "apply", str(spec), "--dry-run")
    assert code == 0 and last_json(out)["would_send"] == len(plan["changes"]) and last_json(out)["sent"] == 0
    assert chain.block_number() == before and json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(spec))[1]) == plan
    code, out, _ = rwa(capsys, monkeypatch, "--json", "apply", str(spec))
    assert code == 2 and "confirm with --yes" in json.loads(out)["error"] and chain.block_number() == before

    code, out, err = rwa(capsys, monkeypatch, "--json", "apply", str(spec), "--yes")
    result = last_json(out)
    assert code == 0 and result["sent"] == len(plan["changes"]), err
    assert set(result["deployed"]) == {"redemption:HSTOLLA"} and result["pending"][0]["subject"] == "waterfall"
    after = json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(spec))[1])
    assert after["changes"] == [] and len(after["pending"]) == 1
    code, out, _ = rwa(capsys, monkeypatch, "--json", "apply", str(spec), "--yes")  # rerun: nothing to send
    assert code == 0 and last_json(out)["sent"] == 0
    o = offering(chain, state)
    assert o.token("HSTOLLA").supply_cap() == 900_000 * 10**6
    assert o.distributor.withholding_rate("CN") == 1000 and o.collateral("HSTOLLA").has_role("LENDER_ROLE", LENDER)
    assert o.token("HSTOLLA").has_role("AGENT_ROLE", o.redemption("HSTOLLA").address)
    assert o.distributor.is_payment_token_allowed(o.record.payment_tokens["SGDX"])

    # Back to the example: what apply can undo is planned, what it leaves alone is a note.
    back = json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(EXAMPLE))[1])
    notes = " | ".join(back["notes"])
    assert "proceeds purpose reserve is registered but not in the spec" in notes
    assert "module redemption:HSTOLLA" in notes and "payment token SGDX is recorded but not in the spec" in notes
    assert "withholding rates are set on chain for unknown country, CN (156)" in notes


def test_the_waterfall_waits_for_issued_tranches_then_apply_deploys_it(deployed, chain, state, tmp_path, capsys,
                                                                      monkeypatch):
    spec = changed_spec(tmp_path, waterfall=("  collateral: [HSTOLLA]", "  collateral: [HSTOLLA]\n  waterfall: true"))
    code, out, _ = rwa(capsys, monkeypatch, "apply", str(spec), "--yes")
    assert code == 0 and "waiting: waterfall" in out and "nothing to apply" in out
    rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))
    assert rwa(capsys, monkeypatch, "mint", AU, "1000")[0] == 0
    assert rwa(capsys, monkeypatch, "mint", "--token", "HSTOLLJ", AU, "100")[0] == 0
    plan = json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(spec))[1])
    assert plan["pending"] == [] and [c["subject"] for c in plan["changes"]] == ["waterfall"]
    code, out, err = rwa(capsys, monkeypatch, "--json", "apply", str(spec), "--yes")
    assert code == 0 and "waterfall" in last_json(out)["deployed"], err
    tranches = offering(chain, state).waterfall.tranches()
    assert tranches[0].outstanding == 1000 * 100 * 10**6  # 1,000 senior notes of USD 100
    assert json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(spec))[1])["changes"] == []


def test_apply_under_a_document_is_refused_until_it_is_recorded_then_journaled(deployed, tmp_path, state, capsys,
                                                                                monkeypatch):
    """Retail opened under the regulator's approval: the changes are tied to the recorded document."""
    spec = changed_spec(tmp_path, country=("allowlist: [HK,", "allowlist: [KR, HK,"))
    code, out, _ = rwa(capsys, monkeypatch, "--json", "apply", str(spec), "--yes", "--document", "hk-sfc-approval")
    assert code == 2 and "records a document named 'hk-sfc-approval'" in json.loads(out)["error"]
    assert rwa(capsys, monkeypatch, "docs", "add", "hk-sfc-approval", "https://example.com/sfc.pdf",
               "--hash", "0x" + "ab" * 32)[0] == 0
    code, out, err = rwa(capsys, monkeypatch, "--json", "apply", str(spec), "--yes", "--document", "hk-sfc-approval")
    assert code == 0 and last_json(out)["document"] == "hk-sfc-approval" and last_json(out)["sent"] == 2, err
    journal = next((state / "journals").glob("*-apply.jsonl")).read_text().splitlines()
    entries = [json.loads(line) for line in journal]
    assert {e["document"] for e in entries} == {"hk-sfc-approval"} and all(e["tx"] for e in entries)
    assert any("country KR (410): no rule -> allowed" in e["change"] for e in entries)


def test_an_rmb_pegged_payment_token_waits_for_its_approval_document(deployed, chain, state, tmp_path, capsys,
                                                                    monkeypatch):
    spec = changed_spec(tmp_path, payment=("  - symbol: HKDR", "  - symbol: CNHC\n    currency: CNH\n    decimals: 6\n"
                                           "    approved: true\n  - symbol: HKDR"))
    plan = json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(spec))[1])
    assert plan["changes"] == [] and "CNH is RMB-pegged" in plan["pending"][0]["pending"]
    rwa(capsys, monkeypatch, "docs", "add", "pboc-approval", "https://example.com/pboc.pdf", "--hash", "0x" + "cd" * 32)
    plan = json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(spec), "--document", "pboc-approval")[1])
    assert plan["pending"] == [] and "under approval document pboc-approval" in plan["changes"][0]["change"]
    code, out, err = rwa(capsys, monkeypatch, "--json", "apply", str(spec), "--yes", "--document", "pboc-approval")
    assert code == 0 and last_json(out)["sent"] == 1, err
    record = offering(chain, state).record
    assert record.payment_documents == {"CNHC": "pboc-approval"}
    assert offering(chain, state).distributor.payment_token_config(record.payment_tokens["CNHC"]).rmb_approved


def test_a_dry_run_without_the_role_fails_naming_it_and_bad_specs_exit_2(deployed, tmp_path, capsys, monkeypatch):
    spec = changed_spec(tmp_path, country=("allowlist: [HK,", "allowlist: [KR, HK,"))
    monkeypatch.setenv("RWA_PRIVATE_KEY", DEV1_KEY)
    code, out, _ = rwa(capsys, monkeypatch, "--json", "apply", str(spec), "--dry-run")
    assert code == 1 and "COMPLIANCE_ROLE" in json.loads(out.strip().splitlines()[-1])["error"]
    monkeypatch.delenv("RWA_PRIVATE_KEY")
    bad = changed_spec(tmp_path, collateral=("  collateral: [HSTOLLA]", "  collateral: [HSTOLLX]"))
    for command in ("plan", "apply"):
        code, out, _ = rwa(capsys, monkeypatch, "--json", command, str(bad))
        assert code == 2 and "modules.collateral: HSTOLLX is not a token" in json.loads(out)["error"]


def test_a_supply_cap_below_the_issued_supply_waits(deployed, tmp_path, capsys, monkeypatch):
    rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))
    assert rwa(capsys, monkeypatch, "mint", AU, "1000")[0] == 0
    spec = changed_spec(tmp_path, cap=('cap: "800000"', 'cap: "500"'))
    plan = json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(spec))[1])
    assert plan["changes"] == [] and "1,000 HSTOLLA are already issued" in plan["pending"][0]["pending"]


def test_status_shows_the_modules_and_a_plain_supply(deployed, capsys, monkeypatch):
    rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))
    assert rwa(capsys, monkeypatch, "mint", AU, "1250.5")[0] == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "status")
    status = json.loads(out)
    assert code == 0 and (status["total_supply"], status["total_supply_units"]) == ("1250.5", 1_250_500_000)
    assert status["modules"] == deployed["modules"] and status["first_block"] > 0
    code, out, _ = rwa(capsys, monkeypatch, "status")
    assert code == 0 and "module: collateral:HSTOLLA 0x" in out


def test_a_spec_of_another_offering_is_refused(deployed, tmp_path, capsys, monkeypatch):
    other = changed_spec(tmp_path, name=("name: Hengshan Expressway Toll Revenue ABS 2026-1", "name: Another Deal"))
    code, out, _ = rwa(capsys, monkeypatch, "--json", "plan", str(other))
    assert code == 2 and "the spec describes offering 'Another Deal'" in json.loads(out)["error"]


def test_an_rmb_token_approved_at_deploy_is_linked_to_its_document_by_apply(chain, state, tmp_path, capsys,
                                                                          monkeypatch):
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    cnh = "  - symbol: CNHC\n    currency: CNH\n    decimals: 6\n    approved: true\n"
    spec = changed_spec(tmp_path, payment=("  - symbol: HKDR", cnh + "  - symbol: HKDR"))
    assert rwa(capsys, monkeypatch, "deploy", str(spec))[0] == 0
    plan = json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(spec))[1])
    assert plan["changes"] == [] and any("CNHC is allowed as an approved CNH token with no approval document"
                                         in note for note in plan["notes"])
    rwa(capsys, monkeypatch, "docs", "add", "pboc-approval", "https://example.com/pboc.pdf", "--hash", "0x" + "cd" * 32)
    linked = changed_spec(tmp_path, payment=("  - symbol: HKDR", cnh + "    approval_document: pboc-approval\n"
                                             "  - symbol: HKDR"))
    plan = json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(linked))[1])
    assert [c["change"] for c in plan["changes"]] == ["payment token CNHC: link its CNH approval to document "
                                                      "pboc-approval"]
    code, out, err = rwa(capsys, monkeypatch, "--json", "apply", str(linked), "--yes")
    assert code == 0 and last_json(out)["sent"] == 1, err
    assert offering(chain, state).record.payment_documents == {"CNHC": "pboc-approval"}
    assert json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(linked))[1])["changes"] == []


def test_deploy_dry_run_says_what_it_would_deploy_and_sends_nothing(chain, state, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    before = chain.block_number()
    code, out, err = rwa(capsys, monkeypatch, "--json", "deploy", "--dry-run", str(EXAMPLE))
    would = json.loads(out)["would"]
    assert code == 0 and chain.block_number() == before and not list(state.glob("deployments/*.json")), err
    assert "would deploy HSTOLLA, HSTOLLJ with their rules in one factory transaction" in would
    assert would[-3:] == ["would deploy module dvp", "would deploy module collateral:HSTOLLA",
                          "would deploy module proceeds"]
    assert rwa(capsys, monkeypatch, "deploy", str(EXAMPLE))[0] == 0
    spec = changed_spec(tmp_path, dvp=("  dvp: {}", f'  dvp: {{fee_recipient: "{FEES}"}}'),
                        collateral=("  collateral: [HSTOLLA]", "  collateral: [HSTOLLA, HSTOLLJ]"))
    before = chain.block_number()
    code, out, _ = rwa(capsys, monkeypatch, "deploy", "--dry-run", str(spec))
    assert code == 0 and chain.block_number() == before
    assert "would deploy a collateral manager for HSTOLLJ" in out and "1 other place(s) differ" in out
    # The real rerun deploys the missing module; the changed fee recipient is left to apply.
    code, out, _ = rwa(capsys, monkeypatch, "deploy", str(spec))
    assert code == 0 and "deploy a collateral manager for HSTOLLJ" in out and "differ from the spec's in 1" in out
