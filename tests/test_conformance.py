"""docs/conformance.md is what tools/conformance.py generates, and the ABI comparison it records passes.

Slither is not run here (it takes ~25 s): `make conformance`, part of `make test`, runs everything and fails on a
stale document. These tests cover the ABI part, the ERC-165 ids and the parsing of slither-check-erc's report.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def conformance():
    spec = importlib.util.spec_from_file_location("conformance", ROOT / "tools/conformance.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["conformance"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    if not module.TREX.exists():
        pytest.fail("node_modules/@tokenysolutions/t-rex missing: run `make setup`")
    return module


def test_abi_part_of_the_document_is_current(conformance):
    fresh, _ = conformance.abi_markdown()
    recorded = conformance.abi_section(conformance.DOC.read_text())
    assert recorded == fresh, "docs/conformance.md is stale: run `python tools/conformance.py --write`"


def test_every_standard_abi_matches(conformance):
    _, tables = conformance.abi_markdown()
    problems = [f"{t.title}: {r.item} {r.result} {r.note}" for t in tables for r in t.rows
                if r.result in ("MISSING", "MISMATCH")]
    assert not problems, "\n".join(problems)
    assert {t.title.split(":")[0] for t in tables} >= {"ERC-3643 token", "ERC-3643 registry"}
    assert all(t.rows for t in tables)


def test_interface_ids_from_the_reference_abis(conformance):
    ids = {name: conformance.interface_id(conformance.load_abi(ref), which)
           for name, ref, which, _, _ in conformance.INTERFACE_IDS}
    assert ids["ERC-3643 IToken (T-REX 4.1.6)"] == "0x1b643469"
    assert ids["ERC-3643 AgentRole (T-REX 4.1.6)"] == "0x02b23fde"
    assert ids["ERC-3643 IIdentityRegistry (T-REX 4.1.6)"] == "0x8ff89f73"
    assert ids["ERC-7943 fungible (IERC7943Fungible)"] == "0x3edbb4c4"


def test_compare_reports_missing_and_mismatch(conformance):
    def fn(name, inputs, outputs=(), mut="nonpayable"):
        return {"type": "function", "name": name, "stateMutability": mut,
                "inputs": [{"name": "", "type": t} for t in inputs],
                "outputs": [{"name": "", "type": t} for t in outputs]}

    def ev(name, inputs):
        return {"type": "event", "name": name, "anonymous": False,
                "inputs": [{"name": "", "type": t, "indexed": i} for t, i in inputs]}

    reference = [fn("a", ["address"], ["bool"]), fn("b", ["uint256"]), fn("c", [], ["uint8"], "view"),
                 fn("d", ["address"]), ev("E", [("address", True), ("uint256", False)])]
    ours = [fn("a", ["address"], ["uint256"]), fn("b", ["uint256"], mut="pure"), fn("c", [], ["uint8"], "pure"),
            fn("d", ["address", "uint256"]), ev("E", [("address", False), ("uint256", False)])]
    rows = {r.item: r for r in conformance.compare(reference, ours)}
    assert rows["a(address)"].result == "MISMATCH" and "returns" in rows["a(address)"].note
    assert rows["b(uint256)"].result == "MISMATCH" and "pure" in rows["b(uint256)"].note
    assert rows["c()"].result == "OK"  # view and pure are one class
    assert rows["d(address)"].result == "MISMATCH" and "d(address,uint256)" in rows["d(address)"].note
    assert rows["E(address,uint256)"].result == "MISMATCH"
    assert conformance.compare([fn("z", [])], ours)[0].result == "MISSING"


SAMPLE_REPORT = """# Check SecurityTokenAdmin

## Check functions
[✓] permit(address,address,uint256,uint256,uint8,bytes32,bytes32) is present
\t[✓] permit(address,address,uint256,uint256,uint8,bytes32,bytes32) -> () (correct return type)
[✓] nonces(address) is present
\t[ ] nonces(address) -> (uint128) should return uint256
\t[✓] nonces(address) is view
[ ] DOMAIN_SEPARATOR() is missing 
[ ] totalSupply() is missing 


"""


def test_slither_report_parsing(conformance):
    rows = {r.item: r for _, r in conformance.parse_check_erc("ERC2612", SAMPLE_REPORT)}
    assert rows["permit(address,address,uint256,uint256,uint8,bytes32,bytes32)"].result == "OK"
    assert rows["nonces(address)"].result == "MISMATCH" and "uint128" in rows["nonces(address)"].note
    assert rows["DOMAIN_SEPARATOR()"].result == "MISSING"  # never accepted
    assert rows["totalSupply()"].result == "ACCEPTED"  # A3: served by SecurityToken at the same address
    race = conformance.parse_check_erc(
        "ERC20", "# Check SecurityToken\n\n## Check events\n\n\n\t[ ] SecurityToken is not protected for the "
                 "ERC20 approval race condition\n")
    assert [r.result for _, r in race] == ["ACCEPTED"]
