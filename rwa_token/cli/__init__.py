"""The `rwa` command and the demo: parse, call a service, show the result (layer 8 of 8, the top).

`rwa_token.cli:run` is the console entry point; `app` is the Typer application (docs/cli.md is generated from it).
"""
from .main import app, run

__all__ = ["app", "run"]
