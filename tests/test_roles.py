"""`rwa roles list|grant|revoke`: roles by name across every contract of the offering, and refusals that name the
role rather than its hash."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_run import rwa

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
WALLET = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25"


def roles(capsys, monkeypatch, *args: str) -> list[dict]:
    code, out, err = rwa(capsys, monkeypatch, "--json", "roles", "list", *args)
    assert code == 0, err
    return json.loads(out)["roles"]


def held(rows: list[dict], contract: str, role: str) -> list[str]:
    return [h["account"] for r in rows if r["contract"] == contract and r["role"] == role for h in r["holders"]]


def test_list_shows_the_deployments_holders_by_name(deployed, chain, capsys, monkeypatch):
    issuer = chain.dev_accounts(1)[0].address
    rows = roles(capsys, monkeypatch)
    contracts = {r["contract"] for r in rows}
    assert {"registry", "HSTOLLA", "distributor"} <= contracts
    assert issuer in held(rows, "HSTOLLA", "AGENT_ROLE")
    assert issuer in held(rows, "registry", "DEFAULT_ADMIN_ROLE")
    owner = [h for r in rows if r["contract"] == "HSTOLLA" and r["role"] == "DEFAULT_ADMIN_ROLE"
             for h in r["holders"] if h["how"] == "owner"]
    assert [h["account"] for h in owner] == [issuer]  # the ERC-173 owner, with no RoleGranted event
    code, out, _ = rwa(capsys, monkeypatch, "roles", "list", "--contract", "hstolla")
    assert code == 0 and "AGENT_ROLE" in out and "registry" not in out


def test_grant_and_revoke_round_trip(deployed, capsys, monkeypatch):
    code, out, err = rwa(capsys, monkeypatch, "--json", "roles", "grant", "agent", WALLET, "--contract", "HSTOLLA")
    assert code == 0, err
    assert json.loads(out)["role"] == "AGENT_ROLE" and json.loads(out)["tx"].startswith("0x")
    assert WALLET in held(roles(capsys, monkeypatch, "--wallet", WALLET), "HSTOLLA", "AGENT_ROLE")
    code, out, _ = rwa(capsys, monkeypatch, "--json", "roles", "grant", "AGENT_ROLE", WALLET, "-c", "HSTOLLA")
    assert code == 0 and json.loads(out)["changed"] is False  # already held: nothing sent
    code, out, err = rwa(capsys, monkeypatch, "roles", "revoke", "AGENT_ROLE", WALLET, "-c", "HSTOLLA")
    assert code == 0 and "revoked" in out, err
    assert roles(capsys, monkeypatch, "--wallet", WALLET) == []


def test_a_role_of_one_contract_needs_no_contract_name(deployed, capsys, monkeypatch):
    code, out, err = rwa(capsys, monkeypatch, "--json", "roles", "grant", "registrar", WALLET)
    assert code == 0, err
    assert json.loads(out)["contract"] == "registry"


def test_dry_run_sends_nothing(deployed, chain, capsys, monkeypatch):
    block = chain.block_number()
    code, out, err = rwa(capsys, monkeypatch, "--json", "roles", "grant", "admin", WALLET, "-c", "distributor",
                         "--dry-run")
    assert code == 0 and json.loads(out)["dry_run"] is True, err
    assert chain.block_number() == block
    assert held(roles(capsys, monkeypatch), "distributor", "DEFAULT_ADMIN_ROLE") == [chain.dev_accounts(1)[0].address]


def test_the_admin_role_asks_first(deployed, capsys, monkeypatch):
    code, _, err = rwa(capsys, monkeypatch, "roles", "grant", "admin", WALLET, "-c", "registry")
    assert code == 2 and "--yes" in err
    code, _, err = rwa(capsys, monkeypatch, "roles", "grant", "admin", WALLET, "-c", "registry", "--yes")
    assert code == 0, err


@pytest.mark.parametrize("args, message", [
    (["grant", "MINTER_ROLE", WALLET, "-c", "HSTOLLA"],
     "HSTOLLA has no role 'MINTER_ROLE' (its roles: DEFAULT_ADMIN_ROLE, AGENT_ROLE, COMPLIANCE_ROLE, SNAPSHOT_ROLE)"),
    (["grant", "AGENT_ROLE", WALLET, "-c", "nope"], "has no contract 'nope' (it has: registry, HSTOLLA"),
    (["grant", "admin", WALLET], "DEFAULT_ADMIN_ROLE is a role of registry, HSTOLLA"),
    (["revoke", "agent", "0x1234", "-c", "HSTOLLA"], "is not an Ethereum address"),
    (["list", "--wallet", "nobody"], "is not an Ethereum address"),
])
def test_bad_input_exits_2_naming_what_is_valid(deployed, capsys, monkeypatch, args, message):
    code, _, err = rwa(capsys, monkeypatch, "roles", *args)
    assert code == 2 and message in " ".join(err.split()), err


def test_an_unauthorised_callers_refusal_names_the_role(deployed, chain, capsys, monkeypatch):
    stranger = chain.dev_accounts(5)[4]
    monkeypatch.setenv("RWA_PRIVATE_KEY", "0x" + stranger.key.hex())
    code, out, _ = rwa(capsys, monkeypatch, "--json", "roles", "grant", "agent", WALLET, "-c", "HSTOLLA", "--dry-run")
    error = json.loads(out)
    assert code == 1 and f"{stranger.address} lacks DEFAULT_ADMIN_ROLE" in error["error"]
    assert "0x0000" not in error["error"]  # the role by name, not its (zero) hash
    code, out, _ = rwa(capsys, monkeypatch, "--json", "pause", "--yes")
    assert code == 1 and f"{stranger.address} lacks AGENT_ROLE" in json.loads(out)["error"]


def test_revoking_the_owners_admin_role_says_it_renounces_ownership(deployed, chain, capsys, monkeypatch):
    issuer = chain.dev_accounts(1)[0].address
    assert rwa(capsys, monkeypatch, "roles", "grant", "admin", WALLET, "-c", "registry", "--yes")[0] == 0
    code, _, err = rwa(capsys, monkeypatch, "roles", "revoke", "admin", issuer, "-c", "registry")
    assert code == 2 and "the owner: this renounces ownership of registry" in err
    code, _, err = rwa(capsys, monkeypatch, "roles", "revoke", "admin", issuer, "-c", "registry", "--yes")
    assert code == 0, err
    assert held(roles(capsys, monkeypatch, "-c", "registry"), "registry", "DEFAULT_ADMIN_ROLE") == [WALLET]
