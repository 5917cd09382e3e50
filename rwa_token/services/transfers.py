"""Moving a deployed offering's tokens: a holder's own transfer, and the agent's forced transfer, checked against
the receiver-side rules and sent past them only with a recorded reason."""
from __future__ import annotations

from dataclasses import dataclass

from ..contracts.token import SecurityToken
from ..primitives.errors import ConfigError
from ..primitives.units import address
from .context import Operator


def transfer_own(op: Operator, sender: str, receiver: str, amount: str, token: str | None = None,
                 dry_run: bool = False):
    """Transfer `amount` (tokens) from `sender`, which must be the signing key's wallet (a holder signs their own
    transfer; agents force one). With `dry_run`, check and simulate it and return None."""
    if sender.lower() != op.account.address.lower():
        raise ConfigError(f"the signing key is {op.account.address}, not {sender}: a holder signs their own transfer "
                          "(agents use `rwa force-transfer`)")
    return op.token(token).transfer(receiver, amount, dry_run=dry_run)


@dataclass(frozen=True)
class ForcedTransfer:
    """A checked (and, if allowed, simulated) forced transfer, ready to send with `force_transfer`."""

    token: SecurityToken
    sender: str
    receiver: str
    units: int
    code: int        # the receiver-side verdict: 0 = the rules accept the receiver
    message: str
    reason: str      # why the rules are overridden ("" = not overriding)

    @property
    def refused(self) -> bool:
        """The rules refuse the receiver and no override reason was given: nothing may be sent."""
        return self.code != 0 and not self.reason

    @property
    def overriding(self) -> bool:
        return self.code != 0


def plan_forced_transfer(op: Operator, sender: str, receiver: str, amount: str, token: str | None = None,
                         override_reason: str | None = None) -> ForcedTransfer:
    """Check a forced transfer against the receiver-side rules (country, category, investor caps, holding limits)
    and, unless refused, simulate it (a revert is raised here, before anything is asked or sent)."""
    sender, receiver = address(sender, "sender"), address(receiver, "receiver")
    t = op.token(token)
    units = t.units(amount)
    verdict = t.receiver_check(sender, receiver, units)
    plan = ForcedTransfer(t, sender, receiver, units, verdict.code, verdict.message, (override_reason or "").strip())
    if not plan.refused:
        force_transfer(op, plan, dry_run=True)
    return plan


def force_transfer(op: Operator, plan: ForcedTransfer, dry_run: bool = False):
    """Send a planned forced transfer; an override is kept in the offering's override journal."""
    if plan.refused:
        raise ConfigError(f"the rules refuse the receiver [{plan.code}] {plan.message}: give an override reason")
    return plan.token.forced_transfer(plan.sender, plan.receiver, plan.units, override_reason=plan.reason or None,
                                      journal=op.override_journal(), dry_run=dry_run)
