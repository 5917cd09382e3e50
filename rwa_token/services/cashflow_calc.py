"""One waterfall period computed off chain, step for step as the Waterfall contract computes it.

Used to preview a period before collections are sent (how much reaches each tranche, what goes into arrears)
and to audit one afterwards: the steps come out in the order, and with the values, of the `WaterfallStep`
events, so a comparison is a plain equality. Integer arithmetic only; every rounding is the contract's.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from ..contracts.waterfall import (
    NO_TRANCHE,
    STEP_FEES,
    STEP_INTEREST,
    STEP_PRINCIPAL,
    STEP_RESIDUAL,
    PrincipalMode,
    Step,
    Tranche,
    Waterfall,
)
from ..primitives.constants import MAX_BPS


@dataclass(frozen=True)
class WaterfallState:
    """What a period starts from: the fee, fee arrears and the tranches (most senior first, residual last)."""

    fee_per_period: int
    fee_arrears: int
    tranches: tuple[Tranche, ...]
    mode: PrincipalMode
    period: int = 0


@dataclass(frozen=True)
class PeriodResult:
    """One period: its steps (event order), what each party receives, and the state the next period starts from."""

    period: int
    collections: int
    steps: tuple[Step, ...]
    fees_paid: int
    payouts: tuple[int, ...]
    next_state: WaterfallState

    @property
    def distributed(self) -> int:
        """Every unit of collections goes somewhere: fees plus tranche payouts."""
        return self.fees_paid + sum(self.payouts)


def run_period(state: WaterfallState, collections: int) -> PeriodResult:
    """Split `collections` for the period after `state.period`.

    Order: fees (plus arrears); interest tranche by tranche (floor(outstanding * rate / 10_000) on the
    start-of-period outstanding, plus arrears); principal (scheduled plus arrears, capped at what is
    outstanding), sequential or pro rata to what is due with the rounding units going to the most senior tranche
    still short; the rest to the residual tranche. What a step cannot pay becomes its arrears."""
    if collections < 0:
        raise ValueError("collections cannot be negative")
    if len(state.tranches) < 2:
        raise ValueError("a waterfall has at least one debt tranche and the residual tranche")
    period = state.period + 1
    steps: list[Step] = []
    debt = [replace(t) for t in state.tranches[:-1]]
    payouts = [0] * len(state.tranches)
    available = collections

    fee_due = state.fee_per_period + state.fee_arrears
    fees_paid = min(fee_due, available)
    available -= fees_paid
    steps.append(Step(period, STEP_FEES, NO_TRANCHE, fee_due, fees_paid, fee_due - fees_paid))

    for i, t in enumerate(debt):
        due = t.outstanding * t.rate_bps // MAX_BPS + t.interest_arrears
        paid = min(due, available)
        available -= paid
        payouts[i] = paid
        debt[i] = replace(t, interest_arrears=due - paid)
        steps.append(Step(period, STEP_INTEREST, i, due, paid, due - paid))

    principal_due = [min(t.scheduled_principal + t.principal_arrears, t.outstanding) for t in debt]
    principal_paid, available = _split_principal(state.mode, principal_due, available)
    for i, (due, paid) in enumerate(zip(principal_due, principal_paid)):
        debt[i] = replace(debt[i], outstanding=debt[i].outstanding - paid, principal_arrears=due - paid)
        payouts[i] += paid
        steps.append(Step(period, STEP_PRINCIPAL, i, due, paid, due - paid))

    residual = len(state.tranches) - 1
    payouts[residual] = available
    steps.append(Step(period, STEP_RESIDUAL, residual, available, available, 0))

    next_state = WaterfallState(state.fee_per_period, fee_due - fees_paid, tuple(debt) + (state.tranches[-1],),
                                state.mode, period)
    return PeriodResult(period, collections, tuple(steps), fees_paid, tuple(payouts), next_state)


def _split_principal(mode: PrincipalMode, principal_due: list[int], available: int) -> tuple[list[int], int]:
    """Principal paid to each debt tranche and what is left: sequential (or everything due when it can be paid),
    else pro rata to what is due, the rounding units going to the most senior tranche still short."""
    total_due = sum(principal_due)
    if mode == PrincipalMode.SEQUENTIAL or available >= total_due:
        principal_paid = []
        for due in principal_due:
            paid = min(due, available)
            principal_paid.append(paid)
            available -= paid
        return principal_paid, available
    principal_paid = [available * due // total_due for due in principal_due]
    dust = available - sum(principal_paid)
    for i, due in enumerate(principal_due):
        if not dust:
            break
        extra = min(due - principal_paid[i], dust)
        principal_paid[i] += extra
        dust -= extra
    return principal_paid, dust


def run_periods(state: WaterfallState, collections: Sequence[int]) -> list[PeriodResult]:
    """Several periods in a row, each starting from the state the previous one left (arrears carried)."""
    results = []
    for amount in collections:
        result = run_period(state, amount)
        results.append(result)
        state = result.next_state
    return results


def state_of(waterfall: Waterfall) -> WaterfallState:
    """The on-chain waterfall's current state, ready for `run_period`."""
    fee_per_period, fee_arrears = waterfall.fees()
    return WaterfallState(fee_per_period, fee_arrears, tuple(waterfall.tranches()), waterfall.mode(),
                          waterfall.period())
