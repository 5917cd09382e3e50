"""How the issuer scripts reach a chain: Brownie's network when run with `brownie run`, else $RWA_RPC_URL,
else a private anvil that lives as long as the script."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rwa_token.chain.node import Chain  # noqa: E402


def connect() -> Chain:
    brownie = sys.modules.get("brownie")
    if brownie is not None and brownie.network.is_connected():
        return Chain.connect(brownie.web3.provider.endpoint_uri)
    url = os.environ.get("RWA_RPC_URL")
    return Chain.connect(url) if url else Chain.local()
