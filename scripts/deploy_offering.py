"""Deploy the offering described by a spec (default: the example highway toll ABS).

    python scripts/deploy_offering.py [spec.yaml]        # $RWA_RPC_URL or a private anvil
    brownie run scripts/deploy_offering.py               # on Brownie's development network
"""
from __future__ import annotations

import sys as _sys
from pathlib import Path as _Path

_sys.path.insert(0, str(_Path(__file__).resolve().parent))  # sibling imports under `brownie run` too

import sys

from _connect import EXAMPLES, connect, one_line_errors

from rwa_token.chain.tx import Transactor
from rwa_token.inputs.spec import load_spec
from rwa_token.services.context import signer
from rwa_token.services.deployment import deploy_offering


@one_line_errors
def main(spec_path: str = str(EXAMPLES / "highway-toll-abs.yaml")):
    chain = connect()
    result = deploy_offering(Transactor(chain), load_spec(spec_path), signer(chain), say=print)
    print(f"registry {result.record.registry}; tokens {result.record.tokens}")
    return result.record


if __name__ == "__main__":
    main(*sys.argv[1:2])
