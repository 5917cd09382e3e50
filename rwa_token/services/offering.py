"""Deploying an offering's contracts directly: a standalone registry and distributor, and `deploy_core`, a registry
and one token cloned through the chain's factory (`rwa_token.contracts.factory.infrastructure`)."""
from __future__ import annotations

import os

from eth_account.signers.local import LocalAccount

from ..chain.tx import Transactor
from ..contracts.distributor import Distributor
from ..contracts.factory import OfferingFactory, OfferingPlan, TokenPlan, infrastructure
from ..contracts.registry import InvestorRegistry
from ..contracts.token import SecurityToken
from ..primitives.units import ZERO_ADDRESS


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
