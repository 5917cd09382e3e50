"""A payment token (ERC-20): the mock stablecoin used on local chains, or any deployed stablecoin."""
from __future__ import annotations

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt
from .base import ContractWrapper


class ERC20(ContractWrapper):
    CONTRACT = "MockStablecoin"

    def balance_of(self, account: str, block: int | str = "latest") -> int:
        return self.call("balanceOf", account, block=block)

    def total_supply(self) -> int:
        return self.call("totalSupply")

    def allowance(self, owner: str, spender: str) -> int:
        return self.call("allowance", owner, spender)

    def decimals(self) -> int:
        return self.call("decimals")

    def symbol(self) -> str:
        return self.call("symbol")

    def approve(self, spender: str, amount: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("approve", spender, amount, sender=sender)

    def transfer(self, to: str, amount: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("transfer", to, amount, sender=sender)


class MockStablecoin(ERC20):
    """Freely mintable stand-in for a USD/HKD stablecoin on local chains."""

    def mint(self, to: str, amount: int, sender: LocalAccount | None = None) -> Receipt:
        return self.send("mint", to, amount, sender=sender)
