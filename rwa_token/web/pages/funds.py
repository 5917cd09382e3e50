"""Fund dealing cycles (ERC-7540 subscriptions and redemptions at a NAV): the place in the console for the fund
services. Until the offering's SDK has them (`rwa_token.services.funds`), the page says so; when it does, this
module shows their cycles and NAV history through the service's own read functions."""
from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from flask import Blueprint, render_template

from ..auth import allow
from ..context import operator
from ..users import AUDITOR, OPERATOR

bp = Blueprint("funds", __name__)
SERVICE = "rwa_token.services.funds"
READS = ("dealing_cycles", "nav_history")  # the read functions this page shows, (op) -> rows, when they exist


def _service() -> ModuleType | None:
    if importlib.util.find_spec(SERVICE) is None:
        return None
    return importlib.import_module("rwa_token.services.funds")


@bp.route("/funds")
@allow(OPERATOR, AUDITOR)
def cycles():
    service = _service()
    tables = {}
    if service is not None:
        op = operator()
        tables = {name: [r if isinstance(r, dict) else vars(r) for r in getattr(service, name)(op)]
                  for name in READS if callable(getattr(service, name, None))}
    return render_template("funds.html", available=service is not None, tables=tables)
