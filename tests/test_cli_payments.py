"""`rwa payment`: an existing ERC-20 allowed as a payment token on the distributor's policy and recorded; an
RMB-pegged one refused unless its approval document is recorded on the token, then allowed and linked to it."""
from __future__ import annotations

from pathlib import Path

import pytest

from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.services.context import Operator
from cli_run import last, rwa

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def op(chain, tmp_path, capsys, monkeypatch):
    """The example deal deployed by `rwa deploy` (USDC and HKDR allowed), as its operator."""
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    code, _, err = rwa(capsys, monkeypatch, "deploy", str(EXAMPLES / "highway-toll-abs.yaml"))
    assert code == 0, err
    return Operator.open(chain.url, None)


def _erc20(op, symbol: str, decimals: int = 6) -> str:
    return MockStablecoin.deploy(op.tx, op.account, f"{symbol} stablecoin", symbol, decimals).address


def test_payment_list_shows_the_deployed_tokens(op, capsys, monkeypatch):
    code, out, err = rwa(capsys, monkeypatch, "--json", "payment", "list")
    assert code == 0, err
    rows = {r["symbol"]: r for r in last(out)["payment_tokens"]}
    assert set(rows) == {"USDC", "HKDR"}
    assert (rows["USDC"]["currency"], rows["USDC"]["decimals"], rows["USDC"]["allowed"]) == ("USD", 6, True)
    assert rows["HKDR"]["rmb_pegged"] is False and rows["HKDR"]["document"] is None
    code, out, _ = rwa(capsys, monkeypatch, "payment", "list")
    assert code == 0 and "USDC" in out and "HKD" in out and "allowed" in out


def test_payment_add_allows_an_existing_erc20_and_records_it(op, chain, capsys, monkeypatch):
    usdt = _erc20(op, "USDT", 18)
    before = chain.w3.eth.block_number
    code, out, err = rwa(capsys, monkeypatch, "--json", "payment", "add", "USDT", "--address", usdt, "--currency",
                         "USD", "--dry-run")
    assert code == 0, err
    assert last(out)["status"] == "dry_run" and chain.w3.eth.block_number == before
    assert not op.distributor().is_payment_token_allowed(usdt)

    code, out, err = rwa(capsys, monkeypatch, "--json", "payment", "add", "USDT", "--address", usdt, "--currency",
                         "USD")
    assert code == 0, err
    assert (last(out)["status"], last(out)["decimals"]) == ("sent", 18)  # read from the token
    assert op.distributor().payment_token_currency(usdt) == "USD"
    record = Operator.open(chain.url, None).record
    assert record.payment_tokens["USDT"] == usdt and record.decimals["USDT"] == 18
    code, out, _ = rwa(capsys, monkeypatch, "payment", "add", "USDT", "--address", usdt, "--currency", "USD")
    assert code == 0 and "already allowed" in out  # rerun: nothing to send

    code, out, err = rwa(capsys, monkeypatch, "--json", "payment", "remove", "USDT")
    assert code == 0 and last(out)["status"] == "sent", err
    assert not op.distributor().is_payment_token_allowed(usdt)
    code, out, _ = rwa(capsys, monkeypatch, "--json", "payment", "list")
    assert {r["symbol"]: r["allowed"] for r in last(out)["payment_tokens"]}["USDT"] is False


@pytest.mark.parametrize("args, message", [
    (["USDT", "--address", "0x1234", "--currency", "USD"], "not an Ethereum address"),
    (["USDT", "--address", "0x00000000000000000000000000000000000000aa", "--currency", "USD"], "no contract code"),
    (["USDT", "--address", "{usdt}", "--currency", "dollars"], "currency"),
    (["usdt", "--address", "{usdt}", "--currency", "USD"], "capital letters"),
    (["HSTOLLA", "--address", "{usdt}", "--currency", "USD"], "security token"),
    (["USDC", "--address", "{usdt}", "--currency", "USD"], "already payment token"),
])
def test_payment_add_bad_input_exits_2_and_sends_nothing(op, chain, capsys, monkeypatch, args, message):
    usdt = _erc20(op, "USDT")
    before = chain.w3.eth.block_number
    code, _, err = rwa(capsys, monkeypatch, "payment", "add", *(a.format(usdt=usdt) for a in args))
    assert code == 2 and message in err and "Traceback" not in err, err
    assert chain.w3.eth.block_number == before


def test_rmb_pegged_token_needs_its_approval_document(op, chain, tmp_path, capsys, monkeypatch):
    cnht = _erc20(op, "CNHT")
    code, out, _ = rwa(capsys, monkeypatch, "--json", "payment", "add", "CNHT", "--address", cnht, "--currency", "CNH")
    error = last(out)
    assert code == 2 and "RMB-pegged" in error["error"] and "rwa payment approve" in error["error"]
    assert "0x" + b"CNH".hex() not in error["error"]  # the currency by its code, not as bytes8
    code, _, err = rwa(capsys, monkeypatch, "payment", "approve", "CNHT", "--address", cnht, "--document",
                       "pboc-approval")
    assert code == 2 and "'pboc-approval' is not recorded on HSTOLLA" in err and "rwa docs add" in err
    assert not op.distributor().is_payment_token_allowed(cnht)

    notice = tmp_path / "approval.pdf"
    notice.write_bytes(b"%PDF approval of the CNH stablecoin for coupon payments")
    code, _, err = rwa(capsys, monkeypatch, "docs", "add", "pboc-approval", "https://example.com/approval.pdf",
                       "--file", str(notice), "--reference", "PBOC-2026-117")
    assert code == 0, err
    before = chain.w3.eth.block_number
    code, out, err = rwa(capsys, monkeypatch, "--json", "payment", "approve", "CNHT", "--address", cnht,
                         "--document", "pboc-approval", "--dry-run")
    assert code == 0 and last(out)["status"] == "dry_run" and chain.w3.eth.block_number == before, err
    code, out, err = rwa(capsys, monkeypatch, "--json", "payment", "approve", "CNHT", "--address", cnht,
                         "--document", "pboc-approval")
    assert code == 0, err
    assert op.distributor().payment_token_config(cnht).rmb_approved
    code, out, _ = rwa(capsys, monkeypatch, "--json", "payment", "list")
    row = {r["symbol"]: r for r in last(out)["payment_tokens"]}["CNHT"]
    assert (row["currency"], row["rmb_pegged"], row["rmb_approved"], row["document"]) == (
        "CNH", True, True, "pboc-approval")
    code, _, err = rwa(capsys, monkeypatch, "payment", "approve", "USDC", "--document", "pboc-approval",
                       "--currency", "USD")
    assert code == 2 and "not RMB-pegged" in err
