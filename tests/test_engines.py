"""The two local engines: anvil (prague) and Ganache 7.9 (shanghai) behind one adapter. Each starts with the dev
mnemonic and chain id 31337, answers the same controls (set_balance, increase_time, mine, snapshot, revert), gets
the contracts' build for its EVM, and refuses a transfer with the same named exception and code; a control the
engine lacks is one clear error. Also `rwa chain --engine ganache` and the README's CLI sequence (on the session
chain: anvil here, Ganache in `make test-ganache`)."""
from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import rwa
from eth_account import Account

from rwa_token.chain import node
from rwa_token.chain.node import DEV_MNEMONIC, Chain, EngineControls, engine_of
from rwa_token.chain.tx import Transactor, _revert_data
from rwa_token.primitives import errors
from rwa_token.primitives.units import investor_id
from rwa_token.services.offering import deploy_core

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {"anvil": ("prague", "prague"), "ganache": ("shanghai", "shanghai")}  # engine: (hardfork, evm build)


@pytest.fixture(scope="module")
def engines():
    started = {name: Chain.local(engine=name) for name in EXPECTED}
    yield started
    for chain in started.values():
        chain.close()


@pytest.mark.parametrize("engine", sorted(EXPECTED))
def test_each_engine_starts_with_the_dev_accounts_and_gets_its_build(engines, engine):
    chain = engines[engine]
    assert chain.engine == engine and chain.chain_id == 31337
    assert chain.local_node.hardfork == EXPECTED[engine][0]
    assert chain.evm == EXPECTED[engine][1] and chain.evm_detected  # detected by the cancun probe
    dev = Account.from_mnemonic(DEV_MNEMONIC, account_path="m/44'/60'/0'/0/9")
    assert chain.dev_accounts()[9].address == dev.address and chain.w3.eth.get_balance(dev.address) >= 10**24
    assert engine_of(chain.rpc("web3_clientVersion")["result"]) == engine
    assert Chain.connect(chain.url).engine == engine  # an outside node: recognised from web3_clientVersion


@pytest.mark.parametrize("engine", sorted(EXPECTED))
def test_the_controls_work_on_each_engine(engines, engine):
    chain = engines[engine]
    somebody = Account.create().address
    start, height = chain.block_timestamp(), chain.block_number()
    snap = chain.snapshot()
    chain.set_balance(somebody, 12345)
    assert chain.w3.eth.get_balance(somebody) == 12345
    funded = chain.block_number()  # Ganache mines a block to set a balance, anvil does not
    chain.increase_time(86_400)
    assert chain.block_timestamp() - start >= 86_400 and chain.block_number() == funded + 1
    chain.mine()
    assert chain.block_number() == funded + 2
    assert chain.revert(snap) is True
    assert chain.w3.eth.get_balance(somebody) == 0 and chain.block_number() == height
    chain.mine()
    assert chain.block_timestamp() - start < 86_400  # the time shift went with the snapshot


def test_engine_names_from_client_versions():
    assert engine_of("anvil/v1.7.1") == "anvil"
    assert engine_of("Ganache/v7.9.2/EthereumJS TestRPC/v7.9.2/ethereum-js") == "ganache"
    assert engine_of("HardhatNetwork/2.22.0/@ethereumjs/vm/7.0.0") == "hardhat"
    assert engine_of("Geth/v1.14.0-stable/linux-amd64/go1.22") == "Geth/v1.14.0-stable/linux-amd64/go1.22"


def test_a_missing_operation_is_one_clear_error(engines):
    geth = Chain(engines["anvil"].url, engine="Geth/v1.14.0-stable")
    with pytest.raises(errors.ChainError, match=r"set_balance is not available on this node \(Geth/v1.14.0-stable\)"):
        geth.set_balance(Account.create().address, 1)
    with pytest.raises(errors.ChainError, match="increase_time is not available .*Geth"):
        geth.increase_time(1)
    # an engine that lacks the method its adapter calls: Ganache's set_balance method sent to anvil
    mislabelled = EngineControls("ganache", engines["anvil"].rpc)
    with pytest.raises(errors.ChainError, match=r"set_balance failed on ganache \(evm_setAccountBalance\)"):
        mislabelled.set_balance(Account.create().address, 1)
    ganache = engines["ganache"]
    assert "error" in ganache.rpc("anvil_setBalance", [Account.create().address, "0x1"])  # why the adapter exists


def _refusals(chain: Chain) -> list[tuple[str, int | None, str]]:
    """The same three refusals on one engine: (exception class, reason code, role or error name)."""
    tx = Transactor(chain)
    issuer, alice, bob, carol = chain.dev_accounts(4)
    registry, token = deploy_core(tx, issuer, "Toll ABS Senior", "TOLLA", decimals=6, supply_cap=10**15)
    token.set_country_rule("HK", allowed=True, required_categories="professional|institutional")
    token.set_country_rule("CN", blocked=True)
    registry.register(alice.address, investor_id("INV-1", "s"), "HK", "professional", "2030-01-01")
    registry.register(bob.address, investor_id("INV-2", "s"), "CN", "professional", "2030-01-01")
    registry.register(carol.address, investor_id("INV-3", "s"), "HK", "professional", "2030-01-01")
    token.mint(alice.address, "1000")
    seen = []
    for attempt in (
        lambda: token.transfer(bob.address, "10", sender=alice),  # estimate-gas revert
        lambda: token.send("transfer", bob.address, 10**6, sender=alice, gas=400_000),  # mined, then replayed
        lambda: (token.freeze_partial(alice.address, "995"), token.transfer(carol.address, "10", sender=alice)),
        lambda: token.mint(carol.address, "1", sender=carol),
    ):
        with pytest.raises(errors.ContractRevert) as refused:
            attempt()
        exc = refused.value
        seen.append((type(exc).__name__, getattr(exc, "code", None), getattr(exc, "name", "")))
    return seen


def test_a_refused_transfer_is_the_same_exception_on_every_engine(engines):
    anvil, ganache = _refusals(engines["anvil"]), _refusals(engines["ganache"])
    assert ganache == anvil
    assert [(name, code) for name, code, _ in anvil] == [
        ("CountryBlocked", 11), ("CountryBlocked", 11), ("AmountFrozen", 18), ("Unauthorized", None)]


@pytest.mark.parametrize("error, data", [
    ({"code": 3, "message": "execution reverted", "data": "0x08c379a0"}, "08c379a0"),  # anvil, geth
    ({"code": -32000, "message": "VM Exception while processing transaction: revert", "data": "0xdeadbeef"},
     "deadbeef"),  # Ganache eth_call
    ({"code": -32000, "message": "revert", "data": {"result": "0xdeadbeef", "reason": None}}, "deadbeef"),  # Ganache
    ({"code": -32000, "message": "revert", "data": {"data": "0xdeadbeef"}}, "deadbeef"),
    ({"message": "revert", "data": {"0xabc": {"error": "revert", "return": "0xdeadbeef"}, "stack": "x"}},
     "deadbeef"),  # Ganache 6
    ({"message": "revert", "data": {"message": "revert"}}, None),
    ({"message": "revert", "data": "0xzz"}, None),
])
def test_revert_data_is_found_wherever_the_engine_puts_it(error, data):
    assert _revert_data(error) == (bytes.fromhex(data) if data is not None else None)


@pytest.mark.parametrize("engine", sorted(EXPECTED))
def test_no_ether_for_gas_says_how_to_get_some(engines, engine):
    chain = engines[engine]
    broke = Account.create()
    with pytest.raises(errors.TransactionError, match=r"[Ii]nsufficient funds.*too little ether.*Fund it.*"
                                                      r"rwa chain --engine ganache"):
        Transactor(chain).send(broke, chain.dev_accounts()[1].address, b"", value=1)


def test_missing_ganache_says_how_to_install(monkeypatch):
    monkeypatch.setenv("RWA_GANACHE", "/nonexistent/ganache")
    with pytest.raises(errors.ChainError, match=r"npm install ganache@7\.9\.2"):
        Chain.local(engine="ganache")
    with pytest.raises(errors.ConfigError, match="one of anvil, ganache"):
        Chain.local(engine="geth")


def test_anvil_is_found_on_path_or_in_a_foundry_install(tmp_path, monkeypatch):
    monkeypatch.delenv("RWA_ANVIL", raising=False)
    monkeypatch.setattr(node, "PROJECT_ROOT", tmp_path / "project")  # no node_modules
    on_path, home = tmp_path / "bin", tmp_path / "home"
    foundry = home / ".foundry" / "bin"
    for folder in (on_path, foundry):
        folder.mkdir(parents=True)
        (folder / "anvil").write_text("#!/bin/sh\n")
        (folder / "anvil").chmod(0o755)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("PATH", str(on_path))
    assert node.find_anvil() == str(on_path / "anvil")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert node.find_anvil() == str(foundry / "anvil")
    (foundry / "anvil").unlink()
    with pytest.raises(errors.AnvilNotFound, match="npm install @foundry-rs/anvil"):
        node.find_anvil()


def test_rwa_chain_starts_ganache_and_prints_what_to_use():
    proc = subprocess.Popen(
        [sys.executable, "-c", "from rwa_token import cli; cli.run()", "--json", "chain", "--engine", "ganache",
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        shown = json.loads(proc.stdout.readline())
        assert shown["chain_id"] == 31337 and shown["engine"] == "ganache" and shown["hardfork"] == "shanghai"
        assert shown["accounts"][0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" and len(shown["accounts"]) == 10
        # The dev keys, which holder-signed commands need: each is its account's.
        assert [Account.from_key(k).address for k in shown["keys"]] == shown["accounts"]
        outside = Chain.connect(shown["url"])
        assert outside.engine == "ganache" and outside.w3.eth.get_balance(shown["accounts"][0]) > 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    with pytest.raises(errors.ChainError, match="cannot reach"):
        Chain.connect(shown["url"])  # the chain died with the command


def test_rwa_chain_refuses_a_port_that_is_taken(chain):
    """The session chain holds its port: a second chain there must not report the first one as started."""
    port = int(chain.url.rsplit(":", 1)[1])
    with pytest.raises(errors.ChainError, match=f"port {port} is taken"):
        Chain.local(port=port)


def test_the_ganache_lane_names_existing_tests():
    from conftest import GANACHE_LANE, lane_entries_exist

    assert len(GANACHE_LANE) >= 6 and lane_entries_exist(ROOT) == []


def _readme_cli_sequence() -> list[list[str]]:
    section = (ROOT / "README.md").read_text().split("## Quick start: the CLI", 1)[1]
    block = re.search(r"^```bash\n(.*?)^```$", section, re.DOTALL | re.MULTILINE).group(1)
    commands = [shlex.split(line.split("#", 1)[0]) for line in block.splitlines() if line.startswith("rwa ")]
    return [c for c in commands if c[:2] != ["rwa", "chain"]]  # the session chain stands in for `rwa chain &`


def test_readme_cli_quick_start_runs_in_order(chain, tmp_path, capsys, monkeypatch):
    """The README's CLI sequence against the session chain (Ganache in the Ganache lane): each command exits 0 but
    the transfer check, which answers 3 (refused) with its reason code."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    commands = _readme_cli_sequence()
    assert [c[1] for c in commands] == ["policy", "deploy", "investors", "mint", "transfer", "policy", "--json"]
    outputs = []
    for command in commands:
        code, out, err = rwa(capsys, monkeypatch, *command[1:])
        assert code == (3 if "--check" in command else 0), f"{' '.join(command)}: {out} {err}"
        outputs.append(out)
    assert "Mainland China (CN) residents cannot hold this token" in outputs[0]  # offline, from the spec
    assert f"contracts built for {chain.evm} (detected from the node)" in outputs[1]  # shanghai on Ganache
    assert re.search(r"registered 18\d investors, .* 16 refused", outputs[2]) and "KYC expired" in outputs[2]
    assert outputs[4].startswith("refused [11] receiver's country is blocked")
    assert "Mainland China (CN) residents cannot hold this token" in outputs[5]  # read back from the chain
    status = json.loads(outputs[6])
    assert status["chain_id"] == 31337 and status["total_supply"] == "1000" and status["investors"] == 1
    assert status["total_supply_units"] == 1000 * 10**6


def test_the_spec_can_name_the_build_and_deploy_says_which(chain, accounts, tmp_path):
    """An offering spec's `evm: shanghai` deploys the shanghai build even on a node that runs prague, and says so;
    `--evm` (here `Chain(evm=...)`) would take precedence."""
    import dataclasses

    from rwa_token.chain.tx import Transactor
    from rwa_token.inputs.spec import load_spec
    from rwa_token.primitives import artifacts
    from rwa_token.services.deployment import deploy_offering

    spec = dataclasses.replace(load_spec(Path(__file__).resolve().parent.parent / "examples" / "highway-toll-abs.yaml"),
                               evm="shanghai")
    own = node.Chain.connect(chain.url)  # a Chain of its own: the session's keeps its detected build
    said: list[str] = []
    result = deploy_offering(Transactor(own), spec, accounts[0], tmp_path, say=said.append)
    assert "contracts built for shanghai (as set)" in said
    code = bytes(own.w3.eth.get_code(result.record.registry))
    shanghai = artifacts.ARTIFACTS_DIR / "shanghai" / "StandaloneInvestorRegistry.json"
    assert len(code) == (len(json.loads(shanghai.read_text())["deployedBytecode"]) - 2) // 2
    assert len(code) != (len(artifacts.load("StandaloneInvestorRegistry")["deployedBytecode"]) - 2) // 2
    assert node.Chain.connect(chain.url, evm="prague").evm == "prague"
