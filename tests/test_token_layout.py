"""The token's two contracts share one storage: SecurityTokenAdmin runs by delegatecall in the token's storage, so
every variable SecurityToken has must sit at the same slot, offset and type in SecurityTokenAdmin, whose own
variables may only come after them. Checked on the compiler's storage layouts."""
from __future__ import annotations

import json
import subprocess

import pytest

from rwa_token.primitives import compiler


@pytest.fixture(scope="module")
def layouts() -> dict[str, list[dict]]:
    source = "contracts/token/SecurityToken.sol"
    compiler_input = compiler.standard_input(only=source)
    # The layout does not depend on the optimizer or the pipeline: the fastest build will do.
    compiler_input["settings"].update(optimizer={"enabled": False}, viaIR=False,
                                      outputSelection={"*": {"*": ["storageLayout"]}})
    out = subprocess.run(
        [str(compiler.find_solc()), "--standard-json", "--base-path", str(compiler.PROJECT_ROOT),
         "--allow-paths", str(compiler.PROJECT_ROOT)],
        input=json.dumps(compiler_input), capture_output=True, text=True, check=True,
    )
    output = json.loads(out.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    assert not errors, errors
    contracts = output["contracts"]
    types = {}
    result = {}
    for path, name in ((source, "SecurityToken"), ("contracts/token/SecurityTokenAdmin.sol", "SecurityTokenAdmin")):
        layout = contracts[path][name]["storageLayout"]
        types.update(layout["types"] or {})
        result[name] = [
            {"label": v["label"], "slot": int(v["slot"]), "offset": v["offset"],
             "type": types[v["type"]]["label"], "bytes": types[v["type"]]["numberOfBytes"]}
            for v in layout["storage"]
        ]
    return result


def test_the_admin_module_extends_the_token_layout_without_moving_it(layouts):
    token, admin = layouts["SecurityToken"], layouts["SecurityTokenAdmin"]
    assert len(token) > 10, "the token's storage was read"
    assert admin[: len(token)] == token, "SecurityTokenAdmin must lay out SecurityToken's variables identically"
    last_slot = max(v["slot"] for v in token)
    extra = admin[len(token):]
    assert extra, "the module's own variables (documents, terms, nonces) exist"
    assert all(v["slot"] > last_slot for v in extra), "the module's own variables come after the token's"


def test_the_token_declares_no_storage_of_its_own(layouts):
    """Everything the token stores is declared in TokenBase and its bases, which both contracts inherit."""
    labels = [v["label"] for v in layouts["SecurityToken"]]
    assert labels[:3] == ["_roles", "_owner", "_state"]
    assert labels[-1] == "_allowances"
