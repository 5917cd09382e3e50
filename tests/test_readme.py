"""The README's SDK quick start runs verbatim: it starts its own local anvil, deploys, registers, mints and shows a
refusal with its reason code, printing what the comments promise."""
from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _sdk_quick_start() -> str:
    section = README.read_text().split("## Quick start: the SDK", 1)[1]
    return re.search(r"^```python\n(.*?)^```$", section, re.DOTALL | re.MULTILINE).group(1)


def test_readme_sdk_quick_start_runs_verbatim(capsys):
    exec(compile(_sdk_quick_start(), str(README), "exec"), {"__name__": "readme"})
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("Check(code=11") and "blocked" in printed[0]
    assert printed[1].startswith("11 ") and "blocked" in printed[1]
