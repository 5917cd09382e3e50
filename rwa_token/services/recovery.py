"""Recovering a lost wallet: its tokens on every token of the offering, then what it was owed elsewhere.

On each token, `recoveryAddress` moves the balance, the frozen amount, lockups and the wallet freeze to another
registered wallet of the same investor and freezes the lost wallet, in one transaction. Entitlements booked to the
lost wallet follow the investor: unclaimed distribution shares (`claimTo`), escrow (`releaseWithheldTo`) and
redemption principal owed after a failed transfer (`payOwedTo`), fund units and cash claimable in a fund vault
(`claimForInvestor`). Every step reads the chain before it sends, so a run
interrupted by a crash is finished by running it again, and nothing is done twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..contracts.distributor import Distributor
from ..contracts.fund import FundVault
from ..contracts.redemption import Redemption
from ..contracts.registry import InvestorRegistry
from ..contracts.stablecoin import ERC20
from ..contracts.token import SecurityToken
from ..primitives.errors import REASON_CODES, ConfigError
from ..primitives.units import address, format_units
from .context import Operator


@dataclass(frozen=True)
class Step:
    """One thing to do (or done): `kind` is "tokens", "distribution", "escrow", "principal", "fund units" or "fund cash";
    `ref` the token symbol, distribution id or fund entry asset; `amount` in base units of the token or payment token, which has `decimals`."""

    kind: str
    ref: str
    amount: int
    tx: str | None = None
    decimals: int = 0

    @property
    def shown(self) -> str:
        """The amount in whole units of its token (a decimal string)."""
        return format_units(self.amount, self.decimals)


@dataclass(frozen=True)
class Left:
    """An entitlement that could not move now, and why (run the recovery again once the reason is gone)."""

    kind: str
    ref: str
    amount: int
    reason: str
    decimals: int = 0

    @property
    def shown(self) -> str:
        return format_units(self.amount, self.decimals)


@dataclass
class RecoveryReport:
    lost: str
    new: str
    done: list[Step] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    already_done: int = 0


def recover_wallet(registry: InvestorRegistry, tokens: Mapping[str, SecurityToken], lost: str, new: str, *,
                   distributor: Distributor | None = None, redemptions: Mapping[str, Redemption] | None = None,
                   funds: Mapping[str, tuple[str, FundVault]] | None = None, dry_run: bool = False) -> RecoveryReport:
    """Recover `lost` to `new` on every token in `tokens` (symbol -> wrapper) and move the lost wallet's
    entitlements in `distributor`, `redemptions` (symbol -> wrapper) and the fund vaults `funds` (entry asset ->
    (share token symbol, wrapper)). With `dry_run` nothing is sent: the report lists what would be done."""
    lost, new = address(lost, "lost_wallet"), address(new, "new_wallet")
    _require_same_investor(registry, lost, new)
    report = RecoveryReport(lost, new)
    for symbol, token in tokens.items():
        balance = token.balance_of(lost)
        if balance == 0 and token.is_frozen(lost):
            report.already_done += 1
            continue
        # A dry run simulates the recovery, so a refusal (a pledged wallet: code 26) shows before anything is sent.
        receipt = token.recover(lost, new, dry_run=dry_run)
        report.done.append(Step("tokens", symbol, balance, receipt.tx_hash if receipt else None, token.decimals))
    by_address = {token.address.lower(): token for token in tokens.values()}
    refusals: dict[str, str | None] = {}

    def refusal(token: SecurityToken) -> str | None:
        """Why the new wallet may not be paid in `token`'s offering, read once per token."""
        if token.address not in refusals:
            refusals[token.address] = _refusal(token, new)
        return refusals[token.address]

    if distributor is not None:
        _move_distributions(distributor, by_address, lost, new, report, dry_run, refusal)
    for symbol, redemption in (redemptions or {}).items():
        owed = redemption.owed_to(lost)
        if owed == 0:
            continue
        why = refusal(tokens[symbol])
        decimals = ERC20(redemption.tx, redemption.payment_token()).decimals()
        if why:
            report.left.append(Left("principal", symbol, owed, why, decimals))
            continue
        receipt = None if dry_run else redemption.pay_owed_to(lost, new)
        report.done.append(Step("principal", symbol, owed, receipt.tx_hash if receipt else None, decimals))
    for asset, (symbol, vault) in (funds or {}).items():
        _move_fund_claims(vault, tokens[symbol], asset, lost, new, report, dry_run, refusal)
    return report


def _move_fund_claims(vault: FundVault, token: SecurityToken, asset: str, lost: str, new: str, report: RecoveryReport,
                      dry_run: bool, refusal: Callable[[SecurityToken], str | None]) -> None:
    """The lost wallet's claimable fund units and cash, claimed by the fund agent to the new wallet (one call for
    both). Units need the new wallet to be able to receive; cash the vault has not been funded for waits."""
    units, cash = vault.max_mint(lost), vault.max_withdraw(lost)
    if units == 0 and cash == 0:
        return
    why = refusal(token) if units else None
    asset_decimals = vault.decimals_of(vault.asset())
    if why:
        report.left.append(Left("fund units", asset, units, why, token.decimals))
        return
    receipt = None if dry_run else vault.claim_for_investor(lost, new)
    tx = receipt.tx_hash if receipt else None
    report.done += ([Step("fund units", asset, units, tx, token.decimals)] if units else []) + (
        [Step("fund cash", asset, cash, tx, asset_decimals)] if cash else [])


def _require_same_investor(registry: InvestorRegistry, lost: str, new: str) -> None:
    if lost.lower() == new.lower():
        raise ConfigError("the lost and the new wallet are the same")
    a, b = registry.investor(lost), registry.investor(new)
    if not a.registered:
        raise ConfigError(f"{lost} is not registered: recovery needs the lost wallet's record (it proves whose it "
                          "was); do not remove it from the registry before recovering")
    if not b.registered or a.key != b.key:
        raise ConfigError(f"{new} is not a registered wallet of the same investor: link it first (registry "
                          f"addWallet({lost}, {new}))")


def _refusal(token: SecurityToken, wallet: str) -> str | None:
    """Why `wallet` may not be paid now (None if it may)."""
    code = token.holder_at(wallet).code
    if code == 0:
        return None
    entry = REASON_CODES.get(code, {})
    return f"the new wallet may not receive: [{code} {entry.get('name', '?')}] {entry.get('message', '')}"


def _move_distributions(distributor: Distributor, tokens: Mapping[str, SecurityToken], lost: str, new: str,
                        report: RecoveryReport, dry_run: bool,
                        refusal: Callable[[SecurityToken], str | None]) -> None:
    now = distributor.tx.chain.block_timestamp()
    for distribution_id in range(1, distributor.count() + 1):
        info = distributor.info(distribution_id)
        token = tokens.get(info.token.lower())
        if token is None:
            continue
        ref = str(distribution_id)
        escrow = distributor.withheld_of(distribution_id, lost)
        open_share = 0
        if not info.reclaimed and now <= info.claim_expiry:
            share = distributor.claimable(distribution_id, lost)
            open_share = 0 if share.paid else share.net
        if escrow == 0 and open_share == 0:
            continue
        why = refusal(token)
        decimals = ERC20(distributor.tx, info.payment_token).decimals()
        moves = (("escrow", escrow, distributor.release_withheld_to), ("distribution", open_share, distributor.claim_to))
        for kind, amount, send in moves:
            if amount == 0:
                continue
            if why:
                report.left.append(Left(kind, ref, amount, why, decimals))
                continue
            receipt = None if dry_run else send(distribution_id, lost, new)
            report.done.append(Step(kind, ref, amount, receipt.tx_hash if receipt else None, decimals))


def recover_offering_wallet(op: Operator, lost: str, new: str, token: str | None = None, dry_run: bool = False,
                            confirm: Callable[[RecoveryReport], None] | None = None) -> RecoveryReport:
    """Recover `lost` to `new` on every token of the offering (or only `token`), with the offering's distributor,
    redemption modules and fund vaults. The plan is worked out first (nothing sent); if there is something to send, `confirm(plan)`
    is asked (it raises to stop), then the recovery runs. With `dry_run` the plan is returned."""
    symbols = [op.record.token(token)[0]] if token else list(op.record.tokens)
    tokens = {s: op.token(s) for s in symbols}
    redemptions = {s: op.redemption(s)[1] for s in symbols if op.record.modules.get(f"redemption:{s}")}
    funds = {asset: (s, vault) for s in symbols for asset, vault in op.offering.fund_vaults(s).items()}
    distributor = op.distributor() if op.record.distributor else None
    kwargs = dict(distributor=distributor, redemptions=redemptions, funds=funds)
    plan = recover_wallet(op.registry, tokens, lost, new, dry_run=True, **kwargs)
    if dry_run or not plan.done:
        return plan
    if confirm:
        confirm(plan)
    return recover_wallet(op.registry, tokens, lost, new, **kwargs)
