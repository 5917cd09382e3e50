"""Primitives (layer 1 of 8, the bottom): units and addresses, countries, investor categories, the errors and
reason codes, EIP-712 typed data, the shipped ABIs (`artifacts`) and the compiler that builds them.

Each is generated from one source (ISO 3166, `data/reason_codes.json`, the contracts' ABIs) and imports nothing
from the other layers."""
