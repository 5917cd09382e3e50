"""A whole year of the example offering through the `rwa` command alone: the README's sequence, verbatim, on a fresh
local chain (deploy, onboarding, issuance, use of proceeds, retail access under an approval, a Reg S lockup passed,
a DvP trade, a margin pledge and seizure, withholding, a coupon, a waterfall quarter, a lost wallet, servicing,
redemption at maturity, the auditor's reports), then what the reports say, read through the command too. No SDK
call: each step is a command line, run in this process (`rwa ...`) or by bash (anything else)."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
from cli_run import rwa

from rwa_token.chain.node import Chain

ROOT = Path(__file__).resolve().parent.parent
SECTION = "## A year of an offering, from the command line"
EXIT = re.compile(r"\(exit (\d)\)")
# A word as shlex splits it: a quoted value may hold spaces.
ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=.*$", re.DOTALL)


def year_lines() -> list[str]:
    text = (ROOT / "README.md").read_text().split(SECTION, 1)[1]
    block = re.search(r"^```bash\n(.*?)^```$", text, re.DOTALL | re.MULTILINE).group(1)
    joined = re.sub(r"\\\n\s*", " ", block)  # continuation lines
    return [line for line in joined.splitlines() if line.strip() and not line.startswith("#")]


class Shell:
    """Runs the README's lines as a shell would: variables, `export`, per-command `NAME=value` prefixes, `$NAME`."""

    def __init__(self, cwd: Path, rpc_url: str, monkeypatch, capsys):
        self.cwd, self.rpc_url, self.monkeypatch, self.capsys = cwd, rpc_url, monkeypatch, capsys
        self.vars: dict[str, str] = {}

    def expand(self, word: str) -> str:
        return re.sub(r"\$([A-Z_][A-Z0-9_]*)", lambda m: self.vars.get(m.group(1), os.environ.get(m.group(1), "")),
                      word)

    def run(self, line: str) -> tuple[int, str, str, int]:
        """(exit code, stdout, stderr, expected exit code) of one line."""
        expected = int(m.group(1)) if (m := EXIT.search(line)) else 0
        words = shlex.split(line, comments=True)
        if words[0] == "export":
            words = words[1:]
        env: dict[str, str] = {}
        while words and ASSIGNMENT.match(words[0]):
            name, value = words.pop(0).split("=", 1)
            env[name] = self.expand(value)
        if not words:  # only assignments: shell variables (exported: the README's local chain is this test's)
            self.vars.update(env)
            if "RWA_RPC_URL" in env:
                self.vars["RWA_RPC_URL"] = self.rpc_url
                self.monkeypatch.setenv("RWA_RPC_URL", self.rpc_url)
            return 0, "", "", 0
        words = [self.expand(w) for w in words]
        if words[0] == "rwa":
            return (*self.rwa(words, env), expected)
        done = subprocess.run(["bash", "-c", self.expand(line)], cwd=self.cwd, capture_output=True, text=True,
                              env={**os.environ, **self.vars, **env}, timeout=60)
        return done.returncode, done.stdout, done.stderr, expected

    def rwa(self, argv: list[str], env: dict[str, str] | None = None) -> tuple[int, str, str]:
        with self.monkeypatch.context() as m:
            for name, value in (env or {}).items():
                m.setenv(name, value)
            return rwa(self.capsys, m, *argv[1:])

    def json(self, *args: str) -> dict:
        code, out, err = self.rwa(["rwa", "--json", *(self.expand(a) for a in args)])
        assert code == 0, f"rwa {' '.join(args)}: {out} {err}"
        return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def fresh_chain():
    with Chain.local() as chain:
        yield chain


def readme_shell(chain, tmp_path: Path, monkeypatch, capsys) -> Shell:
    """A shell in a fresh folder, as a reader of the README has one: `examples/` at hand, the state in `.rwa`, no key
    or offering chosen in the environment, the README's local chain being `chain`."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / ".rwa"))
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("RWA_OFFERING", raising=False)
    return Shell(tmp_path, chain.url, monkeypatch, capsys)


def test_a_year_of_the_offering_through_the_cli_alone(fresh_chain, tmp_path, monkeypatch, capsys):
    shell = readme_shell(fresh_chain, tmp_path, monkeypatch, capsys)
    outputs: dict[str, str] = {}
    for line in year_lines():
        code, out, err, expected = shell.run(line)
        assert code == expected, f"{line}\n{out}\n{err}"
        assert "Traceback" not in err
        outputs[line.split("#", 1)[0].strip()] = out

    said = "\n".join(outputs.values())
    assert re.search(r"registered 18\d investors, linked 15 extra wallets, .* 16 refused", said)
    assert "registered 4 investors, linked 1 extra wallets" in said
    plan = outputs["rwa plan retail.yaml"]
    assert "country HK (344): allowed, categories professional|institutional -> allowed, categories " \
        "retail|professional|institutional" in plan and "HSTOLLJ" in plan
    assert "applied 2 change(s) under document sfc-retail-approval" in outputs[
        "rwa apply retail.yaml --document sfc-retail-approval --yes"]
    assert "would settle" in outputs["rwa trade check trade.json"]
    assert "reconciliation exact" in outputs["rwa distribute 24000 --payment USDC"]
    assert "HSTOLLA: 12,120 to 5 holders" in outputs["rwa waterfall run 120000"]
    assert "moved tokens HSTOLLA: 4,900" in outputs["rwa recover $ALICE $ALICE_NEW --yes"]
    assert "redeemed 4 of 5 holders; supply now 700" in outputs["rwa redeem all"]  # pledged 600 and frozen 100 wait

    # What the year left, read back through the command
    v = shell.vars
    pledge = shell.json("collateral", "show", v["BOB"])
    assert pledge["locked_units"] == 600 * 10**6 and pledge["lender"] == v["LENDER"]
    # the coupon's record date: ALICE's old wallet held 4,900 then, though recovered and redeemed since
    at_record = {row["wallet"]: row for row in shell.json("report", "captable", "--distribution", "1", "--format",
                                                          "json")["rows"]}
    assert at_record[v["ALICE"]]["balance_units"] == 4_900 * 10**6 and at_record[v["ALICE"]]["investor_id"] == "INV-D0001"
    assert at_record[v["BOB"]]["balance_units"] == 1_700 * 10**6
    report = outputs["rwa report distribution 1"]
    assert "funded 24000 = paid 23596.039602 + tax 403.960396 + " in report  # 10% of SG's 4,039.60396
    rates = shell.json("withholding", "show")
    assert "1000" in json.dumps(rates) and "SG" in json.dumps(rates)
    assert shell.json("proceeds", "report")["ok"] is True  # withdrawals within the filing's caps
    status = shell.json("status")
    assert status["total_supply"] == "700"

    audit = list(csv.DictReader(io.StringIO((tmp_path / "audit.csv").read_text())))
    events = {(row["contract"], row["event"]) for row in audit}
    for contract, event in (("distributor", "WithholdingRateSet"), ("distributor", "DistributionCreated"),
                            ("dvp", "TradeSettled"), ("collateral HSTOLLA", "CollateralLocked"),
                            ("collateral HSTOLLA", "CollateralSeized"), ("proceeds", "PurposeRegistered"),
                            ("proceeds", "ProceedsWithdrawn"), ("token HSTOLLA", "RecoverySuccess"),
                            ("waterfall", "WaterfallRun"), ("redemption HSTOLLA", "Redeemed"),
                            ("token HSTOLLA", "DocumentUpdated")):
        assert (contract, event) in events, (contract, event)
    retail = [row for row in audit if row["event"] == "CountryRuleSet" and "country=HK" in row["details"]
              and "retail" in row["details"]]
    assert len(retail) == 2 and all("under document sfc-retail-approval" in row["note"] for row in retail)
    withdrawn = next(row for row in audit if row["event"] == "ProceedsWithdrawn")
    assert withdrawn["amount"] == "1500000" and withdrawn["asset"] == "USDC"
    assert any("role=LENDER_ROLE" in row["details"] for row in audit if row["contract"] == "collateral HSTOLLA")
