"""A deployment record that outlived its chain (a local anvil restarted, or reset, after `rwa deploy`): every command
that opens the offering says so in one line (which contract, which chain, what to do) instead of failing on the
first empty answer; `rwa deploy` never replaces such a record silently; the issuer scripts say the same line on a
fresh chain, as Brownie's throw-away development network is.

"Reset" here is the session anvil reverted to a snapshot taken before the deployment: same URL, same chain id, none
of the recorded contracts (what a restarted `rwa chain` looks like to the state folder)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_run import rwa

from rwa_token.chain import node
from rwa_token.chain.tx import Transactor
from rwa_token.inputs.spec import load_spec
from rwa_token.primitives.errors import ChainError
from rwa_token.store.state import StaleRecord, only_record, record_paths

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "examples" / "highway-toll-abs.yaml"
AU = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25"  # an eligible investor of examples/investors.csv
DEPLOY_HINT = " (`rwa deploy --replace-stale-record` moves it aside for you)"  # what `rwa deploy` adds to the line


@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / "state"))
    for name in ("RWA_PRIVATE_KEY", "RWA_RPC_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "state"


@pytest.fixture
def stale(chain, state, capsys, monkeypatch):
    """The example offering deployed with `rwa deploy` (commands work), then the chain reset to before it."""
    before = chain.snapshot()
    code, out, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "--json", "deploy", str(SPEC))
    assert code == 0, err
    assert rwa(capsys, monkeypatch, "status")[0] == 0
    assert chain.revert(before)
    return json.loads(out.strip().splitlines()[-1])


def record_file(state: Path) -> Path:
    (path,) = (state / "deployments").glob("*.json")
    return path


def assert_stale_line(line: str, record: dict, url: str, chain_id: int, state: Path) -> None:
    """The one line: the contract (name and address), the chain (URL and id), the record, and what to do."""
    assert "\n" not in line.strip()
    assert f"offering {record['name']!r}: its registry {record['registry']} has no code" in line
    assert f"on chain {chain_id} at {url}" in line
    assert str(record_file(state)) in line and "is stale" in line
    assert f"redeploy with `rwa deploy {SPEC}`" in line and "remove or move that record" in line
    assert "point --state at another state folder" in line
    assert "InsufficientDataBytes" not in line and "Traceback" not in line


def test_every_command_on_a_reset_chain_says_what_is_missing_in_one_line(stale, chain, state, capsys, monkeypatch):
    for args in (["status"], ["investors", "import", str(ROOT / "examples" / "investors.csv")], ["mint", AU, "100"],
                 ["policy", "explain"], ["--rpc-url", chain.url, "report", "captable"]):
        code, out, err = rwa(capsys, monkeypatch, *args)
        assert (code, out) == (2, ""), (args, out, err)
        assert err.startswith("error: offering "), (args, err)
        assert_stale_line(err, stale, chain.url, chain.chain_id, state)
        total = len(only_record(state).contracts())  # none of the offering's own contracts is left
        assert re.search(rf"has no code on chain \d+ at \S+ \(nor do \d+ more of its {total} contracts\)", err)
    code, out, err = rwa(capsys, monkeypatch, "--json", "status")
    (line,) = out.splitlines()
    assert code == 2 and json.loads(line)["exit"] == 2 and err == ""
    assert_stale_line(json.loads(line)["error"], stale, chain.url, chain.chain_id, state)


def test_the_check_is_one_batched_call_and_survives_a_node_without_batches(chain, state, capsys, monkeypatch):
    from rwa_token.services.context import Operator

    assert rwa(capsys, monkeypatch, "--rpc-url", chain.url, "deploy", str(SPEC))[0] == 0
    record = only_record(state)
    batches: list[list[str]] = []
    real = node.rpc_batch_request

    def counting(url, calls, timeout=60.0):
        batches.append([method for method, _ in calls])
        return real(url, calls, timeout=timeout)

    monkeypatch.setattr(node, "rpc_batch_request", counting)
    op = Operator.open(None, None)
    assert op.record == record and batches == [["eth_getCode"] * len(record.contracts())]
    named = {what.split()[0] for what, _ in record.contracts()}
    assert named == {"registry", "token", "distributor", "module", "factory", "payment"}

    def refused(url, calls, timeout=60.0):
        raise ChainError(f"{url} refused a batch request: batches are not enabled")

    monkeypatch.setattr(node, "rpc_batch_request", refused)  # then it asks one contract at a time
    assert Operator.open(None, None).record == record
    chain.rpc("anvil_setCode", [record.distributor, "0x"])
    with pytest.raises(StaleRecord, match=f"its distributor {record.distributor} has no code on chain"):
        Operator.open(None, None)


def test_deploy_refuses_to_replace_a_stale_record(stale, chain, state, capsys, monkeypatch):
    path = record_file(state)
    saved = path.read_bytes()
    for args in (["deploy", str(SPEC)], ["--rpc-url", chain.url, "deploy", str(SPEC)]):
        code, out, err = rwa(capsys, monkeypatch, *args)
        assert (code, out) == (2, ""), err
        assert_stale_line(err, stale, chain.url, chain.chain_id, state)
        assert err.rstrip().endswith(DEPLOY_HINT)
    assert path.read_bytes() == saved and [p.name for p in path.parent.iterdir()] == [path.name]

    # A record of another chain is not replaced either (today's behaviour was to deploy over it).
    other = json.loads(saved) | {"chain_id": 1, "rpc_url": "https://rpc.example"}
    path.write_text(json.dumps(other))
    code, _, err = rwa(capsys, monkeypatch, "--rpc-url", chain.url, "deploy", str(SPEC))
    assert code == 2 and f"is already recorded in {path} on chain 1 (https://rpc.example)" in err
    assert f"not on chain {chain.chain_id} at {chain.url}" in err and "another --state folder" in err
    assert json.loads(path.read_text()) == other


def test_replacing_a_stale_record_on_request_says_what_it_replaced_and_resumes_a_crash(stale, chain, state, accounts,
                                                                                      capsys, monkeypatch):
    """With `replace_stale_record` the stale record is moved to deployments/replaced/ (and said so), and the
    deployment runs; interrupted before its factory call, the rerun (no flag needed: the record is out of the way)
    resumes from the progress file; then a rerun has nothing to do."""
    from rwa_token.contracts.factory import OfferingFactory
    from rwa_token.services.deployment import deploy_offering

    spec, said = load_spec(SPEC), []
    real = OfferingFactory.deploy_offering
    reset = chain.snapshot()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(OfferingFactory, "deploy_offering", crash)
    with pytest.raises(KeyboardInterrupt):
        deploy_offering(Transactor(chain), spec, accounts[0], state, say=said.append, replace_stale_record=True)
    (line,) = [s for s in said if s.startswith("replaced the stale record")]
    (kept,) = (state / "deployments" / "replaced").glob("*.json")
    assert f"its registry {stale['registry']} has no code on chain {chain.chain_id} at {chain.url}" in line
    old = json.loads(kept.read_text())
    assert line.endswith(f"the old record is kept at {kept}") and (old["name"], old["registry"], old["tokens"]) == (
        stale["name"], stale["registry"], stale["tokens"])
    progress = json.loads(next((state / "deployments").glob("*.progress.json")).read_text())["steps"]
    assert set(progress) == {"payment_tokens", "registry", "distributor"}
    assert record_paths(state) == []  # a progress file is no record (`--offering` need not name it)

    monkeypatch.setattr(OfferingFactory, "deploy_offering", real)
    said.clear()
    result = deploy_offering(Transactor(chain), spec, accounts[0], state, say=said.append)
    assert not result.resumed and result.record.registry == progress["registry"] and result.replaced is None
    assert not any("deployed mock payment token" in s for s in said)  # reused, not deployed twice
    assert [p.name for p in (state / "deployments").glob("*.json")] == [record_file(state).name]
    assert rwa(capsys, monkeypatch, "status")[0] == 0
    again = deploy_offering(Transactor(chain), spec, accounts[0], state, say=said.append, replace_stale_record=True)
    assert again.resumed and again.record == result.record and "nothing to do" in said[-1]

    assert chain.revert(reset)  # stale again: replaced in one run this time, the result says where it went
    fresh = deploy_offering(Transactor(chain), spec, accounts[0], state, say=said.append, replace_stale_record=True)
    assert fresh.replaced is not None and fresh.replaced.parent == kept.parent and fresh.replaced != kept
    assert json.loads(fresh.replaced.read_text())["registry"] == result.record.registry
    assert not fresh.resumed and rwa(capsys, monkeypatch, "status")[0] == 0


# ------------------------------------------------------------------------------------------------------ the scripts
def _script_env(state: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RWA_")}
    return env | {"RWA_STATE_DIR": str(state)}


_FAKE_BROWNIE = """
import sys, types
brownie = types.ModuleType("brownie")  # what `brownie run` leaves in sys.modules: a connected network
brownie.network = types.SimpleNamespace(is_connected=lambda: True)
brownie.web3 = types.SimpleNamespace(provider=types.SimpleNamespace(endpoint_uri=sys.argv[1]))
sys.modules["brownie"] = brownie
sys.path.insert(0, "scripts")
import pay_coupon
pay_coupon.main("10")  # as `brownie run scripts/pay_coupon.py main 10` calls it
"""


def test_the_scripts_say_the_same_line_on_a_fresh_chain(stale, chain, state):
    """Without $RWA_RPC_URL each script starts a private anvil (a fresh chain 31337, like Brownie's development
    network); run under a (stand-in) Brownie they use its network. Either way: the one line, exit 2."""
    runs = {
        "deploy_offering": [sys.executable, "scripts/deploy_offering.py", str(SPEC)],
        "onboard_investors": [sys.executable, "scripts/onboard_investors.py"],
        "pay_coupon": [sys.executable, "scripts/pay_coupon.py", "10"],
        "under brownie": [sys.executable, "-c", _FAKE_BROWNIE, chain.url],
    }
    started = {name: subprocess.Popen(args, cwd=ROOT, env=_script_env(state), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for name, args in runs.items()}
    lines = {}
    for name, process in started.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 2, (name, out, err)
        assert err.startswith("error: offering ") and err.count("\n") == 1, (name, err)
        url = re.search(r" at (http://127\.0\.0\.1:\d+)", err).group(1)
        assert_stale_line(err, stale, url, chain.chain_id, state)
        # (how many contracts are missing depends on the chain: the session's has the factory deployed)
        lines[name] = re.sub(r"nor do \d+ more", "nor do N more", err.replace(url, "URL").replace(DEPLOY_HINT, ""))
    assert DEPLOY_HINT not in lines["pay_coupon"] and len(set(lines.values())) == 1, lines


def test_rwa_deploy_replace_stale_record_says_what_it_replaced(stale, chain, state, capsys, monkeypatch):
    """`rwa deploy --replace-stale-record` (the flag the refusal names) moves the stale record aside, says where,
    and deploys; `status` works again."""
    code, out, err = rwa(capsys, monkeypatch, "deploy", "--replace-stale-record", str(SPEC))
    assert code == 0, err
    (kept,) = (state / "deployments" / "replaced").glob("*.json")
    assert f"replaced the stale record of {stale['name']!r} (its registry {stale['registry']} has no code" in out
    assert f"the old record is kept at {kept}" in out
    code, out, err = rwa(capsys, monkeypatch, "--json", "deploy", "--replace-stale-record", str(SPEC))
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["replaced"] is None  # live now: nothing to do
    assert rwa(capsys, monkeypatch, "status")[0] == 0
