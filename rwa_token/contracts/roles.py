"""AccessControl roles of any wrapper, by name: the roles a contract declares (read from its ABI), who holds them
(replayed from its RoleGranted and RoleRevoked events; none of the contracts is AccessControlEnumerable), and
grants and revocations that can be simulated first.

The ERC-173 owner of the token and the registry holds DEFAULT_ADMIN_ROLE by being the owner (`OwnedRoles`), with
no RoleGranted event: `holders` adds it."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt
from ..primitives.units import ZERO_ADDRESS
from .base import AccessControlled, Owned, role_id

ADMIN = "DEFAULT_ADMIN_ROLE"
GRANTED, REVOKED = "RoleGranted", "RoleRevoked"  # the events the index keeps of every role change


@dataclass(frozen=True)
class Holder:
    """One holder of one role: `how` is "granted" (a RoleGranted event) or "owner" (the ERC-173 owner's admin)."""

    role: str
    account: str
    how: str = "granted"


def declared_roles(wrapper: AccessControlled) -> list[str]:
    """The roles a contract declares (its public bytes32 `*_ROLE` constants), DEFAULT_ADMIN_ROLE first."""
    names = {e["name"] for e in wrapper._abi if e["type"] == "function" and e["name"].endswith("_ROLE")
             and not e["inputs"] and [o["type"] for o in e.get("outputs", [])] == ["bytes32"]}
    return sorted(names, key=lambda n: (n != ADMIN, n))


def holders(wrapper: AccessControlled, events: Iterable[tuple[str, bytes | str, str]] | None = None,
            from_block: int = 0) -> list[Holder]:
    """Every current holder of every declared role, replayed in chain order from the contract's role `events`
    ((GRANTED or REVOKED, role id as bytes or 0x hex, account), e.g. from the event index; read from the chain since
    `from_block` when not given), plus the ERC-173 owner as an admin of an owned contract."""
    if events is None:
        found = sorted(wrapper.events(GRANTED, from_block) + wrapper.events(REVOKED, from_block),
                       key=lambda e: (e["block_number"], e["log_index"]))
        events = [(e["event"], e["args"]["role"], e["args"]["account"]) for e in found]
    by_hash = {role_id(name): name for name in declared_roles(wrapper)}
    held: dict[tuple[str, str], None] = {}  # insertion-ordered set of (role, account)
    for event, role, account in events:
        name = by_hash.get(bytes.fromhex(role[2:]) if isinstance(role, str) else bytes(role))
        if name is None:
            continue
        if event == GRANTED:
            held[(name, account)] = None
        else:
            held.pop((name, account), None)
    result = [Holder(role, account) for role, account in held]
    if isinstance(wrapper, Owned):
        owner = wrapper.owner()
        if owner != ZERO_ADDRESS and (ADMIN, owner) not in held:
            result.insert(0, Holder(ADMIN, owner, "owner"))
    return result


def grant(wrapper: AccessControlled, role: str, account: str, sender: LocalAccount | None = None,
          dry_run: bool = False) -> Receipt | None:
    """grantRole(role, account); with `dry_run` simulated from the sender (a refusal raises, naming the role)."""
    return wrapper.send("grantRole", role_id(role), account, sender=sender, dry_run=dry_run)


def revoke(wrapper: AccessControlled, role: str, account: str, sender: LocalAccount | None = None,
           dry_run: bool = False) -> Receipt | None:
    """revokeRole(role, account); revoking the owner's admin role of an owned contract renounces its ownership."""
    return wrapper.send("revokeRole", role_id(role), account, sender=sender, dry_run=dry_run)
