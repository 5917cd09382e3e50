"""`--dry-run` on the token and cash-flow commands: the same checks as sending, the figures it would move, and
nothing sent (the chain's block number does not move). The waterfall preview is the period the run then pays."""
from __future__ import annotations

from pathlib import Path

import pytest

from cli_run import last, rwa

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ISSUER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"


@pytest.fixture
def issued(chain, tmp_path, capsys, monkeypatch):
    """The example deal deployed, its investors imported, both tranches minted to eligible investors."""
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    code, _, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "deploy", str(EXAMPLES / "highway-toll-abs.yaml"))
    assert code == 0, err
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    assert rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))[0] == 0
    from rwa_token.services.context import Operator

    op = Operator.open(chain.url, None)
    wallets = [e["args"]["wallet"] for e in op.registry.events("InvestorRegistered", op.record.block)]
    holders = {}
    for symbol in op.record.tokens:
        token = op.token(symbol)
        holders[symbol] = [w for w in wallets if token.can_mint(w, "100").ok][:4]
        for wallet in holders[symbol]:
            assert rwa(capsys, monkeypatch, "mint", wallet, "100", "--token", symbol)[0] == 0
    assert rwa(capsys, monkeypatch, "dev", "fund", "USDC", ISSUER, "1000000")[0] == 0
    return op, holders


def unchanged(chain, capsys, monkeypatch, *args: str) -> dict:
    """Run a command with --json and --dry-run; assert it succeeded and sent nothing; return its output."""
    before = chain.w3.eth.block_number
    code, out, err = rwa(capsys, monkeypatch, "--json", *args, "--dry-run")
    assert code == 0, err
    assert chain.w3.eth.block_number == before
    result = last(out)
    assert result["dry_run"] is True
    return result


def test_token_commands_simulate_and_send_nothing(issued, chain, capsys, monkeypatch):
    op, holders = issued
    holder, other = holders["HSTOLLA"][:2]
    token = op.token()
    unchanged(chain, capsys, monkeypatch, "mint", holder, "5")
    unchanged(chain, capsys, monkeypatch, "freeze", holder)
    unchanged(chain, capsys, monkeypatch, "freeze", holder, "--amount", "10")
    assert not token.is_frozen(holder) and token.frozen_tokens(holder) == 0
    assert rwa(capsys, monkeypatch, "freeze", holder, "--amount", "10")[0] == 0
    unchanged(chain, capsys, monkeypatch, "unfreeze", holder, "--amount", "10")
    assert token.frozen_tokens(holder) == 10 * 10**6
    assert rwa(capsys, monkeypatch, "pause", "--yes")[0] == 0
    unchanged(chain, capsys, monkeypatch, "unpause")
    assert token.paused()
    # a refusal is the same under --dry-run as when sending: minting past the supply cap is refused (exit 3)
    code, out, _ = rwa(capsys, monkeypatch, "--json", "mint", holder, "900000", "--dry-run")
    assert code == 3 and last(out)["refused"] is True
    # a holder's own transfer: the signing key must be the sender's
    code, out, _ = rwa(capsys, monkeypatch, "--json", "transfer", holder, other, "1", "--dry-run")
    assert code == 2 and "signing key" in last(out)["error"]


def test_distribution_preview_checks_funding_and_counts_holders(issued, chain, capsys, monkeypatch):
    op, holders = issued
    result = unchanged(chain, capsys, monkeypatch, "distribute", "2500.5", "--payment", "USDC")
    assert result["amount_units"] == 2_500_500_000 and result["holders"] == len(holders["HSTOLLA"])
    assert op.distributor().count() == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "distribute", "5000000", "--dry-run")
    assert code == 2 and "needs 5000000000000" in last(out)["error"]  # the issuer holds 1,000,000 USDC


def test_waterfall_preview_is_the_period_the_run_pays(issued, chain, capsys, monkeypatch):
    """The dry run's split comes from the off-chain calculation; the run's from the contract's events: equal."""
    op, _ = issued
    code, out, _ = rwa(capsys, monkeypatch, "--json", "waterfall", "run", "1000", "--dry-run")
    assert code == 2 and "rwa waterfall init" in last(out)["error"]
    terms = unchanged(chain, capsys, monkeypatch, "waterfall", "init")["tranches"]
    assert len(terms) == 2 and terms[0]["rate_bps"] == 120 and terms[0]["outstanding"] == 400 * 100 * 10**6
    assert rwa(capsys, monkeypatch, "waterfall", "init")[0] == 0
    preview = unchanged(chain, capsys, monkeypatch, "waterfall", "run", "30000.25")
    code, out, err = rwa(capsys, monkeypatch, "--json", "waterfall", "run", "30000.25")
    assert code == 0, err
    ran = last(out)
    assert ran["period"] == preview["period"] == 1
    assert ran["steps"] == preview["steps"] and ran["steps"][0]["name"] == "fees"
    assert preview["fees_paid_units"] + sum(preview["payouts_units"]) == 30_000_250_000
    code, out, _ = rwa(capsys, monkeypatch, "--json", "waterfall", "run", "2000000", "--dry-run")
    assert code == 2 and "less than the 2000000 collections" in last(out)["error"]


def test_redemption_previews(issued, chain, capsys, monkeypatch):
    op, holders = issued
    code, out, _ = rwa(capsys, monkeypatch, "--json", "redeem", "fund", "100", "--dry-run")
    assert code == 2 and "rwa redeem init" in last(out)["error"]
    result = unchanged(chain, capsys, monkeypatch, "redeem", "init", "--face-value", "100")
    assert result["token"] == "HSTOLLA" and result["face_value_units"] == 100 * 10**6
    assert rwa(capsys, monkeypatch, "redeem", "init", "--face-value", "100")[0] == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "redeem", "init", "--face-value", "100", "--dry-run")
    assert code == 2 and "already has a redemption module" in last(out)["error"]
    assert unchanged(chain, capsys, monkeypatch, "redeem", "fund", "40000")["amount_units"] == 40_000 * 10**6
    assert rwa(capsys, monkeypatch, "redeem", "fund", "40000")[0] == 0
    result = unchanged(chain, capsys, monkeypatch, "redeem", "all")
    assert result["holders"] == len(holders["HSTOLLA"])
    assert result["principal_needed_units"] == 400 * 100 * 10**6 == result["principal_available_units"]
    assert op.token().total_supply() == 400 * 10**6
