"""Signing keys: from an environment variable or an encrypted keystore file, never from the command line."""
from __future__ import annotations

import json
import os
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount

from ..primitives.errors import ConfigError

KEY_ENV = "RWA_PRIVATE_KEY"
KEYSTORE_PASSWORD_ENV = "RWA_KEYSTORE_PASSWORD"


def from_env(variable: str = KEY_ENV) -> LocalAccount | None:
    value = os.environ.get(variable)
    if not value:
        return None
    try:
        return Account.from_key(value.strip())
    except (ValueError, TypeError):
        raise ConfigError(f"${variable} is not a valid private key (64 hex digits, optionally 0x-prefixed)") from None


def from_keystore(path: str | Path, password: str | None = None) -> LocalAccount:
    """Decrypt a JSON keystore (geth/web3 v3 format). The password comes from $RWA_KEYSTORE_PASSWORD or the
    caller (the CLI prompts for it without echo)."""
    try:
        keystore = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError(f"keystore {str(path)!r} not found") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"keystore {str(path)!r} is not a JSON keystore: {exc}") from None
    secret = password if password is not None else os.environ.get(KEYSTORE_PASSWORD_ENV)
    if secret is None:
        raise ConfigError(f"keystore {path} needs a password: set ${KEYSTORE_PASSWORD_ENV}")
    try:
        return Account.from_key(Account.decrypt(keystore, secret))
    except ValueError:
        raise ConfigError(f"wrong password for keystore {path}") from None


def write_keystore(account: LocalAccount, path: str | Path, password: str) -> Path:
    target = Path(path)
    target.write_text(json.dumps(Account.encrypt(account.key, password)))
    target.chmod(0o600)
    return target
