"""Roles by name across every contract of an offering: the registry, each token, the distributor and every module of
the deployment record (DvP, collateral managers, proceeds vault, redemption, waterfall).

Contracts are named as the operator knows them: "registry", a token's symbol, "distributor", or a module's record key
("dvp", "proceeds", "waterfall", "collateral:HSTOLLA", "redemption:HSTOLLA"); any case. Roles are named as the
contracts declare them ("AGENT_ROLE"); "agent" and "admin" are accepted for "AGENT_ROLE" and "DEFAULT_ADMIN_ROLE"."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..contracts.base import AccessControlled, Owned
from ..contracts.roles import ADMIN, GRANTED, REVOKED, Holder, declared_roles, grant, holders, revoke
from ..primitives.errors import ConfigError
from ..primitives.units import address
from .context import Operator
from .holders import offering_index
from .offering import COLLATERAL_PREFIX, DVP, PROCEEDS, REDEMPTION_PREFIX, WATERFALL

_MODULE_WRAPPERS = {DVP: "dvp", PROCEEDS: "proceeds", WATERFALL: "waterfall"}


def offering_contracts(op: Operator) -> dict[str, AccessControlled]:
    """Every access-controlled contract of the offering by the name commands take, in the record's order."""
    offering = op.offering
    found: dict[str, AccessControlled] = {"registry": offering.registry, **offering.tokens}
    if offering.distributor is not None:
        found["distributor"] = offering.distributor
    for key in op.record.modules:
        if key in _MODULE_WRAPPERS:
            wrapper = getattr(offering, _MODULE_WRAPPERS[key])
        elif key.startswith(COLLATERAL_PREFIX):
            wrapper = offering.collateral(key[len(COLLATERAL_PREFIX):])
        elif key.startswith(REDEMPTION_PREFIX):
            wrapper = offering.redemption(key[len(REDEMPTION_PREFIX):])
        else:
            continue  # a module this version does not know: not listed rather than guessed
        if wrapper is not None:
            found[key] = wrapper
    return found


def find_contract(op: Operator, name: str) -> tuple[str, AccessControlled]:
    """The offering's contract `name` (any case), or a ConfigError naming the ones it has."""
    contracts = offering_contracts(op)
    match = {label.upper(): label for label in contracts}.get(name.strip().upper())
    if match is None:
        raise ConfigError(f"offering {op.record.name!r} has no contract {name!r} (it has: {', '.join(contracts)})")
    return match, contracts[match]


def role_name(text: str) -> str:
    """"agent", "AGENT", "agent-role" -> "AGENT_ROLE"; "admin" -> "DEFAULT_ADMIN_ROLE"."""
    name = text.strip().upper().replace("-", "_")
    if name in ("ADMIN", "ADMIN_ROLE", "DEFAULT_ADMIN"):
        return ADMIN
    return name if name.endswith("_ROLE") else f"{name}_ROLE"


@dataclass(frozen=True)
class RoleRow:
    contract: str
    address: str
    role: str
    holders: list[Holder]


def list_roles(op: Operator, contract: Optional[str] = None, wallet: Optional[str] = None) -> list[RoleRow]:
    """Who holds which role where: one row per (contract, declared role), holders replayed from the contract's
    role events in the offering's event index (synced first: incremental, chunked, reorg-safe). `wallet` keeps only
    that wallet's roles."""
    who = address(wallet, "wallet") if wallet else None
    contracts = dict([find_contract(op, contract)]) if contract else offering_contracts(op)
    with offering_index(op) as index:
        changes = {label: [(e.event, e.args["role"], e.args["account"])
                           for e in index.events(wrapper.address, (GRANTED, REVOKED))]
                   for label, wrapper in contracts.items()}
    rows = []
    for label, wrapper in contracts.items():
        held = holders(wrapper, changes[label])
        for role in declared_roles(wrapper):
            mine = [h for h in held if h.role == role and (who is None or h.account == who)]
            if who is None or mine:
                rows.append(RoleRow(label, wrapper.address, role, mine))
    return rows


@dataclass(frozen=True)
class RoleChange:
    """A grant or revocation about to be made (or made): `needed` False when it would change nothing."""

    action: str  # "grant" or "revoke"
    contract: str
    address: str
    role: str
    wallet: str
    needed: bool
    owner: bool = False  # revoking the ERC-173 owner's admin role renounces ownership

    @property
    def admin(self) -> bool:
        return self.role == ADMIN


def plan_change(op: Operator, action: str, role: str, wallet: str, contract: Optional[str] = None) -> RoleChange:
    """Validate a grant or revocation before anything is sent: the contract (named, or the only one of the offering
    declaring the role), the role (one the contract declares) and the wallet; and whether it changes anything."""
    account = address(wallet, "wallet")
    name = role_name(role)
    label, wrapper = find_contract(op, contract) if contract else _only_contract_with(op, name)
    roles = declared_roles(wrapper)
    if name not in roles:
        raise ConfigError(f"{label} has no role {role!r} (its roles: {', '.join(roles)})")
    held = wrapper.has_role(name, account)
    owner = action == "revoke" and name == ADMIN and isinstance(wrapper, Owned) and wrapper.owner() == account
    return RoleChange(action, label, wrapper.address, name, account, held if action == "revoke" else not held, owner)


def _only_contract_with(op: Operator, role: str) -> tuple[str, AccessControlled]:
    contracts = offering_contracts(op)
    having = [label for label, w in contracts.items() if role in declared_roles(w)]
    if len(having) == 1:
        return having[0], contracts[having[0]]
    if not having:
        known = sorted({r for w in contracts.values() for r in declared_roles(w)})
        raise ConfigError(f"no contract of offering {op.record.name!r} has a role {role!r} (roles: {', '.join(known)})")
    raise ConfigError(f"{role} is a role of {', '.join(having)}: choose one with --contract")


def apply_change(op: Operator, change: RoleChange, dry_run: bool = False):
    """Send (or with `dry_run` simulate) the change; None when simulated or when it changes nothing."""
    if not change.needed:
        return None
    _, wrapper = find_contract(op, change.contract)
    send = grant if change.action == "grant" else revoke
    return send(wrapper, change.role, change.wallet, dry_run=dry_run)
