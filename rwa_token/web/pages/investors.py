"""Investors: the register (operator, auditor) and one investor's page: wallets, KYC status and expiry, category,
holdings, lockup lots, frozen and pledged amounts, entitlements and escrow. An investor user sees only their own."""
from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from ...inputs.investors_csv import format_kyc_expiry
from ...primitives.categories import describe_categories
from ...primitives.countries import country_alpha2
from ...primitives.errors import RwaError
from ...reporting.reports import iso_time
from ...services.console import positions
from ...services.investors import investor_wallets, list_investors, show_investor
from ..auth import allow, current_user, require_own_wallets
from ..context import index, operator
from ..users import AUDITOR, INVESTOR, OPERATOR

bp = Blueprint("investors", __name__)


@bp.route("/investors")
@allow(OPERATOR, AUDITOR)
def register():
    op = operator()
    views = list_investors(op)
    return render_template("investors.html", rows=[v.row(op.record.decimals) for v in views],
                           tokens=list(op.record.tokens))


@bp.route("/me")
@allow(INVESTOR)
def mine():
    user = current_user()
    if user is None or not user.wallets:
        abort(403)
    return redirect(url_for("investors.page", who=user.wallets[0]))


@bp.route("/investors/<who>")
@allow(OPERATOR, AUDITOR, INVESTOR)
def page(who: str):
    op = operator()
    user = current_user()
    try:
        _, records = investor_wallets(op, who)
    except RwaError:
        if user is not None and user.role == INVESTOR:  # whether another investor exists is not theirs to learn
            abort(403)
        raise
    require_own_wallets(r.wallet for r in records)  # before anything about the investor is read or shown
    view = show_investor(op, who)
    held = positions(op, index(), [w.wallet for w in view.wallets])
    return render_template("investor.html", view=view, positions=held, decimals=op.record.decimals,
                           country=country_alpha2, categories=describe_categories, kyc=format_kyc_expiry,
                           when=iso_time, now=op.chain.block_timestamp())
