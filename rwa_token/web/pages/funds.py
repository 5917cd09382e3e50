"""Fund dealing cycles (ERC-7540 subscriptions and redemptions at a NAV): the fund's state, its cycles and its NAV
history, read through the fund services and reports (`rwa_token.services.funds`: `fund_status`,
`fund_report_inputs`; `rwa_token.reporting.fund`: `cycles`, `nav_history`) when the SDK has them; until then, and for
an offering without a fund vault, the page says so."""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import asdict, is_dataclass
from types import ModuleType
from typing import Any

from flask import Blueprint, render_template

from ...primitives.errors import ConfigError
from ...reporting.reports import iso_time
from ..auth import allow
from ..context import operator
from ..users import AUDITOR, OPERATOR

bp = Blueprint("funds", __name__)


def _modules() -> tuple[ModuleType, ModuleType] | None:
    """The fund service and its reports, or None while this installation has neither."""
    if importlib.util.find_spec("rwa_token.services.funds") is None or \
            importlib.util.find_spec("rwa_token.reporting.fund") is None:
        return None
    return importlib.import_module("rwa_token.services.funds"), importlib.import_module("rwa_token.reporting.fund")


TIMES = ("cutoff", "as_of")  # unix seconds in the status, shown as dates


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """A status dataclass as label -> value pairs (a nested one, such as the NAV, prefixed with its name); base-unit
    twins left out, times as ISO dates."""
    out: dict[str, Any] = {}
    for key, v in (asdict(value) if is_dataclass(value) else dict(value)).items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{key} "))
        elif not key.endswith("_units"):
            out[f"{prefix}{key}".replace("_", " ")] = iso_time(v) if key in TIMES and isinstance(v, int) else v
    return out


@bp.route("/funds")
@allow(OPERATOR, AUDITOR)
def cycles():
    found = _modules()
    if found is None:
        return render_template("funds.html", available=False, status=None, tables={}, missing=None)
    service, reports = found
    op = operator()
    try:
        status = service.fund_status(op)
    except ConfigError as exc:  # the SDK has funds, this offering has no fund vault
        return render_template("funds.html", available=True, status=None, tables={}, missing=str(exc))
    index, vault, decimals = service.fund_report_inputs(op)
    tables = {"dealing cycles": reports.cycles(index, vault, decimals),
              "NAV history": reports.nav_history(index, vault, decimals)}
    return render_template("funds.html", available=True, status=_flat(status), tables=tables, missing=None)
