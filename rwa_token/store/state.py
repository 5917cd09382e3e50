"""The local state folder: deployment records (addresses, chain id, block) by offering name, journals of
resumable operations, and the event index. Default `./.rwa`, or $RWA_STATE_DIR."""
from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..primitives.errors import ConfigError, WrongChain


def state_dir(explicit: str | Path | None = None) -> Path:
    path = state_location(explicit)
    path.mkdir(parents=True, exist_ok=True)
    return path


def state_location(explicit: str | Path | None = None) -> Path:
    """The state folder's path, without creating it."""
    return Path(explicit or os.environ.get("RWA_STATE_DIR") or ".rwa")


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
    # Payment token symbol -> the name of the ERC-1643 document (on the token) its RMB-pegged approval rests on.
    payment_documents: dict[str, str] = field(default_factory=dict)
    # The block of the deployment's first transaction (mock payment tokens, registry and distributor come before the
    # factory call at `block`): where an index of every contract of the offering starts. 0 in records written before
    # it was kept (read `first_block or block`).
    first_block: int = 0

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

    def contracts(self) -> list[tuple[str, str]]:
        """Every contract the record names, as (what, address): the offering's own first (registry, tokens,
        distributor, modules), then the chain's factory and the payment tokens."""
        found = [("registry", self.registry), *((f"token {s}", a) for s, a in self.tokens.items())]
        if self.distributor:
            found.append(("distributor", self.distributor))
        found += [(f"module {k}", a) for k, a in self.modules.items()]
        found += [("factory", self.factory), *((f"payment token {s}", a) for s, a in self.payment_tokens.items())]
        seen: set[str] = set()
        return [(what, a) for what, a in found if not (a.lower() in seen or seen.add(a.lower()))]

    def contract_named(self, address: str) -> str:
        """What `address` is in this offering ("registry", "token HSTOLLA", ...); a ConfigError for an address the
        record does not name (a typo, or another offering's contract)."""
        for what, a in self.contracts():
            if a.lower() == address.lower():
                return what
        known = ", ".join(f"{what} {a}" for what, a in self.contracts())
        raise ConfigError(f"{address} is not a contract of offering {self.name!r} (it has: {known})")

    def check_chain(self, chain_id: int) -> None:
        if chain_id != self.chain_id:
            raise WrongChain(
                f"offering {self.name!r} is deployed on chain {self.chain_id}, but the RPC endpoint is chain "
                f"{chain_id}: pass the right --rpc-url"
            )


class StaleRecord(ConfigError):
    """A deployment record whose contracts are not on its chain (a local chain was restarted, or reset, after the
    deployment): every command would otherwise fail on the first empty answer."""

    def __init__(self, record: DeploymentRecord, missing: list[tuple[str, str]], url: str, chain_id: int,
                 path: Path, also: str = ""):
        self.record, self.missing, self.url, self.chain_id, self.path = record, missing, url, chain_id, path
        what, address = missing[0]
        more = f" (nor do {len(missing) - 1} more of its {len(record.contracts())} contracts)" if missing[1:] else ""
        super().__init__(
            f"offering {record.name!r}: its {what} {address} has no code on chain {chain_id} at {url}{more}, so the "
            f"deployment record {path} is stale (the chain was reset or restarted since): remove or move that record "
            f"and redeploy with `rwa deploy {record.spec_path or 'SPEC'}`, or point --state at another state folder"
            + also
        )

    def with_hint(self, also: str) -> "StaleRecord":
        """The same refusal with more advice at the end of its line."""
        return StaleRecord(self.record, self.missing, self.url, self.chain_id, self.path, also)


def record_path(name: str, directory: str | Path | None = None, create: bool = True) -> Path:
    """Where the offering's record is (or would be) saved; `create` makes the state folder if it is missing."""
    return (state_dir if create else state_location)(directory) / "deployments" / f"{slug(name)}.json"


def record_paths(directory: Path | None = None) -> list[Path]:
    """The saved deployment records (not the progress files of deployments still under way)."""
    found = (state_dir(directory) / "deployments").glob("*.json")
    return sorted(p for p in found if not p.name.endswith(".progress.json"))


def set_aside(path: Path) -> Path:
    """Move a record out of the way (into deployments/replaced/, with the time in its name, never over another);
    where it went."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    folder = path.parent / "replaced"
    folder.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        target = folder / f"{path.stem}-{stamp}{f'-{n}' if n > 1 else ''}.json"
        try:
            with open(target, "x"):  # claim the name: a second replacement in the same second gets the next one
                pass
        except FileExistsError:
            n += 1
            continue
        path.replace(target)
        return target


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
        known = [p.stem for p in record_paths(directory)]
        hint = f" (known: {', '.join(known)})" if known else " (run `rwa deploy offering.yaml` first)"
        raise ConfigError(f"no deployed offering named {name!r} in {state_dir(directory)}{hint}")
    return DeploymentRecord(**json.loads(path.read_text()))


def only_record(directory: Path | None = None) -> DeploymentRecord:
    """The single deployed offering, for commands run without --offering."""
    paths = record_paths(directory)
    if len(paths) != 1:
        names = ", ".join(p.stem for p in paths) or "none"
        raise ConfigError(f"say which offering with --offering (deployed: {names})")
    return DeploymentRecord(**json.loads(paths[0].read_text()))
