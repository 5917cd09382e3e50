"""A throwaway PostgreSQL server in a temporary folder, for the tests and benchmarks of the PostgreSQL index.

It uses the server binaries of the distribution's package (Debian: /usr/lib/postgresql/<version>/bin, from
`apt-get install postgresql`, which `make test` runs when they are missing): `initdb` makes a cluster in the
folder, `pg_ctl` starts it on a free local port with its socket in the same folder, and stopping removes it all.
PostgreSQL refuses to run as root, so under root the cluster belongs to the `postgres` user the package created
and its commands run through `runuser`; nothing is created outside the temporary folder.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..chain.node import free_port
from ..primitives.errors import ConfigError

INSTALL_HINT = ("PostgreSQL's server is not installed (no pg_ctl under /usr/lib/postgresql/*/bin): run `make test`, "
                "which installs it as root, or `apt-get install -y postgresql`")


def server_bin() -> Path:
    """The newest installed server's bin folder."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    if not found:
        raise ConfigError(INSTALL_HINT)
    return Path(found[-1]).parent


class LocalPostgres:
    """`with LocalPostgres() as pg: pg.url` -- a server for the duration of the block."""

    def __init__(self) -> None:
        self.bin = server_bin()
        self.folder = Path(tempfile.mkdtemp(prefix="rwa-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.url = f"postgresql://rwa@127.0.0.1:{self.port}/postgres"
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ConfigError("running as root, PostgreSQL needs its `postgres` user (made by the distribution's "
                                  "package): " + INSTALL_HINT) from None
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        done = subprocess.run([*self.prefix, *args], capture_output=True, text=True, cwd=self.folder)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise ConfigError(f"{Path(args[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")

    def start(self) -> "LocalPostgres":
        # A test server: no fsync (a crash of the machine loses nothing worth keeping), a socket in the folder.
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "rwa", "-A", "trust", "-E", "UTF8",
                  "--no-locale", "--no-sync")
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w",
                  "-t", "60", "-o", options, "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self.prefix, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                            "stop"], capture_output=True, cwd=self.folder)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "LocalPostgres":
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
