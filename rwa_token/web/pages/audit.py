"""The audit trail: every event of every contract of the offering, named (contracts by what they are, wallets with
the issuer's investor ids, roles, countries and documents by name), amounts in token units, rule overrides and
spec changes noted; filtered by contract, event, wallet and date."""
from __future__ import annotations

import re

from flask import Blueprint, render_template, request
from markupsafe import Markup, escape

from ...primitives.units import ZERO_ADDRESS
from ...reporting.records import investor_ids, offering_audit
from ...reporting.reports import apply_notes, override_notes
from ...services.console import filter_rows
from ..auth import allow
from ..context import index, operator
from ..users import AUDITOR, OPERATOR

bp = Blueprint("audit", __name__)
FILTERS = ("contract", "event", "wallet", "since", "until")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}\b")


def _names(op) -> dict[str, str]:
    """address (lower case) -> how the trail names it: the offering's contracts, the issuer's investor ids, the
    console's own signing key, and the zero address of mints and burns."""
    names = {a.lower(): what for what, a in op.record.contracts()}
    names.update({w.lower(): i for w, i in investor_ids(op).items() if i})
    names.setdefault(op.account.address.lower(), "operator key")
    names[ZERO_ADDRESS.lower()] = "(none)"
    return names


def _namer(names: dict[str, str]):
    """A template helper: an address as its name (the address kept in the tooltip), or shortened when unknown."""
    def name(address: str) -> Markup:
        if not address:
            return Markup("")
        label = names.get(address.lower())
        shown = escape(label) if label else Markup(f'<span class="addr">{escape(address[:10])}…</span>')
        return Markup(f'<span title="{escape(address)}">{shown}</span>')

    def details(text: str) -> Markup:
        return Markup(ADDRESS.sub(lambda m: str(name(m.group(0))), str(escape(text))))

    return name, details


@bp.route("/audit")
@allow(OPERATOR, AUDITOR)
def trail():
    op = operator()
    asked = {k: (request.args.get(k) or "").strip() for k in FILTERS}
    notes = {**apply_notes(op.journal("apply").entries()), **override_notes(op.override_journal().entries())}
    everything = offering_audit(op, index(), asked["contract"] or None, notes)
    rows = filter_rows(everything, event=asked["event"] or None, wallet=asked["wallet"] or None,
                       since=asked["since"] or None, until=asked["until"] or None)
    name, details = _namer(_names(op))
    return render_template("audit.html", rows=rows, asked=asked, contracts=op.record.contracts(),
                           events=sorted({r["event"] for r in everything}), total=len(everything), name=name,
                           details=details)
