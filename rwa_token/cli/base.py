"""What every `rwa` command module shares: the global options, the consoles, the operator they open from those
options, and how results, refusals, confirmations and progress are shown."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..primitives.errors import REASON_CODES, ConfigError

if TYPE_CHECKING:
    from ..services.context import Operator

TokenOpt = typer.Option(None, "--token", "-t", help="token symbol (default: the first tranche)")

console = Console(soft_wrap=True)  # long lines (addresses, reasons) stay whole when piped
err_console = Console(stderr=True, soft_wrap=True)


class Options:
    rpc_url: Optional[str] = None
    offering: Optional[str] = None
    keystore: Optional[str] = None
    state: Optional[str] = None
    debug: bool = False
    json: bool = False


opts = Options()


def operator(need_record: bool = True) -> "Operator":
    """The chain, key and offering the global options name (--rpc-url, --keystore, --offering, --state)."""
    from ..services.context import Operator

    return Operator.open(opts.rpc_url, opts.offering, opts.keystore, opts.state, need_record)


def emit(data: dict[str, Any], human: str | None = None) -> None:
    if opts.json:
        print(json.dumps(data, default=str))
    elif human is not None:
        console.print(human)


def progress_bar(description: str) -> Progress:
    return Progress(TextColumn(description), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err_console, disable=opts.json)


def confirm(action: str, yes: bool) -> None:
    """Powers over other people's tokens ask before sending; `--yes` answers for scripts. With no terminal to
    ask (or under --json) the command refuses rather than guess."""
    if yes:
        return
    if opts.json or not sys.stdin.isatty():
        raise ConfigError(f"{action}: confirm with --yes (there is no terminal to ask)")
    if not typer.confirm(f"{action}?", default=False, err=True):
        raise ConfigError(f"{action}: not confirmed; nothing sent")


def refuse(code: int, message: str, hint: str) -> None:
    """A rule refusal: one line (JSON under --json) and exit 3."""
    name = REASON_CODES.get(code, {}).get("name", "?")
    if opts.json:
        print(json.dumps({"refused": True, "code": code, "name": name, "message": message, "hint": hint}))
    else:
        err_console.print(f"[red]refused[/] [{code} {name}] {message}: {hint}", highlight=False, soft_wrap=True)
    raise typer.Exit(3)


def tx_line(receipt) -> str:
    return f"[dim](tx {receipt.tx_hash[:12]}…, block {receipt.block_number}, gas {receipt.gas_used:,})[/]"
