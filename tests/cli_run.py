"""Running the `rwa` command inside a test, as a user would from a shell: its exit code, what it printed and what
it said on stderr (a `SystemExit` is the exit code, as the shell sees it)."""
from __future__ import annotations

import json
import sys

from rwa_token import cli


def rwa(capsys, monkeypatch, *args: str) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["rwa", *args])
    code = 0
    try:
        cli.run()
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def last(out: str) -> dict:
    """The last line of a command's --json output (progress lines may come before it)."""
    return json.loads(out.strip().splitlines()[-1])
