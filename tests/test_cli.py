"""The `rwa` command as an issuer uses it: bad input is one readable line and a non-zero exit, nothing half-done."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_run import issue, rwa, withholding_spec

from rwa_token.contracts.distributor import Distributor

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_deploy_import_mint_and_check_a_transfer(deployed, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "import", str(EXAMPLES / "investors.csv"))
    result = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and result["registered"] > 150 and result["refused"] > 0
    au, gb = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25", "0x1B4D94A5f9262AF50a173a72AaF04528603a9e03"
    assert rwa(capsys, monkeypatch, "mint", au, "100")[0] == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "transfer", "--check", au, gb, "5")
    assert code == 3 and json.loads(out)["code"] == 16  # 95 left behind is fine; 5 to a newcomer is dust
    code, out, _ = rwa(capsys, monkeypatch, "--json", "transfer", "--check", au, gb, "50")
    assert json.loads(out)["code"] == 19  # Reg S lockup from the us-reg-s pack


def test_rerunning_deploy_does_nothing_twice(deployed, chain, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "--json", "deploy",
                       str(EXAMPLES / "highway-toll-abs.yaml"))
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["resumed"] is True


def test_deploy_interrupted_before_the_factory_call_reuses_what_it_deployed(chain, state, capsys, monkeypatch):
    """A crash after the registry and distributor are deployed (and configured) but before the factory call: the
    rerun finds them in the progress file and deploys neither again; the finished record removes the file."""
    from rwa_token.contracts.factory import OfferingFactory

    real = OfferingFactory.deploy_offering

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(OfferingFactory, "deploy_offering", crash)
    code, _, _ = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "deploy", str(EXAMPLES / "highway-toll-abs.yaml"))
    assert code != 0
    progress = json.loads(next((state / "deployments").glob("*.progress.json")).read_text())["steps"]
    assert set(progress) == {"payment_tokens", "registry", "distributor"}
    monkeypatch.setattr(OfferingFactory, "deploy_offering", real)
    code, out, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "--json", "deploy",
                         str(EXAMPLES / "highway-toll-abs.yaml"))
    assert code == 0, err
    record = json.loads(out.strip().splitlines()[-1])
    assert (record["registry"], record["distributor"]) == (progress["registry"], progress["distributor"])
    assert not list((state / "deployments").glob("*.progress.json"))


def test_policy_explain_reads_the_rules_back_from_the_chain(deployed, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "policy", "explain")
    rules = json.loads(out)["rules"]
    assert code == 0 and any("Mainland China (CN) residents cannot hold" in line for line in rules)


def test_policy_explain_keeps_each_rules_source_in_the_terminal(capsys, monkeypatch):
    """Offline, from a spec: the "[pack: source]" ending each rule is printed, not taken for Rich markup."""
    code, out, _ = rwa(capsys, monkeypatch, "policy", "explain", str(EXAMPLES / "highway-toll-abs.yaml"))
    assert code == 0
    assert "cannot hold this token [cn-offshore-abs: PBOC-led virtual-currency notice (Feb 2026)]" in out


def test_captable_report_after_minting(deployed, capsys, monkeypatch):
    rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))
    rwa(capsys, monkeypatch, "mint", "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25", "100")
    code, out, _ = rwa(capsys, monkeypatch, "report", "captable", "--format", "csv")
    assert code == 0 and "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25,0x" in out and ",AU," in out


@pytest.mark.parametrize("args, message", [
    (["mint", "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D24", "1"], "bad checksum"),
    (["mint", "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25", "1.0000001"], "more than 6 decimal places"),
    (["mint", "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25", "ten"], "plain decimal"),
    (["--offering", "nope", "status"], "no deployed offering named 'nope'"),
])
def test_bad_input_is_one_line_and_a_non_zero_exit(deployed, capsys, monkeypatch, args, message):
    code, out, err = rwa(capsys, monkeypatch, *args)
    assert code != 0 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 2  # one message (Rich may wrap a long line once)


def test_malformed_spec_is_refused_before_any_chain_is_touched(state, tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.yaml"
    bad.write_text((EXAMPLES / "highway-toll-abs.yaml").read_text().replace("decimals: 6", "decimals: 60", 1))
    code, _, err = rwa(capsys, monkeypatch, "--rpc-url", "http://127.0.0.1:1", "deploy", str(bad))
    assert code == 2 and "decimals" in err and "Traceback" not in err


def test_rpc_down_is_one_clear_line(state, capsys, monkeypatch):
    code, _, err = rwa(capsys, monkeypatch, "--rpc-url", "http://127.0.0.1:1", "deploy",
                       str(EXAMPLES / "highway-toll-abs.yaml"))
    assert code == 1 and "cannot reach the chain" in err and "Traceback" not in err


def test_wrong_chain_is_refused(deployed, state, capsys, monkeypatch):
    record = next((state / "deployments").glob("*.json"))
    data = json.loads(record.read_text())
    data["chain_id"] = 1
    record.write_text(json.dumps(data))
    code, _, err = rwa(capsys, monkeypatch, "status")
    assert code == 1 and "deployed on chain 1" in err


def test_malformed_csv_rows_are_refused_with_reasons(deployed, state, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "import", str(EXAMPLES / "investors-bad.csv"))
    result = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and result["refused"] >= 4
    refused = Path(result["refused_file"]).read_text()
    assert "checksum" in refused and "country" in refused


def test_debug_shows_the_traceback(deployed, capsys, monkeypatch):
    code, _, err = rwa(capsys, monkeypatch, "--debug", "mint", "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D24", "1")
    assert code != 0 and "Traceback" in err


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

JUNK_AMOUNTS = st.one_of(st.text(max_size=12), st.sampled_from(["-1", "1e400", "NaN", "inf", "0.0000001", "1,000",
                                                                 "１２", "0x10", " 5 ", "1_000"]))
JUNK_ADDRESSES = st.one_of(st.text(max_size=44), st.from_regex(r"0x[0-9a-fA-F]{38,42}", fullmatch=True))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(wallet=JUNK_ADDRESSES, amount=JUNK_AMOUNTS)
def test_junk_wallets_and_amounts_never_produce_a_traceback(deployed, capsys, monkeypatch, wallet, amount):
    code, _, err = rwa(capsys, monkeypatch, "transfer", "--check", wallet,
                       "0x1B4D94A5f9262AF50a173a72AaF04528603a9e03", amount)
    assert "Traceback" not in err
    assert code in (0, 2, 3), err  # allowed, bad input (nothing sent), or refused by the rules


def test_keys_come_from_an_encrypted_keystore_never_the_command_line(deployed, chain, tmp_path, capsys,
                                                                     monkeypatch):
    from rwa_token.chain.keys import write_keystore

    issuer = chain.dev_accounts(1)[0]
    keystore = write_keystore(issuer, tmp_path / "issuer.json", "correct horse")
    monkeypatch.setenv("RWA_KEYSTORE_PASSWORD", "wrong")
    code, _, err = rwa(capsys, monkeypatch, "--keystore", str(keystore), "mint",
                       "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25", "1")
    assert code == 2 and "wrong password" in err
    monkeypatch.setenv("RWA_KEYSTORE_PASSWORD", "correct horse")
    rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))
    code, _, err = rwa(capsys, monkeypatch, "--keystore", str(keystore), "mint",
                       "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25", "100")
    assert code == 0, err


def test_a_malformed_private_key_in_the_environment_is_one_clear_line(deployed, capsys, monkeypatch):
    monkeypatch.setenv("RWA_PRIVATE_KEY", "not-a-key")
    code, _, err = rwa(capsys, monkeypatch, "status")
    assert code == 2 and "RWA_PRIVATE_KEY is not a valid private key" in err


def test_distribute_pays_every_holder_and_reconciles(deployed, chain, capsys, monkeypatch):
    issue(capsys, monkeypatch, chain)
    code, out, err = rwa(capsys, monkeypatch, "--json", "distribute", "1234.567891", "--payment", "USDC")
    assert code == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["exact"] is True and result["pushed"] == 6


def test_withholding_rates_from_the_spec_tax_each_coupon_at_source(chain, state, tmp_path, capsys, monkeypatch):
    """A spec with withholding rates: deploy sets them on the distributor before any distribution, so the coupon
    is taxed by investor country, the tax reaches the spec's tax account and the reconciliation stays exact."""
    tax_account = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
    spec = withholding_spec(tmp_path, "Hengshan Toll ABS with withholding", tax_account)
    code, _, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "deploy", str(spec))
    assert code == 0, err
    op, _ = issue(capsys, monkeypatch, chain)
    distributor = Distributor(op.tx, op.record.distributor, op.account)
    assert distributor.withholding_rate(344) == 1000 and distributor.withholding_rate(0) == 3000
    code, out, err = rwa(capsys, monkeypatch, "--json", "distribute", "1000", "--payment", "USDC")
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["exact"] is True
    assert distributor.info(distributor.count()).withholding is True
    totals = distributor.totals(distributor.count())
    assert totals.tax_paid > 0 and op.payment_token().balance_of(tax_account) == totals.tax_paid


def test_withholding_set_and_show(deployed, capsys, monkeypatch):
    code, out, err = rwa(capsys, monkeypatch, "--json", "withholding", "set", "HKG", "1250")
    assert code == 0, err
    assert json.loads(out)["country"] == 344
    assert rwa(capsys, monkeypatch, "withholding", "set", "unknown", "3000")[0] == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "withholding", "show")
    assert code == 0 and json.loads(out)["rates_bps"] == {"0": 3000, "344": 1250}
    code, _, err = rwa(capsys, monkeypatch, "withholding", "set", "Atlantis", "100")
    assert code != 0 and "unknown country 'Atlantis'" in err and "Traceback" not in err
    code, _, err = rwa(capsys, monkeypatch, "withholding", "set", "HK", "10001")
    assert code != 0 and "Traceback" not in err


def test_waterfall_quarter_and_redemption_at_maturity(deployed, chain, capsys, monkeypatch):
    op, _ = issue(capsys, monkeypatch, chain)
    assert rwa(capsys, monkeypatch, "waterfall", "init")[0] == 0
    code, out, err = rwa(capsys, monkeypatch, "--json", "waterfall", "run", "50000")
    assert code == 0, err
    tranches = json.loads(out.strip().splitlines()[-1])["tranches"]
    assert all(t["exact"] for t in tranches) and sum(t["amount_units"] for t in tranches) == 50_000 * 10**6 - 25_000 * 10**6
    assert rwa(capsys, monkeypatch, "redeem", "init", "--face-value", "100")[0] == 0
    assert rwa(capsys, monkeypatch, "redeem", "fund", "100000")[0] == 0
    code, out, err = rwa(capsys, monkeypatch, "--json", "redeem", "all")
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["redeemed"] == 6
    assert op.token().total_supply() == 0


def test_distribute_reads_each_holder_once(deployed, chain, capsys, monkeypatch):
    """One `rwa distribute` reads every candidate's record-date answer once and every holder's paid bit once
    (batched), however many steps (record-date filter, push, reconciliation) use them."""
    from rwa_token.chain import node

    _, minted = issue(capsys, monkeypatch, chain)
    batched: list[str] = []
    real = node.rpc_batch_request

    def counting(url, calls, timeout=60.0):
        batched.extend(method for method, _ in calls)
        return real(url, calls, timeout=timeout)

    monkeypatch.setattr(node, "rpc_batch_request", counting)
    code, out, err = rwa(capsys, monkeypatch, "--json", "distribute", "1000", "--payment", "USDC")
    assert code == 0, err
    holders = json.loads(out.strip().splitlines()[-1])["pushed"]
    assert holders == 6 and batched.count("eth_call") == 2 * holders


@pytest.mark.parametrize("amount, says", [("1e3", "plain decimal"), ("1,000", "plain decimal"), ("1_000", "plain decimal"),
                                          ("+5", "plain decimal"), ("0", "zero moves nothing"),
                                          ("0.000", "zero moves nothing")])
def test_amounts_are_plain_decimals_and_never_zero(amount, says, capsys, monkeypatch, state):
    """Refused while parsing, before any chain is needed: one line, exit 2."""
    code, out, err = rwa(capsys, monkeypatch, "--json", "mint", "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25", amount)
    (line,) = out.splitlines()
    assert code == 2 and json.loads(line)["exit"] == 2 and says in json.loads(line)["error"]


def test_dev_fund_and_dev_time_on_a_local_chain(deployed, chain, capsys, monkeypatch):
    """The issuer gets mock USDC to distribute, and the clock passes a Reg S lockup: no Python needed."""
    from rwa_token.chain.tx import Transactor
    from rwa_token.contracts.stablecoin import MockStablecoin
    from rwa_token.services import dev

    issuer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    usdc = MockStablecoin(Transactor(chain), deployed["payment_tokens"]["USDC"])
    before = usdc.balance_of(issuer)
    code, out, err = rwa(capsys, monkeypatch, "--json", "dev", "fund", "USDC", issuer, "250000", "--dry-run")
    assert code == 0 and json.loads(out)["dry_run"] and usdc.balance_of(issuer) == before, err
    code, out, err = rwa(capsys, monkeypatch, "--json", "dev", "fund", "USDC", issuer, "250000")
    assert code == 0, err
    assert usdc.balance_of(issuer) - before == 250_000 * 10**usdc.decimals()
    code, out, _ = rwa(capsys, monkeypatch, "--json", "dev", "fund", "CNHX", issuer, "1")
    assert code == 2 and "no payment token 'CNHX'" in json.loads(out)["error"]
    start = chain.block_timestamp()
    code, out, _ = rwa(capsys, monkeypatch, "--json", "dev", "time", "+40d", "--dry-run")
    assert code == 0 and json.loads(out)["dry_run"] and chain.block_timestamp() == start
    code, out, err = rwa(capsys, monkeypatch, "--json", "dev", "time", "+40d")
    assert code == 0 and json.loads(out)["seconds"] == 40 * 86_400, err
    assert chain.block_timestamp() >= start + 40 * 86_400
    assert rwa(capsys, monkeypatch, "--json", "dev", "time", "40 days")[0] == 2
    monkeypatch.setattr(dev, "LOCAL_CHAIN_IDS", frozenset())  # as on a public chain
    code, out, _ = rwa(capsys, monkeypatch, "--json", "dev", "time", "+1d")
    assert code == 2 and "local chains only" in json.loads(out)["error"]


def test_plan_and_apply_bring_the_chain_to_a_changed_spec(deployed, tmp_path, capsys, monkeypatch):
    """The spec is the desired state: admitting Korea and lowering the minimum holding is a plan, then an apply."""
    spec = EXAMPLES / "highway-toll-abs.yaml"
    code, out, err = rwa(capsys, monkeypatch, "--json", "plan", str(spec))
    assert code == 0 and json.loads(out)["changes"] == [], err  # right after deploy: nothing differs
    changed = tmp_path / "changed.yaml"
    changed.write_text(spec.read_text().replace("allowlist: [HK,", "allowlist: [KR, HK,")
                       .replace('min_balance: "10"', 'min_balance: "5"'))
    code, out, _ = rwa(capsys, monkeypatch, "deploy", str(changed))
    assert code == 0 and "differ from the spec's in" in out and f"rwa apply {changed}" in out
    code, out, _ = rwa(capsys, monkeypatch, "--json", "plan", str(changed))
    changes = json.loads(out)["changes"]
    described = " | ".join(c["change"] for c in changes)
    assert "country KR (410): no rule -> allowed" in described and "limits" in described, described
    code, out, _ = rwa(capsys, monkeypatch, "--json", "apply", str(changed), "--dry-run")
    assert code == 0 and json.loads(out.strip().splitlines()[-1]) == {"sent": 0, "would_send": len(changes)}
    assert json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(changed))[1])["changes"] == changes
    code, out, _ = rwa(capsys, monkeypatch, "--json", "apply", str(changed), "--yes")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["sent"] == len(changes)
    assert json.loads(rwa(capsys, monkeypatch, "--json", "plan", str(changed))[1])["changes"] == []
    code, out, _ = rwa(capsys, monkeypatch, "--json", "plan", str(spec))  # and back, the other way
    assert len(json.loads(out)["changes"]) == len(changes)


def test_burn_and_pause_ask_first_and_offer_a_dry_run(deployed, chain, capsys, monkeypatch):
    from rwa_token.chain.tx import Transactor
    from rwa_token.contracts.token import SecurityToken

    au = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25"
    rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))
    assert rwa(capsys, monkeypatch, "mint", au, "100")[0] == 0
    token = SecurityToken(Transactor(chain), next(iter(deployed["tokens"].values())))
    code, out, _ = rwa(capsys, monkeypatch, "--json", "burn", au, "40")
    assert code == 2 and "confirm with --yes" in json.loads(out)["error"]  # no terminal to ask: nothing sent
    code, out, _ = rwa(capsys, monkeypatch, "--json", "burn", au, "40", "--dry-run")
    assert code == 0 and json.loads(out)["dry_run"] and token.balance_of(au) == 100 * 10**6
    assert rwa(capsys, monkeypatch, "--json", "burn", au, "40", "--yes")[0] == 0
    assert token.balance_of(au) == 60 * 10**6
    assert rwa(capsys, monkeypatch, "--json", "pause")[0] == 2 and not token.paused()
    assert rwa(capsys, monkeypatch, "--json", "pause", "--dry-run")[0] == 0 and not token.paused()
    assert rwa(capsys, monkeypatch, "--json", "pause", "--yes")[0] == 0 and token.paused()


def test_audit_of_an_address_outside_the_offering_is_an_error_not_an_empty_report(deployed, capsys, monkeypatch):
    token = next(iter(deployed["tokens"].values()))
    code, out, err = rwa(capsys, monkeypatch, "report", "audit", "--address", token.lower(), "--format", "json")
    assert code == 0, err
    assert json.loads(out) and all(row["contract"] for row in json.loads(out))
    stranger = "0x000000000000000000000000000000000000dEaD"
    code, out, _ = rwa(capsys, monkeypatch, "--json", "report", "audit", "--address", stranger)
    error = json.loads(out)["error"]
    assert code == 2 and f"{stranger} is not a contract of offering" in error and token in error
