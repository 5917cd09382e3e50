"""`rwa serve`: the web console over the offering's event index and the chain (docs/console.md), and its users
(`rwa serve user add|list|remove`), kept in the state folder with hashed passwords."""
from __future__ import annotations

import os
from typing import List, Optional

import typer

from .base import Session, session

serve_app = typer.Typer(invoke_without_command=True, help="The web console (docs/console.md): `rwa serve` starts "
                        "it; `rwa serve user add` manages who may sign in.")
user_app = typer.Typer(no_args_is_help=True, help="Console users: operator (actions), auditor (read-only), investor "
                       "(their own wallets only).")
serve_app.add_typer(user_app, name="user")
PASSWORD_ENV = "RWA_CONSOLE_PASSWORD"


def _config(s: Session):
    from ..web.context import ConsoleConfig

    return ConsoleConfig(s.rpc_url, s.offering, s.keystore, s.state, s.evm, s.index)


@serve_app.callback()
def serve(ctx: typer.Context,
          host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (keep 127.0.0.1 unless a "
                                   "TLS proxy in front of it is the only way in)"),
          port: int = typer.Option(8050, "--port", min=1, max=65535, help="port to listen on")) -> None:
    """Start the web console: overview, cap table, investors, distributions, proceeds, audit trail, and the
    operator's actions (previewed, then signed by this server's key: $RWA_PRIVATE_KEY or --keystore)."""
    if ctx.invoked_subcommand is not None:
        return
    from werkzeug.serving import run_simple

    from ..web import UserStore, create_app

    s = session(ctx)
    s.no_safe("the web console")
    config = _config(s)
    config.open()  # the chain, key and offering are checked before the server listens
    users = UserStore.in_state(config.state_path)
    if not users.all():
        s.out.say(f"[yellow]no console users yet[/]: add one with `rwa serve user add NAME --role operator` "
                  f"({users.path})")
    s.out.say(f"console on http://{host}:{port}/ (Ctrl-C stops it)")
    run_simple(host, port, create_app(config, users), threaded=False, use_reloader=False)


@user_app.command("add")
def user_add(ctx: typer.Context, name: str = typer.Argument(..., help="the user's sign-in name"),
             role: str = typer.Option(..., "--role", help="operator, auditor or investor"),
             wallet: Optional[List[str]] = typer.Option(None, "--wallet", help="an investor's wallet (repeat for "
                                                        "several); investors only")) -> None:
    """Add a console user (or replace one of that name). The password comes from $RWA_CONSOLE_PASSWORD or is
    asked for, never from the command line."""
    from ..web import UserStore

    s = session(ctx)
    password = os.environ.get(PASSWORD_ENV) or typer.prompt(f"password for {name}", hide_input=True,
                                                            confirmation_prompt=True, err=True)
    user = UserStore.in_state(_config(s).state_path).add(name, role, password, wallet or [])
    s.out.emit({"user": user.name, "role": user.role, "wallets": list(user.wallets)},
               f"[green]added[/] {user.role} {user.name}" + (f" ({', '.join(user.wallets)})" if user.wallets else ""))


@user_app.command("list")
def user_list(ctx: typer.Context) -> None:
    """The console's users: name, role and an investor's wallets."""
    from ..web import UserStore

    s = session(ctx)
    users = UserStore.in_state(_config(s).state_path).all()
    s.out.emit({"users": [{"user": u.name, "role": u.role, "wallets": list(u.wallets)} for u in users]},
               "\n".join(f"{u.name}: {u.role}" + (f" ({', '.join(u.wallets)})" if u.wallets else "") for u in users)
               or "no console users")


@user_app.command("remove")
def user_remove(ctx: typer.Context, name: str = typer.Argument(..., help="the user to remove")) -> None:
    """Remove a console user (signed out at their next request)."""
    from ..web import UserStore

    s = session(ctx)
    UserStore.in_state(_config(s).state_path).remove(name)
    s.out.emit({"removed": name}, f"[green]removed[/] {name}")
