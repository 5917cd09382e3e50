"""The access-control matrix, derived from the ABIs: every state-changing function of every contract of an
offering, called (as a dry run) by a holder of each role and by a stranger.

`python -m rwa_token.reporting.access_matrix` deploys a fresh offering on a private anvil and prints the matrix as
Markdown (docs/SECURITY.md embeds it); tests/test_access_control.py asserts it equals the intended one.
"""
from __future__ import annotations

import sys
from typing import Any

from ..chain.tx import Transactor
from ..contracts.base import ContractWrapper
from ..contracts.distributor import Distributor
from ..primitives.artifacts import abi_type
from ..primitives.errors import ContractCustomError, ContractRevert

# Refusals that mean "not you": a missing role, not the owner, an initializer that has already run or an ERC-3643
# function the registry does not support (nobody may call those).
DENIED = {"AccessControlUnauthorizedAccount", "OwnableUnauthorizedAccount", "InvalidInitialization", "OnlySelf",
          "UnsupportedByRegistry"}
ANYONE = "anyone"
NOBODY = "nobody"


def dummy(param: dict, caller: str) -> Any:
    """A harmless argument of the parameter's type (the caller's own address for addresses)."""
    kind = abi_type(param)
    if kind.endswith("]"):
        return []
    if kind.startswith("("):
        return tuple(dummy(c, caller) for c in param["components"])
    if kind == "address":
        return caller
    if kind == "bool":
        return False
    if kind.startswith(("uint", "int")):
        return 0
    if kind == "string":
        return ""
    if kind == "bytes":
        return b""
    if kind.startswith("bytes"):
        return b"\0" * int(kind[5:])
    raise TypeError(f"no dummy value for {kind}")


def state_changing(wrapper: ContractWrapper) -> list[dict]:
    return sorted(
        (e for e in wrapper._abi if e["type"] == "function" and e["stateMutability"] not in ("view", "pure")),
        key=lambda e: (e["name"], len(e["inputs"])),
    )


def probe(tx: Transactor, wrapper: ContractWrapper, fn: dict, caller: str) -> bool:
    """True unless the call is refused for lack of a role. Other reverts (bad dummy arguments) pass the
    access check, which is all this measures."""
    args = [dummy(p, caller) for p in fn["inputs"]]
    try:
        tx.call(wrapper.address, fn, args, sender=caller)
    except ContractCustomError as exc:
        return exc.name not in DENIED
    except ContractRevert:
        return True
    return True


def matrix(tx: Transactor, contracts: dict[str, ContractWrapper], callers: dict[str, str]) -> dict[str, dict[str, str]]:
    """contract -> function signature -> who may call it ('anyone', 'nobody' or a '+'-joined role list)."""
    result: dict[str, dict[str, str]] = {}
    for label, wrapper in contracts.items():
        rows: dict[str, str] = {}
        for fn in state_changing(wrapper):
            allowed = [name for name, who in callers.items() if probe(tx, wrapper, fn, who)]
            signature = f"{fn['name']}({','.join(abi_type(p) for p in fn['inputs'])})"
            if len(allowed) == len(callers):
                rows[signature] = ANYONE
            elif not allowed:
                rows[signature] = NOBODY
            else:
                rows[signature] = "+".join(a for a in allowed if a != "stranger")
        result[label] = rows
    return result


def markdown(table: dict[str, dict[str, str]]) -> str:
    lines = []
    for label, rows in table.items():
        lines += [f"### {label}", "", "| function | who may call it |", "|---|---|"]
        lines += [f"| `{sig}` | {who} |" for sig, who in rows.items()]
        lines.append("")
    return "\n".join(lines)


def build(chain) -> dict[str, dict[str, str]]:
    """Deploy an offering on `chain`, give each role to its own account, and probe everything."""
    from ..contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
    from ..contracts.registry import InvestorRegistry
    from ..contracts.token import SecurityToken

    tx = Transactor(chain)
    accounts = chain.dev_accounts(15)  # one account per role; dry runs need no funds
    deployer = accounts[0]
    factory = OfferingFactory(tx, infrastructure(tx, deployer).factory, deployer)
    plan = OfferingPlan(admin=deployer.address, tokens=[TokenPlan("Matrix", "MTX", 6, 0)],
                        treasury=deployer.address, tax_account=deployer.address, with_distributor=True)
    deployed = factory.deploy_offering(plan, b"\x42" * 32)
    registry = InvestorRegistry(tx, deployed.registry, deployer)
    token = SecurityToken(tx, deployed.tokens[0], deployer)
    distributor = Distributor(tx, deployed.distributor, deployer)
    from ..contracts.collateral import CollateralManager
    from ..contracts.fund import FundVault
    from ..contracts.proceeds import ProceedsVault
    from ..contracts.settlement import DvPSettlement
    from ..contracts.stablecoin import MockStablecoin

    dvp = DvPSettlement.deploy_new(tx, deployer, deployer.address, deployer.address)
    collateral = CollateralManager.deploy_for(tx, deployer, token, wire=False)
    vault = ProceedsVault.deploy(tx, deployer, token.address, deployer.address)
    usd = MockStablecoin.deploy(tx, deployer, "Matrix USD", "MUSD", 6)
    distributor.allow_payment_token(usd.address, "USD")
    fund = FundVault.deploy_for(tx, deployer, agent="0x" + "00" * 20, share=token.address, asset=usd.address,
                                policy=distributor.address, treasury=deployer.address, fee_recipient=deployer.address,
                                first_cutoff=chain.block_timestamp() + 86_400)
    roles = {
        "admin": ("DEFAULT_ADMIN_ROLE", accounts[1]),
        "agent": ("AGENT_ROLE", accounts[2]),
        "compliance": ("COMPLIANCE_ROLE", accounts[3]),
        "snapshot": ("SNAPSHOT_ROLE", accounts[4]),
        "registrar": ("REGISTRAR_ROLE", accounts[5]),
        "kyc_signer": ("KYC_SIGNER_ROLE", accounts[6]),
        "paying_agent": ("DISTRIBUTION_AGENT_ROLE", accounts[7]),
        "lender": ("LENDER_ROLE", accounts[10]),
        "treasurer": ("TREASURER_ROLE", accounts[11]),
        "auditor": ("AUDITOR_ROLE", accounts[12]),
        "fund_agent": ("FUND_AGENT_ROLE", accounts[13]),
        "nav_agent": ("NAV_ROLE", accounts[14]),
    }
    for wrapper in (registry, token, distributor, dvp, collateral, vault, fund):
        for role, account in roles.values():
            if role == "DEFAULT_ADMIN_ROLE" or role in _roles_of(wrapper):
                wrapper.grant_role(role, account.address)
    # The ERC-173 owner of the token and the registry (it holds their admin role by being the owner).
    owner = accounts[8]
    for wrapper in (registry, token):
        wrapper.transfer_ownership(owner.address)
    callers = {name: account.address for name, (_, account) in roles.items()}
    callers["owner"] = owner.address
    callers["stranger"] = accounts[9].address
    contracts = {"InvestorRegistry": registry, "SecurityToken": token, "Distributor": distributor,
                 "OfferingFactory": factory, "DvPSettlement": dvp, "CollateralManager": collateral,
                 "ProceedsVault": vault, "FundVault": fund}
    return matrix(tx, contracts, callers)


def _roles_of(wrapper: ContractWrapper) -> set[str]:
    """Role constants a contract declares (public bytes32 getters named *_ROLE)."""
    return {e["name"] for e in wrapper._abi if e["type"] == "function" and e["name"].endswith("_ROLE")
            and not e["inputs"]}


BEGIN, END = "<!-- access-matrix:begin -->", "<!-- access-matrix:end -->"


def embed(document: str, table_markdown: str) -> str:
    """`document` with the text between the access-matrix markers replaced by `table_markdown`."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{table_markdown}\n{END}{tail}"


def main(argv: list[str]) -> int:
    """Print the matrix, or with `--write FILE` refresh it inside FILE between the markers."""
    from pathlib import Path

    from ..chain.node import Chain

    with Chain.local() as chain:
        text = markdown(build(chain))
    if "--write" in argv:
        path = Path(argv[argv.index("--write") + 1])
        path.write_text(embed(path.read_text(), text))
        print(f"access matrix written into {path}")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
