"""EIP-712 typed data as the contracts' domains define it (OpenZeppelin EIP712: name, version, chain id, contract)."""
from __future__ import annotations

from typing import Any

DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def typed_data(primary_type: str, fields: list[dict[str, str]], name: str, version: str, chain_id: int,
               verifying_contract: str, message: dict[str, Any]) -> dict[str, Any]:
    """The full structure `eth_account.messages.encode_typed_data(full_message=...)` signs."""
    return {
        "types": {"EIP712Domain": DOMAIN_FIELDS, primary_type: fields},
        "primaryType": primary_type,
        "domain": {"name": name, "version": version, "chainId": chain_id, "verifyingContract": verifying_contract},
        "message": message,
    }
