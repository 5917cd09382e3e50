"""The cap table now, at a block or date, or at a distribution's record date: sortable in the page, and the same
rows as CSV (`rwa report captable` computes them with the same functions)."""
from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from ...reporting.records import captable_at_distribution, investor_ids
from ...primitives.errors import ConfigError
from ...reporting.reports import Row, captable, record_point, render
from ..auth import allow
from ..context import index, operator
from ..users import AUDITOR, OPERATOR

bp = Blueprint("captable", __name__)


def _rows() -> tuple[str, list[Row], dict[str, str]]:
    """The cap table the query asks for: ?token=, and ?at= (a block or an ISO date) or ?distribution= (an id)."""
    op, idx = operator(), index()
    asked = {k: (request.args.get(k) or "").strip() for k in ("token", "at", "distribution")}
    if asked["distribution"]:
        if not asked["distribution"].isdigit():
            raise ConfigError(f"distribution {asked['distribution']!r}: give a distribution id (1, 2, ...)")
        if asked["at"]:
            raise ConfigError("give either a date or block, or a distribution's record date, not both")
        did = int(asked["distribution"])
        point = record_point(idx, op.distributor().address, did)
        symbol = next(s for s, a in op.record.tokens.items() if a.lower() == point.token.lower())
        return symbol, captable_at_distribution(op, idx, did, asked["token"] or None), asked
    symbol, address = op.record.token(asked["token"] or None)
    at = asked["at"] or None
    rows = captable(idx, address, op.record.decimals.get(symbol, 18), at=int(at) if at and at.isdigit() else at,
                    registry=op.record.registry, ids=investor_ids(op))
    return symbol, rows, asked


@bp.route("/captable")
@allow(OPERATOR, AUDITOR)
def table():
    symbol, rows, asked = _rows()
    op = operator()
    return render_template("captable.html", symbol=symbol, rows=rows, asked=asked, tokens=list(op.record.tokens),
                           distributions=op.offering.distributor.count() if op.offering.distributor else 0)


@bp.route("/captable.csv")
@allow(OPERATOR, AUDITOR)
def csv():
    symbol, rows, asked = _rows()
    when = f"-distribution-{asked['distribution']}" if asked["distribution"] else f"-at-{asked['at']}" if asked["at"] \
        else ""
    return Response(render(rows, "csv"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="captable-{symbol}{when}.csv"'})
