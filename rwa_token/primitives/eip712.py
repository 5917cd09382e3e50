"""EIP-712 typed data as the contracts define it: the domain (OpenZeppelin EIP712: name, version, chain id,
contract) and the one definition of each signed struct (the registry's KYC attestation, a DvP trade, a collateral
pledge, an ERC-2612 permit). `type_string` gives the string the contract hashes into its `*_TYPEHASH` constant; `tests/test_sdk.py`
compares the two."""
from __future__ import annotations

from typing import Any

DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

# InvestorRegistry.ATTESTATION_TYPEHASH: a KYC provider's signed registration that anyone may submit.
ATTESTATION_FIELDS = [
    {"name": "wallet", "type": "address"},
    {"name": "investorId", "type": "bytes32"},
    {"name": "country", "type": "uint16"},
    {"name": "categories", "type": "uint32"},
    {"name": "kycExpiry", "type": "uint40"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
ATTESTATION_DOMAIN = ("rwa-token InvestorRegistry", "1")

# DvPSettlement.TRADE_TYPEHASH: a seller's signed offer, settled delivery-versus-payment.
TRADE_FIELDS = [
    {"name": "seller", "type": "address"},
    {"name": "buyer", "type": "address"},
    {"name": "securityToken", "type": "address"},
    {"name": "securityAmount", "type": "uint256"},
    {"name": "paymentToken", "type": "address"},
    {"name": "paymentAmount", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "expiry", "type": "uint64"},
    {"name": "feeBps", "type": "uint16"},
]
TRADE_DOMAIN = ("RWA DvP Settlement", "1")

# CollateralManager.PLEDGE_TYPEHASH: a holder's consent to lock tokens as a lender's margin collateral.
PLEDGE_FIELDS = [
    {"name": "holder", "type": "address"},
    {"name": "lender", "type": "address"},
    {"name": "amount", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
PLEDGE_DOMAIN = ("RWA Collateral Manager", "1")

# SecurityToken.PERMIT_TYPEHASH: ERC-2612, an owner's signed approval. The domain's name is the token's own (current)
# name, so only the version is fixed.
PERMIT_FIELDS = [
    {"name": "owner", "type": "address"},
    {"name": "spender", "type": "address"},
    {"name": "value", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
    {"name": "deadline", "type": "uint256"},
]
PERMIT_VERSION = "1"

STRUCTS = {"Attestation": ATTESTATION_FIELDS, "Trade": TRADE_FIELDS, "Pledge": PLEDGE_FIELDS,
           "Permit": PERMIT_FIELDS}


def type_string(primary_type: str, fields: list[dict[str, str]] | None = None) -> str:
    """`Trade(address seller,...)`: what the contract's `*_TYPEHASH` is the keccak of."""
    fields = STRUCTS[primary_type] if fields is None else fields
    members = ",".join(f"{field['type']} {field['name']}" for field in fields)
    return f"{primary_type}({members})"


def typed_data(primary_type: str, fields: list[dict[str, str]], name: str, version: str, chain_id: int,
               verifying_contract: str, message: dict[str, Any]) -> dict[str, Any]:
    """The full structure `eth_account.messages.encode_typed_data(full_message=...)` signs."""
    return {
        "types": {"EIP712Domain": DOMAIN_FIELDS, primary_type: fields},
        "primaryType": primary_type,
        "domain": {"name": name, "version": version, "chainId": chain_id, "verifyingContract": verifying_contract},
        "message": message,
    }
