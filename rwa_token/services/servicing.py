"""Servicing a deployed offering period by period: set up the waterfall once the tranches are issued, then
split each period's collections through it and pay every tranche's share to its holders by record date.

It composes the lower layers (waterfall and distributor wrappers, `distributions`). `distribute`,
`init_waterfall` and `run_waterfall` act on a deployed offering (an `Operator`): they are what `rwa distribute`,
`rwa waterfall ...`, the demo and scripts/pay_coupon.py call."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..contracts.distributor import Distributor
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..contracts.waterfall import PrincipalMode, Step, TrancheTerms, Waterfall
from ..inputs.spec import FREQUENCIES, OfferingSpec
from ..primitives.constants import SECONDS_PER_DAY as DAY
from ..primitives.errors import ConfigError
from ..primitives.units import to_units
from ..store.journal import Journal, Progress
from ..store.state import save_record
from .context import Operator, Track, quiet
from .distributions import (Created, KnownReads, PushReport, Reconciliation, fund_and_create, push_all,
                            read_record_date, reconcile)
from .holders import offering_index, token_holders


def tranche_terms(spec: OfferingSpec, tokens: list[SecurityToken], payout_account: str,
                  payment_decimals: int) -> list[TrancheTerms]:
    """Waterfall terms from the spec and the tokens as issued: outstanding principal = supply x face value;
    interest per period = the annual rate divided by the coupon frequency, in whole basis points."""
    if spec.coupon_schedule is None:
        raise ConfigError("coupon_schedule is required to set up a waterfall (it fixes the period length)")
    periods = FREQUENCIES[spec.coupon_schedule.frequency]
    terms = []
    for i, (t, token) in enumerate(zip(spec.tokens, tokens)):
        if i == len(spec.tokens) - 1:
            terms.append(TrancheTerms(payout_account))  # the junior/equity tranche takes the residual
            continue
        if t.face_value is None:
            raise ConfigError(f"tokens[{i}].face_value is required for a debt tranche in the waterfall")
        face = to_units(t.face_value, payment_decimals, f"tokens[{i}].face_value")
        outstanding = token.total_supply() * face // 10 ** token.decimals
        # A whole number of bps per period: the spec refuses any other rate when it is read.
        terms.append(TrancheTerms(payout_account, t.interest_rate_bps // periods, outstanding, 0))
    return terms


def set_up_waterfall(spec: OfferingSpec, tokens: list[SecurityToken], distributor: Distributor, collection: ERC20,
                     admin, fee_account: str) -> Waterfall:
    if spec.waterfall is None:
        raise ConfigError("the offering spec has no waterfall section")
    decimals = collection.decimals()
    terms = tranche_terms(spec, tokens, admin.address, decimals)
    mode = PrincipalMode.SEQUENTIAL if spec.waterfall.principal_mode == "sequential" else PrincipalMode.PRO_RATA
    return Waterfall.deploy_initialized(
        distributor.tx, admin, agent=admin.address, collection_token=collection.address, policy=distributor.address,
        fee_account=fee_account, fee_per_period=to_units(spec.waterfall.fees, decimals, "waterfall.fees"),
        mode=mode, tranches=terms)


@dataclass
class HoldersPaid:
    """A funded distribution pushed to every holder at its record date, and its reconciliation."""

    holders: list[str]
    pushed: PushReport
    reconciliation: Reconciliation


def pay_holders(distributor: Distributor, token: SecurityToken, created: Created, candidates: list[str],
                journal: Journal | None = None, progress: Progress | None = None, payer=None) -> HoldersPaid:
    """Push `created` to the candidates that held the token at its record date (resumable through the
    journal), then reconcile it to the last unit. Candidates come from the cap table or the event index.

    Each read happens once: the distribution's terms and every candidate's record-date answer before pushing
    (validated in one pass), the paid bits once pushing resumes; the reconciliation reads only what the payments
    changed (the contract's figures and the events)."""
    record_date = read_record_date(distributor, created.distribution_id, candidates)
    holders = record_date.holders
    pushed = push_all(distributor, created.distribution_id, holders, journal=journal, progress=progress,
                      sender=payer, known=record_date)
    result = reconcile(distributor, created.distribution_id, holders, from_block=created.create_receipt.block_number,
                       known=KnownReads(record_date, pushed.paid_before))
    return HoldersPaid(holders, pushed, result)


@dataclass
class TranchePayment:
    symbol: str
    amount: int
    distribution_id: int | None = None
    holders_paid: int = 0
    exact: bool = True
    gas_used: int = 0


@dataclass
class PeriodReport:
    period: int
    collections: int
    steps: list[Step]
    waterfall_gas: int
    tranches: list[TranchePayment] = field(default_factory=list)
    seconds: float = 0.0


def pay_period(waterfall: Waterfall, distributor: Distributor, tokens: dict[str, SecurityToken], collection: ERC20,
               collections: int, holders: dict[str, list[str]], payer, claim_days: int = 90,
               journal: Journal | None = None, progress: Progress | None = None) -> PeriodReport:
    """Run one waterfall period on `collections`, then distribute each tranche's payout to its holders at a
    fresh record date (pushed in batches), and reconcile each distribution to the last unit."""
    started = time.monotonic()
    if collection.balance_of(payer.address) < collections:
        raise ConfigError(f"the servicer {payer.address} holds less than the period's collections")
    if collection.allowance(payer.address, waterfall.address) < collections:
        collection.approve(waterfall.address, collections, sender=payer)
    period, receipt = waterfall.run(collections, sender=payer)
    steps = waterfall.steps(receipt)
    report = PeriodReport(period, collections, steps, receipt.gas_used)
    payouts: dict[int, int] = {}
    for step in steps:
        if step.tranche != 255:
            payouts[step.tranche] = payouts.get(step.tranche, 0) + step.paid
    expiry = distributor.tx.chain.block_timestamp() + claim_days * DAY
    for index, (symbol, token) in enumerate(tokens.items()):
        amount = payouts.get(index, 0)
        payment = TranchePayment(symbol, amount)
        report.tranches.append(payment)
        if amount == 0:
            continue
        created = fund_and_create(distributor, token, collection, expiry, amount=amount, payer=payer)
        payment.distribution_id = created.distribution_id
        paid = pay_holders(distributor, token, created, holders.get(symbol, []), journal, progress, payer)
        payment.holders_paid = paid.pushed.pushed
        payment.gas_used = created.create_receipt.gas_used + paid.pushed.gas_used
        payment.exact = paid.reconciliation.exact
    report.seconds = time.monotonic() - started
    return report


# ------------------------------------------------------------------------------------- on a deployed offering
@dataclass
class Distribution:
    """A distribution funded on a deployed offering and, if pushed, paid and reconciled."""

    created: Created
    payment_symbol: str
    paid: Optional[HoldersPaid] = None


def distribute(op: Operator, amount: str, *, token: str | None = None, payment: str | None = None,
               claim_days: int = 90, push: bool = True, track: Track = quiet,
               on_funded: Callable[[Created, str], None] | None = None) -> Distribution:
    """Fund a distribution of `amount` (payment-token units, decimal) on the token by record date (a snapshot now);
    with `push`, pay every holder at the record date in batches (resumable through the offering's journal; the
    candidates come from the event index) and reconcile it. `on_funded` hears of the funded distribution first."""
    symbol, _ = op.record.token(token)
    t, usd, distributor = op.token(symbol), op.payment_token(payment), op.distributor()
    units = to_units(amount, usd.decimals(), "amount")
    created = fund_and_create(distributor, t, usd, op.chain.block_timestamp() + claim_days * DAY, amount=units)
    result = Distribution(created, usd.symbol())
    if on_funded:
        on_funded(created, result.payment_symbol)
    if not push:
        return result
    journal = op.journal(f"distribution-{created.distribution_id}")
    candidates = token_holders(op, symbol, track)
    with track("paying holders") as advance:
        result.paid = pay_holders(distributor, t, created, candidates, journal, progress=advance)
    return result


def check_no_waterfall(op: Operator) -> None:
    """`rwa waterfall init` deploys one waterfall per offering."""
    if "waterfall" in op.record.modules:
        raise ConfigError(f"the offering already has a waterfall at {op.record.modules['waterfall']}")


def waterfall_address(op: Operator) -> str:
    """The offering's waterfall, which `rwa waterfall init` deploys."""
    address = op.record.modules.get("waterfall")
    if not address:
        raise ConfigError("no waterfall yet: run `rwa waterfall init` after issuing the tranches")
    return address


def init_waterfall(op: Operator) -> Waterfall:
    """Deploy the offering's waterfall from its spec once the tranches are issued, and record it."""
    check_no_waterfall(op)
    tokens = [op.token(s) for s in op.record.tokens]
    waterfall = set_up_waterfall(op.spec(), tokens, op.distributor(), op.payment_token(), op.account,
                                 fee_account=op.account.address)
    op.record.modules["waterfall"] = waterfall.address
    save_record(op.record, op.state)
    return waterfall


def run_waterfall(op: Operator, collections: str | int, track: Track = quiet) -> PeriodReport:
    """Run one period of the offering's waterfall on `collections` (payment-token units, decimal, or base units
    as an int) and pay each tranche's share to its holders (from the event index)."""
    address = waterfall_address(op)
    usd = op.payment_token()
    tokens = {s: op.token(s) for s in op.record.tokens}
    index = offering_index(op, track)
    holders = {s: token_holders(op, s, index=index) for s in tokens}
    units = collections if isinstance(collections, int) else to_units(collections, usd.decimals(), "collections")
    return pay_period(Waterfall(op.tx, address, op.account), op.distributor(), tokens, usd, units, holders,
                      op.account, journal=op.journal("waterfall"))
