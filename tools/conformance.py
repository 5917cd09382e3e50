#!/usr/bin/env python3
"""Standards conformance of the token and the registry, from their ABIs and from slither-check-erc.

    python tools/conformance.py            ABI comparison + slither-check-erc, Markdown tables on stdout
    python tools/conformance.py --abi-only ABI comparison only (no slither; a second or so)
    python tools/conformance.py --check    as the default, and fail if docs/conformance.md is not what --write writes
    python tools/conformance.py --write    as the default, and (re)write docs/conformance.md

Exit status 1 on any MISSING or MISMATCH row (or a stale document under --check); 2 if a tool is absent.

The reference ABIs of ERC-3643 are T-REX 4.1.6's own (IToken, AgentRole, IIdentityRegistry), read from
node_modules/@tokenysolutions/t-rex (a pinned devDependency: `make setup` installs it); they are never copied
into the repository. Ours are the shipped artifacts: SecurityToken.json carries the merged ABI of the token and
its delegated admin module (one address), InvestorRegistry.json the registry's.

The slither part runs in .venv-slither (slither-analyzer 0.11.6, made by `make lint` / `make conformance`): this
file re-runs itself there with --slither-driver, compiles once and applies slither-check-erc's own checks
(`generic_erc_checks` plus the ERC-20 extra check, exactly what the `slither-check-erc` command runs) to each
(contract, ERC) pair, so the sources are parsed once instead of once per pair. Stdlib only, plus eth-utils (an
SDK dependency, also in the slither venv) for keccak.
"""
from __future__ import annotations

import argparse
import io
import json
import logging
import os
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREX = ROOT / "node_modules/@tokenysolutions/t-rex/artifacts/contracts"
ARTIFACTS = ROOT / "rwa_token/artifacts"
DOC = ROOT / "docs/conformance.md"
SLITHER_PY = ROOT / ".venv-slither/bin/python"
FORGE_BIN = ROOT / "node_modules/@foundry-rs/forge-linux-amd64/bin"
ENTRY = ROOT / "build/conformance/ConformanceEntry.sol"

ABI_BEGIN, ABI_END = "<!-- abi:begin -->", "<!-- abi:end -->"
SLITHER_BEGIN, SLITHER_END = "<!-- slither:begin -->", "<!-- slither:end -->"

ERC20_FUNCTIONS = {"totalSupply()", "balanceOf(address)", "transfer(address,uint256)",
                   "allowance(address,address)", "approve(address,uint256)",
                   "transferFrom(address,address,uint256)"}
ERC165_FUNCTIONS = {"supportsInterface(bytes4)"}
ERC173_FUNCTIONS = {"owner()", "transferOwnership(address)"}

# ERC-165 ids the token, the registry and the fund vault must answer: (interface, reference ABI, which functions, expected, who answers)
# `which` selects the functions whose selectors are XORed, as Solidity's type(I).interfaceId does (own functions
# only: T-REX's IToken inherits IERC20, so the six ERC-20 functions are not part of its id).
INTERFACE_IDS = [
    ("ERC-3643 IToken (T-REX 4.1.6)", "trex:token/IToken.sol/IToken.json", "exclude-erc20", "0x1b643469", "token"),
    ("ERC-3643 AgentRole (T-REX 4.1.6)", "trex:roles/AgentRole.sol/AgentRole.json", "all", "0x02b23fde",
     "token, registry"),
    ("ERC-3643 IIdentityRegistry (T-REX 4.1.6)",
     "trex:registry/interface/IIdentityRegistry.sol/IIdentityRegistry.json", "all", "0x8ff89f73", "registry"),
    ("ERC-7943 fungible (IERC7943Fungible)", "ours:IERC7943Fungible.json", "exclude-erc165", "0x3edbb4c4", "token"),
    ("ERC-20 (IToken's inherited IERC20)", "trex:token/IToken.sol/IToken.json", "only-erc20", "0x36372b07", "token"),
    ("ERC-173 (AgentRole's owner, transferOwnership)", "trex:roles/AgentRole.sol/AgentRole.json", "only-erc173",
     "0x7f5828d0", "token, registry"),
    # The fund vault's: ids from the ERC-7540 text, selectors from our interface files (tests/foundry/fund checks
    # that the shipped vault answers each).
    ("ERC-7575 vault (ERC-4626 less ERC-20, with share())", "ours:IERC7575.json", "all", "0x2f0a18c5", "fund vault"),
    ("ERC-7540 operators", "ours:IERC7540Operator.json", "all", "0xe3bc4e65", "fund vault"),
    ("ERC-7540 asynchronous deposits", "ours:IERC7540Deposit.json", "all", "0xce3bbe50", "fund vault"),
    ("ERC-7540 asynchronous redemptions", "ours:IERC7540Redeem.json", "all", "0x620ee8e4", "fund vault"),
]


# ------------------------------------------------------------------ ABI helpers

def load_abi(ref: str) -> list[dict]:
    where, rel = ref.split(":", 1)
    path = (TREX if where == "trex" else ARTIFACTS) / rel
    if not path.exists():
        hint = " (run `make setup`: @tokenysolutions/t-rex is a devDependency)" if where == "trex" else ""
        raise FileNotFoundError(f"{path.relative_to(ROOT)} not found{hint}")
    return json.loads(path.read_text())["abi"]


def canonical_type(param: dict) -> str:
    t = param["type"]
    if t.startswith("tuple"):
        return "(" + ",".join(canonical_type(c) for c in param["components"]) + ")" + t[len("tuple"):]
    return t


def signature(item: dict) -> str:
    return f"{item['name']}({','.join(canonical_type(p) for p in item['inputs'])})"


def outputs(item: dict) -> str:
    return "(" + ",".join(canonical_type(p) for p in item.get("outputs", [])) + ")"


def mutability_class(item: dict) -> str:
    return "view" if item.get("stateMutability") in ("view", "pure") else "non-view"


def indexed_flags(item: dict) -> str:
    return "".join("I" if p.get("indexed") else "-" for p in item["inputs"])


def selector(sig: str) -> int:
    from eth_utils import keccak
    return int.from_bytes(keccak(text=sig)[:4], "big")


def interface_id(abi: list[dict], which: str) -> str:
    x = 0
    for item in abi:
        if item["type"] != "function":
            continue
        sig = signature(item)
        keep = {"all": True, "exclude-erc20": sig not in ERC20_FUNCTIONS, "only-erc20": sig in ERC20_FUNCTIONS,
                "exclude-erc165": sig not in ERC165_FUNCTIONS, "only-erc173": sig in ERC173_FUNCTIONS}[which]
        if keep:
            x ^= selector(sig)
    return f"0x{x:08x}"


# ------------------------------------------------------------------ ABI comparison

@dataclass
class Row:
    kind: str
    item: str
    shape: str
    result: str  # OK | MISSING | MISMATCH | ACCEPTED
    note: str = ""


@dataclass
class Table:
    title: str
    subject: str
    rows: list[Row] = field(default_factory=list)
    only_problems: bool = False  # print only non-OK rows (long tables whose OK rows add nothing)

    def count(self, result: str) -> int:
        return sum(r.result == result for r in self.rows)

    @property
    def failed(self) -> bool:
        return any(r.result in ("MISSING", "MISMATCH") for r in self.rows)

    def counts(self) -> str:
        return ", ".join(f"{self.count(k)} {k}" for k in ("OK", "ACCEPTED", "MISSING", "MISMATCH")
                         if k != "ACCEPTED" or self.count(k))

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", f"{self.subject}", "", f"**{self.counts()}**", ""]
        shown = [r for r in self.rows if r.result != "OK"] if self.only_problems else self.rows
        if self.only_problems:
            lines += [f"({len(self.rows)} items compared; only those not OK are listed.)", ""]
        if shown:
            lines += ["| Kind | Item | Returns / indexed | Result | Note |", "|---|---|---|---|---|"]
            lines += [f"| {r.kind} | `{r.item}` | {r.shape} | {r.result} | {r.note} |" for r in shown]
            lines.append("")
        return "\n".join(lines)


KIND_ORDER = {"function": 0, "event": 1, "error": 2}


def shape_of(item: dict) -> str:
    if item["type"] == "function":
        return f"`{outputs(item)}` {mutability_class(item)}"
    if item["type"] == "event":
        return f"`{indexed_flags(item)}`" + (" anonymous" if item.get("anonymous") else "")
    return ""


def compare(reference: list[dict], ours: list[dict]) -> list[Row]:
    """One row per function, event and error of `reference`, looked up in `ours` by kind and signature."""
    by_sig = {(i["type"], signature(i)): i for i in ours if i["type"] in KIND_ORDER}
    rows = []
    for ref in sorted((i for i in reference if i["type"] in KIND_ORDER),
                      key=lambda i: (KIND_ORDER[i["type"]], signature(i))):
        kind, sig = ref["type"], signature(ref)
        mine = by_sig.get((kind, sig))
        if mine is None:
            namesakes = [signature(i) for i in ours if i["type"] == kind and i["name"] == ref["name"]]
            if namesakes:
                rows.append(Row(kind, sig, shape_of(ref), "MISMATCH",
                                "inputs differ: ours " + ", ".join(f"`{s}`" for s in namesakes)))
            else:
                rows.append(Row(kind, sig, shape_of(ref), "MISSING", f"no {kind} named `{ref['name']}`"))
            continue
        diffs, notes = [], []
        if kind == "function":
            if outputs(mine) != outputs(ref):
                diffs.append(f"returns ours `{outputs(mine)}` vs `{outputs(ref)}`")
            if mutability_class(mine) != mutability_class(ref):
                diffs.append(f"ours {mine.get('stateMutability')} vs {ref.get('stateMutability')}")
            elif mine.get("stateMutability") != ref.get("stateMutability"):
                notes.append(f"ours {mine.get('stateMutability')}, reference {ref.get('stateMutability')}")
        elif kind == "event":
            if indexed_flags(mine) != indexed_flags(ref):
                diffs.append(f"indexed ours `{indexed_flags(mine)}` vs `{indexed_flags(ref)}`")
            if bool(mine.get("anonymous")) != bool(ref.get("anonymous")):
                diffs.append("anonymous flag differs")
        rows.append(Row(kind, sig, shape_of(ref), "MISMATCH" if diffs else "OK", "; ".join(diffs or notes)))
    return rows


def abi_tables() -> list[Table]:
    token = load_abi("ours:SecurityToken.json")
    registry = load_abi("ours:InvestorRegistry.json")
    erc7943 = load_abi("ours:IERC7943Fungible.json")
    trex_token = load_abi("trex:token/IToken.sol/IToken.json")
    trex_agent = load_abi("trex:roles/AgentRole.sol/AgentRole.json")
    trex_registry = load_abi("trex:registry/interface/IIdentityRegistry.sol/IIdentityRegistry.json")
    merged = "the merged ABI of `SecurityToken` + `SecurityTokenAdmin` (rwa_token/artifacts/SecurityToken.json)"
    tables = [
        Table("ERC-3643 token: T-REX 4.1.6 `IToken` vs SecurityToken",
              f"Reference: `@tokenysolutions/t-rex` IToken.json. Ours: {merged}.", compare(trex_token, token)),
        Table("ERC-3643 `AgentRole` (T-REX 4.1.6) vs SecurityToken",
              f"Reference: T-REX AgentRole.json (Ownable + agents). Ours: {merged}.", compare(trex_agent, token)),
        Table("ERC-3643 registry: T-REX 4.1.6 `IIdentityRegistry` vs InvestorRegistry",
              "Reference: T-REX IIdentityRegistry.json. Ours: rwa_token/artifacts/InvestorRegistry.json.",
              compare(trex_registry, registry)),
        Table("ERC-3643 `AgentRole` (T-REX 4.1.6) vs InvestorRegistry",
              "Reference: T-REX AgentRole.json. Ours: rwa_token/artifacts/InvestorRegistry.json "
              "(agents are REGISTRAR_ROLE holders).", compare(trex_agent, registry)),
    ]
    own = interface_id(erc7943, "exclude-erc165")
    t = Table("ERC-7943 fungible (Final) vs SecurityToken",
              "Reference: rwa_token/artifacts/IERC7943Fungible.json (contracts/interfaces/IERC7943.sol, with its "
              "events and errors), first checked to be the Final interface: the XOR of its own function selectors "
              f"(without the inherited `supportsInterface`) must be 0x3edbb4c4. Ours: {merged}.")
    t.rows.append(Row("interface id", "IERC7943Fungible", f"`{own}`", "OK" if own == "0x3edbb4c4" else "MISMATCH",
                      "" if own == "0x3edbb4c4" else "expected 0x3edbb4c4: not the Final ERC-7943 interface"))
    t.rows += compare(erc7943, token)
    tables.append(t)
    tables.append(Table(
        "`ISecurityToken` vs the token address",
        "Reference: rwa_token/artifacts/ISecurityToken.json, the Solidity interface of the whole address "
        f"(ISecurityTokenCore + ISecurityTokenAdmin). Ours: {merged}. Every item of the interface must be in the "
        "merged ABI (which also has `DEFAULT_ADMIN_ROLE`, `Initialized` and a few errors the interface leaves "
        "out): this is what makes the slither-check-erc ERC2612 run on `ISecurityToken` a statement about the "
        "deployed address.",
        compare(load_abi("ours:ISecurityToken.json"), token), only_problems=True))
    return tables


def interface_id_table() -> Table:
    t = Table("ERC-165 ids the token, the registry and the fund vault must answer",
              "Computed here from the reference ABIs (XOR of function selectors, as `type(I).interfaceId`). "
              "tests/test_erc3643_lifecycle.py asks the token and the registry `supportsInterface` for each on a "
              "live chain, tests/test_fund.py the fund vault.")
    for name, ref, which, expected, who in INTERFACE_IDS:
        got = interface_id(load_abi(ref), which)
        t.rows.append(Row("interface id", name, f"`{got}`", "OK" if got == expected else "MISMATCH",
                          f"answered by the {who}" + ("" if got == expected else f"; expected {expected}")))
    return t


def abi_markdown() -> tuple[str, list[Table]]:
    tables = abi_tables() + [interface_id_table()]
    summary = ["| Check | OK | MISSING | MISMATCH |", "|---|---|---|---|"]
    summary += [f"| {t.title} | {t.count('OK')} | {t.count('MISSING')} | {t.count('MISMATCH')} |" for t in tables]
    return "\n".join(summary + [""] + [t.markdown() for t in tables]).rstrip() + "\n", tables


# ------------------------------------------------------------------ slither-check-erc

# (ERC, contract) pairs. The token is one address with two contracts behind it: the ERC-20 and ERC-165 functions
# (with their emits) are SecurityToken's; permit, nonces and DOMAIN_SEPARATOR are SecurityTokenAdmin's, reached by
# the token's fallback. slither-check-erc's ERC2612 list is ERC-2612's three functions PLUS ERC-20's, which no
# single implementation contract has: it is run on ISecurityToken (the address's whole interface, shown above to be
# the merged ABI) for the shape, and on SecurityTokenAdmin for permit's implementation.
SLITHER_CHECKS = [
    ("ERC20", "SecurityToken"),
    ("ERC165", "SecurityToken"),
    ("ERC2612", "ISecurityToken"),
    ("ERC2612", "SecurityTokenAdmin"),
    ("ERC165", "InvestorRegistry"),
]
SLITHER_SOURCES = ["contracts/token/SecurityToken.sol", "contracts/token/SecurityTokenAdmin.sol",
                   "contracts/interfaces/ISecurityToken.sol", "contracts/identity/InvestorRegistry.sol"]
ERC20_NAMES = {"totalSupply()", "balanceOf(address)", "transfer(address,uint256)",
               "transferFrom(address,address,uint256)", "approve(address,uint256)", "allowance(address,address)",
               "name()", "symbol()", "decimals()"}

ACCEPTED = {
    "race": "slither-check-erc looks for `increaseAllowance`/`safeIncreaseAllowance`, which ERC-20 does not define "
            "and OpenZeppelin 5 removed; ERC-20 leaves the mitigation to clients (set the allowance to 0 first). "
            "Informational in slither, not an ERC-20 requirement.",
    "interface-emit": "`ISecurityToken` is an interface: its functions have no body, so slither cannot see an emit "
                      "(its message \"Must emit be view\" is its wording for a missing emit). The emits are checked "
                      "on the implementation by the ERC20 run on SecurityToken.",
    "admin-erc20": "served by SecurityToken at the same address (SecurityTokenAdmin is only reached through the "
                   "token's fallback); checked by the ERC20 run on SecurityToken and the ERC2612 run on "
                   "ISecurityToken.",
}


LABELS = {"race": "A1", "interface-emit": "A2", "admin-erc20": "A3"}


def accepted_reason(erc: str, contract: str, item: str, failure: str) -> str | None:
    """The label (A1..A3, see "Accepted deviations") under which a failing line is accepted, else None."""
    if "approval race condition" in failure and erc == "ERC20":
        return LABELS["race"]
    if contract == "ISecurityToken" and failure.startswith("Must emit"):
        return LABELS["interface-emit"]
    if contract == "SecurityTokenAdmin" and erc == "ERC2612" and item in ERC20_NAMES and "missing" in failure:
        return LABELS["admin-erc20"]
    return None


def parse_check_erc(erc: str, text: str) -> list[tuple[str, Row]]:
    """slither-check-erc's report -> (contract, row) per function, event and extra check."""
    out: list[tuple[str, Row]] = []
    contract, section, current = "", "function", None

    def close():
        nonlocal current
        if current is None:
            return
        c, row, fails = current
        unaccepted = [f for f in fails if accepted_reason(erc, c, row.item, f) is None]
        reasons = sorted({accepted_reason(erc, c, row.item, f) for f in fails} - {None})
        if row.result == "MISSING":
            row.note = fails[0]
        elif unaccepted:
            row.result, row.note = "MISMATCH", "; ".join(unaccepted)
        if fails and not unaccepted:
            row.result, row.note = "ACCEPTED", f"{fails[0].strip()} (accepted: {', '.join(reasons)})"
        out.append((c, row))
        current = None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("# Check "):
            close()
            contract, section = line[len("# Check "):].strip(), "function"
        elif line.startswith("## Check "):
            close()
            section = "event" if "event" in line else "function"
        elif line.startswith("[") and not raw.startswith("\t"):
            close()
            ok = line.startswith("[✓]")
            body = line[4:]
            item = body.split(" is ", 1)[0].strip()
            missing = " is missing" in body
            current = (contract, Row(section, item, "", "MISSING" if missing else "OK"),
                       [body] if not ok else [])
        elif line.startswith("["):
            ok = line.startswith("[✓]")
            body = line[4:]
            if "approval race condition" in body or (ok and " has " in body and section == "event"):
                close()
                current = (contract, Row("extra", "ERC-20 approval race protection", "", "OK"),
                           [] if ok else [body])
                continue
            if current is None:
                continue
            if ok:
                if "-> (" in body:
                    current[1].shape = "`" + body.split("-> ", 1)[1].split(" (correct", 1)[0] + "`"
                elif body.endswith(" is view"):
                    current[1].shape += " view"
                elif body.startswith("parameter "):
                    current[1].shape = (current[1].shape + f" p{body.split()[1]} indexed").strip()
            else:
                current[2].append(body)
    close()
    return out


def run_slither_checks() -> tuple[dict[str, str], float]:
    """Run the driver in .venv-slither; returns {"ERC@Contract": report text} and the seconds it took."""
    if not SLITHER_PY.exists():
        raise FileNotFoundError(".venv-slither missing: `make conformance` (or `make lint`) creates it")
    ENTRY.parent.mkdir(parents=True, exist_ok=True)
    ENTRY.write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n"
                     + "".join(f'import "../../{s}";\n' for s in SLITHER_SOURCES))
    env = dict(os.environ, PATH=f"{FORGE_BIN}:{os.environ.get('PATH', '')}")
    start = time.monotonic()
    proc = subprocess.run([str(SLITHER_PY), str(Path(__file__).resolve()), "--slither-driver"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise RuntimeError(f"slither-check-erc driver failed (exit {proc.returncode})")
    return json.loads(proc.stdout), elapsed


def slither_driver() -> None:
    """Inside .venv-slither: one compile, then slither-check-erc's checks for each pair; JSON on stdout."""
    from slither import Slither
    from slither.tools.erc_conformance.__main__ import ADDITIONAL_CHECKS
    from slither.tools.erc_conformance.erc.ercs import generic_erc_checks
    from slither.utils.erc import ERCS

    slither = Slither(str(ENTRY.relative_to(ROOT)), compile_force_framework="solc", solc="tools/solc",
                      solc_remaps="@openzeppelin/=node_modules/@openzeppelin/")
    log = logging.getLogger("Slither-conformance")
    reports = {}
    for erc, name in SLITHER_CHECKS:
        buf = io.StringIO()
        handler = logging.StreamHandler(buf)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.handlers, log.propagate = [handler], False
        log.setLevel(logging.INFO)
        contracts = slither.get_contract_from_name(name)
        if len(contracts) != 1:
            reports[f"{erc}@{name}"] = f"# Check {name}\n[ ] contract {name} is missing (found {len(contracts)})\n"
            continue
        ret: dict[str, list] = defaultdict(list)
        functions, events = ERCS[erc]
        generic_erc_checks(contracts[0], functions, events, ret)
        if erc in ADDITIONAL_CHECKS:
            ADDITIONAL_CHECKS[erc](contracts[0], ret)
        reports[f"{erc}@{name}"] = buf.getvalue()
    json.dump(reports, sys.stdout)


SLITHER_TITLES = {
    "ERC20@SecurityToken": "ERC20 on `SecurityToken` (functions, return types, view, emitted events, indexing)",
    "ERC165@SecurityToken": "ERC165 on `SecurityToken`",
    "ERC2612@ISecurityToken": "ERC2612 on `ISecurityToken` (the whole address: permit + ERC-20)",
    "ERC2612@SecurityTokenAdmin": "ERC2612 on `SecurityTokenAdmin` (permit's implementation)",
    "ERC165@InvestorRegistry": "ERC165 on `InvestorRegistry`",
}


def slither_markdown(reports: dict[str, str]) -> tuple[str, list[Table]]:
    tables = []
    for erc, name in SLITHER_CHECKS:
        key = f"{erc}@{name}"
        rows = parse_check_erc(erc, reports.get(key, ""))
        t = Table(f"slither-check-erc {SLITHER_TITLES[key]}",
                  f"`slither-check-erc <entry> {name} --erc {erc}` (slither-analyzer 0.11.6)"
                  + ("; contracts deriving from it are checked too, as the tool does." if
                     len({c for c, _ in rows}) > 1 else "."))
        for contract, row in rows:
            if contract != name:
                row.item = f"{contract}: {row.item}"
            t.rows.append(row)
        if not rows:
            t.rows.append(Row("report", key, "", "MISSING", "slither-check-erc printed nothing"))
        tables.append(t)
    summary = ["| Check | OK | ACCEPTED | MISSING | MISMATCH |", "|---|---|---|---|---|"]
    summary += [f"| {t.title} | {t.count('OK')} | {t.count('ACCEPTED')} | {t.count('MISSING')} | "
                f"{t.count('MISMATCH')} |" for t in tables]
    return "\n".join(summary + [""] + [t.markdown() for t in tables]).rstrip() + "\n", tables


# ------------------------------------------------------------------ the document

INTRO = """# Standards conformance

Generated by `python tools/conformance.py --write` (do not edit by hand). `make conformance` (part of `make test`)
re-runs every check below, fails on any MISSING or MISMATCH row and fails if this file is stale;
tests/test_conformance.py fails if the ABI part is stale.

## What each check proves

- **ABI comparison.** For each standard, every function (name, input types, output types, view/pure versus
  state-changing), event (name, input types, indexed flags) and error of the reference ABI is looked up in ours by
  signature. The references for ERC-3643 are T-REX 4.1.6's own compiled ABIs, read at run time from
  `node_modules/@tokenysolutions/t-rex` (a pinned devDependency, not copied here). Ours are the shipped artifacts:
  `SecurityToken.json` holds the merged ABI of `SecurityToken` and `SecurityTokenAdmin`, the module its fallback
  delegates to, because both answer at the token's one address. An OK row means a T-REX (or ERC-7943) client
  encodes calls and decodes results and logs for that item exactly as for the reference. It proves the interface,
  not the behaviour: tests/test_erc3643_lifecycle.py drives a whole ERC-3643 lifecycle through the T-REX ABIs on a
  live chain (agents, identities, mint, transfers, freezes, forced transfer, recovery, pause, token information,
  burn, batches, ownership) and asks both contracts `supportsInterface` for every id listed here.
- **ERC-165 ids.** Computed from the same ABIs the way Solidity computes `type(I).interfaceId` (XOR of the
  interface's own function selectors: T-REX's `IToken` inherits `IERC20`, so its id leaves out the six ERC-20
  functions; `IERC7943Fungible` inherits `IERC165`, so its id leaves out `supportsInterface`).
- **slither-check-erc.** Trail of Bits' checker works on the Solidity sources, not on an ABI: beyond the
  signatures and return types it checks `view`, that `transfer`, `transferFrom` and `approve` really emit
  `Transfer`/`Approval` with the right arguments, and the events' indexed parameters. The token is two contracts
  behind one address, so the checks are split where the code is:
  - **ERC20 and ERC165 on `SecurityToken`**: every ERC-20 function, its emits, and `supportsInterface` are
    implemented there.
  - **ERC2612 on `ISecurityToken`**: slither's ERC2612 list is ERC-2612's `permit`, `nonces` and
    `DOMAIN_SEPARATOR` plus all of ERC-20, which no single implementation contract has. `ISecurityToken` is the
    Solidity interface of the whole address (the ABI comparison below shows that each of its functions, events
    and errors is in the merged artifact ABI with the same signature), so this run checks that one address offers permit and ERC-20 together with the right types. Being an interface,
    it has no bodies to see emits in (accepted below; the emits are checked by the SecurityToken run).
  - **ERC2612 on `SecurityTokenAdmin`**: permit's implementation (presence, return types, `view` on the
    implementation). Its ERC-20 rows are the ones the admin module leaves to the token (accepted below).
  - **ERC165 on `InvestorRegistry`**: the registry answers ERC-165 too.

  To parse the sources once, `tools/conformance.py` runs slither-check-erc's own check functions from
  `.venv-slither` (`generic_erc_checks` and the ERC-20 extra check, what the `slither-check-erc` command runs) on
  one compile of an entry file importing the four sources, and parses the report into the tables below.

## Accepted deviations

"""


def accepted_markdown() -> str:
    return "\n".join([
        "| | Where | What slither-check-erc reports | Why it is accepted |", "|---|---|---|---|",
        f"| A1 | ERC20 on SecurityToken | not protected for the ERC20 approval race condition | {ACCEPTED['race']} |",
        f"| A2 | ERC2612 on ISecurityToken | \"Must emit be view Transfer/Approval\" for transfer, transferFrom, "
        f"approve | {ACCEPTED['interface-emit']} |",
        f"| A3 | ERC2612 on SecurityTokenAdmin | the nine ERC-20 functions are missing | {ACCEPTED['admin-erc20']} |",
        "", "Nothing else is accepted: any other failing line is a MISMATCH or MISSING row and fails the run.", ""])


def document(abi_md: str, slither_md: str) -> str:
    return (INTRO + accepted_markdown() + "\n## ABI comparison\n\n" + ABI_BEGIN + "\n" + abi_md + ABI_END + "\n\n"
            + "## slither-check-erc\n\n" + SLITHER_BEGIN + "\n" + slither_md + SLITHER_END + "\n")


def abi_section(text: str) -> str:
    """The ABI part of a document (what tests/test_conformance.py compares)."""
    return text.split(ABI_BEGIN, 1)[1].split(ABI_END, 1)[0].lstrip("\n")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = p.add_mutually_exclusive_group()
    g.add_argument("--write", action="store_true", help="(re)write docs/conformance.md")
    g.add_argument("--check", action="store_true", help="also fail if docs/conformance.md is stale")
    g.add_argument("--abi-only", action="store_true", help="the ABI comparison only (no slither)")
    g.add_argument("--slither-driver", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.slither_driver:
        slither_driver()
        return 0

    start = time.monotonic()
    try:
        abi_md, abi_t = abi_markdown()
    except FileNotFoundError as missing:
        print(f"conformance: {missing}", file=sys.stderr)
        return 2
    print("## ABI comparison\n\n" + abi_md)
    failed = [t for t in abi_t if t.failed]
    slither_t: list[Table] = []
    if not args.abi_only:
        try:
            reports, seconds = run_slither_checks()
        except (FileNotFoundError, RuntimeError) as err:
            print(f"conformance: {err}", file=sys.stderr)
            return 2
        slither_md, slither_t = slither_markdown(reports)
        print("## slither-check-erc\n\n" + slither_md)
        failed += [t for t in slither_t if t.failed]
        text = document(abi_md, slither_md)
        if args.write:
            DOC.write_text(text)
            print(f"wrote {DOC.relative_to(ROOT)}")
        elif args.check and (not DOC.exists() or DOC.read_text() != text):
            print(f"conformance: {DOC.relative_to(ROOT)} is stale: run `python tools/conformance.py --write`",
                  file=sys.stderr)
            failed.append(Table("stale document", ""))
        print(f"slither-check-erc: {len(slither_t)} checks in {seconds:.1f} s")

    def total(tables, k):
        return sum(t.count(k) for t in tables)
    print(f"ABI: {len(abi_t)} checks, {total(abi_t, 'OK')} OK, {total(abi_t, 'MISSING')} MISSING, "
          f"{total(abi_t, 'MISMATCH')} MISMATCH")
    if slither_t:
        print(f"slither-check-erc: {total(slither_t, 'OK')} OK, {total(slither_t, 'ACCEPTED')} ACCEPTED, "
              f"{total(slither_t, 'MISSING')} MISSING, {total(slither_t, 'MISMATCH')} MISMATCH")
    print(f"conformance: {'FAILED: ' + '; '.join(t.title for t in failed) if failed else 'OK'} "
          f"({time.monotonic() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
