"""Running the `rwa` command inside a test, as a user would from a shell: its exit code, what it printed and what
it said on stderr (a `SystemExit` is the exit code, as the shell sees it)."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import yaml

from rwa_token import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def rwa(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["rwa", *args])
    code = 0
    try:
        cli.run()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


@contextmanager
def offering_env(chain, state: Path) -> Iterator[pytest.MonkeyPatch]:
    """A module-wide environment for commands run against `chain` with their own state folder (dev account 0 signs,
    the SQLite index): what a module fixture deploying its own offering needs. Undone when the block ends."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RWA_STATE_DIR", str(state))
        mp.setenv("RWA_RPC_URL", chain.url)
        mp.delenv("RWA_PRIVATE_KEY", raising=False)
        mp.delenv("RWA_INDEX_URL", raising=False)
        yield mp


def last(out: str) -> dict:
    """The last line of a command's --json output (progress lines may come before it)."""
    return json.loads(out.strip().splitlines()[-1])


def issue(capsys, monkeypatch, chain):
    """Import the example investors and mint both tranches to a few eligible ones (100 each: six of the senior,
    six more of the junior), and give the operator mock USDC; returns (operator, minted wallets)."""
    from rwa_token.services.context import Operator

    rwa(capsys, monkeypatch, "investors", "import", str(EXAMPLES / "investors.csv"))
    op = Operator.open(chain.url, None)
    wallets = [e["args"]["wallet"] for e in op.registry.events("InvestorRegistered", op.record.block)]
    minted: list[str] = []
    for n, symbol in enumerate(op.record.tokens):
        token = op.token(symbol)
        for wallet in wallets:
            if len(minted) < 6 * (n + 1) and token.can_mint(wallet, "100").ok:
                token.mint(wallet, "100")
                minted.append(wallet)
    op.payment_token().send("mint", op.account.address, 10**13)  # the local mock stablecoin
    return op, minted


def withholding_spec(folder: Path, name: str, tax_account: str) -> Path:
    """The example deal under another name, with withholding rates (HK 10%, SG 15%, unknown 30%) in its spec."""
    doc = yaml.safe_load((EXAMPLES / "highway-toll-abs.yaml").read_text())
    doc["name"] = name
    doc["withholding"] = {"rates_bps": {"HK": 1000, "SG": 1500, "unknown": 3000}, "tax_account": tax_account}
    spec = folder / "withholding.yaml"
    spec.write_text(yaml.safe_dump(doc, sort_keys=False))
    return spec
