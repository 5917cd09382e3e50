"""Use of proceeds against the filing: deposited, withdrawn and left per registered purpose beside the filed caps,
and every withdrawal with its reference (`rwa proceeds report`)."""
from __future__ import annotations

from flask import Blueprint, render_template

from ...primitives.units import format_units
from ...services.trading import filing_caps, proceeds_report, proceeds_vault
from ..auth import allow
from ..context import operator
from ..users import AUDITOR, OPERATOR

bp = Blueprint("proceeds", __name__)


@bp.route("/proceeds")
@allow(OPERATOR, AUDITOR)
def report():
    op = operator()
    if "proceeds" not in op.record.modules:
        return render_template("proceeds.html", report=None)
    vault, asset = proceeds_vault(op)
    decimals = asset.decimals()
    result = proceeds_report(vault, filing_caps(op, None, decimals))
    return render_template("proceeds.html", report=result, data=result.as_dict(decimals), asset=asset.symbol(),
                           fmt=lambda units: "-" if units is None else format_units(units, decimals))
