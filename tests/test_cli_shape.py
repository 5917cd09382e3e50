"""The CLI only parses, calls a service and prints: options travel in Typer's context, not module state; the
operations it runs are SDK service functions anyone can call (here with stand-ins for the wrappers)."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from rwa_token.cli import base
from rwa_token.services.redemption import redeem_all

CLI = Path(__file__).resolve().parent.parent / "rwa_token" / "cli"


def test_output_options_are_passed_not_global():
    assert not hasattr(base, "opts")
    assert dataclasses.fields(base.Output) and base.Output.__dataclass_params__.frozen
    assert base.Session.__dataclass_params__.frozen


def test_the_main_module_only_assembles_the_app():
    tree = ast.parse((CLI / "main.py").read_text())
    functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert functions == ["main", "run"]  # the root options callback and the entry point


def test_cli_functions_are_short():
    long = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.end_lineno - node.lineno + 1 > 55:
                long.append(f"{path.name}:{node.name}")
    assert long == []


class _Token:
    def __init__(self, balances):
        self.balances = balances

    def balance_of(self, holder):
        return self.balances.get(holder, 0)

    def balance_of_many(self, holders):
        return [self.balance_of(h) for h in holders]


class _Receipt:
    def __init__(self, holders):
        self.holders = holders


class _Redemption:
    """Redeems every holder in a batch except those named in `skip` (the contract skips ineligible holders)."""

    def __init__(self, skip=()):
        self.skip, self.batches = set(skip), []

    def redeem_batch(self, holders):
        self.batches.append(list(holders))
        return _Receipt([h for h in holders if h not in self.skip])

    @staticmethod
    def redeemed_holders(receipt):
        return receipt.holders


def test_redeem_all_batches_only_holders_with_a_balance_and_reports_progress():
    token = _Token({f"0x{i}": 1 for i in range(5)} | {"0xempty": 0})
    redemption = _Redemption(skip={"0x3"})
    seen = []
    result = redeem_all(redemption, token, ["0xempty", *(f"0x{i}" for i in range(5))], batch_size=2,
                        progress=lambda done, total: seen.append((done, total)))
    assert redemption.batches == [["0x0", "0x1"], ["0x2", "0x3"], ["0x4"]]
    assert (result.redeemed, result.holders) == (4, 5)
    assert seen == [(2, 5), (4, 5), (5, 5)]
