"""The issuer's own investor ids ("INV-00017"), kept off chain next to the keys: one JSON file per offering,
`<state>/investors/<slug>.json`, mapping each wallet to the issuer id it was onboarded under.

The chain holds only a salted hash of that id (primitives/units.py `investor_id`), so without this file a report
can show a wallet and its hash but not whom the issuer knows it as. The file is the issuer's, written atomically
on every change; the chain stays the truth for what is registered (a caller can check an entry by hashing its id
with the record's `investor_salt` and comparing with the registry)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..primitives.errors import ConfigError
from ..primitives.units import address
from .state import DeploymentRecord, write_json


@dataclass
class InvestorDirectory:
    """wallet (checksummed) -> issuer id, for one offering."""

    path: Path
    offering: str
    registry: str
    _ids: dict[str, str] = field(default_factory=dict)

    @classmethod
    def open(cls, state_dir: Path, record: DeploymentRecord) -> "InvestorDirectory":
        """The offering's directory (empty if none has been written yet)."""
        path = Path(state_dir) / "investors" / f"{record.slug}.json"
        ids: dict[str, str] = {}
        if path.exists():
            try:
                data = json.loads(path.read_text())
                ids = {address(w): str(i) for w, i in data.get("investors", {}).items()}
            except (ValueError, AttributeError, ConfigError) as exc:
                raise ConfigError(f"investor directory {path} is unreadable ({exc}): restore it from a backup, or "
                                  "move it away and re-import the investor CSV to rebuild it") from None
        return cls(path, record.name, record.registry, ids)

    def issuer_id(self, wallet: str) -> str | None:
        return self._ids.get(address(wallet, "wallet"))

    def wallets(self, issuer_id: str) -> list[str]:
        """Every wallet recorded under `issuer_id`, in the order they were first recorded."""
        return [w for w, i in self._ids.items() if i == issuer_id]

    def set(self, wallet: str, issuer_id: str) -> None:
        self.set_many({wallet: issuer_id})

    def set_many(self, ids: Mapping[str, str]) -> None:
        """Record many wallets at once (one write for a whole import)."""
        changed = False
        for wallet, issuer_id in ids.items():
            key = address(wallet, "wallet")
            if not str(issuer_id).strip():
                raise ConfigError(f"issuer investor id for {key} is empty")
            if self._ids.get(key) != issuer_id:
                self._ids[key] = str(issuer_id)
                changed = True
        if changed:
            self._save()

    def remove(self, wallet: str) -> None:
        if self._ids.pop(address(wallet, "wallet"), None) is not None:
            self._save()

    def all(self) -> dict[str, str]:
        return dict(self._ids)

    def _save(self) -> None:
        write_json(self.path, {"offering": self.offering, "registry": self.registry,
                               "investors": self._ids})
