"""The `rwa` command. It parses, prints and delegates: no business logic lives here."""
from __future__ import annotations

import sys
import time
import traceback
from typing import Optional

import typer
from rich.console import Console

from .errors import RwaError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Issue and service tokenized securities.")
console = Console()
err_console = Console(stderr=True)


class State:
    rpc_url: Optional[str] = None
    debug: bool = False
    json: bool = False


state = State()


@app.callback()
def main(
    rpc_url: Optional[str] = typer.Option(None, "--rpc-url", envvar="RWA_RPC_URL", help="JSON-RPC endpoint (default: a local anvil)"),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors"),
    json_output: bool = typer.Option(False, "--json", help="Machine-readable output"),
) -> None:
    state.rpc_url, state.debug, state.json = rpc_url, debug, json_output


@app.command()
def chain() -> None:
    """Start a local anvil, print its URL and funded accounts, and keep it running until Ctrl-C."""
    from .chain import Chain

    local = Chain.local()
    console.print(f"[bold]local chain[/] {local.url} (chain id {local.chain_id}, hardfork {local.anvil.hardfork})")
    for i, account in enumerate(local.dev_accounts()):
        console.print(f"  account {i}: {account.address}  key {account.key.hex()}")
    console.print("Ctrl-C to stop.")
    try:
        while local.anvil.process and local.anvil.process.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        local.close()


@app.command()
def demo() -> None:
    """Run a complete demo issuance on a fresh local chain."""
    from .demo import run_demo

    run_demo(console)


def run() -> None:
    """Entry point: one readable line and a non-zero exit on failure; a traceback only with --debug."""
    try:
        app(standalone_mode=False)
    except RwaError as exc:
        if state.debug:
            traceback.print_exc()
        err_console.print(f"[red]error:[/] {exc}")
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("[red]aborted[/]")
        sys.exit(130)
    except Exception as exc:  # usage errors (Typer's click exceptions) and anything unexpected
        if hasattr(exc, "exit_code") and hasattr(exc, "show"):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Exit" and hasattr(exc, "exit_code"):
            sys.exit(exc.exit_code)
        if state.debug:
            traceback.print_exc()
        err_console.print(f"[red]error:[/] {type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        sys.exit(1)


if __name__ == "__main__":
    run()
