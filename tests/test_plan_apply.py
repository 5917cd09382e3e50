"""The spec as the desired state: `rwa deploy` records where the offering starts and deploys the spec's modules;
`rwa plan` shows every difference between the spec and the chain, `rwa apply` sends only those."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from rwa_token import cli
from rwa_token.store.state import load_record

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXAMPLE = EXAMPLES / "highway-toll-abs.yaml"


def rwa(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["rwa", *args])
    code = 0
    try:
        cli.run()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    return tmp_path / "state"


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
