"""Numbers shared by the contracts and the SDK, each defined once here.

Where a value mirrors a contract constant, `tests/test_sdk.py` reads the contract's public constant on a local chain
and compares (a changed contract fails the test, never silently drifts from the SDK)."""
from __future__ import annotations

SECONDS_PER_DAY = 86_400
"""Solidity's `1 days`."""

MAX_BPS = 10_000
"""100% in basis points: `Distributor.MAX_BPS` (withholding rates) and every rate or share given in bps."""

PAYMENT_TRANSFER_FAILED = 255
"""`Distributor.PAYMENT_TRANSFER_FAILED`: the code a pushed payment is escrowed with when the payment token's own
transfer failed (a blocklisted holder), as distinct from the token's reason codes (0..254)."""

NO_TRANCHE = 255
"""`Waterfall.NO_TRANCHE`: the tranche index of the fee step (not a tranche)."""

LOCAL_CHAIN_IDS = frozenset({31337, 1337})
"""Development chains (anvil/Hardhat, Ganache): the only chains where dev accounts sign by default."""

ANVIL_CHAIN_ID = 31337
"""The chain id `Chain.local()` starts anvil with."""
