"""OfferingFactory: one transaction deploys a registry, the tranche tokens with their rules, and a distributor."""
from __future__ import annotations

from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount

from ..errors import RwaError
from ..tx import Receipt
from ..units import ZERO_ADDRESS
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


def deploy_module(tx, sender: LocalAccount, module: int, init_call: bytes, salt: bytes | None = None) -> str:
    """Clone and initialise a module through the chain's factory (deployed on first use)."""
    import os

    from ..offering import infrastructure

    factory = OfferingFactory(tx, infrastructure(tx, sender).factory, sender)
    return factory.deploy_module(module, init_call, salt or os.urandom(32))
