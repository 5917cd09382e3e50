"""The console's users: a JSON file in the state folder (`console-users.json`), each user with a role and, for an
investor, the wallets they may see. Passwords are kept only as werkzeug's salted hashes (scrypt)."""
from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from werkzeug.security import check_password_hash, generate_password_hash

from ..primitives.errors import ConfigError
from ..primitives.units import address

OPERATOR, AUDITOR, INVESTOR = "operator", "auditor", "investor"
ROLES = (OPERATOR, AUDITOR, INVESTOR)
USERS_FILE = "console-users.json"
MIN_PASSWORD = 10


@dataclass(frozen=True)
class User:
    name: str
    role: str
    password_hash: str
    wallets: tuple[str, ...] = field(default=())  # an investor's own wallets (checksummed)

    def sees_wallet(self, wallet: str) -> bool:
        return wallet.lower() in {w.lower() for w in self.wallets}


class UserStore:
    """Users by name, read from and written to one file (written whole, through a temporary file, so a crash
    never leaves half a file)."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def in_state(cls, state: Path) -> "UserStore":
        return cls(state / USERS_FILE)

    def _load(self) -> dict[str, User]:
        if not self.path.exists():
            return {}
        try:
            raw = json.loads(self.path.read_text())
            return {u["name"]: User(u["name"], u["role"], u["password_hash"], tuple(u.get("wallets", ())))
                    for u in raw["users"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{self.path}: not a console users file ({exc})") from None

    def _save(self, users: dict[str, User]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"users": [{**asdict(u), "wallets": list(u.wallets)} for u in users.values()]}
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".console-users")
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=2)
        os.chmod(tmp, 0o600)  # password hashes are still secrets worth guarding
        os.replace(tmp, self.path)

    def all(self) -> list[User]:
        return sorted(self._load().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        return self._load().get(name)

    def add(self, name: str, role: str, password: str, wallets: list[str] | tuple[str, ...] = ()) -> User:
        """Add (or replace) a user. An investor needs at least one wallet; the other roles take none."""
        name = name.strip()
        if not name or any(c.isspace() for c in name):
            raise ConfigError(f"user name {name!r}: give one word (letters, digits, . _ -)")
        if role not in ROLES:
            raise ConfigError(f"role {role!r}: one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise ConfigError(f"the password must have at least {MIN_PASSWORD} characters")
        checked = tuple(address(w, "wallet") for w in wallets)
        if role == INVESTOR and not checked:
            raise ConfigError("an investor user needs --wallet (one or more of the investor's wallets)")
        if role != INVESTOR and checked:
            raise ConfigError(f"--wallet binds investor users to their wallets; an {role} sees every wallet")
        users = self._load()
        users[name] = User(name, role, generate_password_hash(password), checked)
        self._save(users)
        return users[name]

    def remove(self, name: str) -> None:
        users = self._load()
        if users.pop(name, None) is None:
            raise ConfigError(f"no console user {name!r}")
        self._save(users)

    def check(self, name: str, password: str) -> User | None:
        """The user if the password is theirs, else None (the same answer for an unknown name)."""
        user = self.get(name)
        if user is None:
            check_password_hash(_DUMMY, password)  # as slow as a real check, so names cannot be probed by timing
            return None
        return user if check_password_hash(user.password_hash, password) else None


_DUMMY = generate_password_hash("not a password of anyone")
