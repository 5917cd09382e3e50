"""Distributions as a paying agent runs them: fund and create, find the record-date holders, push payment in
resumable batches, predict every holder's payment off chain, and reconcile what happened to the last unit.

The chain is the source of truth. Every check that can refuse an operation (payer balance, allowance, paid
flags) is read in batched RPC calls before anything is sent; the journal only adds what the chain cannot tell
yet (a batch sent but not mined when an earlier run died). The predictor repeats the contract's integer
arithmetic step by step (`rwa_token.contracts.distributor` documents where each rounding happens), so that a
prediction that differs from what was paid is a finding, not noise.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt
from ..contracts.distributor import DistributionInfo, Distributor, Totals
from ..contracts.events import DistributorEvents as D
from ..contracts.stablecoin import ERC20
from ..contracts.token import HolderAt, SecurityToken
from ..primitives.constants import MAX_BPS, PAYMENT_TRANSFER_FAILED  # noqa: F401 (re-exported)
from ..primitives.errors import ConfigError
from ..primitives.units import address
from ..store.journal import Journal, Progress, settle_in_flight
from .pipeline import send_batches


# ---------------------------------------------------------------------------------------------------------------
# Funding and creating
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Created:
    """A funded distribution: its id, the amount pulled from the payer and the transactions sent."""

    distribution_id: int
    amount: int
    approve_receipt: Receipt | None
    create_receipt: Receipt


def required_amount(distributor: Distributor, token: SecurityToken, amount_per_token: int,
                    snapshot_id: int = 0) -> int:
    """What `createDistributionPerToken` will pull: floor(eligible supply * per-token amount / 10**decimals).

    With `snapshot_id == 0` the contract snapshots in the creation transaction, so today's balances are the
    record-date balances (unless another transaction lands first; the contract then pulls what it computes and
    the pre-checked allowance bounds the difference)."""
    excluded = distributor.excluded_wallets(token.address)
    if snapshot_id:
        supply = token.total_supply_at(snapshot_id) - sum(token.balance_at(w, snapshot_id) for w in excluded)
    else:
        supply = token.total_supply() - sum(token.balance_of(w) for w in excluded)
    return supply * amount_per_token // 10 ** token.decimals


def check_funding(distributor: Distributor, token: SecurityToken, payment_token: ERC20, claim_expiry: int, *,
                  amount: int | None = None, amount_per_token: int | None = None, snapshot_id: int = 0,
                  payer: LocalAccount | None = None) -> tuple[LocalAccount, int]:
    """Every refusal `fund_and_create` would meet, before any transaction: returns (payer, units it will pull).

    Refusals are `ConfigError`s that say what to do, so a paying agent never pays gas for a creation that would
    revert on `transferFrom` (and a dry run says the same)."""
    account = payer or distributor.sender
    if account is None:
        raise ConfigError("fund_and_create needs a payer account (the paying agent)")
    if (amount is None) == (amount_per_token is None):
        raise ConfigError("give exactly one of amount or amount_per_token")
    if not distributor.is_token_registered(token.address):
        raise ConfigError(f"token {token.address} is not registered with the distributor: an admin must call "
                          "set_excluded_wallets(token, [...]) first")
    if not distributor.is_payment_token_allowed(payment_token.address):
        raise ConfigError(f"payment token {payment_token.address} is not allowed by the distributor: an admin must "
                          "allow it (allowPaymentToken) first")
    now = distributor.tx.chain.block_timestamp()
    if claim_expiry <= now:
        raise ConfigError(f"claim expiry {claim_expiry} is not in the future (chain time {now})")
    if not distributor.has_role("DISTRIBUTION_AGENT_ROLE", account.address):
        raise ConfigError(f"{account.address} lacks DISTRIBUTION_AGENT_ROLE on the distributor: grant it first")

    needed = amount if amount is not None else required_amount(distributor, token, amount_per_token or 0, snapshot_id)
    if needed <= 0:
        raise ConfigError(f"the distribution would fund {needed} units: nothing to distribute")
    balance = payment_token.balance_of(account.address)
    if balance < needed:
        raise ConfigError(f"payer {account.address} holds {balance} units of the payment token but the distribution "
                          f"needs {needed}: fund the payer with {needed - balance} more, then rerun")
    return account, needed


def fund_and_create(distributor: Distributor, token: SecurityToken, payment_token: ERC20, claim_expiry: int, *,
                    amount: int | None = None, amount_per_token: int | None = None, snapshot_id: int = 0,
                    payer: LocalAccount | None = None, approve: bool = True) -> Created:
    """Fund a distribution from `payer`, refusing before any transaction when it cannot succeed (`check_funding`).

    Give exactly one of `amount` (total, payment-token units) or `amount_per_token` (units per whole security
    token). The payer's payment-token balance must cover the amount; a short allowance is topped up with one
    `approve` when `approve` is true, otherwise refused."""
    account, needed = check_funding(distributor, token, payment_token, claim_expiry, amount=amount,
                                    amount_per_token=amount_per_token, snapshot_id=snapshot_id, payer=payer)
    allowance = payment_token.allowance(account.address, distributor.address)
    approve_receipt = None
    if allowance < needed:
        if not approve:
            raise ConfigError(f"payer {account.address} allows the distributor {allowance} units but the distribution "
                              f"needs {needed}: approve at least {needed}, then rerun")
        approve_receipt = payment_token.approve(distributor.address, needed, sender=account)

    if amount is not None:
        distribution_id, receipt = distributor.create(token.address, payment_token.address, amount, claim_expiry,
                                                      snapshot_id, sender=account)
    else:
        distribution_id, receipt = distributor.create_per_token(token.address, payment_token.address,
                                                                amount_per_token or 0, claim_expiry, snapshot_id,
                                                                sender=account)
    funded = distributor.funded_amount(receipt)
    return Created(distribution_id, funded, approve_receipt, receipt)


# ---------------------------------------------------------------------------------------------------------------
# Record-date holders
# ---------------------------------------------------------------------------------------------------------------

def _unique(wallets: Iterable[str]) -> list[str]:
    """Checksummed, first occurrence kept: a holder listed twice is one holder."""
    seen: dict[str, None] = {}
    for wallet in wallets:
        seen.setdefault(address(wallet, "holder"), None)
    return list(seen)


def balances_at(token: SecurityToken, snapshot_id: int, wallets: Sequence[str]) -> dict[str, int]:
    """Record-date balance of each wallet, read in batched calls (one HTTP request per 500 wallets)."""
    unique = _unique(wallets)
    return dict(zip(unique, token.balance_at_many(unique, snapshot_id)))


def read_holders(token: SecurityToken, snapshot_id: int, wallets: Sequence[str]) -> dict[str, HolderAt]:
    """`holderAt` of each wallet (record-date balance, holder number, eligibility code, country), batched."""
    unique = _unique(wallets)
    return dict(zip(unique, token.holder_at_many(unique, snapshot_id)))


def holders_at(token: SecurityToken, snapshot_id: int, candidates: Iterable[str]) -> list[str]:
    """The candidates that held a non-zero balance at snapshot `snapshot_id`, in the order given.

    The chain keeps no holder list (that is what makes creation O(1)); candidates come from the cap table, the
    event index or the investor file, and the snapshot decides who among them is entitled."""
    return [w for w, balance in balances_at(token, snapshot_id, list(candidates)).items() if balance > 0]


@dataclass(frozen=True)
class RecordDate:
    """A distribution's terms and each candidate's `holderAt` answer at its record date (balance, holder number,
    eligibility now, country), read once by a paying run and passed down instead of re-read. `answers` is keyed
    by checksummed wallet, each candidate once, in the order given."""

    info: DistributionInfo
    answers: dict[str, HolderAt]

    @property
    def holders(self) -> list[str]:
        """The candidates with a non-zero record-date balance, in the order given."""
        return [w for w, answer in self.answers.items() if answer.balance > 0]


def read_record_date(distributor: Distributor, distribution_id: int, candidates: Iterable[str]) -> RecordDate:
    """One `info` read and one batched `holderAt` read of every candidate (validated in one pass)."""
    info = distributor.info(distribution_id)
    token = SecurityToken(distributor.tx, info.token)
    return RecordDate(info, read_holders(token, info.snapshot_id, list(candidates)))


# ---------------------------------------------------------------------------------------------------------------
# Pushing payment in batches
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class PushReport:
    """What one `push_all` run did. `already_paid` counts holders found paid (or excluded) before sending;
    `paid_before` is each holder's paid bit as read then (the reconciliation reuses it)."""

    distribution_id: int
    holders: int = 0
    already_paid: int = 0
    nothing_due: int = 0
    pushed: int = 0
    batches: int = 0
    gas_used: int = 0
    resumed_transactions: int = 0
    seconds: float = 0.0
    receipts: list[Receipt] = field(default_factory=list)
    paid_before: dict[str, bool] = field(default_factory=dict, repr=False)


def push_all(distributor: Distributor, distribution_id: int, holders: Sequence[str], batch_size: int = 100,
             progress: Progress | None = None, journal: Journal | None = None,
             sender: LocalAccount | None = None, *, known: RecordDate | None = None) -> PushReport:
    """Push distribution `distribution_id` to every holder in `holders` who has not been paid, in batches.

    Resumable: transactions a previous run sent but never saw mined are awaited first (from the journal), then
    one batched `isPaid` pre-check drops everyone already paid, escrowed or excluded, and one batched balance
    read drops holders whose share rounds to zero. So a rerun after a crash sends only the work that is left;
    the contract's own paid bit is the backstop that makes a double payment impossible even without a journal.
    `progress(done, total)` is called once before sending and after every batch. With `known` (the run's
    `read_record_date`, which `holders` must come from), the terms and record-date answers are not read again."""
    if batch_size <= 0:
        raise ConfigError("batch_size must be positive")
    started = time.monotonic()
    report = PushReport(distribution_id)
    if journal is not None:
        report.resumed_transactions = settle_in_flight(distributor.tx, journal)

    info = known.info if known is not None else distributor.info(distribution_id)
    unique = list(holders) if known is not None else _unique(holders)
    report.holders = len(unique)
    # Read after settling: a batch that landed meanwhile must count as paid.
    report.paid_before = dict(zip(unique, distributor.is_paid_many(distribution_id, unique)))
    unpaid = [h for h in unique if not report.paid_before[h]]
    report.already_paid = len(unique) - len(unpaid)
    answers = known.answers if known is not None else read_holders(SecurityToken(distributor.tx, info.token),
                                                                   info.snapshot_id, unpaid)
    # In holder-number order: the contract keeps one paid word per 256 consecutive numbers and writes it once
    # per batch, so sorted batches are the cheap ones.
    pending = sorted((h for h in unpaid if _share(info.amount, answers[h].balance, info.eligible_supply) > 0),
                     key=lambda h: answers[h].number)
    report.nothing_due = len(unpaid) - len(pending)
    _send_batches(distributor, distribution_id, pending, batch_size, report, progress, journal, sender)
    report.seconds = time.monotonic() - started
    return report


def _send_batches(distributor: Distributor, distribution_id: int, pending: list[str], batch_size: int,
                  report: PushReport, progress: Progress | None, journal: Journal | None,
                  sender: LocalAccount | None) -> None:
    """Push `pending` (checksummed, in holder-number order) in batches of `batch_size`, sent back to back and
    journaled (`pipeline.send_batches`), adding each receipt to `report` as it is mined."""
    account = sender or distributor.sender
    if account is None:
        raise ConfigError("pushing a distribution sends transactions: give a sender account (the paying agent)")
    done = report.already_paid + report.nothing_due
    if progress:
        progress(done, report.holders)
    batches = [pending[start:start + batch_size] for start in range(0, len(pending), batch_size)]

    def mined(index: int, receipt: Receipt) -> None:
        nonlocal done
        report.receipts.append(receipt)
        report.batches += 1
        report.gas_used += receipt.gas_used
        report.pushed += distributor.payments_in(receipt, distribution_id)
        done += len(batches[index])
        if progress:
            progress(done, report.holders)

    send_batches(distributor.tx, account, journal, "push",
                 [(len(batch), distributor.push_batch_call(distribution_id, batch), {"holders": batch})
                  for batch in batches],
                 context={"distribution": distribution_id}, on_mined=mined)


# ---------------------------------------------------------------------------------------------------------------
# Off-chain prediction
# ---------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Prediction:
    """One holder's payment as the contract would make it now.

    `status` is 'pay' (net to the holder), 'withhold' (net escrowed, `reason_code` says why), 'paid' (already
    paid or escrowed in this distribution), 'excluded' (treasury/issuer wallet left out of the eligible supply)
    or 'nothing' (share rounds to zero: the contract skips the holder)."""

    holder: str
    balance: int
    gross: int
    tax: int
    net: int
    withheld: int
    reason_code: int
    country: int
    status: str


@dataclass(frozen=True)
class Forecast:
    """Every candidate's predicted payment plus the distribution-level figures they come from."""

    distribution_id: int
    amount: int
    eligible_supply: int
    rows: dict[str, Prediction]

    @property
    def total_gross(self) -> int:
        return sum(p.gross for p in self.rows.values() if p.status in ("pay", "withhold"))


def _share(amount: int, balance: int, eligible_supply: int) -> int:
    """The contract's holder share: floor(amount * balance / eligibleSupply); never more than funded."""
    return amount * balance // eligible_supply


def predict(distributor: Distributor, distribution_id: int, holders: Sequence[str]) -> Forecast:
    """Predict each holder's gross, tax, net and withheld amounts from chain data, as a payment made now would.

    Inputs are the distribution's stored amount and eligible supply, record-date balances, each holder's
    country in the token's registry with the distributor's withholding rate for it, the token's holder check
    (frozen, unverified, KYC expired) and the paid bits. Tax and eligibility are those of the moment of payment,
    as in the contract, so predict just before pushing. The one thing no view can foresee is a payment-token
    transfer that fails (blocklist): the contract escrows it with reason 255."""
    tx = distributor.tx
    info = distributor.info(distribution_id)
    token = SecurityToken(tx, info.token)
    unique = _unique(holders)
    paid = distributor.is_paid_many(distribution_id, unique)
    # One token call per holder gives what the contract itself reads: record-date balance, eligibility now and
    # the investor's country.
    answers = read_holders(token, info.snapshot_id, unique)
    balances = {h: a.balance for h, a in answers.items()}
    countries = [answers[h].country for h in unique]
    codes = [answers[h].code for h in unique]
    rates = dict(zip(sorted(set(countries)), distributor.withholding_rate_many(sorted(set(countries)))))
    excluded = set(distributor.excluded_wallets(info.token))

    rows: dict[str, Prediction] = {}
    for holder, is_paid, country, code in zip(unique, paid, countries, codes):
        balance = balances[holder]
        gross = _share(info.amount, balance, info.eligible_supply)
        tax = gross * rates[int(country)] // MAX_BPS  # rounded down, as in the contract: never over-taxed
        net = gross - tax
        if is_paid:
            status = "excluded" if holder in excluded else "paid"
        elif gross == 0:
            status = "nothing"
        else:
            status = "pay" if int(code) == 0 else "withhold"
        if status in ("excluded", "nothing"):
            gross = tax = net = 0
        rows[holder] = Prediction(holder, balance, gross, tax, net, net if status == "withhold" else 0, int(code),
                                  int(country), status)
    return Forecast(distribution_id, info.amount, info.eligible_supply, rows)


# ---------------------------------------------------------------------------------------------------------------
# Reconciliation
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class HolderLine:
    """One holder's line in a reconciliation. `expected` is the record-date share; the rest come from events."""

    holder: str
    balance: int
    expected: int
    gross: int = 0
    tax: int = 0
    net_paid: int = 0
    withheld: int = 0
    released: int = 0
    returned: int = 0
    reason_code: int | None = None
    events: int = 0

    @property
    def paid(self) -> bool:
        return self.events > 0

    @property
    def unclaimed(self) -> int:
        return 0 if self.paid else self.expected

    @property
    def withheld_outstanding(self) -> int:
        return self.withheld - self.released - self.returned

    @property
    def status(self) -> str:
        if not self.paid:
            return "unclaimed"
        if self.withheld == 0:
            return "paid"
        if self.released:
            return "released"
        return "returned" if self.returned else "withheld"


@dataclass
class Reconciliation:
    """Expected vs paid vs withheld vs unclaimed vs tax vs remainder for one distribution, to the last unit.

    The holder-level split: `unclaimed` is the sum of the floor shares of holders not yet paid and `remainder`
    is everything else not paid out (rounding of every share). The contract's own `Totals` knows only their sum
    (`unpaid`), which is checked against ours. `exact` is true only when every check holds; `problems` says
    which did not."""

    distribution_id: int
    funded: int
    eligible_supply: int
    lines: dict[str, HolderLine]
    expected_gross: int
    paid_net: int
    tax: int
    withheld_outstanding: int
    withheld_released: int
    withheld_returned: int
    unclaimed: int
    remainder: int
    reclaimed_to_treasury: int
    covered_supply: int
    chain: Totals
    problems: list[str]

    @property
    def exact(self) -> bool:
        return not self.problems

    @property
    def accounted(self) -> int:
        return (self.paid_net + self.tax + self.withheld_outstanding + self.withheld_released
                + self.withheld_returned + self.unclaimed + self.remainder)


def distribution_events(distributor: Distributor, distribution_id: int, from_block: int = 0,
                        to_block: int | None = None) -> list[dict]:
    """The payment events of one distribution, oldest first (`Distributor.ledger_events`)."""
    return distributor.ledger_events(distribution_id, from_block, to_block)


@dataclass(frozen=True)
class KnownReads:
    """What a paying run already read before reconciling, so `reconcile` reads only the rest: the record-date
    terms and balances of the holders (`read_record_date`) and their paid bits before sending (`PushReport`)."""

    record_date: RecordDate
    paid: dict[str, bool]


def reconcile(distributor: Distributor, distribution_id: int, holders: Sequence[str],
              from_block: int = 0, *, known: KnownReads | None = None) -> Reconciliation:
    """Rebuild the distribution's accounting from its events and record-date balances, and check it against
    the contract's `distributionTotals` unit for unit.

    `holders` is the holder list (cap table); holders that events name are added to it. The split between
    unclaimed and remainder is exact only if the list covers the whole eligible supply, which is checked
    (`covered_supply`). With `known`, the holders' balances and paid bits come from it (`holders` must be
    among its wallets); the terms and totals are read now, after any payment."""
    info: DistributionInfo = distributor.info(distribution_id)
    totals = distributor.totals(distribution_id)
    events = distribution_events(distributor, distribution_id, from_block)
    named = [e["args"]["holder"] for e in events if "holder" in e["args"]]
    lines = _holder_lines(distributor, distribution_id, info, holders, named, known)
    reclaimed_to_treasury = _apply_events(lines, events)
    problems = [problem for line in lines.values() for problem in _line_problems(line)]
    result = _summarise(distribution_id, info, totals, lines, reclaimed_to_treasury, problems)
    problems += _chain_problems(result, info, totals)
    return result


def _holder_lines(distributor: Distributor, distribution_id: int, info: DistributionInfo, holders: Sequence[str],
                  named: list[str], known: KnownReads | None) -> dict[str, HolderLine]:
    """One line per holder listed or named by an event, with its record-date share; wallets excluded at creation
    (marked paid without a payment event) are left out."""
    if known is None:
        everyone = _unique(list(holders) + named)
        token = SecurityToken(distributor.tx, info.token)
        balances = balances_at(token, info.snapshot_id, everyone)
        paid = dict(zip(everyone, distributor.is_paid_many(distribution_id, everyone)))
    else:
        # The holders were validated when read; only wallets the events add (claims by holders outside the
        # list) are read now.
        answers = known.record_date.answers
        balances = {h: answers[h].balance for h in holders}
        paid = {h: known.paid[h] for h in holders}
        extra = [w for w in dict.fromkeys(named) if w not in balances]  # checksummed by the event decoder
        if extra:
            token = SecurityToken(distributor.tx, info.token)
            balances.update(balances_at(token, info.snapshot_id, extra))
            paid.update(zip(extra, distributor.is_paid_many(distribution_id, extra)))
        everyone = list(balances)
    named_wallets = set(named)
    lines: dict[str, HolderLine] = {}
    for holder in everyone:
        # A wallet marked paid without a payment event is one excluded at creation; it is outside the eligible
        # supply and owed nothing. (Paid bits read before this run's pushes serve as well: every wallet paid
        # since then is named by a payment event.)
        if paid[holder] and holder not in named_wallets:
            continue
        lines[holder] = HolderLine(holder, balances[holder],
                                   _share(info.amount, balances[holder], info.eligible_supply))
    return lines


def _apply_events(lines: dict[str, HolderLine], events: list[dict]) -> int:
    """Add each payment event to its holder's line; returns what a reclaim sent back to the treasury."""
    reclaimed_to_treasury = 0
    reclaim_returned = 0
    for event in events:
        args, kind = event["args"], event["event"]
        line = lines.get(args.get("holder", ""))
        if kind == D.PAID and line is not None:
            line.events += 1
            line.gross += args["gross"]
            line.tax += args["tax"]
            line.net_paid += args["net"]
        elif kind == D.WITHHELD and line is not None:
            line.events += 1
            line.gross += args["gross"]
            line.tax += args["tax"]
            line.withheld += args["escrowed"]
            line.reason_code = args["reasonCode"]
        elif kind == D.WITHHELD_RELEASED and line is not None:
            line.released += args["amount"]
        elif kind == D.DISTRIBUTION_RECLAIMED:
            reclaimed_to_treasury += args["unpaid"] + args["withheldReturned"]
            reclaim_returned += args["withheldReturned"]
    if reclaim_returned:
        # The contract returns all outstanding escrow in one sum; attribute it to the holders it belonged to.
        for line in lines.values():
            line.returned = line.withheld - line.released
    return reclaimed_to_treasury


def _line_problems(line: HolderLine) -> list[str]:
    problems = []
    if line.events > 1:
        problems.append(f"{line.holder} was paid {line.events} times")
    if line.paid and line.gross != line.expected:
        problems.append(f"{line.holder}: paid gross {line.gross} but the record-date share is {line.expected}")
    if line.gross != line.tax + line.net_paid + line.withheld:
        problems.append(f"{line.holder}: gross {line.gross} != tax {line.tax} + net {line.net_paid} + "
                        f"withheld {line.withheld}")
    return problems


def _summarise(distribution_id: int, info: DistributionInfo, totals: Totals, lines: dict[str, HolderLine],
               reclaimed_to_treasury: int, problems: list[str]) -> Reconciliation:
    paid_lines = [ln for ln in lines.values() if ln.paid]
    unclaimed = sum(ln.unclaimed for ln in lines.values())
    return Reconciliation(
        distribution_id=distribution_id,
        funded=info.amount,
        eligible_supply=info.eligible_supply,
        lines=lines,
        expected_gross=sum(ln.expected for ln in lines.values()),
        paid_net=sum(ln.net_paid for ln in paid_lines),
        tax=sum(ln.tax for ln in paid_lines),
        withheld_outstanding=sum(ln.withheld_outstanding for ln in paid_lines),
        withheld_released=sum(ln.released for ln in paid_lines),
        withheld_returned=sum(ln.returned for ln in paid_lines),
        unclaimed=unclaimed,
        remainder=info.amount - sum(ln.gross for ln in paid_lines) - unclaimed,
        reclaimed_to_treasury=reclaimed_to_treasury,
        covered_supply=sum(ln.balance for ln in lines.values()),
        chain=totals,
        problems=problems,
    )


def _chain_problems(result: Reconciliation, info: DistributionInfo, totals: Totals) -> list[str]:
    """Where the reconstruction disagrees with the contract's own figures, or the holder list falls short."""
    claimed_gross = sum(ln.gross for ln in result.lines.values() if ln.paid)
    checks = {
        "paid net": (result.paid_net, totals.paid_net),
        "tax": (result.tax, totals.tax_paid),
        "withheld outstanding": (result.withheld_outstanding, totals.withheld_outstanding),
        "withheld released": (result.withheld_released, totals.withheld_released),
        "withheld returned": (result.withheld_returned, totals.withheld_returned),
        "claimed gross": (claimed_gross, info.claimed_gross),
        "funded (events) vs funded (chain)": (result.accounted, totals.funded),
        "funded (chain totals)": (totals.accounted, totals.funded),
        # The chain knows only the sum; the holder list splits it into unclaimed shares and remainder.
        "unclaimed + remainder": (result.unclaimed + result.remainder, totals.unpaid),
    }
    problems = [f"{name}: reconstructed {ours} but the chain says {theirs}"
                for name, (ours, theirs) in checks.items() if ours != theirs]
    if result.covered_supply != info.eligible_supply:
        problems.append(f"the holder list covers {result.covered_supply} of the eligible supply "
                        f"{info.eligible_supply}: add the missing record-date holders (cap table at the snapshot)")
    elif result.expected_gross > info.amount:
        problems.append(f"expected shares {result.expected_gross} exceed the funded amount {info.amount}")
    if totals.reclaimed and result.reclaimed_to_treasury != totals.unpaid + totals.withheld_returned:
        problems.append(f"reclaimed {result.reclaimed_to_treasury} but unpaid + returned escrow is "
                        f"{totals.unpaid + totals.withheld_returned}")
    return problems
