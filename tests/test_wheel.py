"""Installed, not only cloned: the wheel built from the repository (`pip wheel . --no-deps`), installed into a fresh
venv outside it, runs `rwa --help` and the whole `rwa demo` from an empty folder, the example deal coming from the
package data.

The fresh venv gets the SDK's dependencies from the test's own environment through a .pth file (nothing is
downloaded for them, and pip still resolves the wheel's declared requirements against those installed versions);
the repository's editable install is not on that path, which the test checks: `rwa_token` is imported from the
fresh venv. The wheel is built from a copy of the checkout (its files as git would ship them, without build output),
so a stale build/ folder can neither add to the wheel nor be written by the test.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANVIL_BIN = ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin"
NOT_SHIPPED = ("node_modules", ".venv*", "build", "cache", "dist", ".git", "*.egg-info", "__pycache__", ".rwa",
               ".pytest_cache", ".hypothesis", "out", "lcov.info")


def run(*args, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_wheel_installed_in_a_fresh_venv_runs_the_demo(tmp_path):
    assert not tmp_path.resolve().is_relative_to(ROOT)
    source, dist, venv, work = (tmp_path / d for d in ("source", "dist", "venv", "work"))
    shutil.copytree(ROOT, source, symlinks=True, ignore=shutil.ignore_patterns(*NOT_SHIPPED))
    built = run(sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", dist, cwd=source, timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(dist.glob("rwa_token-*.whl"))

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    fresh_site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                          cwd=tmp_path).stdout.strip())
    (fresh_site / "_rwa_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    installed = run(sys.executable, "-m", "pip", "--python", python, "install", "--no-index", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]

    work.mkdir()
    env = {"HOME": str(tmp_path), "PATH": os.pathsep.join([str(ANVIL_BIN), "/usr/bin", "/bin"]), "LANG": "C.UTF-8",
           "COLUMNS": "120"}
    where = run(python, "-c", "import rwa_token, rwa_token.cli.demo as d; print(rwa_token.__file__); print(d.EXAMPLES)",
                cwd=work, env=env)
    module, examples = where.stdout.split()
    assert Path(module).is_relative_to(fresh_site), f"imported {module}, not the installed wheel"
    assert Path(examples).is_relative_to(fresh_site) and (Path(examples) / "highway-toll-abs.yaml").is_file()

    rwa = venv / "bin" / "rwa"
    helped = run(rwa, "--help", cwd=work, env=env)
    assert helped.returncode == 0, helped.stderr
    assert "deploy" in helped.stdout and "demo" in helped.stdout

    demo = run(rwa, "demo", cwd=work, env=env, timeout=180)
    assert demo.returncode == 0, (demo.stdout + demo.stderr)[-3000:]
    lines = demo.stdout.splitlines()
    assert any("Deployed by the factory in one transaction" in line for line in lines)
    assert any(line.startswith("Cap table of HSTOLLA by jurisdiction") for line in lines)
    assert lines[-1].startswith("Demo complete in ") and "investors per the token's own count: " in lines[-1]
    assert int(lines[-1].rsplit(" ", 1)[1]) > 0
    assert list(work.iterdir()) == [], "the demo leaves nothing behind in the folder it runs from"
