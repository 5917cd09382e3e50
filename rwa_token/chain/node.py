"""Connect to any JSON-RPC endpoint, or start a local anvil that dies with us.

`Chain.connect(url)` wraps an existing node; `Chain.local()` starts anvil on a free loopback port with a
pinned hardfork and funded dev accounts, and stops it at exit, on SIGTERM and even if we are killed
(Linux parent-death signal).
"""
from __future__ import annotations

import atexit
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

from ..primitives.constants import ANVIL_CHAIN_ID
from ..primitives.errors import AnvilNotFound, ChainError, WrongChain

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HARDFORK = "prague"
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 10
ANVIL_INSTALL_HINT = (
    "anvil (Foundry's local chain) was not found. Install it with `npm install @foundry-rs/anvil@1.7.1` "
    "in the project root (or `make setup`), or put `anvil` on PATH, or set RWA_ANVIL to its path"
)

Account.enable_unaudited_hdwallet_features()


def find_anvil() -> str:
    explicit = os.environ.get("RWA_ANVIL")
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise AnvilNotFound(f"RWA_ANVIL={explicit} is not an executable. " + ANVIL_INSTALL_HINT)
        return explicit
    bundled = PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    if bundled.exists():
        return str(bundled)
    found = shutil.which("anvil")
    if found:
        return found
    raise AnvilNotFound(ANVIL_INSTALL_HINT)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rpc_request(url: str, method: str, params: list, timeout: float = 30.0) -> dict:
    """One raw JSON-RPC request; returns the whole response (result or error)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        raise ChainError(f"cannot reach the chain at {url}: {getattr(exc, 'reason', exc)}") from exc


def rpc_batch_request(url: str, calls: list[tuple[str, list]], timeout: float = 60.0) -> list[dict]:
    """Several JSON-RPC requests in one HTTP round trip; responses in the order of `calls`."""
    body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)])
    request = urllib.request.Request(url, body.encode(), {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answers = json.loads(response.read())
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        raise ChainError(f"cannot reach the chain at {url}: {getattr(exc, 'reason', exc)}") from exc
    if isinstance(answers, dict):  # a node that does not batch answers with one error
        raise ChainError(f"{url} refused a batch request: {answers.get('error')}")
    by_id = {a.get("id"): a for a in answers}
    return [by_id.get(i, {"error": {"message": "no answer"}}) for i in range(len(calls))]


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM anvil when its parent dies, however it dies."""
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class LocalAnvil:
    """An anvil process we started and own."""

    port: int = 0
    hardfork: str = HARDFORK
    accounts: int = DEV_ACCOUNTS
    block_time: float | None = None
    state_path: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> "LocalAnvil":
        self.port = self.port or free_port()
        cmd = [
            find_anvil(), "--host", "127.0.0.1", "--port", str(self.port), "--hardfork", self.hardfork,
            "--accounts", str(self.accounts), "--balance", "1000000", "--mnemonic", DEV_MNEMONIC,
            "--chain-id", str(ANVIL_CHAIN_ID), "--gas-limit", "100000000", "--silent",
        ]
        if self.block_time:
            cmd += ["--block-time", str(self.block_time)]
        if self.state_path:
            cmd += ["--state", str(self.state_path)]
        self.process = subprocess.Popen(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace").strip() if self.process.stderr else ""
                raise ChainError(f"anvil exited at start (code {self.process.returncode}): {err[-500:]}")
            try:
                if "result" in rpc_request(self.url, "eth_chainId", [], timeout=1):
                    return self
            except ChainError:
                time.sleep(0.05)
        self.stop()
        raise ChainError(f"anvil did not answer on {self.url} within {timeout:.0f}s")

    def stop(self) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=5)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        """Kill anvil abruptly (fault-injection tests)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Chain:
    """A JSON-RPC endpoint plus, for a local chain, its dev accounts and test controls."""

    def __init__(self, url: str, expected_chain_id: int | None = None, anvil: LocalAnvil | None = None,
                 request_timeout: float = 30.0):
        self.url = url
        self.anvil = anvil
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": request_timeout}))
        self.chain_id = self._chain_id()
        if expected_chain_id is not None and expected_chain_id != self.chain_id:
            raise WrongChain(
                f"the node at {url} is chain {self.chain_id}, expected chain {expected_chain_id}: check --rpc-url"
            )

    @classmethod
    def connect(cls, url: str, expected_chain_id: int | None = None) -> "Chain":
        return cls(url, expected_chain_id)

    @classmethod
    def local(cls, **anvil_options) -> "Chain":
        """Start a private anvil and connect to it."""
        anvil = LocalAnvil(**anvil_options).start()
        return cls(anvil.url, anvil=anvil)

    def _chain_id(self) -> int:
        response = rpc_request(self.url, "eth_chainId", [])
        if "result" not in response:
            raise ChainError(f"{self.url} is not an Ethereum JSON-RPC endpoint: {response.get('error')}")
        return int(response["result"], 16)

    def rpc(self, method: str, params: list | None = None) -> dict:
        return rpc_request(self.url, method, params or [])

    def rpc_batch(self, calls: list[tuple[str, list]]) -> list[dict]:
        return rpc_batch_request(self.url, calls)

    def dev_accounts(self, count: int = DEV_ACCOUNTS) -> list[LocalAccount]:
        """The funded accounts of a local anvil (derived from its well-known test mnemonic)."""
        return [Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(count)]

    # Test and demo controls (anvil/hardhat JSON-RPC extensions)
    def snapshot(self) -> str:
        return self.rpc("evm_snapshot")["result"]

    def revert(self, snapshot_id: str) -> bool:
        return bool(self.rpc("evm_revert", [snapshot_id]).get("result"))

    def increase_time(self, seconds: int) -> None:
        self.rpc("evm_increaseTime", [int(seconds)])
        self.rpc("evm_mine")

    def block_timestamp(self) -> int:
        return self.w3.eth.get_block("latest")["timestamp"]

    def block_number(self) -> int:
        return self.w3.eth.block_number

    def close(self) -> None:
        if self.anvil:
            self.anvil.stop()

    def __enter__(self) -> "Chain":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
