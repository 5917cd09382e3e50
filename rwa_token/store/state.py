"""The local state folder: deployment records (addresses, chain id, block) by offering name, journals of
resumable operations, and the event index. Default `./.rwa`, or $RWA_STATE_DIR."""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..primitives.errors import ConfigError, WrongChain


def state_dir(explicit: str | Path | None = None) -> Path:
    path = Path(explicit or os.environ.get("RWA_STATE_DIR") or ".rwa")
    path.mkdir(parents=True, exist_ok=True)
    return path


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not text:
        raise ConfigError(f"offering name {name!r} has no letters or digits")
    return text


@dataclass
class DeploymentRecord:
    """Where an offering lives. Later commands find it by name (or slug)."""

    name: str
    chain_id: int
    rpc_url: str
    block: int
    factory: str
    registry: str
    distributor: str | None
    tokens: dict[str, str]  # symbol -> address, in tranche order (senior first)
    payment_tokens: dict[str, str]  # symbol -> address
    salt: str  # 0x hex: the factory salt (fixes every address)
    investor_salt: str  # issuer's secret for investor-id hashing; never sent on chain
    decimals: dict[str, int] = field(default_factory=dict)
    spec_path: str = ""
    modules: dict[str, str] = field(default_factory=dict)  # e.g. "waterfall", "redemption:<symbol>" -> address

    @property
    def slug(self) -> str:
        return slug(self.name)

    def token(self, symbol: str | None = None) -> tuple[str, str]:
        """(symbol, address) of a token: the named one, or the first (senior) when not given."""
        if symbol is None:
            first = next(iter(self.tokens))
            return first, self.tokens[first]
        match = {s.upper(): s for s in self.tokens}.get(symbol.upper())
        if match is None:
            raise ConfigError(f"offering {self.name!r} has no token {symbol!r} (it has {', '.join(self.tokens)})")
        return match, self.tokens[match]

    def check_chain(self, chain_id: int) -> None:
        if chain_id != self.chain_id:
            raise WrongChain(
                f"offering {self.name!r} is deployed on chain {self.chain_id}, but the RPC endpoint is chain "
                f"{chain_id}: pass the right --rpc-url"
            )


def record_path(name: str, directory: Path | None = None) -> Path:
    return state_dir(directory) / "deployments" / f"{slug(name)}.json"


def write_json(path: Path, data: object) -> Path:
    """Write `data` as JSON atomically: a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
    return path


def save_record(record: DeploymentRecord, directory: Path | None = None) -> Path:
    return write_json(record_path(record.name, directory), asdict(record))


def load_record(name: str, directory: Path | None = None) -> DeploymentRecord:
    path = record_path(name, directory)
    if not path.exists():
        known = sorted(p.stem for p in (state_dir(directory) / "deployments").glob("*.json"))
        hint = f" (known: {', '.join(known)})" if known else " (run `rwa deploy offering.yaml` first)"
        raise ConfigError(f"no deployed offering named {name!r} in {state_dir(directory)}{hint}")
    return DeploymentRecord(**json.loads(path.read_text()))


def only_record(directory: Path | None = None) -> DeploymentRecord:
    """The single deployed offering, for commands run without --offering."""
    paths = sorted((state_dir(directory) / "deployments").glob("*.json"))
    if len(paths) != 1:
        names = ", ".join(p.stem for p in paths) or "none"
        raise ConfigError(f"say which offering with --offering (deployed: {names})")
    return DeploymentRecord(**json.loads(paths[0].read_text()))
