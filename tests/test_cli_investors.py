"""The investor lifecycle through `rwa investors ...`: a re-imported CSV applies exactly its changed rows; list,
show, update, renew, remove and freeze, with --json, --dry-run and bad input (exit 2)."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from rwa_token.store.directory import InvestorDirectory
from cli_run import last as last_json, rwa

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
HEADER = "wallet,investor_id,country,category,kyc_expiry\n"
AU = "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D25"  # INV-00004, two wallets
AU2 = "0x00000000000000000000000000000000000a0002"
HK = "0x3c69d2321391eB135fF2C248c9D348aC6e22EEdF"  # INV-00006
SG = "0x798EfaC44202AB6475181d930714EfCee742fB48"  # INV-00005
ROWS = {AU: "INV-00004,AU,professional,2030-01-03", AU2: "INV-00004,AU,professional,2030-01-03",
        HK: "INV-00006,HK,professional,2028-11-27", SG: "INV-00005,SG,institutional,2030-08-14"}
UNKNOWN = "0x00000000000000000000000000000000000b0001"


def write_csv(path: Path, rows: dict[str, str]) -> Path:
    path.write_text(HEADER + "".join(f"{wallet},{row}\n" for wallet, row in rows.items()))
    return path


@pytest.fixture
def imported(deployed, tmp_path, capsys, monkeypatch):
    """The offering with four wallets of three investors imported, and 100 HSTOLLA minted to the AU investor."""
    code, out, err = rwa(capsys, monkeypatch, "--json", "investors", "import", str(write_csv(tmp_path / "a.csv", ROWS)))
    assert code == 0, err
    assert (last_json(out)["registered"], last_json(out)["linked_wallets"]) == (3, 1)
    assert rwa(capsys, monkeypatch, "mint", AU, "100")[0] == 0
    return deployed


def show(capsys, monkeypatch, who: str) -> dict:
    code, out, err = rwa(capsys, monkeypatch, "--json", "investors", "show", who)
    assert code == 0, err
    return json.loads(out)


def test_directory_keeps_issuer_ids_per_wallet_across_opens(tmp_path):
    record = SimpleNamespace(slug="deal", name="Deal", registry="0x" + "1" * 40)
    directory = InvestorDirectory.open(tmp_path, record)
    directory.set_many({AU: "INV-00004", AU2.lower(): "INV-00004"})
    directory.set(HK, "INV-00006")
    again = InvestorDirectory.open(tmp_path, record)
    assert again.wallets("INV-00004") == [AU, "0x00000000000000000000000000000000000A0002"]
    again.remove(AU)
    assert InvestorDirectory.open(tmp_path, record).all() == {
        "0x00000000000000000000000000000000000A0002": "INV-00004", HK: "INV-00006"}
    assert (tmp_path / "investors" / "deal.json").exists() and again.issuer_id(AU) is None


def test_reimport_shows_and_applies_exactly_the_changed_rows(imported, tmp_path, capsys, monkeypatch):
    changed = dict(ROWS)
    changed[HK] = "INV-00006,HK,professional,2029-11-27"  # KYC renewal
    changed[SG] = "INV-00005,SG,professional,2030-08-14"  # category change
    csv = write_csv(tmp_path / "b.csv", changed)
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "import", "--dry-run", str(csv))
    plan = last_json(out)
    assert code == 0 and plan["dry_run"] and (plan["updated"], plan["already_done"], plan["registered"]) == (2, 2, 0)
    assert show(capsys, monkeypatch, HK)["wallets"][0]["kyc_expiry"] == "2028-11-27"  # nothing sent
    code, out, _ = rwa(capsys, monkeypatch, "investors", "import", str(csv))
    assert code == 0 and "updated 2, 2 already done" in out
    assert f"{HK} (line 4): kyc 2028-11-27 -> 2029-11-27" in out
    assert f"{SG} (line 5): category institutional -> professional" in out
    assert show(capsys, monkeypatch, HK)["wallets"][0]["kyc_expiry"] == "2029-11-27"
    assert show(capsys, monkeypatch, SG)["wallets"][0]["category"] == "professional"
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "import", str(csv))
    assert (last_json(out)["updated"], last_json(out)["already_done"]) == (0, 4)


def test_dry_run_import_sends_nothing_and_a_second_wallet_keeps_its_own_kyc_date(deployed, state, tmp_path, capsys,
                                                                                  monkeypatch):
    rows = dict(ROWS)
    rows[AU2] = "INV-00004,AU,professional,2029-01-01"  # linked wallets copy the first one's record: then updated
    csv = write_csv(tmp_path / "c.csv", rows)
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "import", "--dry-run", str(csv))
    plan = last_json(out)
    assert code == 0 and (plan["registered"], plan["linked_wallets"], plan["updated"]) == (3, 1, 1)
    assert json.loads(rwa(capsys, monkeypatch, "--json", "investors", "list")[1])["investors"] == []
    assert not (state / "investors").exists()
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "import", str(csv))
    assert code == 0 and last_json(out)["updates"] == [
        {"wallet": "0x00000000000000000000000000000000000A0002", "line": 3,
         "changes": {"kyc": {"from": "2030-01-03", "to": "2029-01-01"}}}]
    assert show(capsys, monkeypatch, AU2)["wallets"][0]["kyc_expiry"] == "2029-01-01"
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "import", str(csv))
    assert (last_json(out)["updated"], last_json(out)["already_done"]) == (0, 4)


def test_import_fills_the_directory_of_issuer_ids(imported, state):
    data = json.loads(next((state / "investors").glob("*.json")).read_text())
    assert data["investors"][AU] == "INV-00004" and data["investors"][SG] == "INV-00005"
    assert len(data["investors"]) == 4


def test_list_shows_every_registered_wallet_with_filters_and_formats(imported, chain, tx, accounts, capsys,
                                                                     monkeypatch):
    from rwa_token.contracts.registry import InvestorRegistry

    registry = InvestorRegistry(tx, imported["registry"], accounts[0])
    registry.register(UNKNOWN, "0x" + "ab" * 32, "JP", "institutional", "2031-01-01")  # not through the CLI
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "list")
    rows = {r["wallet"]: r for r in json.loads(out)["investors"]}
    assert code == 0 and set(rows) == {AU, "0x00000000000000000000000000000000000A0002", HK, SG,
                                       "0x00000000000000000000000000000000000B0001"}
    assert rows[AU]["issuer_id"] == "INV-00004" and rows[UNKNOWN.replace("b", "B")]["issuer_id"] == ""
    assert rows[AU]["balances"]["HSTOLLA"] == "100" and rows[AU]["balances_units"]["HSTOLLA"] == 100_000_000
    assert rows[AU]["status"] == "verified" and rows[HK]["kyc_expiry"] == "2028-11-27"
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "list", "--country", "HK")
    assert [r["wallet"] for r in json.loads(out)["investors"]] == [HK]
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "list", "--category", "institutional",
                       "--expiring-before", "2031-01-01")
    assert [r["wallet"] for r in json.loads(out)["investors"]] == [SG]
    code, out, _ = rwa(capsys, monkeypatch, "investors", "list", "--format", "csv", "--country", "AU")
    assert code == 0 and out.splitlines()[0].startswith("wallet,issuer_id,investor_key,country,category,kyc_expiry")
    assert f"{AU},INV-00004," in out and ",100," in out
    code, _, err = rwa(capsys, monkeypatch, "investors", "list", "--country", "XX")
    assert code == 2 and "XX" in err


def test_show_by_wallet_and_by_issuer_id(imported, capsys, monkeypatch):
    by_id = show(capsys, monkeypatch, "INV-00004")
    by_wallet = show(capsys, monkeypatch, AU2)
    assert by_id["issuer_id"] == by_wallet["issuer_id"] == "INV-00004"
    assert by_id["investor_key"] == by_wallet["investor_key"] and by_id["investor_id"].startswith("0x")
    assert len(by_id["investor_id"]) == 66 and by_id["investor_id"].endswith(by_id["investor_key"][2:])
    assert {w["wallet"] for w in by_id["wallets"]} == {AU, "0x00000000000000000000000000000000000A0002"}
    assert by_wallet["wallets"][0]["wallet"] == "0x00000000000000000000000000000000000A0002"
    held = {w["wallet"]: w["balances"]["HSTOLLA"] for w in by_id["wallets"]}
    assert held[AU] == "100" and by_id["wallets"][0]["frozen_on"] == []
    code, out, _ = rwa(capsys, monkeypatch, "investors", "show", "INV-00004")
    assert code == 0 and "investor INV-00004" in out and "holds 100 HSTOLLA" in out and "verified" in out


@pytest.mark.parametrize("args, message", [
    (["show", UNKNOWN], "is not registered"),
    (["show", "INV-99999"], "no registered investor with issuer id 'INV-99999'"),
    (["update", UNKNOWN, "--country", "SG"], "is not registered"),
    (["update", HK, "--kyc-expiry", "2029-13-01"], "bad date"),
    (["update", HK, "--kyc-expiry", "2020-01-01"], "already past"),
    (["update", HK, "--category", "wizard"], "wizard"),
    (["update", HK, "--country", "ZZ"], "ZZ"),
    (["update", HK], "nothing to update"),
    (["renew", "INV-00006", "--until", "soon"], "bad date"),
    (["remove", "0x1f9F6eEEA646CE44031BD8441108634Cfb5e8D24"], "bad checksum"),
    (["remove", AU], "still holds 100 HSTOLLA"),
    (["freeze", "INV-99999", "--yes"], "no registered investor"),
])
def test_bad_input_exits_2_with_one_line(imported, capsys, monkeypatch, args, message):
    code, out, err = rwa(capsys, monkeypatch, "--json", "investors", *args)
    assert code == 2 and message in json.loads(out)["error"], out + err


def test_update_changes_every_wallet_of_the_investor_in_one_transaction(imported, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "update", AU, "--category", "institutional",
                       "--dry-run")
    assert code == 0 and json.loads(out)["dry_run"] and json.loads(out)["tx"] is None
    assert len(json.loads(out)["changes"]) == 2
    assert show(capsys, monkeypatch, AU)["wallets"][0]["category"] == "professional"  # nothing sent
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "update", AU, "--category", "institutional",
                       "--country", "NZ")
    result = json.loads(out)
    assert code == 0 and result["tx"] and {c["wallet"] for c in result["changes"]} == {
        AU, "0x00000000000000000000000000000000000A0002"}
    assert result["changes"][0]["changes"]["country"] == {"from": "AU", "to": "NZ"}
    assert {(w["country"], w["category"]) for w in show(capsys, monkeypatch, "INV-00004")["wallets"]} == {
        ("NZ", "institutional")}
    code, out, _ = rwa(capsys, monkeypatch, "investors", "update", AU, "--country", "NZ")
    assert code == 0 and "nothing to update" in out


def test_renew_by_issuer_id(imported, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "investors", "renew", "INV-00006", "--until", "2031-06-30", "--dry-run")
    assert code == 0 and "would renew" in out and "kyc 2028-11-27 -> 2031-06-30" in out
    assert show(capsys, monkeypatch, HK)["wallets"][0]["kyc_expiry"] == "2028-11-27"
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "renew", "INV-00006", "--until", "2031-06-30")
    assert code == 0 and json.loads(out)["changes"][0]["changes"]["kyc"] == {"from": "2028-11-27",
                                                                             "to": "2031-06-30"}
    assert show(capsys, monkeypatch, HK)["wallets"][0]["kyc_expiry"] == "2031-06-30"


def test_remove_a_wallet_without_tokens(imported, state, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "remove", HK, "--dry-run")
    assert code == 0 and json.loads(out)["dry_run"]
    assert show(capsys, monkeypatch, HK)["wallets"][0]["wallet"] == HK  # still there
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "remove", HK)
    assert code == 0 and json.loads(out)["tx"]
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "list")
    assert HK not in {r["wallet"] for r in json.loads(out)["investors"]}
    data = json.loads(next((state / "investors").glob("*.json")).read_text())
    assert HK not in data["investors"]


def test_freeze_asks_first_then_freezes_every_wallet_on_every_token(imported, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "freeze", "INV-00004")
    assert code == 2 and "confirm with --yes" in json.loads(out)["error"]
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "freeze", "INV-00004", "--dry-run")
    assert code == 0 and len(json.loads(out)["done"]) == 4 and json.loads(out)["tx"] == []  # 2 wallets x 2 tokens
    assert show(capsys, monkeypatch, AU)["wallets"][0]["status"] == "verified"  # nothing sent
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "freeze", "INV-00004", "--yes")
    assert code == 0 and len(json.loads(out)["tx"]) == 4
    wallets = show(capsys, monkeypatch, "INV-00004")["wallets"]
    assert {w["status"] for w in wallets} == {"frozen"} and wallets[0]["frozen_on"] == ["HSTOLLA", "HSTOLLJ"]
    code, out, _ = rwa(capsys, monkeypatch, "investors", "freeze", AU, "--yes")
    assert code == 0 and "nothing to freeze: already frozen" in out
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "freeze", AU, "--unfreeze")
    assert code == 0 and len(json.loads(out)["done"]) == 4
    assert show(capsys, monkeypatch, AU)["wallets"][0]["status"] == "verified"


def test_freeze_through_the_registry_sanction_flag(imported, capsys, monkeypatch):
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "freeze", HK, "--registry", "--yes")
    assert code == 0 and json.loads(out)["done"] == [{"wallet": HK, "on": "registry"}]
    [wallet] = show(capsys, monkeypatch, HK)["wallets"]
    assert wallet["status"] == "frozen" and wallet["registry_frozen"] and wallet["frozen_on"] == []
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "list", "--country", "HK")
    assert json.loads(out)["investors"][0]["status"] == "frozen"
    code, out, _ = rwa(capsys, monkeypatch, "--json", "investors", "freeze", HK, "--registry", "--unfreeze")
    assert code == 0 and not show(capsys, monkeypatch, HK)["wallets"][0]["registry_frozen"]
