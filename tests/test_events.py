"""Only the wrapper layer names contract events: the store, services and reports read them through
rwa_token.contracts.events, whose names must exist in the shipped ABIs."""
from __future__ import annotations

import ast
from pathlib import Path

from rwa_token.contracts import events
from rwa_token.primitives import artifacts

PACKAGE = Path(events.__file__).resolve().parent.parent


def _event_names(contract: str) -> set[str]:
    return {e["name"] for e in artifacts.abi(contract) if e["type"] == "event"}


def test_every_named_event_exists_in_its_contract_abi():
    for group in events.ALL:
        names = {v for k, v in vars(group).items() if k.isupper() and isinstance(v, str) and k != "ARTIFACT"}
        missing = names - _event_names(group.ARTIFACT)
        assert not missing, f"{group.__name__}: {sorted(missing)} not events of {group.ARTIFACT}"


def test_no_code_above_the_wrappers_spells_an_event_name():
    named = {v for group in events.ALL for k, v in vars(group).items() if k.isupper() and isinstance(v, str)}
    named -= {group.ARTIFACT for group in events.ALL}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if rel.parts[0] == "contracts":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in named:
                offenders.append(f"{rel}:{node.lineno} {node.value!r}")
    assert not offenders, "use rwa_token.contracts.events instead of: " + ", ".join(offenders)
