"""The offering at a glance: supply, holders and investors per token, holdings by jurisdiction and by investor
category (charts), and the rules in plain words with their sources."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, redirect, render_template, request, url_for

from ...inputs.policy import explain
from ...primitives.units import format_units
from ...reporting.reports import jurisdictions
from ...services.console import holdings_by_category, overview
from ...services.rules import rules_of
from ..auth import allow, current_user
from ..charts import bar_chart, pie_chart
from ..context import index, operator
from ..users import AUDITOR, INVESTOR, OPERATOR

bp = Blueprint("overview", __name__)


@bp.route("/")
@allow(OPERATOR, AUDITOR, INVESTOR)
def home():
    user = current_user()
    if user is not None and user.role == INVESTOR:  # an investor's home is their own page
        return redirect(url_for("investors.mine"))
    op, idx = operator(), index()
    figures = overview(op, idx)
    symbol, address = op.record.token(request.args.get("token") or None)
    decimals = op.record.decimals.get(symbol, 18)
    places = jurisdictions(idx, address, decimals, registry=op.record.registry)
    categories = holdings_by_category(idx, address, op.record.registry)
    spec = op.record.spec_path if op.record.spec_path and Path(op.record.spec_path).exists() else None
    rules = explain(rules_of(spec, lambda: op.token(symbol)))
    whole = 10 ** decimals
    return render_template(
        "overview.html", figures=figures, symbol=symbol, decimals=decimals, places=places, categories=categories,
        rules=rules, rules_source=f"the offering spec {Path(spec).name}" if spec else "the token on the chain",
        fmt=format_units,
        by_country=bar_chart([(f"{r['country']} {r['country_name']}", int(r["balance_units"]) // whole)
                              for r in places], f"{symbol} held by jurisdiction", f" {symbol}"),
        by_category=pie_chart([(c["category"], c["units"]) for c in categories], f"{symbol} held by category"))
