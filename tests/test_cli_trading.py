"""The trading commands as a platform operator uses them: a trade checked and settled from signed files, a
margin pledge, proceeds withdrawn by purpose and reported against the filing."""
from __future__ import annotations

import json

from test_cli import deployed, rwa, state  # noqa: F401  (fixtures)

from rwa_token.contracts.proceeds import ProceedsVault
from rwa_token.contracts.settlement import DvPSettlement
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.services.context import Operator
from rwa_token.services.trading import Trade, sign_trade


def _parties(op, *countries):
    from eth_account import Account

    from rwa_token.primitives.units import investor_id

    parties = []
    for i, country in enumerate(countries):
        acct = Account.from_key((0x7E57 << 200 | i + 1).to_bytes(32, "big"))
        op.chain.set_balance(acct.address, 10**20)
        op.registry.register(acct.address, investor_id(acct.address, "s"), country, "professional", "2031-01-01")
        parties.append(acct)
    return parties


def test_trade_check_and_settle_from_signed_files(deployed, chain, tmp_path, capsys, monkeypatch):
    op = Operator.open(chain.url, None)
    seller, buyer, cn = _parties(op, "HK", "GB", "CN")
    token, usd = op.token(), MockStablecoin(op.tx, op.record.payment_tokens["USDC"], op.account)
    token.mint(seller.address, "100")
    chain.increase_time(41 * 86_400)  # past the Reg S lockup
    dvp = DvPSettlement.deploy_new(op.tx, op.account, op.account.address, op.account.address)
    usd.mint(buyer.address, 5_000 * 10**6)
    token.approve(dvp.address, 2**200, sender=seller)
    usd.approve(dvp.address, 2**200, sender=buyer)
    expiry = chain.block_timestamp() + 86_400

    def trade_file(name, buyer_account, nonce):
        t = Trade(seller.address, buyer_account.address, token.address, 20 * 10**6, usd.address, 2_000 * 10**6,
                  nonce, expiry, 0)
        path = tmp_path / name
        path.write_text(json.dumps({"trade": t.to_dict(),
                                    "seller_signature": "0x" + sign_trade(t, seller, chain.chain_id, dvp.address).hex(),
                                    "buyer_signature": "0x" + sign_trade(t, buyer_account, chain.chain_id,
                                                                         dvp.address).hex()}))
        return str(path)

    refused = trade_file("cn.json", cn, 1)
    code, out, err = rwa(capsys, monkeypatch, "--json", "trade", "check", refused, "--dvp", dvp.address)
    assert code != 0 and "11" in out + err  # CountryBlocked, before anything is sent
    good = trade_file("gb.json", buyer, 2)
    code, _, err = rwa(capsys, monkeypatch, "trade", "settle", good, "--dvp", dvp.address)
    assert code == 0, err
    assert token.balance_of(buyer.address) == 20 * 10**6 and usd.balance_of(seller.address) == 2_000 * 10**6


def test_proceeds_withdrawn_by_purpose_and_reported_against_the_filing(deployed, chain, tmp_path, capsys,
                                                                      monkeypatch):
    op = Operator.open(chain.url, None)
    usd = MockStablecoin(op.tx, op.record.payment_tokens["USDC"], op.account)
    vault = ProceedsVault.deploy(op.tx, op.account, usd.address, op.account.address)
    vault.grant_role("TREASURER_ROLE", op.account.address)
    vault.register_purpose("toll-road-capex", 1_000_000 * 10**6)
    usd.mint(op.account.address, 2_000_000 * 10**6)
    usd.approve(vault.address, 2**200)
    assert rwa(capsys, monkeypatch, "proceeds", "deposit", "1500000", "--vault", vault.address)[0] == 0
    code, _, err = rwa(capsys, monkeypatch, "proceeds", "withdraw", "working-capital", "10", op.account.address,
                       "--vault", vault.address)
    assert code != 0 and "Traceback" not in err  # not a registered purpose
    code, _, err = rwa(capsys, monkeypatch, "proceeds", "withdraw", "toll-road-capex", "250000", op.account.address,
                       "--memo", "INV-2026-031", "--vault", vault.address)
    assert code == 0, err
    filing = tmp_path / "filing.json"
    filing.write_text(json.dumps({"toll-road-capex": "1000000"}))
    code, out, _ = rwa(capsys, monkeypatch, "--json", "proceeds", "report", "--filing", str(filing),
                       "--vault", vault.address)
    assert code == 0 and json.loads(out)["withdrawn"] in (250_000 * 10**6, "250000000000", "250000")


def test_collateral_lock_needs_the_holders_signed_pledge(deployed, chain, tmp_path, capsys, monkeypatch):
    from rwa_token.contracts.collateral import CollateralManager

    op = Operator.open(chain.url, None)  # dev account 0: the issuer, here also the lender
    holder, buyer, cn = _parties(op, "HK", "HK", "CN")
    token = op.token()
    token.mint(holder.address, "100")
    manager = CollateralManager.deploy_for(op.tx, op.account, token)
    manager.grant_role("LENDER_ROLE", op.account.address)
    pledge = tmp_path / "pledge.json"

    monkeypatch.setenv("RWA_PRIVATE_KEY", holder.key.hex())  # the holder signs; nothing is sent
    code, _, err = rwa(capsys, monkeypatch, "collateral", "sign-pledge", op.account.address, "40", "--out",
                       str(pledge), "--manager", manager.address)
    assert code == 0, err
    monkeypatch.delenv("RWA_PRIVATE_KEY")  # the lender submits it

    tampered = tmp_path / "tampered.json"
    data = json.loads(pledge.read_text())
    data["pledge"]["amount"] = str(100 * 10**6)
    tampered.write_text(json.dumps(data))
    code, _, err = rwa(capsys, monkeypatch, "collateral", "lock", str(tampered), "--manager", manager.address)
    assert code == 2 and "signature" in err and manager.locked_of(holder.address) == 0
    code, _, err = rwa(capsys, monkeypatch, "collateral", "lock", str(pledge), "--manager", manager.address,
                       "--dry-run")
    assert code == 0 and manager.locked_of(holder.address) == 0, err
    code, out, err = rwa(capsys, monkeypatch, "--json", "collateral", "lock", str(pledge), "--manager",
                         manager.address)
    assert code == 0, err
    assert json.loads(out)["locked"] == 40 * 10**6 == manager.locked_of(holder.address)
    code, _, err = rwa(capsys, monkeypatch, "collateral", "lock", str(pledge), "--manager", manager.address)
    assert code == 2 and "nonce" in err  # single use

    chain.increase_time(41 * 86_400)  # past the Reg S lockup: a seizure still obeys the holder's lockups
    code, out, _ = rwa(capsys, monkeypatch, "--json", "collateral", "seize", holder.address, "10", cn.address,
                       "--manager", manager.address, "--yes")
    assert code == 3 and json.loads(out)["code"] == 11  # seizure only to a party the token's rules accept
    code, _, err = rwa(capsys, monkeypatch, "collateral", "seize", holder.address, "10", buyer.address,
                       "--manager", manager.address)
    assert code == 2 and "--yes" in err and token.balance_of(holder.address) == 100 * 10**6, err
    code, _, err = rwa(capsys, monkeypatch, "collateral", "seize", holder.address, "10", buyer.address,
                       "--manager", manager.address, "--yes")
    assert code == 0 and token.balance_of(buyer.address) == 10 * 10**6, err


def test_collateral_pledge_is_the_holders_own_call(deployed, chain, capsys, monkeypatch):
    from rwa_token.contracts.collateral import CollateralManager

    op = Operator.open(chain.url, None)
    holder, = _parties(op, "HK")
    op.token().mint(holder.address, "100")
    manager = CollateralManager.deploy_for(op.tx, op.account, op.token())
    manager.grant_role("LENDER_ROLE", op.account.address)
    monkeypatch.setenv("RWA_PRIVATE_KEY", holder.key.hex())
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
