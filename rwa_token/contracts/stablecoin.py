"""A payment token (ERC-20): the mock stablecoin used on local chains, or any deployed stablecoin."""
from __future__ import annotations

from eth_account.signers.local import LocalAccount

from ..chain.tx import Receipt
from ..primitives.units import address
from .base import Amount, ContractWrapper


class ERC20(ContractWrapper):
    """Any ERC-20 payment token (a stablecoin): balances, allowances, approve and transfer.

    Amounts are `int` base units or decimal strings in whole units ("250000.50"), scaled by `decimals()`."""

    CONTRACT = "MockStablecoin"

    def units(self, amount: Amount, field: str = "amount") -> int:
        """`amount` in base units: an int passes through, "1250.5" is scaled by the token's decimals."""
        return self.units_of(self.address, amount, field)

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

    def approve(self, spender: str, amount: Amount, sender: LocalAccount | None = None,
                dry_run: bool = False) -> Receipt | None:
        return self.send("approve", address(spender, "spender"), self.units(amount), sender=sender, dry_run=dry_run)

    def transfer(self, to: str, amount: Amount, sender: LocalAccount | None = None) -> Receipt:
        return self.send("transfer", address(to, "to"), self.units(amount), sender=sender)


class MockStablecoin(ERC20):
    """Freely mintable stand-in for a USD/HKD stablecoin on local chains."""

    def mint(self, to: str, amount: Amount, sender: LocalAccount | None = None,
             dry_run: bool = False) -> Receipt | None:
        return self.send("mint", address(to, "to"), self.units(amount), sender=sender, dry_run=dry_run)
