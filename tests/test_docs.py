"""Generated references never drift from what they describe."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("generator", ["tools/gen_reason_codes.py", "tools/gen_cli_docs.py"])
def test_generated_file_is_current(generator):
    result = subprocess.run([sys.executable, generator, "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, f"run `python {generator}` and commit the result"
