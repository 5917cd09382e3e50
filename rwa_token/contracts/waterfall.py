"""Waterfall: the priority of payments of a tranched offering (fees, interest by seniority, principal, residual).

Each period's collections are split on chain and every step is an event; `rwa_token.services.cashflow_calc` repeats the
split off chain so a servicer can preview a period and an auditor can check one.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Sequence

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt, Transactor
from ..primitives.constants import NO_TRANCHE
from ..primitives.errors import RwaError
from ..primitives.units import ZERO_ADDRESS, address
from .base import AccessControlled, Amount
from .factory import MODULE_WATERFALL, deploy_module

STEP_FEES, STEP_INTEREST, STEP_PRINCIPAL, STEP_RESIDUAL = 0, 1, 2, 3


class PrincipalMode(IntEnum):
    """How principal is shared among debt tranches when collections fall short (the contract's enum order)."""

    SEQUENTIAL = 0
    PRO_RATA = 1


@dataclass(frozen=True)
class TrancheTerms:
    """A tranche at set-up, most senior first; the last is the residual tranche (rate and principal zero)."""

    account: str
    rate_bps: int = 0
    outstanding: int = 0
    scheduled_principal: int = 0

    def encoded(self) -> tuple[str, int, int, int]:
        return (address(self.account, "tranche account"), self.rate_bps, self.outstanding, self.scheduled_principal)


@dataclass(frozen=True)
class Tranche:
    """A tranche as stored now: terms plus the arrears carried into the next period."""

    account: str
    rate_bps: int
    outstanding: int
    scheduled_principal: int
    interest_arrears: int
    principal_arrears: int


@dataclass(frozen=True)
class Step:
    """One `WaterfallStep` event: for fees `tranche` is NO_TRANCHE; for the residual `due == paid`."""

    period: int
    step: int
    tranche: int
    due: int
    paid: int
    arrears: int


class Waterfall(AccessControlled):
    """The tranche waterfall of a multi-tranche offering: each `run(collections)` pays fees, then interest tranche
    by tranche (senior first), then principal (sequential or pro rata), then the residual; each tranche's share
    is paid to its holders by record date. `steps(receipt)` reads what each step was due and paid.

    `collections` is `int` base units or a decimal string in whole units of the payment token."""

    CONTRACT = "Waterfall"

    @classmethod
    def deploy_initialized(cls, tx: Transactor, admin: LocalAccount, *, agent: str, collection_token: str,
                           policy: str, fee_account: str, fee_per_period: int, mode: PrincipalMode,
                           tranches: Sequence[TrancheTerms], salt: bytes | None = None) -> "Waterfall":
        """A clone from the chain's factory, initialised in the same transaction."""
        blank = cls(tx, ZERO_ADDRESS)
        init = blank.encode("initialize", admin.address, address(agent, "agent"), address(collection_token, "token"),
                            address(policy, "policy"), address(fee_account, "fee_account"), fee_per_period,
                            int(mode), [t.encoded() for t in tranches])
        return cls(tx, deploy_module(tx, admin, MODULE_WATERFALL, init, salt), admin)

    def run(self, collections: Amount, sender: LocalAccount | None = None) -> tuple[int, Receipt]:
        """Split `collections` (pulled from the sender: approve first) for the next period; returns the period."""
        units = self.units_of(self.payment_token(), collections, "collections")
        receipt = self.send("runWaterfall", units, sender=sender)
        runs = receipt.events("WaterfallRun")
        if not runs:
            raise RwaError("no WaterfallRun event in the receipt")
        return int(runs[0]["args"]["period"]), receipt

    def tranche(self, index: int) -> Tranche:
        return Tranche(*self.call("tranche", index))

    def tranches(self) -> list[Tranche]:
        return [self.tranche(i) for i in range(self.tranche_count())]

    def tranche_count(self) -> int:
        return self.call("trancheCount")

    def period(self) -> int:
        return self.call("period")

    def fees(self) -> tuple[int, int]:
        """(fee per period, fee arrears)."""
        return tuple(self.call("fees"))  # type: ignore[return-value]

    def mode(self) -> PrincipalMode:
        return PrincipalMode(self.call("principalMode"))

    def payment_token(self) -> str:
        return self.call("paymentToken")

    def fee_account(self) -> str:
        return self.call("feeAccount")

    def set_tranche_account(self, index: int, account: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setTrancheAccount", index, address(account, "account"), sender=sender)

    def set_fee_account(self, account: str, sender: LocalAccount | None = None) -> Receipt:
        return self.send("setFeeAccount", address(account, "account"), sender=sender)

    @staticmethod
    def steps(receipt: Receipt) -> list[Step]:
        """The WaterfallStep events of one run, in emission order."""
        return [Step(int(a["period"]), int(a["step"]), int(a["tranche"]), int(a["due"]), int(a["paid"]),
                     int(a["arrears"])) for a in (e["args"] for e in receipt.events("WaterfallStep"))]
