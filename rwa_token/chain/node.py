"""Connect to any JSON-RPC endpoint, or start a local anvil or Ganache that dies with us.

`Chain.connect(url)` wraps an existing node; `Chain.local(engine="anvil"|"ganache")` starts one on a free loopback
port with a pinned hardfork, chain id 31337 and the funded dev accounts of the well-known test mnemonic, and stops
it at exit, on SIGTERM and even if we are killed (Linux parent-death signal). The test and demo controls
(`set_balance`, `increase_time`, `mine`, `snapshot`, `revert`) go through one adapter, `EngineControls`, that knows
each engine's JSON-RPC method names; the engine of an outside node is recognised from `web3_clientVersion`.
"""
from __future__ import annotations

import atexit
import base64
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3

from ..primitives.artifacts import EVM_DEFAULT, EVM_TARGETS
from ..primitives.constants import ANVIL_CHAIN_ID
from ..primitives.errors import AnvilNotFound, ChainError, ConfigError, WrongChain

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HARDFORK = "prague"
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 10
# Creation code that runs TLOAD, TSTORE and MCOPY (cancun) and stops: a node that executes it takes the prague
# build, one that refuses it (shanghai-level: Ganache 7.9, chains behind the newest hardforks) the shanghai build.
# PUSH0 TLOAD POP, PUSH0 PUSH0 TSTORE, PUSH1 0x20 PUSH0 PUSH0 MCOPY, STOP.
CANCUN_PROBE = "0x5f5c505f5f5d60205f5f5e00"
ANVIL_INSTALL_HINT = (
    "anvil (Foundry's local chain) was not found. Install it with `npm install @foundry-rs/anvil@1.7.1` "
    "in the project root (or `make setup`), or install Foundry (~/.foundry/bin/anvil), or put `anvil` on PATH, or "
    "set RWA_ANVIL to its path"
)
GANACHE_VERSION = "7.9.2"
GANACHE_HARDFORK = "shanghai"  # the newest Ganache 7.9 knows: no TLOAD/TSTORE/MCOPY (the shanghai build)
GANACHE_INSTALL_HINT = (
    f"ganache was not found. Install it with `npm install ganache@{GANACHE_VERSION}` in the project root "
    "(or `make setup`), or put `ganache` on PATH, or set RWA_GANACHE to its path"
)
ENGINES = ("anvil", "ganache")
# Each engine's JSON-RPC method for each test/demo control; an operation missing here is one the engine lacks.
_EVM_CONTROLS = {"increase_time": "evm_increaseTime", "mine": "evm_mine", "snapshot": "evm_snapshot",
                 "revert": "evm_revert"}
ENGINE_METHODS: dict[str, dict[str, str]] = {
    "anvil": {**_EVM_CONTROLS, "set_balance": "anvil_setBalance"},
    "hardhat": {**_EVM_CONTROLS, "set_balance": "hardhat_setBalance"},
    "ganache": {**_EVM_CONTROLS, "set_balance": "evm_setAccountBalance"},
}
# web3_clientVersion prefix (lower case) -> engine, e.g. "anvil/v1.7.1", "Ganache/v7.9.2/EthereumJS TestRPC/...".
CLIENT_VERSIONS = {"anvil": "anvil", "ganache": "ganache", "hardhatnetwork": "hardhat"}

Account.enable_unaudited_hdwallet_features()


def find_anvil() -> str:
    """anvil from $RWA_ANVIL, the project's node_modules (the pinned version), PATH or a Foundry install."""
    bundled = PROJECT_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    foundry = Path.home() / ".foundry" / "bin" / "anvil"
    return _find_executable("RWA_ANVIL", [bundled, "anvil", foundry], AnvilNotFound, ANVIL_INSTALL_HINT)


def find_ganache() -> list[str]:
    """The command that starts Ganache: $RWA_GANACHE, the project's node_modules (run with node), or PATH."""
    cli = PROJECT_ROOT / "node_modules" / "ganache" / "dist" / "node" / "cli.js"
    node = shutil.which("node")
    if not os.environ.get("RWA_GANACHE") and cli.exists() and node:
        return [node, str(cli)]
    return [_find_executable("RWA_GANACHE", ["ganache"], ChainError, GANACHE_INSTALL_HINT)]


def _find_executable(env: str, candidates: list, error: type[ChainError], hint: str) -> str:
    explicit = os.environ.get(env)
    if explicit:
        if not os.access(explicit, os.X_OK):
            raise error(f"{env}={explicit} is not an executable. " + hint)
        return explicit
    for candidate in candidates:
        if isinstance(candidate, Path):
            if os.access(candidate, os.X_OK):
                return str(candidate)
        elif shutil.which(candidate):
            return shutil.which(candidate)
    raise error(hint)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_free(port: int) -> bool:
    """Whether nothing listens on loopback `port` (a node started there would otherwise seem to answer). A port
    left in TIME_WAIT by a node that just stopped counts as free, as it does for the node itself."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


class _Connections(threading.local):
    """One kept-alive HTTP connection per node URL and thread: a request on a fresh connection costs a TCP
    handshake (about 0.6 ms per call on a local node against 0.2 ms on a kept-alive one)."""

    def __init__(self) -> None:
        self.open: dict[str, http.client.HTTPConnection] = {}
        self.pid = os.getpid()


_connections = _Connections()


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, bool]:
    """The thread's connection to `url` (and whether it was reused), with `timeout` for this request."""
    if _connections.pid != os.getpid():  # a forked child must not talk on its parent's sockets
        _connections.open, _connections.pid = {}, os.getpid()
    connection = _connections.open.get(url)
    reused = connection is not None
    if connection is None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ChainError(f"cannot reach the chain at {url}: not an http(s) URL")
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.hostname, parts.port, timeout=timeout)
        _connections.open[url] = connection
    connection.timeout = timeout
    if connection.sock is not None:
        connection.sock.settimeout(timeout)
    return connection, reused


def close_connections(url: str) -> None:
    """Drop this thread's kept-alive connection to `url` (a node that stopped)."""
    connection = _connections.open.pop(url, None)
    if connection is not None:
        connection.close()


def _post(url: str, body: bytes, timeout: float) -> object:
    """POST a JSON-RPC body on the kept-alive connection and parse the answer. A reused connection the node has
    closed meanwhile (idle timeout, restart) fails before any answer is read: that one request is sent again on a
    new connection; a node that cannot be reached at all raises a ChainError."""
    parts = urllib.parse.urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {"Content-Type": "application/json", "Connection": "keep-alive"}
    if parts.username:
        token = base64.b64encode(f"{urllib.parse.unquote(parts.username)}:"
                                 f"{urllib.parse.unquote(parts.password or '')}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    for attempt in range(2):
        connection, reused = _connection(url, timeout)
        try:
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            payload = response.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                http.client.CannotSendRequest, http.client.BadStatusLine) as exc:
            close_connections(url)
            if reused and attempt == 0:
                continue  # the node closed an idle connection: not an unreachable node
            raise ChainError(f"cannot reach the chain at {url}: {exc or type(exc).__name__}") from exc
        except (http.client.HTTPException, OSError) as exc:  # refused, unresolvable, timed out
            close_connections(url)
            raise ChainError(f"cannot reach the chain at {url}: {exc}") from exc
        if response.will_close:
            close_connections(url)
        if response.status >= 400 and not payload.strip().startswith((b"{", b"[")):
            raise ChainError(f"cannot reach the chain at {url}: HTTP {response.status} {response.reason}")
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise ChainError(f"{url} answered something other than JSON-RPC: {payload[:200]!r}") from exc
    raise AssertionError("unreachable")


def rpc_request(url: str, method: str, params: list, timeout: float = 30.0) -> dict:
    """One raw JSON-RPC request; returns the whole response (result or error)."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    answer = _post(url, body, timeout)
    if not isinstance(answer, dict):
        raise ChainError(f"{url} answered a single request with {type(answer).__name__}")
    return answer


def rpc_batch_request(url: str, calls: list[tuple[str, list]], timeout: float = 60.0) -> list[dict]:
    """Several JSON-RPC requests in one HTTP round trip; responses in the order of `calls`."""
    body = json.dumps([{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)])
    answers = _post(url, body.encode(), timeout)
    if isinstance(answers, dict):  # a node that does not batch answers with one error
        raise ChainError(f"{url} refused a batch request: {answers.get('error')}")
    by_id = {a.get("id"): a for a in answers}
    return [by_id.get(i, {"error": {"message": "no answer"}}) for i in range(len(calls))]


def _die_with_parent() -> None:
    """In the child before exec: ask Linux to SIGTERM the node when its parent dies, however it dies."""
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class LocalNode:
    """A local chain process we started and own (`LocalAnvil`, `LocalGanache`): dev mnemonic, chain id 31337."""

    port: int = 0
    hardfork: str = HARDFORK
    accounts: int = DEV_ACCOUNTS
    block_time: float | None = None
    state_path: Path | None = None
    process: subprocess.Popen | None = field(default=None, repr=False)

    engine = "anvil"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 20.0) -> "LocalNode":
        if self.port and not port_free(self.port):
            raise ChainError(f"port {self.port} is taken (another chain or program listens there): stop it, or pass "
                             "--port 0 for any free port")
        self.port = self.port or free_port()
        self.process = subprocess.Popen(
            self.command(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=_die_with_parent
        )
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace").strip() if self.process.stderr else ""
                raise ChainError(f"{self.engine} exited at start (code {self.process.returncode}): {err[-500:]}")
            try:
                if "result" in rpc_request(self.url, "eth_chainId", [], timeout=1):
                    return self
            except ChainError:
                time.sleep(0.05)
        self.stop()
        raise ChainError(f"{self.engine} did not answer on {self.url} within {timeout:.0f}s")

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


@dataclass
class LocalAnvil(LocalNode):
    """An anvil process we started and own."""

    engine = "anvil"

    def command(self) -> list[str]:
        cmd = [
            find_anvil(), "--host", "127.0.0.1", "--port", str(self.port), "--hardfork", self.hardfork,
            "--accounts", str(self.accounts), "--balance", "1000000", "--mnemonic", DEV_MNEMONIC,
            "--chain-id", str(ANVIL_CHAIN_ID), "--gas-limit", "100000000", "--silent",
        ]
        if self.block_time:
            cmd += ["--block-time", str(self.block_time)]
        if self.state_path:
            cmd += ["--state", str(self.state_path)]
        return cmd


@dataclass
class LocalGanache(LocalNode):
    """A Ganache 7.9 process we started and own (shanghai at most: the contracts' shanghai build runs on it)."""

    hardfork: str = GANACHE_HARDFORK
    engine = "ganache"

    def command(self) -> list[str]:
        cmd = [
            *find_ganache(), "--server.host", "127.0.0.1", "--server.port", str(self.port), "--server.ws", "false",
            "--chain.hardfork", self.hardfork, "--chain.chainId", str(ANVIL_CHAIN_ID),
            "--wallet.mnemonic", DEV_MNEMONIC, "--wallet.totalAccounts", str(self.accounts),
            "--wallet.defaultBalance", "1000000", "--miner.blockGasLimit", "100000000", "--logging.quiet",
        ]
        if self.block_time:
            cmd += ["--miner.blockTime", str(self.block_time)]
        if self.state_path:
            cmd += ["--database.dbPath", str(self.state_path)]  # a directory for Ganache
        return cmd


LOCAL_NODES: dict[str, type[LocalNode]] = {"anvil": LocalAnvil, "ganache": LocalGanache}


def engine_of(client_version: str) -> str:
    """The engine behind a `web3_clientVersion` answer ("anvil", "ganache", "hardhat"), else the answer itself."""
    name = client_version.split("/", 1)[0].strip().lower()
    return CLIENT_VERSIONS.get(name, client_version or "unknown")


class EngineControls:
    """The test and demo controls of one engine, mapped to its JSON-RPC methods. An operation the engine lacks
    (or a node that refuses it) raises a `ChainError` naming the engine and the operation."""

    def __init__(self, engine: str, rpc):
        self.engine = engine
        self.methods = ENGINE_METHODS.get(engine, {})
        self._rpc = rpc

    def run(self, operation: str, params: list | None = None):
        method = self.methods.get(operation)
        if method is None:
            known = ", ".join(sorted(ENGINE_METHODS))
            raise ChainError(f"{operation} is not available on this node ({self.engine}): it needs a development "
                             f"chain ({known}) with its test extensions")
        response = self._rpc(method, params or [])
        if "error" in response:
            error = response["error"]
            raise ChainError(f"{operation} failed on {self.engine} ({method}): {error.get('message', error)}")
        return response.get("result")

    def set_balance(self, address: str, wei: int) -> None:
        self.run("set_balance", [address, hex(int(wei))])

    def increase_time(self, seconds: int) -> None:
        self.run("increase_time", [int(seconds)])
        self.mine()

    def mine(self) -> None:
        self.run("mine")

    def snapshot(self) -> str:
        return self.run("snapshot")

    def revert(self, snapshot_id: str) -> bool:
        return bool(self.run("revert", [snapshot_id]))


class Chain:
    """A JSON-RPC endpoint plus, for a local chain, its dev accounts and test controls."""

    def __init__(self, url: str, expected_chain_id: int | None = None, anvil: LocalNode | None = None,
                 request_timeout: float = 30.0, evm: str | None = None, engine: str | None = None):
        self.url = url
        self.anvil = anvil  # the local node we started, whichever its engine (the name predates Ganache)
        self._engine = engine or (anvil.engine if anvil else None)
        self._controls: EngineControls | None = None
        requested = evm or os.environ.get("RWA_EVM") or None
        if requested not in (None, "auto", *EVM_TARGETS):
            raise ConfigError(f"--evm {requested}: one of auto, {', '.join(EVM_TARGETS)}")
        self._evm = None if requested == "auto" else requested
        self.w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": request_timeout}))
        self.chain_id = self._chain_id()
        if expected_chain_id is not None and expected_chain_id != self.chain_id:
            raise WrongChain(
                f"the node at {url} is chain {self.chain_id}, expected chain {expected_chain_id}: check --rpc-url"
            )

    @classmethod
    def connect(cls, url: str, expected_chain_id: int | None = None, evm: str | None = None) -> "Chain":
        return cls(url, expected_chain_id, evm=evm)

    @classmethod
    def local(cls, engine: str | None = None, evm: str | None = None, **node_options) -> "Chain":
        """Start a private anvil (default; or $RWA_ENGINE) or Ganache and connect to it. `node_options`: port,
        hardfork, accounts, block_time, state_path."""
        engine = engine or os.environ.get("RWA_ENGINE") or "anvil"
        if engine not in LOCAL_NODES:
            raise ConfigError(f"--engine {engine}: one of {', '.join(ENGINES)}")
        node = LOCAL_NODES[engine](**node_options).start()
        try:
            return cls(node.url, anvil=node, evm=evm)
        except BaseException:
            node.stop()
            raise

    @property
    def local_node(self) -> LocalNode | None:
        """The node process we started (None for an outside node)."""
        return self.anvil

    @property
    def engine(self) -> str:
        """"anvil", "ganache", "hardhat" or, for another node, its `web3_clientVersion`: known for a local chain,
        else asked once."""
        if self._engine is None:
            answer = rpc_request(self.url, "web3_clientVersion", [])
            self._engine = engine_of(str(answer.get("result", ""))) if "result" in answer else "unknown"
        return self._engine

    @property
    def controls(self) -> EngineControls:
        if self._controls is None:
            self._controls = EngineControls(self.engine, self.rpc)
        return self._controls

    @property
    def evm(self) -> str:
        """Which build of the contracts this chain runs: as set (`evm=`, `--evm`, $RWA_EVM), else detected once by
        asking the node to execute the cancun opcodes the prague build uses."""
        if self._evm is None:
            answer = rpc_request(self.url, "eth_call", [{"data": CANCUN_PROBE}, "latest"])
            self._evm = EVM_DEFAULT if "result" in answer else "shanghai"
            self.evm_detected = True
        return self._evm

    evm_detected = False

    def prefer_evm(self, evm: str | None) -> None:
        """A build named by the offering spec: used unless one was set for this chain (`evm=`, `--evm`, $RWA_EVM);
        it replaces a detected one. Call it before anything is deployed."""
        if evm and (self._evm is None or self.evm_detected):
            self._evm, self.evm_detected = evm, False

    def _chain_id(self) -> int:
        response = rpc_request(self.url, "eth_chainId", [])
        if "result" not in response:
            raise ChainError(f"{self.url} is not an Ethereum JSON-RPC endpoint: {response.get('error')}")
        return int(response["result"], 16)

    def rpc(self, method: str, params: list | None = None) -> dict:
        return rpc_request(self.url, method, params or [])

    def rpc_batch(self, calls: list[tuple[str, list]]) -> list[dict]:
        """Several requests in one HTTP round trip, answers in order; one call goes alone, and a node that refuses
        batches gets one request per call."""
        if len(calls) == 1:
            return [self.rpc(*calls[0])]
        try:
            return rpc_batch_request(self.url, calls)
        except ChainError as exc:
            if "refused a batch" not in str(exc):
                raise
            return [self.rpc(method, params) for method, params in calls]

    def dev_accounts(self, count: int = DEV_ACCOUNTS) -> list[LocalAccount]:
        """The funded accounts of a local chain (derived from the well-known test mnemonic anvil and
        `Chain.local(engine="ganache")` both use)."""
        return [Account.from_mnemonic(DEV_MNEMONIC, account_path=f"m/44'/60'/0'/0/{i}") for i in range(count)]

    # Test and demo controls (development-chain JSON-RPC extensions, through the engine's adapter)
    def snapshot(self) -> str:
        return self.controls.snapshot()

    def revert(self, snapshot_id: str) -> bool:
        return self.controls.revert(snapshot_id)

    def increase_time(self, seconds: int) -> None:
        self.controls.increase_time(seconds)

    def mine(self) -> None:
        self.controls.mine()

    def set_balance(self, address: str, wei: int) -> None:
        self.controls.set_balance(address, wei)

    def block_timestamp(self) -> int:
        return int(self._result("eth_getBlockByNumber", ["latest", False])["timestamp"], 16)

    def block_number(self) -> int:
        return int(self._result("eth_blockNumber", []), 16)

    def _result(self, method: str, params: list):
        answer = self.rpc(method, params)
        if "error" in answer:
            raise ChainError(f"{method} failed on {self.url}: {answer['error'].get('message', answer['error'])}")
        return answer["result"]

    def close(self) -> None:
        close_connections(self.url)
        if self.anvil:
            self.anvil.stop()

    def __enter__(self) -> "Chain":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
