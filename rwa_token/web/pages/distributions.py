"""Distributions and their reconciliation: each one's record date and where every unit of the funded amount went
(`rwa report distribution` reads the same statement), and each record-date holder's line."""
from __future__ import annotations

from flask import Blueprint, render_template

from ...reporting.records import distribution_statement
from ..auth import allow
from ..context import index, operator
from ..users import AUDITOR, OPERATOR

bp = Blueprint("distributions", __name__)
TERMS = ("paid", "tax", "escrowed", "released", "returned", "unclaimed", "remainder")


@bp.route("/distributions")
@allow(OPERATOR, AUDITOR)
def listing():
    op, idx = operator(), index()
    count = op.offering.distributor.count() if op.offering.distributor else 0
    summaries = [distribution_statement(op, idx, did)[0] for did in range(1, count + 1)]
    return render_template("distributions.html", summaries=summaries, terms=TERMS)


@bp.route("/distributions/<int:distribution_id>")
@allow(OPERATOR, AUDITOR)
def statement(distribution_id: int):
    summary, rows = distribution_statement(operator(), index(), distribution_id)
    return render_template("distribution.html", summary=summary, rows=rows, terms=TERMS)
