"""The trading commands as a platform operator and two investors use them: a trade written, signed by each party
with its own key, approved, checked and settled against the real token's rules; every reason a trade would not
settle named; cancellation by either party; dry runs that send nothing; a margin pledge; proceeds withdrawn by
purpose and reported against the filing."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account

from rwa_token.contracts.proceeds import ProceedsVault
from rwa_token.contracts.settlement import DvPSettlement
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.primitives.units import investor_id
from rwa_token.services.context import Operator
from rwa_token.services.trading import Trade, sign_trade
from cli_run import last, rwa

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ISSUER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # dev account 0: the operator, and the DvP's fee recipient


def as_key(monkeypatch, account) -> None:
    """Run the next commands with `account`'s key (None: the operator, dev account 0)."""
    if account is None:
        monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    else:
        monkeypatch.setenv("RWA_PRIVATE_KEY", account.key.hex())


@pytest.fixture
def state(chain, tmp_path, monkeypatch):
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    for env in ("RWA_DVP", "RWA_COLLATERAL", "RWA_PROCEEDS_VAULT"):
        monkeypatch.delenv(env, raising=False)
    return tmp_path / "state"


@pytest.fixture
def deployed(chain, state, capsys, monkeypatch):
    code, _, err = rwa(capsys, monkeypatch, "deploy", str(EXAMPLES / "highway-toll-abs.yaml"))
    assert code == 0, err
    return Operator.open(chain.url, None)


def _record_module(state: Path, key: str, address: str | None) -> None:
    """Set (or, with None, drop) a module in the deployment record, as `rwa deploy` records the spec's modules."""
    path = next(p for p in (state / "deployments").glob("*.json") if not p.name.endswith(".progress.json"))
    data = json.loads(path.read_text())
    data["modules"].pop(key, None)
    if address:
        data["modules"][key] = address
    path.write_text(json.dumps(data))


def _parties(op, *countries):
    parties = []
    for i, country in enumerate(countries):
        acct = Account.from_key((0x7E57 << 200 | i + 1).to_bytes(32, "big"))
        op.chain.set_balance(acct.address, 10**20)
        op.registry.register(acct.address, investor_id(acct.address, "s"), country, "professional", "2031-01-01")
        parties.append(acct)
    return parties


@pytest.fixture
def market(deployed, state, chain, capsys, monkeypatch):
    """The offering with its DvP in the record (fee recipient: the issuer), a seller holding 100 HSTOLLA past the
    Reg S lockup, a GB buyer holding 20,000 USDC, and a mainland (CN) investor."""
    op = deployed
    dvp = DvPSettlement.deploy_new(op.tx, op.account, op.account.address, op.account.address)
    _record_module(state, "dvp", dvp.address)
    seller, buyer, cn = _parties(op, "HK", "GB", "CN")
    assert rwa(capsys, monkeypatch, "mint", seller.address, "100")[0] == 0
    assert rwa(capsys, monkeypatch, "dev", "time", "+41d")[0] == 0
    assert rwa(capsys, monkeypatch, "dev", "fund", "USDC", buyer.address, "20000")[0] == 0
    return op, dvp, seller, buyer, cn


def _new(capsys, monkeypatch, out: Path, seller, buyer, *extra: str) -> dict:
    code, printed, err = rwa(capsys, monkeypatch, "--json", "trade", "new", "--seller", seller.address, "--buyer",
                             buyer.address, "--amount", "20", "--price", "101.5", "--out", str(out), *extra)
    assert code == 0, err
    return last(printed)


def _check(capsys, monkeypatch, file: Path) -> tuple[int, dict]:
    code, out, _ = rwa(capsys, monkeypatch, "--json", "trade", "check", str(file))
    return code, last(out)


def test_trade_new_sign_approve_check_settle(market, chain, tmp_path, capsys, monkeypatch):
    op, dvp, seller, buyer, _ = market
    token, usd = op.token(), MockStablecoin(op.tx, op.record.payment_tokens["USDC"])
    file = tmp_path / "trade.json"
    made = _new(capsys, monkeypatch, file, seller, buyer, "--fee-bps", "10", "--expiry", "2d")
    saved = json.loads(file.read_text())
    assert saved["format"] == "rwa-trade/1" and saved["dvp"] == dvp.address and saved["chain_id"] == chain.chain_id
    assert (saved["trade"]["securityAmount"], saved["trade"]["paymentAmount"]) == ("20000000", "2030000000")
    assert (saved["terms"]["security_amount"], saved["terms"]["payment_amount"], saved["terms"]["price"]) == (
        "20", "2030", "101.5")
    assert saved["seller_signature"] == saved["buyer_signature"] == "" and made["trade_hash"].startswith("0x")
    assert not dvp.nonce_used(seller.address, int(saved["trade"]["nonce"]))
    code, _, err = rwa(capsys, monkeypatch, "trade", "new", "--seller", seller.address, "--buyer", buyer.address,
                       "--amount", "20", "--price", "101.5", "--out", str(file))
    assert code == 2 and "exists" in err  # never over a file that may hold a signature

    code, result = _check(capsys, monkeypatch, file)
    assert code == 3 and not result["ok"]
    problems = "\n".join(result["problems"])
    for named in ("seller signature missing", "buyer signature missing",
                  "seller has approved 0 HSTOLLA of the 20 HSTOLLA", "buyer has approved 0 USDC of the 2030 USDC"):
        assert named in problems

    as_key(monkeypatch, seller)
    code, out, err = rwa(capsys, monkeypatch, "--json", "trade", "sign", str(file))
    assert code == 0 and last(out)["signed_as"] == "seller", err
    before = chain.w3.eth.block_number
    code, out, err = rwa(capsys, monkeypatch, "--json", "approve", "HSTOLLA", "20", "--dry-run")
    assert code == 0 and last(out)["dry_run"] is True and chain.w3.eth.block_number == before, err
    assert token.allowance(seller.address, dvp.address) == 0
    assert rwa(capsys, monkeypatch, "approve", "HSTOLLA", "20")[0] == 0
    as_key(monkeypatch, buyer)
    assert rwa(capsys, monkeypatch, "trade", "sign", str(file))[0] == 0
    code, out, err = rwa(capsys, monkeypatch, "--json", "approve", "usdc", "2030", "--spender", "dvp")
    approval = last(out)
    assert code == 0, err
    assert (approval["token"], approval["amount"], approval["amount_units"], approval["spender_address"]) == (
        "USDC", "2030", 2_030 * 10**6, dvp.address)

    as_key(monkeypatch, None)  # the platform settles: neither party
    code, result = _check(capsys, monkeypatch, file)
    assert code == 0 and result["ok"] and result["problems"] == [], result
    before = chain.w3.eth.block_number
    code, out, err = rwa(capsys, monkeypatch, "--json", "trade", "settle", str(file), "--dry-run")
    assert code == 0 and last(out)["dry_run"] and chain.w3.eth.block_number == before, out + err
    fees_before = usd.balance_of(ISSUER)
    code, out, err = rwa(capsys, monkeypatch, "--json", "trade", "settle", str(file))
    assert code == 0 and last(out)["settled"] == 1, err
    assert token.balance_of(buyer.address) == 20 * 10**6 and token.balance_of(seller.address) == 80 * 10**6
    assert usd.balance_of(seller.address) == 2_030 * 10**6 - 2_030_000  # less the 10 bps fee
    assert usd.balance_of(ISSUER) - fees_before == 2_030_000
    code, _, err = rwa(capsys, monkeypatch, "trade", "settle", str(file))
    assert code == 2 and "already used" in err


def test_check_names_every_problem_and_settle_refuses_by_rule(market, chain, tmp_path, capsys, monkeypatch):
    op, dvp, seller, buyer, cn = market
    refused = tmp_path / "cn.json"
    _new(capsys, monkeypatch, refused, seller, cn, "--expiry", "1h")
    as_key(monkeypatch, seller)
    assert rwa(capsys, monkeypatch, "trade", "sign", str(refused))[0] == 0
    as_key(monkeypatch, None)
    data = json.loads(refused.read_text())
    data["buyer_signature"] = data["seller_signature"]  # the seller's signature in the buyer's place
    refused.write_text(json.dumps(data))
    code, result = _check(capsys, monkeypatch, refused)
    problems = "\n".join(result["problems"])
    assert code == 3 and (result["compliance_code"], result["compliance_name"]) == (11, "COUNTRY_BLOCKED")
    assert "[11 COUNTRY_BLOCKED]" in problems and "buyer signature invalid" in problems
    assert "buyer holds 0 USDC of the 2030 USDC to pay" in problems
    code, out, _ = rwa(capsys, monkeypatch, "--json", "trade", "settle", str(refused))
    assert code == 3 and last(out)["code"] == 11  # a rule refusal, before anything is sent

    assert rwa(capsys, monkeypatch, "dev", "time", "+2h")[0] == 0
    code, result = _check(capsys, monkeypatch, refused)
    assert code == 3 and any(p.startswith("expired at ") for p in result["problems"])
    as_key(monkeypatch, seller)
    code, _, err = rwa(capsys, monkeypatch, "trade", "sign", str(refused))
    assert code == 2 and "expired" in err
    as_key(monkeypatch, buyer)  # not a party of this trade
    code, _, err = rwa(capsys, monkeypatch, "trade", "sign", str(refused))
    assert code == 2 and "neither the seller" in err

    edited = tmp_path / "edited.json"
    _new(capsys, monkeypatch, edited, seller, buyer)
    data = json.loads(edited.read_text())
    data["terms"]["security_amount"] = "2"  # what people read no longer matches what is signed
    edited.write_text(json.dumps(data))
    code, _, err = rwa(capsys, monkeypatch, "trade", "check", str(edited))
    assert code == 2 and "disagrees with the signed trade" in err


def test_either_party_cancels_and_nobody_else(market, chain, tmp_path, capsys, monkeypatch):
    op, dvp, seller, buyer, cn = market
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    _new(capsys, monkeypatch, first, seller, buyer)
    _new(capsys, monkeypatch, second, seller, buyer, "--price", "99")
    nonce = int(json.loads(first.read_text())["trade"]["nonce"])
    assert nonce != int(json.loads(second.read_text())["trade"]["nonce"])  # fresh nonce per file

    code, _, err = rwa(capsys, monkeypatch, "trade", "cancel", str(first))  # the operator is not a party
    assert code == 2 and "neither the seller" in err
    as_key(monkeypatch, seller)
    before = chain.w3.eth.block_number
    code, out, err = rwa(capsys, monkeypatch, "--json", "trade", "cancel", str(first), "--dry-run")
    assert code == 0 and last(out) == {"dry_run": True, "as": "seller"}, err
    assert chain.w3.eth.block_number == before and not dvp.nonce_used(seller.address, nonce)
    code, out, err = rwa(capsys, monkeypatch, "--json", "trade", "cancel", str(first))
    assert code == 0 and last(out)["as"] == "seller" and dvp.nonce_used(seller.address, nonce), err
    code, result = _check(capsys, monkeypatch, first)
    assert code == 3 and any("nonce" in p and "already used" in p for p in result["problems"])
    code, _, err = rwa(capsys, monkeypatch, "trade", "cancel", str(first))
    assert code == 2 and "nothing to cancel" in err

    as_key(monkeypatch, buyer)
    code, out, err = rwa(capsys, monkeypatch, "--json", "trade", "cancel", str(second))
    assert code == 0 and last(out)["as"] == "buyer", err
    code, result = _check(capsys, monkeypatch, second)
    assert code == 3 and "cancelled by the buyer" in result["problems"]


def test_a_batch_settles_the_good_trades_and_reports_the_rest(market, chain, tmp_path, capsys, monkeypatch):
    op, dvp, seller, buyer, cn = market
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    _new(capsys, monkeypatch, good, seller, buyer)
    _new(capsys, monkeypatch, bad, seller, cn)
    as_key(monkeypatch, seller)
    for file in (good, bad):
        assert rwa(capsys, monkeypatch, "trade", "sign", str(file))[0] == 0
    assert rwa(capsys, monkeypatch, "approve", "HSTOLLA", "40")[0] == 0
    as_key(monkeypatch, buyer)
    assert rwa(capsys, monkeypatch, "trade", "sign", str(good))[0] == 0
    assert rwa(capsys, monkeypatch, "approve", "USDC", "2030")[0] == 0
    as_key(monkeypatch, None)
    before = chain.w3.eth.block_number
    code, out, _ = rwa(capsys, monkeypatch, "--json", "trade", "settle", str(good), str(bad), "--dry-run")
    assert code == 3 and last(out)["would_settle"] == 1 and chain.w3.eth.block_number == before
    code, out, _ = rwa(capsys, monkeypatch, "--json", "trade", "settle", str(good), str(bad))
    result = last(out)
    assert code == 3 and len(result["settled"]) == 1 and len(result["refused"]) == 1
    assert op.token().balance_of(buyer.address) == 20 * 10**6 and op.token().balance_of(cn.address) == 0


@pytest.mark.parametrize("args, message", [
    (["--amount", "1e3", "--price", "1"], "plain decimal"),
    (["--amount", "1,000", "--price", "1"], "plain decimal"),
    (["--amount", "0", "--price", "1"], "zero"),
    (["--amount", "10", "--price", "1", "--payment-amount", "10"], "not both"),
    (["--amount", "10"], "--price"),
    (["--amount", "10.0000001", "--price", "1"], "more than 6 decimal places"),
    (["--amount", "3", "--price", "1.0000001"], "more than 6 decimal places"),
    (["--amount", "10", "--price", "1", "--payment", "EURC"], "no payment token 'EURC'"),
    (["--amount", "10", "--price", "1", "--expiry", "yesterday"], "expiry"),
    (["--amount", "10", "--price", "1", "--expiry", "2001-01-01"], "not after the chain's time"),
])
def test_trade_new_refuses_bad_input_and_writes_nothing(market, tmp_path, capsys, monkeypatch, args, message):
    op, dvp, seller, buyer, _ = market
    out = tmp_path / "t.json"
    code, _, err = rwa(capsys, monkeypatch, "trade", "new", "--seller", seller.address, "--buyer", buyer.address,
                       "--out", str(out), *args)
    assert code == 2 and message in err and "Traceback" not in err, err
    assert not out.exists()


def test_trade_new_refuses_a_payment_token_the_policy_no_longer_allows(market, tmp_path, capsys, monkeypatch):
    op, dvp, seller, buyer, _ = market
    assert rwa(capsys, monkeypatch, "payment", "remove", "HKDR")[0] == 0
    code, _, err = rwa(capsys, monkeypatch, "trade", "new", "--seller", seller.address, "--buyer", buyer.address,
                       "--amount", "1", "--price", "1", "--payment", "HKDR", "--out", str(tmp_path / "t.json"))
    assert code == 2 and "HKDR is not allowed on the offering's payment-token policy" in err


def test_without_a_dvp_in_the_record_one_line_says_how_to_get_one(market, state, tmp_path, capsys, monkeypatch):
    op, dvp, seller, buyer, _ = market
    _record_module(state, "dvp", None)
    code, out, _ = rwa(capsys, monkeypatch, "--json", "trade", "new", "--seller", seller.address, "--buyer",
                       buyer.address, "--amount", "1", "--price", "1", "--out", str(tmp_path / "t.json"))
    error = last(out)
    assert code == 2 and error["exit"] == 2
    assert "no DvP settlement contract" in error["error"] and "--dvp" in error["error"]
    assert "modules:" in error["error"] and "rwa apply" in error["error"]
    code, _, err = rwa(capsys, monkeypatch, "approve", "HSTOLLA", "1")
    assert code == 2 and "no DvP settlement contract" in err
    monkeypatch.setenv("RWA_DVP", dvp.address)  # the override still works
    assert rwa(capsys, monkeypatch, "approve", "HSTOLLA", "1", "--dry-run")[0] == 0


def test_approve_names_the_module_it_approves(market, state, capsys, monkeypatch):
    op, dvp, seller, buyer, _ = market
    usd = op.record.payment_tokens["USDC"]
    vault = ProceedsVault.deploy(op.tx, op.account, usd, op.account.address)
    _record_module(state, "proceeds", vault.address)
    code, out, err = rwa(capsys, monkeypatch, "--json", "approve", "USDC", "1500.25", "--spender", "proceeds")
    assert code == 0, err
    assert (last(out)["spender_address"], last(out)["amount"], last(out)["amount_units"]) == (
        vault.address, "1500.25", 1_500_250_000)
    assert MockStablecoin(op.tx, usd).allowance(op.account.address, vault.address) == 1_500_250_000
    code, _, err = rwa(capsys, monkeypatch, "approve", "HSTOLLA", "1", "--spender", "proceeds")
    assert code == 2 and "takes its own asset" in err
    as_key(monkeypatch, seller)
    code, out, err = rwa(capsys, monkeypatch, "--json", "approve", "HSTOLLA", "5", "--spender", buyer.address)
    assert code == 0 and last(out)["spender"] == buyer.address, err
    assert op.token().allowance(seller.address, buyer.address) == 5 * 10**6


def test_approve_refuses_unknown_tokens_and_spenders(market, capsys, monkeypatch):
    code, _, err = rwa(capsys, monkeypatch, "approve", "EURC", "1")
    assert code == 2 and "not a token of offering" in err and "HSTOLLA" in err and "USDC" in err
    code, _, err = rwa(capsys, monkeypatch, "approve", "USDC", "1", "--spender", "collateral")
    assert code == 2 and "security token" in err
    code, _, err = rwa(capsys, monkeypatch, "approve", "HSTOLLA", "1", "--spender", "0x1234")
    assert code == 2 and "not an Ethereum address" in err
    code, _, err = rwa(capsys, monkeypatch, "approve", "HSTOLLA", "0")
    assert code == 2 and "zero" in err


def test_a_trade_file_of_the_earlier_format_still_loads(market, chain, tmp_path, capsys, monkeypatch):
    """{"trade", "seller_signature", "buyer_signature"} with amounts as numbers, its DvP from --dvp."""
    op, _, seller, buyer, _ = market
    token, usd = op.token(), MockStablecoin(op.tx, op.record.payment_tokens["USDC"], op.account)
    other = DvPSettlement.deploy_new(op.tx, op.account, op.account.address, op.account.address)
    token.approve(other.address, 2**200, sender=seller)
    usd.approve(other.address, 2**200, sender=buyer)
    t = Trade(seller.address, buyer.address, token.address, 20 * 10**6, usd.address, 2_000 * 10**6, 2,
              chain.block_timestamp() + 86_400, 0)
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"trade": t.to_dict(),
                                "seller_signature": "0x" + sign_trade(t, seller, chain.chain_id, other.address).hex(),
                                "buyer_signature": "0x" + sign_trade(t, buyer, chain.chain_id, other.address).hex()}))
    code, _, err = rwa(capsys, monkeypatch, "trade", "settle", str(path), "--dvp", other.address)
    assert code == 0, err
    assert token.balance_of(buyer.address) == 20 * 10**6 and usd.balance_of(seller.address) == 2_000 * 10**6


def test_proceeds_withdrawn_by_purpose_and_reported_against_the_filing(deployed, state, chain, tmp_path, capsys,
                                                                      monkeypatch):
    op = deployed
    usd = MockStablecoin(op.tx, op.record.payment_tokens["USDC"], op.account)
    vault = ProceedsVault.deploy(op.tx, op.account, usd.address, op.account.address)
    vault.grant_role("TREASURER_ROLE", op.account.address)
    vault.register_purpose("toll-road-capex", 1_000_000 * 10**6)
    _record_module(state, "proceeds", vault.address)
    usd.mint(op.account.address, 2_000_000 * 10**6)
    before = chain.w3.eth.block_number
    code, out, err = rwa(capsys, monkeypatch, "--json", "proceeds", "deposit", "1500000", "--dry-run")
    assert code == 0 and last(out)["dry_run"] and chain.w3.eth.block_number == before, out + err
    code, _, err = rwa(capsys, monkeypatch, "proceeds", "deposit", "3000000")
    assert code == 2 and "holds 2000000 USDC of the 3000000" in err
    code, out, err = rwa(capsys, monkeypatch, "--json", "proceeds", "deposit", "1500000")
    assert code == 0 and last(out)["amount_units"] == 1_500_000 * 10**6, err
    code, _, err = rwa(capsys, monkeypatch, "proceeds", "withdraw", "working-capital", "10", op.account.address,
                       "--memo", "INV-1")
    assert code == 2 and "'working-capital' is not registered" in err and "toll-road-capex" in err
    code, _, err = rwa(capsys, monkeypatch, "proceeds", "withdraw", "toll-road-capex", "1000001", op.account.address,
                       "--memo", "INV-1")
    assert code == 2 and "past its cap" in err and "1000000 of 1000000 USDC left" in err
    before = chain.w3.eth.block_number
    code, out, err = rwa(capsys, monkeypatch, "--json", "proceeds", "withdraw", "toll-road-capex", "250000",
                         op.account.address, "--memo", "INV-2026-031", "--dry-run")
    assert code == 0 and last(out)["dry_run"] and chain.w3.eth.block_number == before, out + err
    code, _, err = rwa(capsys, monkeypatch, "proceeds", "withdraw", "toll-road-capex", "250000", op.account.address,
                       "--memo", "INV-2026-031")
    assert code == 0, err
    filing = tmp_path / "filing.json"
    filing.write_text(json.dumps({"toll-road-capex": "1000000"}))
    code, out, _ = rwa(capsys, monkeypatch, "--json", "proceeds", "report", "--filing", str(filing))
    report = json.loads(out)
    assert code == 0 and (report["withdrawn"], report["withdrawn_units"]) == ("250000", 250_000 * 10**6)
    line = report["purposes"][0]
    assert (line["purpose"], line["remaining"], line["status"]) == ("toll-road-capex", "750000", "ok")


def test_collateral_lock_needs_the_holders_signed_pledge(deployed, state, chain, tmp_path, capsys, monkeypatch):
    from rwa_token.contracts.collateral import CollateralManager

    op = deployed  # dev account 0: the issuer, here also the lender
    holder, buyer, cn = _parties(op, "HK", "HK", "CN")
    token = op.token()
    token.mint(holder.address, "100")
    manager = CollateralManager.deploy_for(op.tx, op.account, token)
    manager.grant_role("LENDER_ROLE", op.account.address)
    _record_module(state, "collateral:HSTOLLA", manager.address)  # the token's manager, from the record
    pledge = tmp_path / "pledge.json"

    as_key(monkeypatch, holder)  # the holder signs; nothing is sent
    code, _, err = rwa(capsys, monkeypatch, "collateral", "sign-pledge", op.account.address, "40", "--out",
                       str(pledge))
    assert code == 0, err
    as_key(monkeypatch, None)  # the lender submits it

    tampered = tmp_path / "tampered.json"
    data = json.loads(pledge.read_text())
    data["pledge"]["amount"] = str(100 * 10**6)
    tampered.write_text(json.dumps(data))
    code, _, err = rwa(capsys, monkeypatch, "collateral", "lock", str(tampered))
    assert code == 2 and "signature" in err and manager.locked_of(holder.address) == 0
    code, _, err = rwa(capsys, monkeypatch, "collateral", "lock", str(pledge), "--dry-run")
    assert code == 0 and manager.locked_of(holder.address) == 0, err
    code, out, err = rwa(capsys, monkeypatch, "--json", "collateral", "lock", str(pledge))
    assert code == 0, err
    locked = json.loads(out)
    assert (locked["locked"], locked["locked_units"]) == ("40", 40 * 10**6)
    assert manager.locked_of(holder.address) == 40 * 10**6
    code, _, err = rwa(capsys, monkeypatch, "collateral", "lock", str(pledge))
    assert code == 2 and "nonce" in err  # single use

    chain.increase_time(41 * 86_400)  # past the Reg S lockup: a seizure still obeys the holder's lockups
    code, out, _ = rwa(capsys, monkeypatch, "--json", "collateral", "seize", holder.address, "10", cn.address,
                       "--yes")
    assert code == 3 and json.loads(out)["code"] == 11  # seizure only to a party the token's rules accept
    code, _, err = rwa(capsys, monkeypatch, "collateral", "seize", holder.address, "10", buyer.address)
    assert code == 2 and "--yes" in err and token.balance_of(holder.address) == 100 * 10**6, err
    code, _, err = rwa(capsys, monkeypatch, "collateral", "seize", holder.address, "10", buyer.address, "--yes")
    assert code == 0 and token.balance_of(buyer.address) == 10 * 10**6, err


def test_collateral_pledge_is_the_holders_own_call(deployed, chain, capsys, monkeypatch):
    from rwa_token.contracts.collateral import CollateralManager

    op = deployed
    holder, = _parties(op, "HK")
    op.token().mint(holder.address, "100")
    manager = CollateralManager.deploy_for(op.tx, op.account, op.token())
    manager.grant_role("LENDER_ROLE", op.account.address)
    as_key(monkeypatch, holder)
    code, _, err = rwa(capsys, monkeypatch, "collateral", "pledge", op.account.address, "25", "--manager",
                       manager.address)
    assert code == 0, err
    assert manager.pledge_of(holder.address) == (op.account.address, 25 * 10**6)
    code, out, err = rwa(capsys, monkeypatch, "--json", "collateral", "show", holder.address, "--manager",
                         manager.address)
    assert code == 0, err
    shown = json.loads(out.strip().splitlines()[-1])
    assert (shown["locked"], shown["locked_units"], shown["free"]) == ("25", 25 * 10**6, "75")
    assert shown["lender"] == op.account.address
