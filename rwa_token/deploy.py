"""Deployment of implementations and EIP-1167 clones (the factory does whole offerings in one transaction)."""
from __future__ import annotations

from eth_account.signers.local import LocalAccount

from .tx import Transactor

# EIP-1167 minimal proxy creation code around a 20-byte implementation address.
_CLONE_PREFIX = bytes.fromhex("3d602d80600a3d3981f3363d3d373d3d3d363d73")
_CLONE_SUFFIX = bytes.fromhex("5af43d82803e903d91602b57fd5bf3")


def deploy_implementation(tx: Transactor, sender: LocalAccount, contract: str) -> str:
    return tx.deploy(contract, (), sender).contract_address


def deploy_clone(tx: Transactor, sender: LocalAccount, implementation: str) -> str:
    """A bare clone; initialise it in the next call (the factory does both atomically)."""
    code = _CLONE_PREFIX + bytes.fromhex(implementation[2:]) + _CLONE_SUFFIX
    return tx.send(sender, None, code).contract_address
