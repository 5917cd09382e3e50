"""What a request works on: the operator the server's options name (the same `Operator.open` every `rwa` command
uses, so the chain, the key and the offering are found the same way), opened once per request, and the offering's
event index, synced once per request and closed at its end."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from flask import current_app, g

from ..services.context import Operator
from ..services.holders import offering_index
from ..store.index import EventIndex
from ..store.state import state_dir


@dataclass(frozen=True)
class ConsoleConfig:
    """The root options of `rwa serve` (the same as every command's): the chain, offering, key, state and index."""

    rpc_url: Optional[str] = None
    offering: Optional[str] = None
    keystore: Optional[str] = None
    state: Optional[str] = None
    evm: Optional[str] = None
    index: Optional[str] = None

    @property
    def state_path(self) -> Path:
        return state_dir(self.state)

    def open(self) -> Operator:
        return Operator.open(self.rpc_url, self.offering, self.keystore, self.state, True, self.evm, self.index)


def config() -> ConsoleConfig:
    return current_app.config["RWA_CONSOLE"]


def operator() -> Operator:
    """This request's operator (opened on first use)."""
    if "rwa_operator" not in g:
        g.rwa_operator = config().open()
    return g.rwa_operator


def index() -> EventIndex:
    """This request's event index of the offering, brought up to date on first use."""
    if "rwa_index" not in g:
        g.rwa_index = offering_index(operator())
    return g.rwa_index


def close_index(_exc: BaseException | None = None) -> None:
    found = g.pop("rwa_index", None)
    if found is not None:
        found.close()
