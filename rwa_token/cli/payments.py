"""`rwa payment ...`: the offering's payment tokens and their approval."""
from __future__ import annotations

import typer

payment_app = typer.Typer(no_args_is_help=True, help="Payment tokens: add, approve, list.")
