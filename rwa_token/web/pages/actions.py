"""The operator's actions: mint, freeze and unfreeze, forced transfer with a reason, a distribution pushed to every
holder, a KYC renewal. Each is a form, then a preview (the dry run `--dry-run` shows on the command line: the same
checks, nothing sent), then a confirmation that sends it through the same service as the command, then the result
with its transaction hashes. The key that signs is the server's own; a browser never holds one."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, abort, render_template, request

from ...primitives.errors import ConfigError, RwaError
from ...primitives.units import plain_amount
from ...reporting.records import investor_ids
from ...services.context import Operator
from ...services.investors import renew_kyc
from ...services.previews import preview_distribution
from ...services.servicing import distribute
from ...services.transfers import force_transfer, plan_forced_transfer
from ..auth import allow
from ..context import operator
from ..users import OPERATOR

bp = Blueprint("actions", __name__, url_prefix="/actions")
Form = dict[str, str]


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = True
    kind: str = "text"  # "text", "date", "token" (a select of the offering's tokens), "number"
    hint: str = ""


@dataclass(frozen=True)
class Outcome:
    lines: list[str]
    txs: list[str]


@dataclass(frozen=True)
class Action:
    title: str
    fields: tuple[Field, ...]
    preview: Callable[[Operator, Form], list[str]]  # the dry run: raises on a refusal, sends nothing
    send: Callable[[Operator, Form], Outcome]


def _opt(form: Form, name: str) -> str | None:
    return form.get(name) or None


def _who(op: Operator, wallet: str) -> str:
    """A wallet with the issuer's investor id beside it, when the issuer knows it: what the operator checks."""
    known = {w.lower(): i for w, i in investor_ids(op).items()}.get(wallet.strip().lower())
    return f"{wallet} ({known})" if known else wallet


# --- mint, freeze, unfreeze: the token's agent powers, as `rwa mint/freeze/unfreeze` call them ------------------
def _mint_preview(op: Operator, f: Form) -> list[str]:
    t = op.token(_opt(f, "token"))
    t.mint(f["wallet"], f["amount"], dry_run=True)  # the rules' mint check and a simulation
    return [f"mint {f['amount']} {t.symbol()} to {_who(op, f['wallet'])}"]


def _mint_send(op: Operator, f: Form) -> Outcome:
    t = op.token(_opt(f, "token"))
    receipt = t.mint(f["wallet"], f["amount"])
    return Outcome([f"minted {f['amount']} {t.symbol()} to {_who(op, f['wallet'])}"], [receipt.tx_hash])


def _freezing(frozen: bool) -> tuple[Callable[[Operator, Form], list[str]], Callable[[Operator, Form], Outcome]]:
    verb, done = ("freeze", "frozen") if frozen else ("unfreeze", "unfrozen")

    def move(op: Operator, f: Form, dry_run: bool):
        t = op.token(_opt(f, "token"))
        amount = _opt(f, "amount")
        if amount:
            partial = t.freeze_partial if frozen else t.unfreeze_partial
            return t, partial(f["wallet"], amount, dry_run=dry_run)
        return t, t.set_frozen(f["wallet"], frozen, dry_run=dry_run)

    def what(op: Operator, t, f: Form) -> str:
        wallet = _who(op, f["wallet"])
        return f"{f['amount']} {t.symbol()} of {wallet}" if _opt(f, "amount") else f"{wallet} on {t.symbol()}"

    def preview(op: Operator, f: Form) -> list[str]:
        t, _ = move(op, f, True)
        return [f"{verb} {what(op, t, f)}"]

    def send(op: Operator, f: Form) -> Outcome:
        t, receipt = move(op, f, False)
        return Outcome([f"{done} {what(op, t, f)}"], [receipt.tx_hash])

    return preview, send


# --- forced transfer: always with a reason; an override of the rules goes to the override journal ----------------
def _forced(op: Operator, f: Form):
    return plan_forced_transfer(op, f["sender"], f["receiver"], f["amount"], _opt(f, "token"), f["reason"])


def _describe_forced(op: Operator, plan, f: Form) -> list[str]:
    lines = [f"force {f['amount']} {plan.token.symbol()} from {_who(op, plan.sender)} to {_who(op, plan.receiver)}",
             f"reason: {f['reason']}"]
    if plan.overriding:
        lines.append(f"overriding the rules' refusal [{plan.code}] {plan.message} (kept in the override journal "
                     "and shown in the audit trail)")
    return lines


def _force_preview(op: Operator, f: Form) -> list[str]:
    return _describe_forced(op, _forced(op, f), f)


def _force_send(op: Operator, f: Form) -> Outcome:
    plan = _forced(op, f)
    receipt = force_transfer(op, plan)
    first, *rest = _describe_forced(op, plan, f)
    return Outcome([f"sent: {first}", *rest], [receipt.tx_hash])


# --- a distribution by record date (now), pushed to every holder and reconciled, as `rwa distribute` -------------
def _claim_days(f: Form) -> int:
    text = _opt(f, "claim_days") or "90"
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"claim days {text!r}: give a whole number of days (1 or more)")
    return int(text)


def _distribute_preview(op: Operator, f: Form) -> list[str]:
    p = preview_distribution(op, f["amount"], token=_opt(f, "token"), payment=_opt(f, "payment"),
                             claim_days=_claim_days(f))
    return [f"distribute {f['amount']} {p.payment_symbol} to the {p.holders} holders of {p.symbol}",
            "record date: now (a snapshot when it is sent); every holder is paid in batches and the result "
            f"reconciled; unclaimed amounts return after {_claim_days(f)} days"]


def _distribute_send(op: Operator, f: Form) -> Outcome:
    result = distribute(op, f["amount"], token=_opt(f, "token"), payment=_opt(f, "payment"),
                        claim_days=_claim_days(f), push=True)
    created = result.created
    lines = [f"distribution {created.distribution_id} funded with {f['amount']} {result.payment_symbol}"]
    txs = [created.create_receipt.tx_hash]
    if result.paid is not None:
        pushed, rec = result.paid.pushed, result.paid.reconciliation
        lines.append(f"paid {pushed.pushed} holders in {pushed.batches} batches; reconciliation "
                     + ("exact" if rec.exact else "problems: " + "; ".join(rec.problems)))
    return Outcome(lines, txs)


# --- KYC renewal, as `rwa investors renew` ----------------------------------------------------------------------
def _renew_preview(op: Operator, f: Form) -> list[str]:
    result = renew_kyc(op, f["who"], f["until"], dry_run=True)
    if not result.changes:
        return [f"nothing to renew: {f['who']}'s KYC already runs until {f['until']}"]
    return [f"renew the KYC of {f['who']} until {f['until']}"] + [f"{c.wallet}: {c.describe()}"
                                                                   for c in result.changes]


def _renew_send(op: Operator, f: Form) -> Outcome:
    result = renew_kyc(op, f["who"], f["until"])
    if result.receipt is None:
        return Outcome([f"nothing to renew: {f['who']}'s KYC already runs until {f['until']}"], [])
    return Outcome([f"renewed the KYC of {f['who']} until {f['until']}"]
                   + [f"{c.wallet}: {c.describe()}" for c in result.changes], [result.receipt.tx_hash])


TOKEN = Field("token", "token", False, "token")
WALLET = Field("wallet", "wallet", hint="0x... address")
AMOUNT = Field("amount", "amount", hint="token units, a plain decimal such as 1000 or 1250.5")
ACTIONS: dict[str, Action] = {
    "mint": Action("Mint", (TOKEN, WALLET, AMOUNT), _mint_preview, _mint_send),
    "freeze": Action("Freeze", (TOKEN, WALLET, Field("amount", "amount", False, hint="only this amount (leave empty "
                                                     "to freeze the whole wallet)")), *_freezing(True)),
    "unfreeze": Action("Unfreeze", (TOKEN, WALLET, Field("amount", "amount", False, hint="only this amount (leave "
                                                         "empty to lift the wallet's freeze)")), *_freezing(False)),
    "force-transfer": Action("Forced transfer", (
        TOKEN, Field("sender", "from wallet"), Field("receiver", "to wallet"), AMOUNT,
        Field("reason", "reason", hint="why (e.g. court order 2026/123); overriding a rule needs it on record")),
        _force_preview, _force_send),
    "distribute": Action("Push a distribution", (
        TOKEN, Field("amount", "amount", hint="the total, in payment-token units"),
        Field("payment", "payment token", False, hint="default: the offering's first"),
        Field("claim_days", "claim days", False, "number", "default 90")), _distribute_preview, _distribute_send),
    "renew-kyc": Action("Renew a KYC date", (
        Field("who", "investor", hint="a wallet or the issuer's investor id (INV-00017)"),
        Field("until", "valid until", kind="date", hint="the last valid day")), _renew_preview, _renew_send),
}


def _action(name: str) -> Action:
    found = ACTIONS.get(name)
    if found is None:
        abort(404)
    return found


def _form(action: Action) -> Form:
    return {f.name: (request.form.get(f.name) or "").strip() for f in action.fields}


AMOUNT_FIELDS = ("amount",)


def _missing(action: Action, form: Form) -> str | None:
    """What is wrong with the form before anything is asked of the chain: an empty required field, an amount that
    is not a plain decimal or is zero."""
    empty = [f.label for f in action.fields if f.required and not form[f.name]]
    if empty:
        return f"fill in: {', '.join(empty)}"
    for name in AMOUNT_FIELDS:
        value = form.get(name)
        try:
            if value:
                plain_amount(value)  # the command line's one convention for amounts
        except ConfigError as exc:
            return str(exc)
    return None


def _show_form(name: str, action: Action, form: Form, error: str | None = None, status: int = 200):
    return render_template("action_form.html", name=name, action=action, form=form, error=error,
                           tokens=list(operator().record.tokens)), status


@bp.route("/")
@allow(OPERATOR)
def menu():
    return render_template("actions.html", actions=ACTIONS)


@bp.route("/<name>")
@allow(OPERATOR)
def form(name: str):
    action = _action(name)
    return _show_form(name, action, {f.name: (request.args.get(f.name) or "").strip() for f in action.fields})


@bp.route("/<name>/preview", methods=["POST"])
@allow(OPERATOR)
def preview(name: str):
    return _step(name, lambda action, values: action.preview(operator(), values), "action_preview.html", "lines")


@bp.route("/<name>/confirm", methods=["POST"])
@allow(OPERATOR)
def confirm(name: str):
    return _step(name, lambda action, values: action.send(operator(), values), "action_result.html", "outcome")


def _step(name: str, run: Callable[["Action", Form], object], template: str, key: str):
    """The form checked, then previewed or sent; a refusal or bad input (or a chain that moved since the preview)
    comes back as one line on the form as filled in, with nothing sent."""
    action = _action(name)
    values = _form(action)
    error = _missing(action, values)
    if error:
        return _show_form(name, action, values, error, 400)
    try:
        result = run(action, values)
    except RwaError as exc:
        return _show_form(name, action, values, str(exc), 400)
    return render_template(template, name=name, action=action, form=values, **{key: result})
