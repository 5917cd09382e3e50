"""`rwa roles ...` (roles by name across the offering's contracts) and `rwa safe ...` (Safe multisig proposals)."""
from __future__ import annotations

import typer

roles_app = typer.Typer(no_args_is_help=True, help="Roles by name across every contract of the offering.")
safe_app = typer.Typer(no_args_is_help=True, help="Safe multisig: proposals, confirmations, execution.")
