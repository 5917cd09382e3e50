"""How the issuer scripts reach a chain: Brownie's network when run with `brownie run`, else $RWA_RPC_URL,
else a private anvil that lives as long as the script; and how they fail: one line, as `rwa` says it."""
from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rwa_token.chain.node import Chain  # noqa: E402
from rwa_token.primitives.errors import ConfigError, RwaError, TransferRestricted  # noqa: E402
from rwa_token.services.offering import check_record_live  # noqa: E402
from rwa_token.store.state import DeploymentRecord, load_record, only_record  # noqa: E402

EXAMPLES = ROOT / "rwa_token" / "data" / "examples"  # the example deal (`examples/` links here)


def connect() -> Chain:
    brownie = sys.modules.get("brownie")
    if brownie is not None and brownie.network.is_connected():
        return Chain.connect(brownie.web3.provider.endpoint_uri)
    url = os.environ.get("RWA_RPC_URL")
    return Chain.connect(url) if url else Chain.local()


def deployed(chain: Chain, offering: str | None = None) -> DeploymentRecord:
    """The offering's deployment record, refused in one line if its contracts are not on `chain` (Brownie's
    development network is a fresh chain on every run; a record kept in .rwa/ from an earlier one is stale)."""
    record = load_record(offering) if offering else only_record()
    check_record_live(chain, record)
    return record


def one_line_errors(main):
    """A script's `main` that reports an SDK error as `rwa` does (one line on stderr; exit 2 for bad input or
    state, 3 for a rule refusal, 1 for the chain) instead of a traceback, under `brownie run` too."""

    @functools.wraps(main)
    def run(*args, **kwargs):
        try:
            return main(*args, **kwargs)
        except RwaError as exc:
            print(f"error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(3 if isinstance(exc, TransferRestricted) else 2 if isinstance(exc, ConfigError)
                             else 1) from None

    return run
