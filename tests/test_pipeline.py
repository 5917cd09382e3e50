"""The toolchain end to end: shipped artifacts, compile, deploy on anvil, call, and every kind of revert decoded."""
from __future__ import annotations

import json

import pytest

from rwa_token.chain.node import Chain, LocalAnvil
from rwa_token.contracts.base import ContractWrapper
from rwa_token.contracts.stablecoin import MockStablecoin
from rwa_token.primitives import artifacts, compiler, errors


class Probe(ContractWrapper):
    CONTRACT = "RevertProbe"


def test_shipped_artifacts_match_contract_sources():
    assert compiler.stale_artifacts() == [], "run `make compile` and commit rwa_token/artifacts/"


def test_shipped_contracts_fit_the_eip170_size_limit():
    """The shipped (IR-pipeline) build is what deploys; forge's legacy build may exceed the limit (foundry.toml)."""
    sizes = {path.stem: (len(artifacts.load(path.stem)["deployedBytecode"]) - 2) // 2
             for path in artifacts.ARTIFACTS_DIR.glob("*.json")}
    assert sizes["SecurityToken"] > 15_000 and sizes["SecurityTokenAdmin"] > 10_000  # really measured
    # 1 KiB of headroom under EIP-170's 24,576 bytes for every contract that ships.
    assert {name: size for name, size in sizes.items() if size > 24_576 - 1_024} == {}


def test_deploy_mint_and_read_back(tx, accounts):
    usd = MockStablecoin.deploy(tx, accounts[0], "US Dollar Coin", "USDC", 6)
    receipt = usd.mint(accounts[1].address, 1_500_000)
    assert usd.balance_of(accounts[1].address) == 1_500_000
    assert usd.decimals() == 6 and usd.symbol() == "USDC"
    [transfer] = receipt.events("Transfer")
    assert transfer["args"]["to"] == accounts[1].address and transfer["args"]["value"] == 1_500_000


def test_custom_error_without_arguments_is_named(tx, accounts):
    usd = MockStablecoin.deploy(tx, accounts[0], "US Dollar Coin", "USDC", 6)
    with pytest.raises(errors.ContractCustomError) as err:
        usd.mint(accounts[1].address, 0)
    assert err.value.name == "ZeroAmount"


def test_openzeppelin_error_carries_its_arguments(tx, accounts):
    usd = MockStablecoin.deploy(tx, accounts[0], "US Dollar Coin", "USDC", 6)
    usd.mint(accounts[1].address, 10)
    with pytest.raises(errors.ContractCustomError) as err:
        usd.transfer(accounts[2].address, 11, sender=accounts[1])
    assert err.value.name == "ERC20InsufficientBalance"
    assert err.value.args_by_name == {"sender": accounts[1].address, "balance": 10, "needed": 11}


def test_require_string_panic_and_bare_revert_are_decoded(tx, accounts):
    probe = Probe.deploy(tx, accounts[0])
    with pytest.raises(errors.RevertWithReason, match="value must be non-zero"):
        probe.send("setValue", 0)
    with pytest.raises(errors.Panic) as panic:
        probe.call("divide", 0)
    assert panic.value.code == 0x12
    with pytest.raises(errors.ContractRevert, match="no reason"):
        probe.call("bare")
    with pytest.raises(errors.ContractCustomError) as custom:
        probe.call("refuse", 7)
    assert custom.value.args_by_name["amount"] == 7 and custom.value.args_by_name["why"] == "probe"


def test_mined_failure_is_replayed_for_its_reason(tx, accounts):
    probe = Probe.deploy(tx, accounts[0])
    # A fixed gas limit skips estimation, so the revert happens on chain and must be recovered by replay.
    data = tx.encode_call(probe.function("setValue"), [0])
    with pytest.raises(errors.RevertWithReason, match="non-zero"):
        tx.send(accounts[0], probe.address, data, gas=100_000)


def test_restriction_codes_map_to_named_exceptions():
    exc = errors.restriction(11)
    assert isinstance(exc, errors.TransferRestricted) and type(exc).__name__ == "CountryBlocked"
    assert exc.code == 11 and "blocked" in exc.reason


def test_nonce_taken_by_another_sender_is_recovered(tx, accounts):
    usd = MockStablecoin.deploy(tx, accounts[0], "US Dollar Coin", "USDC", 6)
    other = type(tx)(tx.chain)  # a second process sending from the same key
    usd.mint(accounts[1].address, 1)
    MockStablecoin(other, usd.address, accounts[0]).mint(accounts[1].address, 1)
    usd.mint(accounts[1].address, 1)  # our cached nonce is stale now; the layer resyncs
    assert usd.balance_of(accounts[1].address) == 3


def test_missing_anvil_says_how_to_install(monkeypatch):
    monkeypatch.setenv("RWA_ANVIL", "/nonexistent/anvil")
    with pytest.raises(errors.AnvilNotFound, match="npm install @foundry-rs/anvil"):
        LocalAnvil().start()


def test_unreachable_rpc_is_one_clear_error():
    with pytest.raises(errors.ChainError, match="cannot reach"):
        Chain.connect("http://127.0.0.1:1")


def test_wrong_chain_id_is_refused(chain):
    with pytest.raises(errors.WrongChain, match="expected chain 1"):
        Chain.connect(chain.url, expected_chain_id=1)


def test_local_anvil_stops_on_close():
    local = Chain.local()
    process = local.anvil.process
    local.close()
    assert process.poll() is not None


CANCUN_OPCODES = {0x5C: "TLOAD", 0x5D: "TSTORE", 0x5E: "MCOPY"}


def _opcodes(code_hex: str) -> set[int]:
    """Opcodes of runtime bytecode: PUSH data skipped, up to the first INVALID. The IR pipeline ends the code with
    INVALID and appends its data after it (constants it copies from code, such as role hashes), followed by the CBOR
    metadata; the prague build's cancun opcodes all show before that point (asserted below)."""
    code = bytes.fromhex(code_hex[2:])
    seen, i = set(), 0
    while i < len(code) and code[i] != 0xFE:
        op = code[i]
        seen.add(op)
        i += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
    return seen


def test_the_shanghai_build_runs_without_cancun_opcodes():
    """Each contract the prague build deploys has a shanghai build, with none of TLOAD, TSTORE or MCOPY."""
    assert compiler.EVM_TARGETS == artifacts.EVM_TARGETS and compiler.EVM_VERSION == artifacts.EVM_DEFAULT
    deployable = {p.stem for p in artifacts.ARTIFACTS_DIR.glob("*.json") if len(artifacts.load(p.stem)["bytecode"]) > 2}
    shanghai = {p.stem: p for p in (artifacts.ARTIFACTS_DIR / "shanghai").glob("*.json")}
    assert set(shanghai) == deployable
    prague_uses = set().union(*(_opcodes(artifacts.load(n)["deployedBytecode"]) for n in deployable))
    assert prague_uses & set(CANCUN_OPCODES), "the check can fail: the prague build does use cancun opcodes"
    for name, path in shanghai.items():
        used = _opcodes(json.loads(path.read_text())["deployedBytecode"]) & set(CANCUN_OPCODES)
        assert not used, f"{name} (shanghai) uses {sorted(CANCUN_OPCODES[o] for o in used)}"


def test_error_arguments_holding_text_read_as_text():
    """A purpose name or currency code in a revert shows as the text, not as hex; other bytes stay hex."""
    from eth_abi import encode
    from eth_utils import keccak

    from rwa_token.chain.tx import decode_revert

    purpose = b"marketing".ljust(32, b"\0")
    err = decode_revert(keccak(text="UnknownPurpose(bytes32)")[:4] + encode(["bytes32"], [purpose]))
    assert str(err) == "UnknownPurpose(purpose='marketing')"
    err = decode_revert(keccak(text="CurrencyRefused(bytes8)")[:4] + encode(["bytes8"], [b"CNH".ljust(8, b"\0")]))
    assert str(err) == "CurrencyRefused(currency='CNH')"
    binary = bytes(range(1, 33))
    err = decode_revert(keccak(text="UnknownPurpose(bytes32)")[:4] + encode(["bytes32"], [binary]))
    assert str(err) == f"UnknownPurpose(purpose=0x{binary.hex()})"
