"""The README's web console lines, verbatim, on a fresh local chain after the year's first deployment: two users
added (their passwords from the environment, as the lines give them), then `rwa serve ... &` started in the
background as a shell would, answering its sign-in page on the port the line names, and stopped."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from test_cli_year import ASSIGNMENT, ROOT, Shell, fresh_chain, readme_shell, year_lines  # noqa: F401  (the fixture is used by name)

SECTION = "## The web console"


def console_lines() -> list[str]:
    text = (ROOT / "README.md").read_text().split(SECTION, 1)[1]
    block = re.search(r"^```bash\n(.*?)^```$", text, re.DOTALL | re.MULTILINE).group(1)
    return [line for line in block.splitlines() if line.strip() and not line.startswith("#")]


def _in_background(shell: Shell, line: str, tmp_path: Path) -> subprocess.Popen:
    command = line.split("#", 1)[0].strip().removesuffix("&").strip()
    env = {**os.environ, **shell.vars, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen(["bash", "-c", f"exec {shell.expand(command)}"], cwd=tmp_path, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _answers(url: str, server: subprocess.Popen, seconds: float = 30) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the console exited: {server.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as page:
                return page.read().decode()
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing answered at {url}")


def test_readme_console_lines_run_verbatim(fresh_chain, tmp_path, monkeypatch, capsys):  # noqa: F811
    shell = readme_shell(fresh_chain, tmp_path, monkeypatch, capsys)
    # The year's first lines: the local chain's URL, the desk's wallets, the deployment.
    for line in year_lines():
        if ASSIGNMENT.match(line.split()[-1]) or line.startswith("rwa deploy"):
            assert shell.run(line)[0] == 0, line
        if line.startswith("rwa deploy"):
            break
    shell.vars["RWA_STATE_DIR"] = str(tmp_path / ".rwa")
    for line in console_lines():
        if line.split("#", 1)[0].rstrip().endswith("&"):
            port = re.search(r"--port (\d+)", line).group(1)
            server = _in_background(shell, line, tmp_path)
            try:
                page = _answers(f"http://127.0.0.1:{port}/login", server)
                assert "Sign in" in page or "sign in" in page
            finally:
                server.terminate()
                server.wait(timeout=10)
            continue
        code, out, err, expected = shell.run(line)
        assert code == expected, f"{line}\n{out}\n{err}"
    users = (tmp_path / ".rwa" / "console-users.json").read_text()
    assert '"desk"' in users and '"alice"' in users and "a long passphrase" not in users
