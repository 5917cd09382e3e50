"""OfferingFactory: one transaction deploys a registry, the tranche tokens with their rules, and a distributor.

Also the chain's infrastructure the factory clones from: the audited implementations and the factory itself,
deployed once per chain (`infrastructure`), and `deploy_module`, which clones a module (redemption, waterfall)
through it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt, Transactor
from ..primitives import artifacts
from ..primitives.errors import RwaError
from ..primitives.units import ZERO_ADDRESS
from .base import ContractWrapper

REGISTRY_INDEX = 2**256 - 1
DISTRIBUTOR_INDEX = 2**256 - 2
MODULE_REDEMPTION, MODULE_WATERFALL = 0, 1


@dataclass
class TokenPlan:
    name: str
    symbol: str
    decimals: int
    supply_cap: int  # base units; 0 = no cap
    setup: list[bytes] = field(default_factory=list)  # calls run on the fresh token (rules, documents, terms)


@dataclass
class OfferingPlan:
    admin: str
    tokens: list[TokenPlan]
    registry: str = ZERO_ADDRESS  # zero: deploy a new registry for this offering
    distributor: str = ZERO_ADDRESS  # an existing distributor to snapshot the tokens (unless with_distributor)
    treasury: str = ZERO_ADDRESS
    tax_account: str = ZERO_ADDRESS
    with_distributor: bool = False
    distributor_setup: list[bytes] = field(default_factory=list)


@dataclass
class DeployedOffering:
    registry: str
    distributor: str | None
    tokens: list[str]
    receipt: Receipt


class OfferingFactory(ContractWrapper):
    """The chain's offering factory: `deploy_offering(plan, salt)` clones a registry, the tokens and a distributor
    from audited implementations (EIP-1167) in one transaction; `deploy_module` clones a redemption or waterfall
    module; `predict` gives an address before deployment. `infrastructure(tx, sender)` finds or deploys it."""

    CONTRACT = "OfferingFactory"

    def deploy_offering(self, plan: OfferingPlan, salt: bytes, sender: LocalAccount | None = None) -> DeployedOffering:
        spec = (
            plan.admin, plan.registry, plan.distributor, plan.treasury, plan.tax_account, plan.with_distributor,
            [(t.name, t.symbol, t.decimals, t.supply_cap, t.setup) for t in plan.tokens],
            plan.distributor_setup,
        )
        receipt = self.send("deployOffering", spec, salt, sender=sender)
        events = receipt.events("OfferingDeployed")
        if not events:
            raise RwaError("the factory emitted no OfferingDeployed event: is this an OfferingFactory?")
        args = events[0]["args"]
        distributor = args["distributor"] if args["distributor"] != ZERO_ADDRESS else None
        return DeployedOffering(args["registry"], distributor, list(args["tokens"]), receipt)

    def deploy_module(self, module: int, init_call: bytes, salt: bytes, sender: LocalAccount | None = None) -> str:
        """Clone a module (MODULE_REDEMPTION or MODULE_WATERFALL) and run its `initialize` call atomically."""
        receipt = self.send("deployModule", module, init_call, salt, sender=sender)
        events = receipt.events("ModuleDeployed")
        if not events:
            raise RwaError("the factory emitted no ModuleDeployed event")
        return events[0]["args"]["instance"]

    def predict(self, deployer: str, salt: bytes, index: int) -> str:
        return self.call("predictAddress", deployer, salt, index)


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
    constructor = next((e for e in artifacts.abi(name) if e["type"] == "constructor"), {"inputs": []})
    return tuple(ZERO_ADDRESS for _ in constructor["inputs"])


_infrastructure: dict[tuple[str, int, str], Infrastructure] = {}


def infrastructure(tx: Transactor, sender: LocalAccount) -> Infrastructure:
    """The chain's infrastructure, deployed on first use in this process."""
    key = (tx.chain.url, tx.chain.chain_id, tx.chain.evm)  # one set of implementations per build
    infra = _infrastructure.get(key)
    if infra is None or not tx.code(infra.factory):
        infra = _infrastructure[key] = deploy_infrastructure(tx, sender)
    return infra


def deploy_module(tx: Transactor, sender: LocalAccount, module: int, init_call: bytes,
                  salt: bytes | None = None) -> str:
    """Clone and initialise a module through the chain's factory (deployed on first use)."""
    factory = OfferingFactory(tx, infrastructure(tx, sender).factory, sender)
    return factory.deploy_module(module, init_call, salt or os.urandom(32))
