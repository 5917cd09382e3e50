"""The `rwa` command: this module only assembles the Typer application from the command-group modules and turns
errors into one readable line and an exit code. The commands parse, call a service and print; the services hold
the decisions.

Errors are one readable line and a non-zero exit code; `--debug` adds the traceback. `--json` prints
machine-readable results. Keys come from $RWA_PRIVATE_KEY or --keystore, never from the command line.
"""
from __future__ import annotations

import sys
import traceback
from typing import Optional

import typer

from ..primitives.errors import RwaError
from . import agent, cashflow, chain, trading
from .base import Output, Session, err_console as stderr_console, proposing, report_error
from .cashflow import redeem_app, waterfall_app
from .chain import policy_app
from .dev import dev_app
from .documents import docs_app
from .fund import fund_app
from .investors import investors_app
from .reports import report_app
from .payments import payment_app
from .roles import roles_app, safe_app
from .serve import serve_app
from .trading import collateral_app, proceeds_app, trade_app
from .withholding import withholding_app

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Issue and service tokenized securities.")


@app.callback()
def main(
    ctx: typer.Context,
    rpc_url: Optional[str] = typer.Option(None, "--rpc-url", envvar="RWA_RPC_URL", help="JSON-RPC endpoint"),
    offering: Optional[str] = typer.Option(None, "--offering", "-o", envvar="RWA_OFFERING",
                                           help="deployed offering name (default: the only one)"),
    keystore: Optional[str] = typer.Option(None, "--keystore", help="encrypted JSON keystore; password from "
                                           "$RWA_KEYSTORE_PASSWORD"),
    state: Optional[str] = typer.Option(None, "--state", envvar="RWA_STATE_DIR", help="state folder (default .rwa)"),
    debug: bool = typer.Option(False, "--debug", help="show tracebacks on errors"),
    json_output: bool = typer.Option(False, "--json", help="machine-readable output"),
    evm: Optional[str] = typer.Option(None, "--evm", envvar="RWA_EVM", help="contract build: prague, shanghai or "
                                      "auto (default: detected from the node)"),
    safe: Optional[str] = typer.Option(None, "--safe", help="propose what the command sends to "
                                       "this Safe multisig (the key signs as one owner) instead of sending it; see "
                                       "`rwa safe --help`"),
    index: Optional[str] = typer.Option(None, "--index", envvar="RWA_INDEX_URL", help="event index in PostgreSQL "
                                        "(postgresql://user@host/db; a schema per chain) instead of the SQLite file "
                                        "in the state folder"),
) -> None:
    ctx.obj = Session(Output(json=json_output, held=[] if safe else None), rpc_url, offering, keystore, state, debug,
                      evm, safe, index=index)
    if safe:  # when the command ends, what it collected becomes one proposal
        ctx.with_resource(proposing(ctx.obj, " ".join(sys.argv[1:])))


# Top-level commands, in the order `rwa --help` and docs/cli.md list them; then the command groups.
for command in (chain.chain, chain.deploy, chain.plan, chain.apply, agent.mint, agent.burn, agent.transfer,
                agent.freeze, agent.unfreeze):
    app.command()(command)
app.command("force-transfer")(agent.force_transfer)
for command in (agent.recover, agent.pause, agent.unpause, chain.status, cashflow.distribute, trading.approve,
                chain.demo):
    app.command()(command)
for group, name in ((investors_app, "investors"), (docs_app, "docs"), (policy_app, "policy"),
                    (waterfall_app, "waterfall"), (redeem_app, "redeem"), (withholding_app, "withholding"),
                    (trade_app, "trade"), (collateral_app, "collateral"), (proceeds_app, "proceeds"),
                    (fund_app, "fund"), (payment_app, "payment"), (roles_app, "roles"), (safe_app, "safe"), (report_app, "report"),
                    (dev_app, "dev"), (serve_app, "serve")):
    app.add_typer(group, name=name)


def run() -> None:
    """Entry point: one readable line and a non-zero exit on failure; a traceback only with --debug."""
    debug = "--debug" in sys.argv
    err_console = stderr_console()
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)  # typer.Exit(n) inside a command
    except RwaError as exc:
        if debug:
            traceback.print_exc()
        sys.exit(report_error(exc, "--json" in sys.argv, err_console))
    except KeyboardInterrupt:
        err_console.print("[red]interrupted[/]: rerun the same command to resume where it stopped")
        sys.exit(130)
    except Exception as exc:  # usage errors (Typer's click exceptions) and anything unexpected
        if hasattr(exc, "exit_code") and hasattr(exc, "show"):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Exit" and hasattr(exc, "exit_code"):
            sys.exit(exc.exit_code)
        if debug:
            traceback.print_exc()
        err_console.print(f"[red]error:[/] {type(exc).__name__}: {exc} (rerun with --debug for the traceback)",
                          highlight=False, soft_wrap=True)
        sys.exit(1)


if __name__ == "__main__":
    run()
