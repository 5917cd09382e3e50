"""`rwa --safe SAFE <command>` proposes to a Safe multisig instead of sending; `rwa safe sign|show|execute|list`.

A 2-of-3 Safe v1.4.1 is deployed on the anvil from the npm package's build (@safe-global/safe-contracts), with
MultiSendCallOnly at its canonical address, and holds the roles it exercises."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rwa_token.chain.safe import MULTISEND_CALL_ONLY
from rwa_token.contracts.token import SecurityToken
from cli_run import rwa

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SAFE_BUILD = ROOT / "node_modules" / "@safe-global" / "safe-contracts" / "build" / "artifacts" / "contracts"
WALLET = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25"
ZERO = "0x" + "00" * 20


def _artifact(path: str) -> dict:
    return json.loads((SAFE_BUILD / path).read_text())


def _fn(artifact: dict, name: str) -> dict:
    return next(e for e in artifact["abi"] if e.get("name") == name)


@pytest.fixture
def safe(chain, tx, deployed) -> str:
    """A 2-of-3 Safe of dev accounts 0, 1 and 2, deployed through SafeProxyFactory as Safe's own tooling does."""
    deployer = chain.dev_accounts(1)[0]
    owners = [a.address for a in chain.dev_accounts(3)]
    singleton = _artifact("Safe.sol/Safe.json")
    factory = _artifact("proxies/SafeProxyFactory.sol/SafeProxyFactory.json")
    handler = _artifact("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json")
    multisend = _artifact("libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json")
    deploy = {name: tx.send(deployer, None, bytes.fromhex(a["bytecode"][2:])).contract_address
              for name, a in (("singleton", singleton), ("factory", factory), ("handler", handler))}
    set_code = {"anvil": "anvil_setCode", "ganache": "evm_setAccountCode", "hardhat": "hardhat_setCode"}[chain.engine]
    # MultiSendCallOnly at its canonical address, where the SDK looks for it
    assert "error" not in chain.rpc(set_code, [MULTISEND_CALL_ONLY, multisend["deployedBytecode"]])
    setup = tx.encode_call(_fn(singleton, "setup"), [owners, 2, ZERO, b"", deploy["handler"], ZERO, 0, ZERO])
    create = _fn(factory, "createProxyWithNonce")
    args = [deploy["singleton"], setup, 7]
    address = tx.call(deploy["factory"], create, args, sender=deployer.address)
    tx.send(deployer, deploy["factory"], tx.encode_call(create, args))
    return address


def as_owner(monkeypatch, chain, index: int) -> None:
    monkeypatch.setenv("RWA_PRIVATE_KEY", "0x" + chain.dev_accounts(index + 1)[index].key.hex())


def token(chain, tx, deployed) -> SecurityToken:
    return SecurityToken(tx, deployed["tokens"]["HSTOLLA"])


def proposals(state: Path) -> list[Path]:
    return sorted((state / "safe").glob("0x*.json"))


def test_pause_proposed_signed_and_executed(deployed, safe, chain, tx, state, capsys, monkeypatch):
    assert rwa(capsys, monkeypatch, "roles", "grant", "agent", safe, "-c", "HSTOLLA")[0] == 0
    code, out, err = rwa(capsys, monkeypatch, "--json", "--safe", safe, "pause", "--yes")
    assert code == 0, err
    proposal = json.loads(out)  # the proposal is the only output: the pause has not happened
    assert (proposal["signatures"], proposal["threshold"], proposal["status"]) == (1, 2, "waiting for signatures")
    assert proposal["calls"][0]["contract"] == "token HSTOLLA" and proposal["calls"][0]["function"] == "pause"
    assert [p.stem for p in proposals(state)] == [proposal["safe_tx_hash"]]
    assert not token(chain, tx, deployed).paused()

    code, _, err = rwa(capsys, monkeypatch, "safe", "execute", proposal["safe_tx_hash"])
    assert code == 2 and "has 1 of 2 signatures" in err
    as_owner(monkeypatch, chain, 5)
    code, _, err = rwa(capsys, monkeypatch, "safe", "sign", proposal["safe_tx_hash"])
    assert code == 2 and "is not an owner of Safe" in err

    as_owner(monkeypatch, chain, 1)
    code, out, err = rwa(capsys, monkeypatch, "--json", "safe", "sign", proposal["safe_tx_hash"][:10])
    assert code == 0, err
    assert (json.loads(out)["signatures"], json.loads(out)["status"]) == (2, "ready")
    code, out, err = rwa(capsys, monkeypatch, "--json", "safe", "execute", proposal["safe_tx_hash"], "--dry-run")
    assert code == 0 and json.loads(out)["executed"] is None and not token(chain, tx, deployed).paused(), err
    code, out, err = rwa(capsys, monkeypatch, "--json", "safe", "execute", proposal["safe_tx_hash"])
    assert code == 0, err
    assert json.loads(out)["executed"]["tx"].startswith("0x") and token(chain, tx, deployed).paused()

    code, out, _ = rwa(capsys, monkeypatch, "--json", "safe", "list")
    assert code == 0 and [r["status"] for r in json.loads(out)["proposals"]] == ["executed"]
    code, _, err = rwa(capsys, monkeypatch, "safe", "execute", proposal["safe_tx_hash"])
    assert code == 2 and "was executed in" in err


def test_a_call_the_safe_may_not_make_is_refused_before_proposing(deployed, safe, state, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "--safe", safe, "pause", "--yes")
    assert code == 1 and f"{safe} lacks AGENT_ROLE" in json.loads(out)["error"]
    assert proposals(state) == []


def test_roles_granted_through_the_safe(deployed, safe, chain, state, capsys, monkeypatch):
    assert rwa(capsys, monkeypatch, "roles", "grant", "admin", safe, "-c", "distributor", "--yes")[0] == 0
    code, out, err = rwa(capsys, monkeypatch, "--safe", safe, "roles", "grant", "DISTRIBUTION_AGENT_ROLE", WALLET,
                         "-c", "distributor")
    assert code == 0 and "1 of 2 signatures" in out and "granted DISTRIBUTION" not in out, err
    assert f"grantRole(role=DISTRIBUTION_AGENT_ROLE, account={WALLET})" in out
    ref = proposals(state)[0].stem
    code, out, _ = rwa(capsys, monkeypatch, "safe", "show", str(proposals(state)[0]))
    assert code == 0 and "distributor: grantRole(role=DISTRIBUTION_AGENT_ROLE" in out
    as_owner(monkeypatch, chain, 2)
    assert rwa(capsys, monkeypatch, "safe", "sign", ref)[0] == 0
    code, _, err = rwa(capsys, monkeypatch, "safe", "execute", ref)
    assert code == 0, err
    code, out, _ = rwa(capsys, monkeypatch, "--json", "roles", "list", "--wallet", WALLET)
    rows = json.loads(out)["roles"]
    assert [(r["contract"], r["role"]) for r in rows] == [("distributor", "DISTRIBUTION_AGENT_ROLE")]


def test_several_calls_become_one_multisend_proposal(deployed, safe, chain, tx, state, capsys, monkeypatch):
    """Two sends of one run (here through the SDK, as a command with two steps would) are one Safe transaction,
    executed atomically through MultiSendCallOnly."""
    from rwa_token.services.context import Operator
    from rwa_token.services.safe import attach, propose

    assert rwa(capsys, monkeypatch, "roles", "grant", "agent", safe, "-c", "HSTOLLA")[0] == 0
    op = Operator.open(None, None, state=str(state))
    collected: list = []
    attach(op, safe, collected)
    op.token().pause()
    op.token().set_frozen(WALLET, True)
    assert len(collected) == 2 and not token(chain, tx, deployed).paused()
    proposal = propose(op, safe, collected, "pause and freeze")
    assert proposal.transaction.to == MULTISEND_CALL_ONLY and proposal.transaction.operation == 1
    code, out, _ = rwa(capsys, monkeypatch, "--json", "safe", "show", proposal.hash)
    assert [c["function"] for c in json.loads(out)["calls"]] == ["pause", "setAddressFrozen"]
    assert json.loads(out)["calls"][1]["args"] == {"account": WALLET, "freeze": True}
    as_owner(monkeypatch, chain, 1)
    assert rwa(capsys, monkeypatch, "safe", "sign", proposal.hash)[0] == 0
    code, _, err = rwa(capsys, monkeypatch, "safe", "execute", proposal.hash)
    assert code == 0, err
    assert token(chain, tx, deployed).paused() and token(chain, tx, deployed).is_frozen(WALLET)


def test_proposals_take_consecutive_nonces_and_a_failing_call_is_named(deployed, safe, chain, tx, state, capsys,
                                                                        monkeypatch):
    """The first proposal revokes the Safe's own agent role; the second, a pause, was fine when proposed and fails
    once the first has executed: the failure names the inner call's refusal, not the Safe's GS013."""
    assert rwa(capsys, monkeypatch, "roles", "grant", "agent", safe, "-c", "HSTOLLA")[0] == 0
    assert rwa(capsys, monkeypatch, "roles", "grant", "admin", safe, "-c", "HSTOLLA", "--yes")[0] == 0
    first = json.loads(rwa(capsys, monkeypatch, "--json", "--safe", safe, "roles", "revoke", "agent", safe, "-c",
                           "HSTOLLA")[1])
    second = json.loads(rwa(capsys, monkeypatch, "--json", "--safe", safe, "pause", "--yes")[1])
    assert (first["nonce"], second["nonce"]) == (0, 1)
    as_owner(monkeypatch, chain, 1)
    for proposal in (first, second):
        assert rwa(capsys, monkeypatch, "safe", "sign", proposal["safe_tx_hash"])[0] == 0
    code, _, err = rwa(capsys, monkeypatch, "safe", "execute", second["safe_tx_hash"])
    assert code == 2 and "execute the earlier ones first" in err
    assert rwa(capsys, monkeypatch, "safe", "execute", first["safe_tx_hash"])[0] == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "safe", "execute", second["safe_tx_hash"])
    assert code == 1 and f"{safe} lacks AGENT_ROLE" in json.loads(out)["error"]


@pytest.mark.parametrize("args, message", [
    (["deploy", "SECOND"], "deploys a contract, which a Safe proposal cannot do"),
    (["investors", "import", str(EXAMPLES / "investors.csv")], "which a Safe proposal cannot do"),
    (["safe", "list"], "`rwa safe list` cannot be proposed to a Safe: run it without --safe"),
])
def test_commands_that_need_a_mined_transaction_refuse_safe(deployed, safe, chain, state, tmp_path, capsys, monkeypatch,
                                                            args, message):
    second = tmp_path / "second.yaml"  # another offering: `deploy` of the deployed one has nothing to send
    second.write_text((EXAMPLES / "highway-toll-abs.yaml").read_text().replace("ABS 2026-1", "ABS 2026-2", 1))
    args = [str(second) if a == "SECOND" else a for a in args]
    code, _, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "--safe", safe, *args)
    assert code == 2 and message in " ".join(err.split()), err
    assert proposals(state) == []


def test_safe_mode_checks_the_key_and_the_address(deployed, safe, chain, state, capsys, monkeypatch):
    code, out, err = rwa(capsys, monkeypatch, "--safe", safe, "pause", "--dry-run")
    assert code == 1 and f"{safe} lacks AGENT_ROLE" in err  # simulated from the Safe, not from the key
    assert rwa(capsys, monkeypatch, "roles", "grant", "agent", safe, "-c", "HSTOLLA")[0] == 0
    code, out, err = rwa(capsys, monkeypatch, "--safe", safe, "pause", "--dry-run")
    assert code == 0 and "would succeed" in out, err
    as_owner(monkeypatch, chain, 4)
    code, _, err = rwa(capsys, monkeypatch, "--safe", safe, "pause", "--yes")
    assert code == 2 and "is not an owner of Safe" in err
    code, _, err = rwa(capsys, monkeypatch, "--safe", deployed["registry"], "pause", "--yes")
    assert code == 2 and "is not a Safe" in err
    code, _, err = rwa(capsys, monkeypatch, "safe", "show", "0xabcdef12")
    assert code == 2 and "no proposal '0xabcdef12'" in err
    assert proposals(state) == []


def test_a_safe_created_and_used_through_the_cli_alone(deployed, chain, state, capsys, monkeypatch):
    """On a fresh local chain `rwa safe create` deploys Safe's contracts (from safe-eth-py's build), then the Safe;
    rerunning it finds the same Safe."""
    owners = [a.address for a in chain.dev_accounts(3)]
    block = chain.block_number()
    code, out, err = rwa(capsys, monkeypatch, "--json", "safe", "create", *owners, "--threshold", "2", "--dry-run")
    assert code == 0 and json.loads(out)["created"] is False and chain.block_number() == block, err
    code, out, err = rwa(capsys, monkeypatch, "--json", "safe", "create", *owners, "--threshold", "2")
    created = json.loads(out)
    assert code == 0 and created["created"] is True and created["threshold"] == 2, err
    code, out, _ = rwa(capsys, monkeypatch, "--json", "safe", "create", *owners, "--threshold", "2")
    assert code == 0 and json.loads(out) == {**created, "created": False}
    safe = created["safe"]
    assert rwa(capsys, monkeypatch, "roles", "grant", "agent", safe, "-c", "HSTOLLA")[0] == 0
    assert rwa(capsys, monkeypatch, "--safe", safe, "freeze", WALLET)[0] == 0
    assert rwa(capsys, monkeypatch, "--safe", safe, "pause", "--yes")[0] == 0
    code, out, _ = rwa(capsys, monkeypatch, "--json", "safe", "list")
    rows = json.loads(out)["proposals"]
    assert [(r["nonce"], r["signatures"], r["status"]) for r in rows] == [
        (0, 1, "waiting for signatures"), (1, 1, "waiting for signatures")]
    as_owner(monkeypatch, chain, 2)
    for row in rows:
        assert rwa(capsys, monkeypatch, "safe", "sign", row["safe_tx_hash"])[0] == 0
        code, _, err = rwa(capsys, monkeypatch, "safe", "execute", row["safe_tx_hash"])
        assert code == 0, err
    code, out, _ = rwa(capsys, monkeypatch, "--json", "status")
    assert code == 0 and json.loads(out)["paused"] is True


@pytest.mark.parametrize("args, message", [
    (["--threshold", "4"], "--threshold 4: between 1 and the number of owners (3)"),
    (["--threshold", "0"], "--threshold 0: between 1"),
    (["--threshold", "1", "--salt", "-1"], "--salt -1"),
])
def test_safe_create_refuses_bad_input(chain, state, capsys, monkeypatch, args, message):
    owners = [a.address for a in chain.dev_accounts(3)]
    code, _, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "safe", "create", *owners, *args)
    assert code == 2 and message in err, err


def test_a_batch_that_fails_only_together_is_not_proposed(deployed, safe, state, capsys, monkeypatch):
    """Revoking the Safe's own agent role, then pausing: each call passes alone, the pair fails in order."""
    from rwa_token.contracts.roles import revoke
    from rwa_token.primitives.errors import ContractRevert
    from rwa_token.services.context import Operator
    from rwa_token.services.safe import attach, propose

    assert rwa(capsys, monkeypatch, "roles", "grant", "agent", safe, "-c", "HSTOLLA")[0] == 0
    assert rwa(capsys, monkeypatch, "roles", "grant", "admin", safe, "-c", "HSTOLLA", "--yes")[0] == 0
    op = Operator.open(None, None, state=str(state))
    collected: list = []
    attach(op, safe, collected)
    revoke(op.token(), "AGENT_ROLE", safe)
    op.token().pause()
    with pytest.raises(ContractRevert, match="pass one by one but fail together"):
        propose(op, safe, collected)
    assert proposals(state) == []


def test_a_proposals_amounts_are_shown_in_token_units(deployed, safe, state, capsys, monkeypatch):
    holder = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25"
    assert rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))[0] == 0
    assert rwa(capsys, monkeypatch, "mint", holder, "100")[0] == 0
    assert rwa(capsys, monkeypatch, "roles", "grant", "agent", safe, "-c", "HSTOLLA")[0] == 0
    code, out, err = rwa(capsys, monkeypatch, "--json", "--safe", safe, "burn", holder, "1.5", "--yes")
    assert code == 0, err
    assert json.loads(out)["calls"][0]["args"] == {"account": holder, "amount": "1.5", "amount_units": 1_500_000}
    code, out, _ = rwa(capsys, monkeypatch, "safe", "show", proposals(state)[0].stem)
    assert code == 0 and f"token HSTOLLA: burn(account={holder}, amount=1.5)" in out


def test_a_call_that_needs_the_one_before_it_is_proposed_in_one_batch(deployed, safe, chain, tx, state, capsys,
                                                                       monkeypatch):
    """The Safe grants itself the agent role, then pauses: the pause fails alone, but the batch passes in order."""
    from rwa_token.contracts.roles import grant
    from rwa_token.services.context import Operator
    from rwa_token.services.safe import attach, propose

    assert rwa(capsys, monkeypatch, "roles", "grant", "admin", safe, "-c", "HSTOLLA", "--yes")[0] == 0
    op = Operator.open(None, None, state=str(state))
    collected: list = []
    attach(op, safe, collected)
    grant(op.token(), "AGENT_ROLE", safe)
    op.token().pause()
    proposal = propose(op, safe, collected)
    as_owner(monkeypatch, chain, 1)
    assert rwa(capsys, monkeypatch, "safe", "sign", proposal.hash)[0] == 0
    code, _, err = rwa(capsys, monkeypatch, "safe", "execute", proposal.hash)
    assert code == 0 and token(chain, tx, deployed).paused(), err
