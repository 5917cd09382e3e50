"""The audit trail: every event of every contract of the offering, named (contracts by what they are, wallets with
the issuer's investor ids, roles, countries and documents by name), amounts in token units, rule overrides and
spec changes noted; filtered by contract, event, wallet and date."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ...reporting.records import offering_audit
from ...reporting.reports import apply_notes, override_notes
from ...services.console import filter_rows
from ..auth import allow
from ..context import index, operator
from ..users import AUDITOR, OPERATOR

bp = Blueprint("audit", __name__)
FILTERS = ("contract", "event", "wallet", "since", "until")


@bp.route("/audit")
@allow(OPERATOR, AUDITOR)
def trail():
    op = operator()
    asked = {k: (request.args.get(k) or "").strip() for k in FILTERS}
    notes = {**apply_notes(op.journal("apply").entries()), **override_notes(op.override_journal().entries())}
    everything = offering_audit(op, index(), asked["contract"] or None, notes)
    rows = filter_rows(everything, event=asked["event"] or None, wallet=asked["wallet"] or None,
                       since=asked["since"] or None, until=asked["until"] or None)
    return render_template("audit.html", rows=rows, asked=asked, contracts=op.record.contracts(),
                           events=sorted({r["event"] for r in everything}), total=len(everything))
