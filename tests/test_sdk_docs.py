"""docs/sdk.md never rots: its ```python blocks run, in order and in one namespace, against an offering that
`rwa deploy` deployed to a local chain (the example highway-toll ABS, in a temporary state folder)."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from rwa_token import cli

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "sdk.md"


def python_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, source) of every ```python fenced block."""
    return [(text[: m.start()].count("\n") + 2, m.group(1))
            for m in re.finditer(r"^```python\n(.*?)^```$", text, re.DOTALL | re.MULTILINE)]


def test_the_doc_has_examples_to_run():
    assert len(python_blocks(DOC.read_text())) >= 4


@pytest.fixture
def deployed_offering(chain, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RWA_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("RWA_RPC_URL", chain.url)
    monkeypatch.delenv("RWA_PRIVATE_KEY", raising=False)
    monkeypatch.setattr(sys, "argv", ["rwa", "deploy", str(ROOT / "examples" / "highway-toll-abs.yaml")])
    try:
        cli.run()
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err
    capsys.readouterr()


def test_every_python_example_in_the_sdk_doc_runs(deployed_offering):
    namespace: dict = {"__name__": "sdk_doc"}
    for line, source in python_blocks(DOC.read_text()):
        code = compile(source, f"{DOC.name}:{line}", "exec")  # a failure points at the doc's own line numbers
        exec(code, namespace)


def test_an_offering_opens_by_name_slug_or_record_and_only_on_its_chain(deployed_offering, chain):
    import dataclasses

    from rwa_token import ConfigError, Offering
    from rwa_token.contracts.redemption import Redemption
    from rwa_token.contracts.waterfall import Waterfall
    from rwa_token.primitives.errors import WrongChain

    only = Offering.load(None, chain)
    by_slug = Offering.load(only.record.slug, chain)
    assert by_slug.record == only.record and by_slug.sender.address == chain.dev_accounts(1)[0].address
    assert only.token().address == only.tokens["HSTOLLA"].address == only.token("hstolla").address
    with pytest.raises(ConfigError, match="no deployed offering named"):
        Offering.load("no such deal", chain)
    with pytest.raises(ConfigError, match="no payment token 'HKDX'"):
        only.payment_token("HKDX")
    with pytest.raises(WrongChain):
        Offering.load(dataclasses.replace(only.record, chain_id=1), chain)
    modules = {"redemption:HSTOLLA": only.record.registry, "waterfall": only.record.registry}
    with_modules = Offering.load(dataclasses.replace(only.record, modules=modules), chain)
    assert isinstance(with_modules.redemption(), Redemption) and with_modules.redemption("HSTOLLJ") is None
    assert isinstance(with_modules.waterfall, Waterfall)
