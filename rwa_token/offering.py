"""Deploying offerings: the shared implementations and factory (once per chain), then clones per offering."""
from __future__ import annotations

import os
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from .contracts.distributor import Distributor
from .contracts.factory import OfferingFactory, OfferingPlan, TokenPlan
from .contracts.registry import InvestorRegistry
from .contracts.token import SecurityToken
from .tx import Transactor
from .units import ZERO_ADDRESS


@dataclass(frozen=True)
class Infrastructure:
    """The audited implementations every offering on a chain is cloned from, and the factory."""

    factory: str
    registry_implementation: str
    token_implementation: str
    distributor_implementation: str
    redemption_implementation: str
    waterfall_implementation: str


IMPLEMENTATIONS = ("InvestorRegistry", "SecurityToken", "Distributor", "Redemption", "Waterfall")


def deploy_infrastructure(tx: Transactor, sender: LocalAccount) -> Infrastructure:
    impls = [tx.deploy(name, _implementation_args(name), sender).contract_address for name in IMPLEMENTATIONS]
    factory = tx.deploy("OfferingFactory", impls, sender).contract_address
    return Infrastructure(factory, *impls)


def _implementation_args(name: str) -> tuple:
    """Constructor arguments of an implementation (a registry implementation has no admin of its own)."""
    from . import artifacts

    constructor = next((e for e in artifacts.abi(name) if e["type"] == "constructor"), {"inputs": []})
    return tuple(ZERO_ADDRESS for _ in constructor["inputs"])


_infrastructure: dict[tuple[str, int], Infrastructure] = {}


def infrastructure(tx: Transactor, sender: LocalAccount) -> Infrastructure:
    """The chain's infrastructure, deployed on first use in this process."""
    key = (tx.chain.url, tx.chain.chain_id)
    infra = _infrastructure.get(key)
    if infra is None or not tx.chain.w3.eth.get_code(infra.factory):
        infra = _infrastructure[key] = deploy_infrastructure(tx, sender)
    return infra


def deploy_registry(tx: Transactor, admin: LocalAccount) -> InvestorRegistry:
    """A registry deployed directly (not a clone): shared infrastructure of an issuer or a platform, read on
    every transfer, so the ~2.7k-gas proxy hop a clone would add to each transfer is worth avoiding.
    `admin` also gets REGISTRAR_ROLE, so it can onboard at once."""
    address = tx.deploy("StandaloneInvestorRegistry", (admin.address,), admin).contract_address
    registry = InvestorRegistry(tx, address, admin)
    registry.grant_role("REGISTRAR_ROLE", admin.address)
    return registry


def deploy_distributor(tx: Transactor, admin: LocalAccount, primary_token: str = ZERO_ADDRESS,
                       treasury: str | None = None, tax_account: str | None = None) -> Distributor:
    """A distributor deployed directly (not a clone): one per issuer, serving all its tokens. Every claim and push
    goes through it, so the ~2.7k-gas proxy hop of a clone is worth avoiding, and `primary_token` (registered as
    its first token; may be a factory-predicted address) is kept in code, saving a storage read per payment.
    `admin` is also the paying agent; the treasury and the tax account default to `admin`."""
    treasury = treasury or admin.address
    address = tx.deploy("StandaloneDistributor",
                        (admin.address, admin.address, treasury, tax_account or treasury, primary_token),
                        admin).contract_address
    return Distributor(tx, address, admin)


def deploy_core(tx: Transactor, admin: LocalAccount, name: str, symbol: str, decimals: int, supply_cap: int,
                salt: bytes | None = None,
                registry: InvestorRegistry | None = None) -> tuple[InvestorRegistry, SecurityToken]:
    """A registry (new unless given) and one token, every role held by `admin` (tests, quick starts)."""
    registry = registry or deploy_registry(tx, admin)
    factory = OfferingFactory(tx, infrastructure(tx, admin).factory, admin)
    plan = OfferingPlan(admin=admin.address, registry=registry.address,
                        tokens=[TokenPlan(name, symbol, decimals, supply_cap)])
    deployed = factory.deploy_offering(plan, salt or os.urandom(32))
    return registry, SecurityToken(tx, deployed.tokens[0], admin)
